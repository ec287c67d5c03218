package io.pulsarproxy.logging;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.LayoutBase;
import com.fasterxml.jackson.annotation.JsonTypeName;
import io.dropwizard.logging.common.DropwizardLayout;
import io.dropwizard.logging.common.layout.DiscoverableLayoutFactory;
import java.util.TimeZone;

/**
 * {@code layout: {type: text}}: Dropwizard's usual human-readable log line, selectable by name so
 * that config.yml can switch between text and JSON with one environment variable.
 */
@JsonTypeName("text")
public class TextLayoutFactory implements DiscoverableLayoutFactory<ILoggingEvent> {
  @Override
  public LayoutBase<ILoggingEvent> build(LoggerContext context, TimeZone timeZone) {
    DropwizardLayout layout = new DropwizardLayout(context, timeZone);
    layout.setPattern("%-5p [%d{ISO8601,UTC}] %c: %m%n%rEx");
    return layout;
  }
}
