package io.pulsarproxy.cli.perf;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * {@code perf publish}: N keep-alive connections each posting one request after another, round
 * robin over T topics, for D seconds; one message per request or a batch of B. Reports accepted
 * messages per second, refusals by status and publish latency (request sent to answer read).
 */
final class PublishScenario {
  record Options(
      int connections, int topics, Duration duration, int payloadBytes, int batch, boolean noop) {}

  private final URI base;
  private final String token;
  private final PrintStream progress;

  PublishScenario(URI base, String token, PrintStream progress) {
    this.base = base;
    this.token = token;
    this.progress = progress;
  }

  Report run(Options o) throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 8);
    byte[][] requests = new byte[o.topics()][];
    for (int t = 0; t < o.topics(); t++) {
      requests[t] = request(o, "perf.publish." + run + "." + t);
    }
    Recorder latency = new Recorder(3);
    AtomicLong accepted = new AtomicLong();
    Map<Integer, AtomicLong> refused = new ConcurrentHashMap<>();
    long[] sentPerConnection = new long[o.connections()];
    long start = System.nanoTime();
    long end = start + o.duration().toNanos();
    RawPublishers.Driver driver =
        new RawPublishers.Driver() {
          @Override
          public byte[] next(int index) {
            if (System.nanoTime() >= end) {
              return null;
            }
            long n = sentPerConnection[index]++;
            return requests[(int) ((index + n * o.connections()) % o.topics())];
          }

          @Override
          public void answered(int index, int status, long nanos) {
            latency.recordValue(Math.max(1, nanos / 1000));
            if (status == 201) {
              accepted.addAndGet(o.batch());
            } else {
              refused.computeIfAbsent(status, s -> new AtomicLong()).incrementAndGet();
            }
          }
        };
    Histogram total = new Histogram(3);
    int port = base.getPort() > 0 ? base.getPort() : 80;
    try (RawPublishers publishers =
        new RawPublishers(new InetSocketAddress(base.getHost(), port), o.connections(), driver)) {
      long lastAccepted = 0;
      long deadline = end + TimeUnit.SECONDS.toNanos(15);
      while (publishers.open() > 0 && System.nanoTime() < deadline) {
        PerfClient.sleep(1000);
        Histogram interval = latency.getIntervalHistogram();
        total.add(interval);
        long now = accepted.get();
        progress.printf(
            "publish: %ds accepted %d/s p99 %.2f ms refused %s%n",
            (System.nanoTime() - start) / 1_000_000_000L,
            now - lastAccepted,
            interval.getValueAtPercentile(99) / 1000.0,
            refused);
        lastAccepted = now;
      }
    }
    total.add(latency.getIntervalHistogram());
    double seconds = o.duration().toNanos() / 1e9;
    Map<Integer, Long> errors = new TreeMap<>();
    refused.forEach((status, count) -> errors.put(status, count.get()));
    return new Report("publish")
        .put("target", o.noop() ? "noop endpoint (framework baseline)" : "publish")
        .put("connections", o.connections())
        .put("topics", o.topics())
        .put("batch", o.batch())
        .put("payload_bytes", o.payloadBytes())
        .put("seconds", seconds)
        .put("requests", total.getTotalCount())
        .put("accepted_messages", accepted.get())
        .put("accepted_per_s", Math.round(accepted.get() / seconds))
        .put("requests_per_s", Math.round(total.getTotalCount() / seconds))
        .put("errors_by_status", errors)
        .latency("latency", total);
  }

  /** One prepared request: the same bytes are sent again and again. */
  private byte[] request(Options o, String topic) {
    String message =
        "{\"payload\":{\"pad\":\"" + "x".repeat(Math.max(0, o.payloadBytes() - 10)) + "\"}}";
    String path;
    String body;
    if (o.noop()) {
      path = System.getProperty("perf.noopPath", "/api/v1/noop");
      body = message;
    } else if (o.batch() > 1) {
      path = "/api/v1/topics/" + topic + "/messages/batch";
      StringBuilder b = new StringBuilder("{\"messages\":[");
      for (int i = 0; i < o.batch(); i++) {
        b.append(i == 0 ? "" : ",").append(message);
      }
      body = b.append("]}").toString();
    } else {
      path = "/api/v1/topics/" + topic + "/messages";
      body = message;
    }
    byte[] bodyBytes = body.getBytes(StandardCharsets.UTF_8);
    String head =
        "POST "
            + path
            + " HTTP/1.1\r\nHost: "
            + base.getHost()
            + "\r\nAuthorization: Bearer "
            + token
            + "\r\nContent-Type: application/json\r\nContent-Length: "
            + bodyBytes.length
            + "\r\n\r\n";
    byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
    byte[] all = new byte[headBytes.length + bodyBytes.length];
    System.arraycopy(headBytes, 0, all, 0, headBytes.length);
    System.arraycopy(bodyBytes, 0, all, headBytes.length, bodyBytes.length);
    return all;
  }
}
