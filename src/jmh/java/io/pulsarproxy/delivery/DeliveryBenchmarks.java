package io.pulsarproxy.delivery;

import io.pulsarproxy.core.EntryId;
import io.pulsarproxy.core.Retention;
import io.pulsarproxy.core.RetentionPolicy;
import io.pulsarproxy.core.StoredMessage;
import io.pulsarproxy.core.TopicName;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The delivery hot paths: encoding a message frame once per entry, and the hot tier's append and
 * range read (every resume within the hot window is one range read). See docs/performance.md.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class DeliveryBenchmarks {
  private static final TopicName TOPIC = new TopicName("bench.orders");

  private final FrameEncoder encoder = new FrameEncoder();
  private StoredMessage message;
  private HotTier hotTier;
  private List<Frame> oneFrame;
  private EntryId resumePoint;
  private long nextMillis;

  @Setup
  public void setUp() {
    message =
        new StoredMessage(
            new EntryId(1_700_000_000_000L, 0),
            "01JD8Z4Q3M5N6P7R8S9T0V1W2X",
            "{\"order\":42,\"pad\":\"" + "x".repeat(170) + "\"}",
            Map.of("source", "bench"),
            null,
            null);
    Clock clock = Clock.systemUTC();
    Retention retention = new Retention(1_000_000, Duration.ofDays(1), Duration.ofMinutes(10));
    hotTier = new HotTier(new RetentionPolicy(retention), 256L << 20, clock);
    nextMillis = clock.millis();
    hotTier.startCovering(TOPIC, new EntryId(nextMillis - 1, 0));
    // 10,000 entries in the window, as a busy topic holds; resume 1,000 from its end.
    for (int i = 0; i < 10_000; i++) {
      hotTier.append(TOPIC, List.of(frameAt(nextMillis++)));
    }
    resumePoint = new EntryId(nextMillis - 1_001, 0);
    oneFrame = new ArrayList<>(List.of(frameAt(nextMillis)));
  }

  private Frame frameAt(long millis) {
    return encoder.message(
        TOPIC,
        new StoredMessage(
            new EntryId(millis, 0),
            message.messageId(),
            message.payload(),
            message.metadata(),
            null,
            null));
  }

  /** One message frame as every subscriber of the topic receives it, encoded once. */
  @Benchmark
  public Frame encodeMessageFrame() {
    return encoder.message(TOPIC, message);
  }

  /** The follower's append of one new entry (evicting the oldest keeps the window's size). */
  @Benchmark
  public void hotTierAppend() {
    hotTier.append(TOPIC, List.of(frameAt(nextMillis++)));
  }

  /** A resume within the hot window: the 1,000 entries after a subscriber's last id. */
  @Benchmark
  public Optional<List<Frame>> hotTierRangeRead1000() {
    return hotTier.after(TOPIC, resumePoint, 1_000);
  }
}
