package io.pulsarproxy.core;

import java.time.Duration;

/**
 * How much of a topic the store keeps: at most {@code maxLength} entries, none older than {@code
 * maxAge}. Trimming on append is approximate in Valkey (whole stream nodes, see
 * docs/configuration.md).
 */
public record Retention(long maxLength, Duration maxAge) {
  public Retention {
    if (maxLength < 1) {
      throw new IllegalArgumentException("maxLength must be at least 1");
    }
    if (maxAge.isNegative() || maxAge.isZero()) {
      throw new IllegalArgumentException("maxAge must be positive");
    }
  }
}
