package io.pulsarproxy.cli.perf;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * {@code perf fanout}: S WebSocket subscribers spread over T topics, one publisher at a fixed rate
 * for D seconds. Reports delivered frames per second, end-to-end latency (publish request sent to
 * frame received, both clocks in this process), and lost, duplicated and out-of-order frames.
 */
final class FanoutScenario {
  /**
   * @param msgpack subscribers ask for the {@code pp.v1.msgpack} subprotocol
   */
  record Options(
      int subscribers,
      int topics,
      double rate,
      Duration duration,
      int payloadBytes,
      boolean msgpack) {}

  private final PerfClient client;
  private final PrintStream progress;

  FanoutScenario(PerfClient client, PrintStream progress) {
    this.client = client;
    this.progress = progress;
  }

  Report run(Options o) throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 8);
    List<String> topics = new ArrayList<>();
    for (int t = 0; t < o.topics(); t++) {
      topics.add("perf.fanout." + run + "." + t);
    }
    CountDownLatch subscribed = new CountDownLatch(o.subscribers());
    FrameTally tally = new FrameTally(subscribed);
    Recorder latency = tally.latencyMicros;
    AtomicLong delivered = tally.delivered;
    client.startSubscribers(tally, o.msgpack() ? "pp.v1.msgpack" : null);
    List<PerfSubscriber> sockets = new ArrayList<>();
    long connectStart = System.nanoTime();
    for (int i = 0; i < o.subscribers(); i++) {
      PerfSubscriber subscriber = new PerfSubscriber(topics.get(i % o.topics()));
      sockets.add(subscriber);
      client.subscribe(subscriber, null);
    }
    if (!subscribed.await(120, TimeUnit.SECONDS)) {
      throw new IllegalStateException(
          subscribed.getCount() + " of " + o.subscribers() + " subscribers never subscribed");
    }
    double connectSeconds = (System.nanoTime() - connectStart) / 1e9;
    latency.getIntervalHistogram(); // forget nothing-yet

    RatePublisher publisher = new RatePublisher(client, topics, o.payloadBytes());
    Histogram total = new Histogram(3);
    long[] nextProgress = {1_000_000_000L};
    double seconds =
        publisher.run(
            o.rate(),
            o.duration().toNanos(),
            elapsed -> {
              if (elapsed >= nextProgress[0]) {
                Histogram interval = latency.getIntervalHistogram();
                total.add(interval);
                progress.printf(
                    "fanout: %ds published %d delivered %d p99 %.2f ms%n",
                    elapsed / 1_000_000_000L,
                    publisher.sent(),
                    delivered.get(),
                    interval.getValueAtPercentile(99) / 1000.0);
                nextProgress[0] += 1_000_000_000L;
              }
            });
    publisher.awaitAnswers(10);
    long expected = 0;
    for (int i = 0; i < o.subscribers(); i++) {
      expected += publisher.acked(i % o.topics());
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (delivered.get() < expected && System.nanoTime() < deadline) {
      PerfClient.sleep(10);
    }
    total.add(latency.getIntervalHistogram());

    long lost = 0;
    long duplicated = 0;
    long outOfOrder = 0;
    for (int i = 0; i < sockets.size(); i++) {
      PerfSubscriber s = sockets.get(i);
      lost += Math.max(0, publisher.acked(i % o.topics()) - s.received());
      duplicated += s.duplicated();
      outOfOrder += s.outOfOrder();
    }
    Report report =
        new Report("fanout")
            .put("subscribers", o.subscribers())
            .put("subscribe_failures", tally.failed.get())
            .put("frames", o.msgpack() ? "msgpack" : "json")
            .put("topics", o.topics())
            .put("rate_per_s", o.rate())
            .put("seconds", Math.round(seconds * 10) / 10.0)
            .put("subscribe_seconds", Math.round(connectSeconds * 100) / 100.0)
            .put("published_sent", publisher.sent())
            .put("published_acked", publisher.ackedTotal())
            .put("publish_errors", publisher.errors())
            .put("delivered", delivered.get())
            .put("expected", expected)
            .put("delivered_per_s", Math.round(delivered.get() / seconds))
            .put(
                "message_frame_bytes",
                delivered.get() == 0 ? 0 : tally.messageBytes.get() / delivered.get())
            .latency("latency", total)
            .put("lost", lost)
            .put("duplicated", duplicated)
            .put("out_of_order", outOfOrder);
    return report;
  }
}
