package io.pulsarproxy.cli.perf;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code perf resume}: S subscribers of one topic lose their connections, M messages are published
 * meanwhile, and they come back from their last id. Reports recovered and missed messages and how
 * long the last subscriber took to catch up.
 */
final class ResumeScenario {
  record Options(int subscribers, int missed, int payloadBytes) {}

  private final PerfClient client;
  private final PrintStream progress;

  ResumeScenario(PerfClient client, PrintStream progress) {
    this.client = client;
    this.progress = progress;
  }

  Report run(Options o) throws Exception {
    String topic = "perf.resume." + UUID.randomUUID().toString().substring(0, 8);
    String pad = "x".repeat(Math.max(0, o.payloadBytes() - 40));

    CountDownLatch subscribed = new CountDownLatch(o.subscribers());
    FrameTally before = new FrameTally(subscribed);
    client.startSubscribers(before);
    List<PerfSubscriber> first = new ArrayList<>();
    for (int i = 0; i < o.subscribers(); i++) {
      PerfSubscriber s = new PerfSubscriber(topic);
      first.add(s);
      client.subscribe(s, null);
    }
    if (!subscribed.await(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException("subscribers did not subscribe");
    }
    // One message each, so that every subscriber has a last id to resume from.
    publish(topic, "{\"payload\":{\"pad\":\"" + pad + "\"}}");
    awaitAtLeast(before.delivered, o.subscribers(), 10);
    client.stopSubscribers();
    progress.printf("resume: %d subscribers dropped; publishing %d%n", o.subscribers(), o.missed());

    Semaphore inFlight = new Semaphore(32);
    AtomicLong errors = new AtomicLong();
    for (int i = 0; i < o.missed(); i++) {
      inFlight.acquire();
      client
          .publish(
              topic, "{\"payload\":{\"sent\":" + System.nanoTime() + ",\"pad\":\"" + pad + "\"}}")
          .whenComplete(
              (status, failure) -> {
                inFlight.release();
                if (failure != null || status != 201) {
                  errors.incrementAndGet();
                }
              });
    }
    inFlight.acquire(32);
    long published = o.missed() - errors.get();

    CountDownLatch resubscribed = new CountDownLatch(o.subscribers());
    FrameTally after = new FrameTally(resubscribed);
    client.startSubscribers(after);
    List<PerfSubscriber> resumed = new ArrayList<>();
    long start = System.nanoTime();
    for (PerfSubscriber old : first) {
      PerfSubscriber s = new PerfSubscriber(topic);
      resumed.add(s);
      client.subscribe(s, old.lastId());
    }
    long expected = published * o.subscribers();
    awaitAtLeast(after.delivered, expected, 60);
    double catchUp = (System.nanoTime() - start) / 1e9;
    long recovered = 0;
    long duplicated = 0;
    long outOfOrder = 0;
    for (PerfSubscriber s : resumed) {
      recovered += s.received();
      duplicated += s.duplicated();
      outOfOrder += s.outOfOrder();
    }
    client.stopSubscribers();
    return new Report("resume")
        .put("subscribers", o.subscribers())
        .put("published_while_away", published)
        .put("publish_errors", errors.get())
        .put("expected", expected)
        .put("recovered", recovered)
        .put("missed", expected - recovered)
        .put("duplicated", duplicated)
        .put("out_of_order", outOfOrder)
        .put("catch_up_seconds", Math.round(catchUp * 1000) / 1000.0);
  }

  private void publish(String topic, String body) throws Exception {
    int status = client.publish(topic, body).get(10, TimeUnit.SECONDS);
    if (status != 201) {
      throw new IllegalStateException("publish answered " + status);
    }
  }

  private static void awaitAtLeast(AtomicLong counter, long target, int seconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (counter.get() < target && System.nanoTime() < deadline) {
      PerfClient.sleep(2);
    }
  }
}
