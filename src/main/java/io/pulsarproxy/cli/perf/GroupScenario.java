package io.pulsarproxy.cli.perf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * {@code perf group}: C WebSocket consumers of one consumer group, each acking every message it
 * gets (in ack frames of up to {@code --ack-batch} ids). {@code --mode backlog} pre-fills the topic
 * with {@code --messages} messages and reports how fast the group drains it, delivered and acked;
 * {@code --mode live} runs a publisher at {@code --rate} for {@code --duration} seconds and reports
 * publish-to-delivery latency. Both report messages delivered twice (0 unless a consumer was too
 * slow for the group's ack timeout).
 */
final class GroupScenario {
  record Options(
      int consumers,
      String mode,
      int messages,
      double rate,
      Duration duration,
      int payloadBytes,
      int prefetch,
      int ackBatch) {}

  private final PerfClient client;
  private final ObjectMapper json;
  private final PrintStream progress;

  GroupScenario(PerfClient client, ObjectMapper json, PrintStream progress) {
    this.client = client;
    this.json = json;
    this.progress = progress;
  }

  Report run(Options o) throws Exception {
    String topic = "perf.group." + UUID.randomUUID().toString().substring(0, 8);
    String group = "/api/v1/topics/" + topic + "/groups/perf";
    boolean backlog = o.mode().equals("backlog");
    if (backlog) {
      prefill(topic, o.messages(), o.payloadBytes());
    }
    HttpResponse<String> created =
        client.send("PUT", group, "{\"from\":\"" + (backlog ? "earliest" : "latest") + "\"}");
    if (created.statusCode() >= 300) {
      throw new IllegalStateException("creating the group: " + created.body());
    }
    Tally tally = new Tally();
    CountDownLatch subscribed = new CountDownLatch(o.consumers());
    List<Consumer> consumers = new ArrayList<>();
    long start = System.nanoTime();
    for (int i = 0; i < o.consumers(); i++) {
      Consumer c = new Consumer(topic, "c" + i, o.ackBatch(), tally, subscribed);
      c.socket = client.webSocket(c);
      c.sending = CompletableFuture.completedFuture(c.socket);
      c.sending =
          c.socket.sendText(
              "{\"op\":\"subscribe\",\"topic\":\""
                  + topic
                  + "\",\"group\":\"perf\",\"consumer\":\"c"
                  + i
                  + "\",\"prefetch\":"
                  + o.prefetch()
                  + "}",
              true);
      consumers.add(c);
    }
    if (!subscribed.await(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException("consumers did not subscribe");
    }
    ScheduledExecutorService acker = Executors.newSingleThreadScheduledExecutor();
    acker.scheduleWithFixedDelay(
        () -> consumers.forEach(Consumer::ack), 2, 2, TimeUnit.MILLISECONDS);
    long expected;
    double seconds;
    Histogram latency = new Histogram(3);
    if (backlog) {
      expected = o.messages();
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
      long nextProgress = System.nanoTime() + 1_000_000_000L;
      while (tally.acked.get() < expected && System.nanoTime() < deadline) {
        PerfClient.sleep(5);
        if (System.nanoTime() >= nextProgress) {
          progress.printf(
              "group: delivered %d acked %d%n", tally.delivered.get(), tally.acked.get());
          nextProgress += 1_000_000_000L;
        }
      }
      seconds = (System.nanoTime() - start) / 1e9;
    } else {
      RatePublisher publisher = new RatePublisher(client, List.of(topic), o.payloadBytes());
      tally.latency.getIntervalHistogram();
      seconds = publisher.run(o.rate(), o.duration().toNanos(), elapsed -> {});
      publisher.awaitAnswers(10);
      expected = publisher.ackedTotal();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (tally.acked.get() < expected && System.nanoTime() < deadline) {
        PerfClient.sleep(5);
      }
      latency.add(tally.latency.getIntervalHistogram());
    }
    acker.shutdownNow();
    for (Consumer c : consumers) {
      c.sending.thenCompose(ws -> ws.sendClose(WebSocket.NORMAL_CLOSURE, "done")).join();
    }
    Report report =
        new Report("group")
            .put("mode", o.mode())
            .put("consumers", o.consumers())
            .put("prefetch", o.prefetch())
            .put("ack_batch", o.ackBatch())
            .put("expected", expected)
            .put("delivered", tally.delivered.get())
            .put("acked", tally.acked.get())
            .put("redelivered", tally.redelivered.get())
            .put("seconds", Math.round(seconds * 10) / 10.0)
            .put("acked_per_s", Math.round(tally.acked.get() / seconds));
    if (!backlog) {
      report.put("rate_per_s", o.rate()).latency("latency", latency);
    }
    return report;
  }

  /** Fills the topic with batches of 1,000 messages before the group exists. */
  private void prefill(String topic, int messages, int payloadBytes) throws Exception {
    String pad = "x".repeat(Math.max(0, payloadBytes - 40));
    for (int start = 0; start < messages; start += 1_000) {
      StringBuilder body = new StringBuilder("{\"messages\":[");
      for (int i = start; i < Math.min(messages, start + 1_000); i++) {
        body.append(i == start ? "" : ",")
            .append("{\"payload\":{\"seq\":")
            .append(i)
            .append(",\"pad\":\"")
            .append(pad)
            .append("\"}}");
      }
      HttpResponse<String> r;
      while ((r = client.send("POST", "/api/v1/topics/" + topic + "/messages/batch", body + "]}"))
              .statusCode()
          == 429) {
        // The token's rate limit: wait as told (raise the limit to pre-fill faster).
        PerfClient.sleep(
            1_000L * Long.parseLong(r.headers().firstValue("Retry-After").orElse("1")));
      }
      if (r.statusCode() != 201) {
        throw new IllegalStateException("pre-filling: " + r.statusCode() + " " + r.body());
      }
    }
  }

  /** What every consumer counts. */
  private static final class Tally {
    final AtomicLong delivered = new AtomicLong();
    final AtomicLong acked = new AtomicLong();
    final AtomicLong redelivered = new AtomicLong();
    final Set<String> seen = ConcurrentHashMap.newKeySet();
    final Recorder latency = new Recorder(3);
  }

  /** One consumer: takes message frames, acks them in batches, counts the answers. */
  private final class Consumer implements WebSocket.Listener {
    private final String topic;
    private final int ackBatch;
    private final Tally tally;
    private final CountDownLatch subscribed;
    private final List<String> unacked = new ArrayList<>();
    private final StringBuilder partial = new StringBuilder();
    private WebSocket socket;
    private CompletableFuture<WebSocket> sending;

    Consumer(String topic, String name, int ackBatch, Tally tally, CountDownLatch subscribed) {
      this.topic = topic;
      this.ackBatch = ackBatch;
      this.tally = tally;
      this.subscribed = subscribed;
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        try {
          handle(json.readTree(partial.toString()));
        } catch (Exception e) {
          progress.println("group: a bad frame: " + e);
        }
        partial.setLength(0);
      }
      ws.request(1);
      return CompletableFuture.completedFuture(null);
    }

    private void handle(JsonNode frame) {
      switch (frame.path("type").asText()) {
        case "subscribed" -> subscribed.countDown();
        case "acked" -> tally.acked.addAndGet(frame.path("count").asLong());
        case "message" -> {
          long now = System.nanoTime();
          tally.delivered.incrementAndGet();
          if (!tally.seen.add(frame.path("id").asText())) {
            tally.redelivered.incrementAndGet();
          }
          JsonNode sent = frame.path("payload").path("sent");
          if (sent.isNumber()) {
            tally.latency.recordValue(Math.max(0, (now - sent.asLong()) / 1_000));
          }
          boolean full;
          synchronized (this) {
            unacked.add(frame.path("id").asText());
            full = unacked.size() >= ackBatch;
          }
          if (full) {
            ack();
          }
        }
        case "error" -> progress.println("group: " + frame);
        default -> {}
      }
    }

    /**
     * Acks what is unacked: when a batch is full, and every few milliseconds for the rest (the
     * group sends at most prefetch, so waiting for a full batch could wait forever). The JDK's
     * WebSocket takes one send at a time, so sends are chained.
     */
    synchronized void ack() {
      if (unacked.isEmpty()) {
        return;
      }
      String frame =
          "{\"op\":\"ack\",\"topic\":\""
              + topic
              + "\",\"group\":\"perf\",\"ids\":[\""
              + String.join("\",\"", unacked)
              + "\"]}";
      unacked.clear();
      sending = sending.thenCompose(ws -> ws.sendText(frame, true));
    }
  }
}
