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
  // MessagePack: a fixstr key, then its value (0xa0 | length is a fixstr's header).
  private static final byte[] MP_MESSAGE = msgpackPair("type", "message");
  private static final byte[] MP_SUBSCRIBED = msgpackPair("type", "subscribed");
  private static final byte[] MP_ID = msgpackString("id");
  private static final byte[] MP_SENT = msgpackString("sent");

  final Recorder latencyMicros = new Recorder(3);
  final AtomicLong delivered = new AtomicLong();

  /** The message frames' payload bytes (what the WebSocket frames carried), for their size. */
  final AtomicLong messageBytes = new AtomicLong();

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
      int sent = find(buf, offset, end, SENT);
      long t = -1;
      if (sent >= 0) {
        t = 0;
        for (int i = sent; i < end && buf[i] >= '0' && buf[i] <= '9'; i++) {
          t = t * 10 + (buf[i] - '0');
        }
      }
      messageBytes.addAndGet(length);
      delivered(subscriber, buf, id, t, now);
    } else if (startsWith(buf, offset, end, SUBSCRIBED) && subscriber.markSubscribed()) {
      subscribed.countDown();
    }
  }

  /**
   * The same frames as MessagePack ({@code pp.v1.msgpack}): a map whose first key is {@code type};
   * {@code id} is a short string and the payload's {@code sent} an integer.
   */
  @Override
  public void onBinary(PerfSubscriber subscriber, byte[] buf, int offset, int length) {
    int end = offset + length;
    int header = mapHeaderLength(buf[offset] & 0xFF);
    if (header == 0) {
      return;
    }
    if (startsWith(buf, offset + header, end, MP_MESSAGE)) {
      long now = System.nanoTime();
      int id = find(buf, offset, end, MP_ID);
      int sent = find(buf, offset, end, MP_SENT);
      if (id < 0) {
        return;
      }
      messageBytes.addAndGet(length);
      int idStart = id + ((buf[id] & 0xFF) == 0xd9 ? 2 : 1); // fixstr, or str8 with its length
      delivered(subscriber, buf, idStart, sent < 0 ? -1 : msgpackLong(buf, sent), now);
    } else if (startsWith(buf, offset + header, end, MP_SUBSCRIBED)
        && subscriber.markSubscribed()) {
      subscribed.countDown();
    }
  }

  /** One delivered message: its id {@code ms-seq} starts at {@code id}; {@code sent} -1 if none. */
  private void delivered(PerfSubscriber subscriber, byte[] buf, int id, long sent, long now) {
    long ms = 0;
    int i = id;
    while (buf[i] != '-') {
      ms = ms * 10 + (buf[i++] - '0');
    }
    long seq = 0;
    i++;
    while (buf[i] >= '0' && buf[i] <= '9') {
      seq = seq * 10 + (buf[i++] - '0');
    }
    subscriber.message(ms, seq);
    if (sent >= 0) {
      latencyMicros.recordValue(Math.max(0, (now - sent) / 1_000));
    }
    delivered.incrementAndGet();
  }

  private static int mapHeaderLength(int first) {
    if ((first & 0xF0) == 0x80) {
      return 1; // fixmap
    }
    return first == 0xde ? 3 : first == 0xdf ? 5 : 0;
  }

  /** A MessagePack integer at {@code i}, in any of its widths. */
  private static long msgpackLong(byte[] buf, int i) {
    int b = buf[i] & 0xFF;
    if (b < 0x80) {
      return b;
    }
    if (b >= 0xe0) {
      return (byte) b;
    }
    int width =
        switch (b) {
          case 0xcc, 0xd0 -> 1;
          case 0xcd, 0xd1 -> 2;
          case 0xce, 0xd2 -> 4;
          case 0xcf, 0xd3 -> 8;
          default -> 0;
        };
    if (width == 0) {
      return -1; // not an integer
    }
    boolean signed = b >= 0xd0;
    long v = signed ? buf[i + 1] : buf[i + 1] & 0xFF;
    for (int k = 2; k <= width; k++) {
      v = (v << 8) | (buf[i + k] & 0xFF);
    }
    return v;
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

  private static byte[] msgpackString(String s) {
    byte[] ascii = bytes(s);
    byte[] out = new byte[ascii.length + 1];
    out[0] = (byte) (0xa0 | ascii.length);
    System.arraycopy(ascii, 0, out, 1, ascii.length);
    return out;
  }

  private static byte[] msgpackPair(String key, String value) {
    byte[] k = msgpackString(key);
    byte[] v = msgpackString(value);
    byte[] out = java.util.Arrays.copyOf(k, k.length + v.length);
    System.arraycopy(v, 0, out, k.length, v.length);
    return out;
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
