package io.pulsarproxy.logging;

import ch.qos.logback.access.common.spi.IAccessEvent;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.LayoutBase;
import com.fasterxml.jackson.annotation.JsonTypeName;
import io.dropwizard.logging.common.layout.DiscoverableLayoutFactory;
import io.dropwizard.request.logging.layout.LogbackAccessRequestLayout;
import java.util.TimeZone;

/**
 * {@code layout: {type: access-text}}: the request log as Dropwizard writes it, minus the query
 * string. A browser's WebSocket client can only send its token as {@code ?access_token=}, and
 * secrets must never reach a log. {@code access-json} (from dropwizard-json-logging) leaves the
 * query string out by default too.
 */
@JsonTypeName("access-text")
public class AccessTextLayoutFactory implements DiscoverableLayoutFactory<IAccessEvent> {
  static final String PATTERN =
      "%h %l %u [%t{dd/MMM/yyyy:HH:mm:ss Z,UTC}] \"%m %U %H\" %s %b \"%i{Referer}\""
          + " \"%i{User-Agent}\" %D";

  @Override
  public LayoutBase<IAccessEvent> build(LoggerContext context, TimeZone timeZone) {
    LogbackAccessRequestLayout layout = new LogbackAccessRequestLayout(context, timeZone);
    layout.setPattern(PATTERN);
    return layout;
  }
}
