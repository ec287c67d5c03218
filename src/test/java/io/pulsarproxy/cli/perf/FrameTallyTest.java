package io.pulsarproxy.cli.perf;

import static org.assertj.core.api.Assertions.assertThat;

import io.pulsarproxy.core.MessagePackCodec;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** perf reads JSON and MessagePack frames straight from their bytes: both spellings count alike. */
class FrameTallyTest {
  private static final String SUBSCRIBED =
      "{\"type\":\"subscribed\",\"topic\":\"t\",\"from\":\"0-0\"}";

  private static String message(String id, long sent) {
    return "{\"type\":\"message\",\"topic\":\"t\",\"id\":\""
        + id
        + "\",\"message_id\":\"m\",\"timestamp\":\"2026-12-02T00:00:00Z\",\"payload\":{\"sent\":"
        + sent
        + ",\"pad\":\"xxxx\"},\"metadata\":{}}";
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void jsonAndMessagePackFramesAreTalliedAlike() {
    long sent = System.nanoTime();
    String[] frames = {
      SUBSCRIBED, message("1795712252254-0", sent), message("1795712252254-1", sent)
    };
    for (boolean msgpack : new boolean[] {false, true}) {
      CountDownLatch subscribed = new CountDownLatch(1);
      FrameTally tally = new FrameTally(subscribed);
      PerfSubscriber subscriber = new PerfSubscriber("t");
      for (String f : frames) {
        byte[] bytes = utf8(f);
        if (msgpack) {
          byte[] mp = MessagePackCodec.fromJson(bytes);
          byte[] padded = new byte[mp.length + 8]; // frames sit inside a larger read buffer
          System.arraycopy(mp, 0, padded, 4, mp.length);
          tally.onBinary(subscriber, padded, 4, mp.length);
        } else {
          tally.onText(subscriber, bytes, 0, bytes.length);
        }
      }
      assertThat(subscribed.getCount()).as("subscribed, msgpack=%s", msgpack).isZero();
      assertThat(tally.delivered.get()).isEqualTo(2);
      assertThat(subscriber.received()).isEqualTo(2);
      assertThat(subscriber.outOfOrder()).isZero();
      assertThat(subscriber.lastId()).isEqualTo("1795712252254-1");
      // The latency came from the payload's sent time: well under a minute, not garbage.
      assertThat(tally.latencyMicros.getIntervalHistogram().getMaxValue()).isLessThan(60_000_000L);
    }
  }
}
