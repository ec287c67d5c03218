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

  public Retention build() {
    return new Retention(maxLength, maxAge.toJavaDuration());
  }

  public java.time.Duration dedupWindow() {
    return dedupWindow.toJavaDuration();
  }
}
