package io.pulsarproxy.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock a test moves forward: TTL expiry, retention age and the hot window are then checked
 * without waiting for the wall clock. {@link #system()} runs with the wall clock plus what the test
 * added, for a whole proxy (Valkey stamps expiry with its own time, so the proxy's clock must not
 * start in another era); {@link #fixed(Instant)} stands still between advances, for unit tests.
 */
public final class TestClock extends Clock {
  private final Clock base;
  private final AtomicLong offsetMillis;

  private TestClock(Clock base, AtomicLong offsetMillis) {
    this.base = base;
    this.offsetMillis = offsetMillis;
  }

  public static TestClock system() {
    return new TestClock(Clock.systemUTC(), new AtomicLong());
  }

  public static TestClock fixed(Instant start) {
    return new TestClock(Clock.fixed(start, ZoneOffset.UTC), new AtomicLong());
  }

  /** Moves this clock (and every clock {@link #withZone} made of it) forward. */
  public void advance(Duration by) {
    offsetMillis.addAndGet(by.toMillis());
  }

  @Override
  public long millis() {
    return base.millis() + offsetMillis.get();
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(millis());
  }

  @Override
  public ZoneId getZone() {
    return base.getZone();
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return new TestClock(base.withZone(zone), offsetMillis);
  }
}
