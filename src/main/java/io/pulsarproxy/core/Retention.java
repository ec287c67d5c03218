package io.pulsarproxy.core;

import java.time.Duration;

/**
 * How much of a topic is kept: in the store at most {@code maxLength} entries, none older than
 * {@code maxAge} (trimmed approximately on append in Valkey, see docs/configuration.md); in the hot
 * tier the last {@code hotWindow}.
 */
public record Retention(long maxLength, Duration maxAge, Duration hotWindow) {
  public Retention {
    if (maxLength < 1) {
      throw new IllegalArgumentException("max_length must be at least 1");
    }
    if (maxAge.isNegative() || maxAge.isZero()) {
      throw new IllegalArgumentException("max_age must be positive");
    }
    if (hotWindow.isNegative()) {
      throw new IllegalArgumentException("hot_window must not be negative");
    }
  }
}
