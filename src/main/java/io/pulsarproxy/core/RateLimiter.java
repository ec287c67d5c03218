package io.pulsarproxy.core;

import java.math.BigDecimal;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Token buckets keyed by caller name: {@code permitsPerSecond} refill, up to {@code burst}. A
 * bucket that has refilled to its burst is the same as no bucket, so such buckets are dropped now
 * and then: callers that come and go (JWT subs) do not pile up.
 */
public final class RateLimiter {
  /** Acquisitions between two sweeps for full buckets; a sweep walks every bucket. */
  static final int SWEEP_EVERY = 4096;

  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
  private final LongSupplier nanoClock;
  private final AtomicLong acquisitions = new AtomicLong();

  public RateLimiter(LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
  }

  /**
   * Takes {@code permits} from the caller's bucket.
   *
   * @throws ApiException 429 with {@code Retry-After} when the bucket cannot cover them
   */
  public void acquire(String caller, RateLimit limit, int permits) {
    if (permits > limit.burst()) {
      throw ErrorWord.RATE_LIMITED.refusal(
          "a batch of "
              + permits
              + " messages exceeds this token's burst of "
              + limit.burst()
              + "; send smaller batches");
    }
    if (acquisitions.incrementAndGet() % SWEEP_EVERY == 0) {
      sweep(nanoClock.getAsLong());
    }
    long waitNanos;
    do {
      waitNanos = bucketFor(caller, limit).tryAcquire(permits, nanoClock.getAsLong());
    } while (waitNanos < 0); // the bucket was swept meanwhile: take the caller's new one
    if (waitNanos > 0) {
      long seconds = Math.max(1, (waitNanos + TimeUnit.SECONDS.toNanos(1) - 1) / 1_000_000_000L);
      throw ErrorWord.RATE_LIMITED.refusal(
          "rate limit of "
              + BigDecimal.valueOf(limit.perSecond()).stripTrailingZeros().toPlainString()
              + " messages/s (burst "
              + limit.burst()
              + ") exceeded; retry after "
              + seconds
              + " s",
          Map.of("Retry-After", Long.toString(seconds)));
    }
  }

  private Bucket bucketFor(String caller, RateLimit limit) {
    Bucket bucket = buckets.computeIfAbsent(caller, k -> new Bucket(limit, nanoClock.getAsLong()));
    if (!bucket.limit.equals(limit)) {
      // A JWT of the same sub with another pp_rate: its own limit applies from now on.
      Bucket stale = bucket;
      bucket =
          buckets.compute(
              caller,
              (k, b) ->
                  b != null && b != stale && b.limit.equals(limit)
                      ? b
                      : new Bucket(limit, nanoClock.getAsLong()));
    }
    return bucket;
  }

  /** Drops the buckets that have refilled to their burst: a new one starts there too. */
  void sweep(long now) {
    buckets.forEach(
        (caller, bucket) -> {
          if (bucket.retireIfFull(now)) {
            buckets.remove(caller, bucket);
          }
        });
  }

  int bucketCount() {
    return buckets.size();
  }

  /** A rate in messages per second with a burst allowance. */
  public record RateLimit(double perSecond, int burst) {
    public RateLimit {
      if (perSecond <= 0 || burst < 1) {
        throw new IllegalArgumentException(
            "rate limit must be positive with a burst of at least 1");
      }
    }
  }

  private static final class Bucket {
    private final RateLimit limit;
    private double tokens;
    private long lastRefill;
    private boolean retired;

    Bucket(RateLimit limit, long now) {
      this.limit = limit;
      this.tokens = limit.burst();
      this.lastRefill = now;
    }

    /**
     * Returns 0 when granted, else how long until enough tokens will be there; -1 when this bucket
     * was swept and the caller must take a new one.
     */
    synchronized long tryAcquire(int permits, long now) {
      if (retired) {
        return -1;
      }
      tokens = Math.min(limit.burst(), tokens + (now - lastRefill) / 1e9 * limit.perSecond());
      lastRefill = now;
      if (tokens >= permits) {
        tokens -= permits;
        return 0;
      }
      return Math.max(1, (long) Math.ceil((permits - tokens) / limit.perSecond() * 1e9));
    }

    synchronized boolean retireIfFull(long now) {
      retired = tokens + (now - lastRefill) / 1e9 * limit.perSecond() >= limit.burst();
      return retired;
    }
  }
}
