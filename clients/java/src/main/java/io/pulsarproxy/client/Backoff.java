package io.pulsarproxy.client;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** Exponential backoff with full jitter: a random delay from 0 to min(max, initial * 2^attempt). */
public record Backoff(Duration initial, Duration max) {
  public static final Backoff DEFAULT = new Backoff(Duration.ofMillis(250), Duration.ofSeconds(30));

  public Backoff {
    if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
      throw new IllegalArgumentException("need 0 < initial <= max");
    }
  }

  public long delayMillis(int attempt) {
    long cap = Math.min(max.toMillis(), initial.toMillis() << Math.min(attempt, 30));
    return cap <= 0 ? 0 : ThreadLocalRandom.current().nextLong(cap + 1);
  }
}
