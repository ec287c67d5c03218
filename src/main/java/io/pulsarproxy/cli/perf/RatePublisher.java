package io.pulsarproxy.cli.perf;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongConsumer;

/**
 * Publishes at a fixed rate, round robin over topics, each payload carrying its send time (for
 * end-to-end latency). Counts what each topic had acknowledged, and refusals by status.
 */
final class RatePublisher {
  private final PerfClient client;
  private final List<String> topics;
  private final String pad;
  private final AtomicLongArray acked;
  private final Map<Integer, AtomicLong> errors = new ConcurrentHashMap<>();
  private final AtomicLong inFlight = new AtomicLong();

  /**
   * At most this many publishes in flight: the JDK's HttpClient opens a connection for every
   * request it cannot put on an idle one, and thousands of them failed before reaching the proxy.
   */
  private final Semaphore slots = new Semaphore(MAX_IN_FLIGHT);

  private static final int MAX_IN_FLIGHT = 64;
  private long sent;

  RatePublisher(PerfClient client, List<String> topics, int payloadBytes) {
    this.client = client;
    this.topics = topics;
    this.pad = "x".repeat(Math.max(0, payloadBytes - 40));
    this.acked = new AtomicLongArray(topics.size());
  }

  /**
   * Publishes at {@code rate} per second for {@code nanos}, calling {@code tick} with the elapsed
   * nanoseconds about every millisecond; returns the seconds it ran.
   */
  double run(double rate, long nanos, LongConsumer tick) {
    long start = System.nanoTime();
    long elapsed;
    while ((elapsed = System.nanoTime() - start) < nanos) {
      long due = (long) (elapsed / 1e9 * rate);
      while (sent < due && System.nanoTime() - start < nanos) {
        if (!acquireSlot(start + nanos - System.nanoTime())) {
          break; // the proxy is slower than the rate: the report shows fewer sent than offered
        }
        int topic = (int) (sent % topics.size());
        inFlight.incrementAndGet();
        // The time it was due, not the time a slot came free: waiting counts as latency.
        long dueAt = start + (long) (sent * 1e9 / rate);
        client
            .publish(
                topics.get(topic), "{\"payload\":{\"sent\":" + dueAt + ",\"pad\":\"" + pad + "\"}}")
            .whenComplete(
                (status, failure) -> {
                  inFlight.decrementAndGet();
                  slots.release();
                  int code = failure != null ? -1 : status;
                  if (code == 201) {
                    acked.incrementAndGet(topic);
                  } else {
                    errors.computeIfAbsent(code, c -> new AtomicLong()).incrementAndGet();
                  }
                });
        sent++;
      }
      tick.accept(elapsed);
      PerfClient.sleep(1);
    }
    return (System.nanoTime() - start) / 1e9;
  }

  private boolean acquireSlot(long maxWaitNanos) {
    try {
      return slots.tryAcquire(Math.max(0, maxWaitNanos), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Waits up to {@code seconds} for every publish to be answered. */
  void awaitAnswers(int seconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (inFlight.get() > 0 && System.nanoTime() < deadline) {
      PerfClient.sleep(10);
    }
  }

  long sent() {
    return sent;
  }

  long acked(int topic) {
    return acked.get(topic);
  }

  long ackedTotal() {
    long total = 0;
    for (int t = 0; t < acked.length(); t++) {
      total += acked.get(t);
    }
    return total;
  }

  String errors() {
    return errors.toString();
  }
}
