package io.pulsarproxy.core;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.util.Duration;
import io.dropwizard.validation.MinDuration;
import jakarta.validation.constraints.Min;
import java.util.concurrent.TimeUnit;

/** The {@code retention:} section: what every topic keeps, and how long producer ids dedup. */
public class RetentionFactory {
  @JsonProperty
  @Min(1)
  private long maxLength = 1_000_000;

  @JsonProperty
  @MinDuration(value = 1, unit = TimeUnit.SECONDS)
  private Duration maxAge = Duration.hours(24);

  @JsonProperty
  @MinDuration(value = 1, unit = TimeUnit.SECONDS)
  private Duration dedupWindow = Duration.hours(24);

  /** How long the hot tier keeps recent messages in memory (see delivery.hotMaxSize). */
  @JsonProperty
  @MinDuration(value = 0, unit = TimeUnit.SECONDS)
  private Duration hotWindow = Duration.minutes(10);

  /** The configured retention; operators change it live with the retention task. */
  public RetentionPolicy build() {
    return new RetentionPolicy(
        new Retention(maxLength, maxAge.toJavaDuration(), hotWindow.toJavaDuration()));
  }

  public java.time.Duration dedupWindow() {
    return dedupWindow.toJavaDuration();
  }
}
