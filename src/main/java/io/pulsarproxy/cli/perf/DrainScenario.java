package io.pulsarproxy.cli.perf;

import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * {@code perf drain}: C subscribers on instance A while a publisher writes through instance B; A is
 * drained over a window; each subscriber does what a real client does on the reconnect hint: resume
 * on B from its last id. Reports connections closed, failover times, and lost, duplicated and
 * out-of-order messages (all must be zero).
 */
final class DrainScenario {
  record Options(
      int connections,
      int topics,
      double rate,
      Duration window,
      URI failoverUrl,
      URI adminUrl,
      int payloadBytes) {}

  private static final byte[] RECONNECT = FrameTally.bytes("{\"type\":\"reconnect\"");
  private static final byte[] SUBSCRIBED = FrameTally.bytes("{\"type\":\"subscribed\"");

  private final PerfClient client;
  private final PrintStream progress;

  DrainScenario(PerfClient client, PrintStream progress) {
    this.client = client;
    this.progress = progress;
  }

  Report run(Options o) throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 8);
    List<String> topics = new ArrayList<>();
    for (int t = 0; t < o.topics(); t++) {
      topics.add("perf.drain." + run + "." + t);
    }
    CountDownLatch subscribed = new CountDownLatch(o.connections());
    FrameTally tally = new FrameTally(subscribed);
    AtomicLong failovers = new AtomicLong();
    client.startSubscribers(
        new RawSubscribers.Listener() {
          @Override
          public void onText(PerfSubscriber s, byte[] buf, int offset, int length) {
            int end = offset + length;
            if (FrameTally.startsWith(buf, offset, end, RECONNECT)) {
              s.hinted(System.nanoTime());
              return;
            }
            if (FrameTally.startsWith(buf, offset, end, SUBSCRIBED)) {
              s.resubscribed(System.nanoTime());
            }
            tally.onText(s, buf, offset, length);
          }

          @Override
          public void onClosed(PerfSubscriber s) {
            if (s.closedForFailover(System.nanoTime())) {
              try {
                client.subscribeAt(
                    o.failoverUrl(), s, s.lastId() == null ? "earliest" : s.lastId());
                failovers.incrementAndGet();
              } catch (Exception e) {
                tally.onClosed(s);
              }
            } else {
              tally.onClosed(s);
            }
          }
        });
    List<PerfSubscriber> subscribers = new ArrayList<>();
    for (int i = 0; i < o.connections(); i++) {
      PerfSubscriber s = new PerfSubscriber(topics.get(i % o.topics()));
      subscribers.add(s);
      client.subscribe(s, null);
      if (i % 256 == 255) {
        PerfClient.sleep(20); // a fleet arriving, not a single burst
      }
    }
    if (!subscribed.await(120, TimeUnit.SECONDS)) {
      throw new IllegalStateException(subscribed.getCount() + " subscribers never subscribed");
    }
    progress.printf("drain: %d subscribers on the drained instance%n", o.connections());

    RatePublisher publisher =
        new RatePublisher(
            new PerfClient(o.failoverUrl(), client.token()), topics, o.payloadBytes());
    List<CompletableFuture<String>> drained = new ArrayList<>();
    publisher.run(
        o.rate(),
        o.window().toNanos() + TimeUnit.SECONDS.toNanos(4),
        elapsed -> {
          if (drained.isEmpty() && elapsed > TimeUnit.SECONDS.toNanos(1)) {
            drained.add(
                client.adminTask(o.adminUrl(), "/tasks/drain?window=" + o.window().toSeconds()));
          }
        });
    publisher.awaitAnswers(10);
    String answer = drained.isEmpty() ? "{}" : drained.get(0).get(2, TimeUnit.MINUTES);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    long expected = 0;
    while (System.nanoTime() < deadline) {
      expected = 0;
      long received = 0;
      for (int i = 0; i < subscribers.size(); i++) {
        expected += publisher.acked(i % o.topics());
        received += subscribers.get(i).received();
      }
      if (received >= expected) {
        break;
      }
      PerfClient.sleep(20);
    }
    Histogram failover = new Histogram(3);
    long lost = 0;
    long duplicated = 0;
    long outOfOrder = 0;
    long hinted = 0;
    for (int i = 0; i < subscribers.size(); i++) {
      PerfSubscriber s = subscribers.get(i);
      lost += Math.max(0, publisher.acked(i % o.topics()) - s.received());
      duplicated += s.duplicated();
      outOfOrder += s.outOfOrder();
      hinted += s.wasHinted() ? 1 : 0;
      if (s.failoverNanos() >= 0) {
        failover.recordValue(s.failoverNanos() / 1_000);
      }
    }
    client.stopSubscribers();
    return new Report("drain")
        .put("connections", o.connections())
        .put("window_seconds", o.window().toSeconds())
        .put("drain_answer", answer)
        .put("reconnect_hints", hinted)
        .put("failed_over", failovers.get())
        .put("resubscribed", failover.getTotalCount())
        .latency("failover", failover)
        .put("expected_deliveries", expected)
        .put("publish_errors", publisher.errors())
        .put("lost", lost)
        .put("duplicated", duplicated)
        .put("out_of_order", outOfOrder);
  }
}
