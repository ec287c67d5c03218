package io.pulsarproxy.core;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pulsarproxy.core.RateLimiter.RateLimit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimiterTest {
  private final AtomicLong now = new AtomicLong();
  private final RateLimiter limiter = new RateLimiter(now::get);
  private final RateLimit twoPerSecond = new RateLimit(2, 4);

  @Test
  void allowsTheBurstThenRefusesWithRetryAfter() {
    limiter.acquire("a", twoPerSecond, 4);
    ApiException refused =
        assertThrows(ApiException.class, () -> limiter.acquire("a", twoPerSecond, 1));
    assertEquals(429, refused.status());
    assertEquals("1", refused.headers().get("Retry-After"));
    ApiException big =
        assertThrows(ApiException.class, () -> limiter.acquire("a", twoPerSecond, 4));
    assertEquals("2", big.headers().get("Retry-After"), "4 permits at 2/s take 2 s");
  }

  @Test
  void refillsAtTheRateUpToTheBurst() {
    limiter.acquire("a", twoPerSecond, 4);
    now.addAndGet(1_000_000_000L);
    limiter.acquire("a", twoPerSecond, 2);
    assertThrows(ApiException.class, () -> limiter.acquire("a", twoPerSecond, 1));
    now.addAndGet(60_000_000_000L);
    limiter.acquire("a", twoPerSecond, 4);
    assertThrows(ApiException.class, () -> limiter.acquire("a", twoPerSecond, 1));
  }

  @Test
  void callersHaveSeparateBuckets() {
    limiter.acquire("a", twoPerSecond, 4);
    assertDoesNotThrow(() -> limiter.acquire("b", twoPerSecond, 4));
  }

  @Test
  void aBatchLargerThanTheBurstCanNeverPassAndSaysSo() {
    ApiException e = assertThrows(ApiException.class, () -> limiter.acquire("a", twoPerSecond, 5));
    assertEquals(429, e.status());
    assertEquals(true, e.getMessage().contains("burst"));
  }

  @Test
  void bucketsThatRefilledAreDroppedWithoutForgettingOnesInUse() {
    for (int i = 0; i < 100; i++) {
      limiter.acquire("sub-" + i, twoPerSecond, 1);
    }
    limiter.acquire("busy", twoPerSecond, 4);
    now.addAndGet(1_000_000_000L); // sub-*: full again (3 + 2 >= 4); busy: 2 of 4
    limiter.sweep(now.get());
    assertEquals(1, limiter.bucketCount(), "only the bucket that is not full is kept");
    limiter.acquire("busy", twoPerSecond, 2);
    assertThrows(ApiException.class, () -> limiter.acquire("busy", twoPerSecond, 1));
    limiter.acquire("sub-1", twoPerSecond, 4); // a dropped bucket comes back full
  }

  @Test
  void sweepsRunAsAcquisitionsGoBy() {
    for (int i = 0; i < RateLimiter.SWEEP_EVERY; i++) {
      limiter.acquire("sub-" + i, twoPerSecond, 1);
      now.addAndGet(1_000_000L);
    }
    // The sweep at the last acquisition dropped every bucket that had refilled meanwhile.
    assertTrue(limiter.bucketCount() < 1000, "buckets kept: " + limiter.bucketCount());
  }
}
