package io.pulsarproxy.cli.perf;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Recorder;

/**
 * Reads the server frames perf subscribers receive, straight from their bytes: message frames feed
 * the subscriber's tally and the latency recorder (from the {@code sent} nanoTime their payload
 * carries), {@code subscribed} frames count down the start latch.
 */
final class FrameTally implements RawSubscribers.Listener {
  private static final byte[] MESSAGE = bytes("{\"type\":\"message\"");
  private static final byte[] SUBSCRIBED = bytes("{\"type\":\"subscribed\"");
  private static final byte[] SENT = bytes("\"sent\":");
  private static final byte[] ID = bytes("\"id\":\"");

  final Recorder latencyMicros = new Recorder(3);
  final AtomicLong delivered = new AtomicLong();
  final AtomicLong failed = new AtomicLong();
  private final CountDownLatch subscribed;

  FrameTally(CountDownLatch subscribed) {
    this.subscribed = subscribed;
  }

  @Override
  public void onText(PerfSubscriber subscriber, byte[] buf, int offset, int length) {
    int end = offset + length;
    if (startsWith(buf, offset, end, MESSAGE)) {
      long now = System.nanoTime();
      int id = find(buf, offset, end, ID);
      long ms = 0;
      int i = id;
      while (buf[i] != '-') {
        ms = ms * 10 + (buf[i++] - '0');
      }
      long seq = 0;
      i++;
      while (buf[i] != '"') {
        seq = seq * 10 + (buf[i++] - '0');
      }
      subscriber.message(ms, seq);
      int sent = find(buf, offset, end, SENT);
      if (sent >= 0) {
        long t = 0;
        for (i = sent; i < end && buf[i] >= '0' && buf[i] <= '9'; i++) {
          t = t * 10 + (buf[i] - '0');
        }
        latencyMicros.recordValue(Math.max(0, (now - t) / 1_000));
      }
      delivered.incrementAndGet();
    } else if (startsWith(buf, offset, end, SUBSCRIBED) && subscriber.markSubscribed()) {
      subscribed.countDown();
    }
  }

  @Override
  public void onClosed(PerfSubscriber subscriber) {
    subscriber.markClosed();
    if (subscriber.markSubscribed()) {
      failed.incrementAndGet(); // closed before it ever subscribed
      subscribed.countDown();
    }
  }

  static boolean startsWith(byte[] buf, int offset, int end, byte[] prefix) {
    if (end - offset < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (buf[offset + i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  /** The index just after {@code needle}, or -1. */
  private static int find(byte[] buf, int offset, int end, byte[] needle) {
    outer:
    for (int i = offset; i + needle.length <= end; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (buf[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i + needle.length;
    }
    return -1;
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
