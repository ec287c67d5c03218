package io.pulsarproxy.faults;

import static io.pulsarproxy.testing.Http.PUBLISHER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.pulsarproxy.PulsarProxyConfiguration;
import io.pulsarproxy.testing.AppProbes;
import io.pulsarproxy.testing.FaultSuite;
import io.pulsarproxy.testing.Http;
import io.pulsarproxy.testing.TestApps;
import io.pulsarproxy.testing.ValkeyTestServer;
import io.pulsarproxy.testing.Waits;
import io.pulsarproxy.testing.WsClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.ClientUpgradeRequest;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A busy topic (about 800 KB/s) with healthy WebSocket and SSE subscribers, then the same with a
 * slow reader and a stalled TCP reader on each transport (more stalled event streams than the 4 SSE
 * writer threads). The bad ones are cut off at their outbound limit; the healthy ones receive every
 * message, in order, and their end-to-end p99 latency stays within {@link #allowedP99}; the
 * server's heap stays bounded.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
@FaultSuite
class SlowConsumerTest {
  static final int RATE_PER_SECOND = 100;
  static final int PAD = 8_000;
  static final Duration BASELINE = Duration.ofSeconds(10);

  /** Long enough for the kernel buffers of the stalled readers (MBs) to fill and block writes. */
  static final Duration CUT_OFF_WITHIN = Duration.ofSeconds(45);

  static final int STALLED_SSE = 6;

  /** Heap after GC may grow this much while the bad clients are on (each is owed 16 MB or more). */
  static final long HEAP_TOLERANCE_BYTES = 24L << 20;

  @RegisterExtension static final ValkeyTestServer VALKEY = new ValkeyTestServer();

  static final DropwizardAppExtension<PulsarProxyConfiguration> APP =
      TestApps.valkey(
          VALKEY,
          ConfigOverride.config("delivery.outboundQueue", "128KiB"),
          // The hot tier is bounded on its own; kept small so that the heap shows backlogs.
          ConfigOverride.config("delivery.hotMaxSize", "2MiB"),
          // Closed event streams end at the next keep-alive; at the default 15 s the stop after
          // the class waited for them.
          ConfigOverride.config("delivery.sseKeepAlive", "1s"));

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The bound on the healthy subscribers' p99 with bad clients on: twice the p99 without, plus 500
   * ms for a loaded 2-core machine (docs/guarantees.md).
   */
  static long allowedP99(long baselineP99) {
    return 2 * baselineP99 + 500;
  }

  private final String topic = "busy." + System.nanoTime();
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @Test
  void slowAndStalledReadersAreCutOffAndOthersKeepTheirLatency() throws Exception {
    int port = APP.getLocalPort();
    WebSocketClient client = WsClient.startClient();
    List<Healthy> healthy = new ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        healthy.add(Healthy.webSocket(client, port, topic));
      }
      for (int i = 0; i < 2; i++) {
        healthy.add(Healthy.eventStream(port, topic));
      }
      AppProbes.awaitGauge(APP, "pulsar.connections.websocket", 4, Duration.ofSeconds(10));
      AppProbes.awaitGauge(APP, "pulsar.connections.sse", 2, Duration.ofSeconds(10));
      for (Healthy h : healthy) {
        h.awaitSubscribed(Duration.ofSeconds(10));
      }
      Producer producer = new Producer(new Http(port), topic);
      producer.start();

      Thread.sleep(2_000); // warm-up, not measured
      healthy.forEach(Healthy::resetLatencies);
      Thread.sleep(BASELINE.toMillis()); // the measured window without bad clients
      long[] baseline = p99s(healthy);
      long heapBefore = AppProbes.heapAfterGc();
      long closesBefore = slowConsumerCloses();
      healthy.forEach(Healthy::resetLatencies);

      // The bad clients: a slow reader and a stalled one per transport, and more stalled event
      // streams than there are SSE writer threads.
      List<RawSubscriber> bad = new ArrayList<>();
      bad.add(RawSubscriber.webSocket(port, topic, 20_000));
      bad.add(RawSubscriber.webSocket(port, topic, 0));
      bad.add(RawSubscriber.eventStream(port, topic, 20_000));
      for (int i = 0; i < STALLED_SSE; i++) {
        bad.add(RawSubscriber.eventStream(port, topic, 0));
      }
      toClose.addAll(bad);
      // They are cut once the kernel buffers between (MBs) are full and their backlog passes
      // the limit; the healthy ones are measured all that time and a little after.
      long badStart = System.nanoTime();
      Waits.within(
          CUT_OFF_WITHIN,
          Duration.ofMillis(100),
          () -> slowConsumerCloses() - closesBefore >= bad.size());
      long cutAfterMillis = (System.nanoTime() - badStart) / 1_000_000;
      Thread.sleep(3_000); // the healthy ones are measured a little after the cut, too
      long[] during = p99s(healthy);
      long closes = slowConsumerCloses() - closesBefore;
      AppProbes.awaitGauge(APP, "pulsar.connections.websocket", 4, Duration.ofSeconds(10));
      AppProbes.awaitGauge(APP, "pulsar.connections.sse", 2, Duration.ofSeconds(10));
      long heapDuring = AppProbes.heapAfterGc();
      int sent = producer.finish();

      System.out.printf(
          "slow consumers: %d messages of %d bytes at %d/s; p99 ws %d ms / sse %d ms without bad"
              + " clients, %d ms / %d ms with %d bad clients (%d cut off as slow consumers within"
              + " %d ms); heap after GC %d MiB, then %d MiB%n",
          sent,
          PAD,
          RATE_PER_SECOND,
          baseline[0],
          baseline[1],
          during[0],
          during[1],
          bad.size(),
          closes,
          cutAfterMillis,
          heapBefore >> 20,
          heapDuring >> 20);

      assertEquals(bad.size(), closes, "every bad client was cut off as a slow consumer");
      for (Healthy h : healthy) {
        h.awaitAll(sent);
        assertEquals(List.of(), h.errors, h.name);
      }
      assertTrue(
          during[0] <= allowedP99(baseline[0]),
          "WebSocket p99 " + during[0] + " ms, without bad clients " + baseline[0] + " ms");
      assertTrue(
          during[1] <= allowedP99(baseline[1]),
          "SSE p99 " + during[1] + " ms, without bad clients " + baseline[1] + " ms");
      assertTrue(
          heapDuring - heapBefore < HEAP_TOLERANCE_BYTES,
          "heap grew from " + (heapBefore >> 20) + " to " + (heapDuring >> 20) + " MiB");
    } finally {
      for (AutoCloseable c : toClose) {
        c.close();
      }
      healthy.forEach(Healthy::close);
      client.stop();
    }
  }

  /** p99 of the healthy WebSockets, then of the healthy event streams. */
  private static long[] p99s(List<Healthy> healthy) {
    List<Long> ws = new ArrayList<>();
    List<Long> sse = new ArrayList<>();
    for (Healthy h : healthy) {
      (h.sse ? sse : ws).addAll(h.latencies());
    }
    return new long[] {p99(ws), p99(sse)};
  }

  private static long p99(List<Long> millis) {
    assertTrue(millis.size() > 100, "only " + millis.size() + " samples");
    Collections.sort(millis);
    return millis.get((int) Math.ceil(millis.size() * 0.99) - 1);
  }

  /** Publishes {@code {"seq": n, "t": nanoTime, "pad": ...}} at a fixed rate. */
  static final class Producer extends Thread {
    private final Http http;
    private final String topic;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicInteger sent = new AtomicInteger();

    Producer(Http http, String topic) {
      super("busy-producer");
      this.http = http;
      this.topic = topic;
    }

    @Override
    public void run() {
      String pad = "x".repeat(PAD);
      long start = System.nanoTime();
      long period = 1_000_000_000L / RATE_PER_SECOND;
      for (int seq = 0; running.get(); seq++) {
        String body =
            "{\"payload\":{\"seq\":"
                + seq
                + ",\"t\":"
                + System.nanoTime()
                + ",\"pad\":\""
                + pad
                + "\"}}";
        int status =
            http.postJson("/api/v1/topics/" + topic + "/messages", PUBLISHER, body).status();
        if (status != 201) {
          throw new AssertionError("publish answered " + status);
        }
        sent.incrementAndGet();
        long sleep = start + (seq + 1) * period - System.nanoTime();
        if (sleep > 0) {
          try {
            TimeUnit.NANOSECONDS.sleep(sleep);
          } catch (InterruptedException e) {
            return;
          }
        }
      }
    }

    int finish() throws InterruptedException {
      running.set(false);
      join(10_000);
      return sent.get();
    }
  }

  /**
   * A healthy subscriber: records each message's end-to-end latency (publish call to arrival) and
   * checks that seqs arrive consecutively from 0.
   */
  public static final class Healthy implements Session.Listener.AutoDemanding {
    final String name;
    final boolean sse;
    final List<String> errors = Collections.synchronizedList(new ArrayList<>());
    private final CountDownLatch subscribed = new CountDownLatch(1);
    private final List<Long> latencies = new ArrayList<>();
    private int nextSeq;
    private Session session;
    private InputStream body;

    private Healthy(String name, boolean sse) {
      this.name = name;
      this.sse = sse;
    }

    static Healthy webSocket(WebSocketClient client, int port, String topic) throws Exception {
      Healthy h = new Healthy("websocket", false);
      ClientUpgradeRequest request = new ClientUpgradeRequest(WsClient.uri(port, "topic=" + topic));
      request.setHeader("Authorization", "Bearer " + PUBLISHER);
      h.session = client.connect(h, request).get(10, TimeUnit.SECONDS);
      return h;
    }

    static Healthy eventStream(int port, String topic) throws Exception {
      Healthy h = new Healthy("sse", true);
      HttpResponse<InputStream> response =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create(
                              "http://127.0.0.1:" + port + "/api/v1/topics/" + topic + "/events"))
                      .header("Authorization", "Bearer " + PUBLISHER)
                      .header("Accept", "text/event-stream")
                      .build(),
                  HttpResponse.BodyHandlers.ofInputStream());
      assertEquals(200, response.statusCode());
      h.body = response.body();
      Thread reader =
          new Thread(
              () -> {
                try (BufferedReader lines =
                    new BufferedReader(new InputStreamReader(h.body, StandardCharsets.UTF_8))) {
                  String line;
                  while ((line = lines.readLine()) != null) {
                    if (line.startsWith("event:") && line.contains("subscribed")) {
                      h.subscribed.countDown();
                    } else if (line.startsWith("data:") && line.contains("\"type\":\"message\"")) {
                      h.onWebSocketText(line.substring(5).trim());
                    }
                  }
                } catch (IOException e) {
                  // closed by the test
                }
              },
              "healthy-sse");
      reader.setDaemon(true);
      reader.start();
      return h;
    }

    @Override
    public void onWebSocketText(String text) {
      long now = System.nanoTime();
      try {
        JsonNode frame = JSON.readTree(text);
        if ("subscribed".equals(frame.path("type").asText())) {
          subscribed.countDown();
        }
        if (!"message".equals(frame.path("type").asText())) {
          return;
        }
        JsonNode payload = frame.get("payload");
        synchronized (this) {
          int seq = payload.get("seq").asInt();
          if (seq != nextSeq) {
            errors.add("expected seq " + nextSeq + " got " + seq);
          }
          nextSeq = seq + 1;
          latencies.add((now - payload.get("t").asLong()) / 1_000_000);
          notifyAll();
        }
      } catch (IOException e) {
        errors.add("invalid frame " + text);
      }
    }

    void awaitSubscribed(Duration within) throws InterruptedException {
      assertTrue(subscribed.await(within.toMillis(), TimeUnit.MILLISECONDS), name + " subscribed");
    }

    synchronized void resetLatencies() {
      latencies.clear();
    }

    synchronized List<Long> latencies() {
      return new ArrayList<>(latencies);
    }

    synchronized void awaitAll(int count) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (nextSeq < count && System.nanoTime() < deadline) {
        wait(100);
      }
      assertEquals(count, nextSeq, name + " received");
    }

    void close() {
      try {
        if (session != null) {
          session.disconnect();
        }
        if (body != null) {
          body.close();
        }
      } catch (IOException e) {
        // closing anyway
      }
    }
  }

  /**
   * A subscriber on a raw socket with a 4 KB receive buffer that reads {@code bytesPerSecond} (0:
   * never reads after the response head).
   */
  static final class RawSubscriber implements AutoCloseable {
    private final Socket socket;

    private RawSubscriber(Socket socket, int bytesPerSecond) {
      this.socket = socket;
      if (bytesPerSecond > 0) {
        Thread reader =
            new Thread(
                () -> {
                  byte[] chunk = new byte[bytesPerSecond / 10];
                  try {
                    InputStream in = socket.getInputStream();
                    while (in.read(chunk) >= 0) {
                      Thread.sleep(100); // the slow reader: a tenth of its rate each 100 ms
                    }
                  } catch (IOException | InterruptedException e) {
                    // cut off
                  }
                },
                "slow-reader");
        reader.setDaemon(true);
        reader.start();
      }
    }

    static RawSubscriber webSocket(int port, String topic, int bytesPerSecond) throws IOException {
      String request =
          "GET /api/v1/ws?topic="
              + topic
              + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
              + "Authorization: Bearer "
              + PUBLISHER
              + "\r\n\r\n";
      return new RawSubscriber(open(port, request, 101), bytesPerSecond);
    }

    static RawSubscriber eventStream(int port, String topic, int bytesPerSecond)
        throws IOException {
      return new RawSubscriber(open(port, eventStreamRequest(topic), 200), bytesPerSecond);
    }

    /** Connects, sends the request and reads the start of the response: the expected status. */
    static Socket open(int port, String request, int expectedStatus) throws IOException {
      Socket socket = new Socket();
      socket.setReceiveBufferSize(4096);
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      byte[] head = socket.getInputStream().readNBytes(12);
      String status = new String(head, StandardCharsets.US_ASCII);
      assertTrue(status.contains(" " + expectedStatus), status);
      socket.setSoTimeout(0);
      return socket;
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  static String eventStreamRequest(String topic) {
    return "GET /api/v1/topics/"
        + topic
        + "/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
        + "Authorization: Bearer "
        + PUBLISHER
        + "\r\n\r\n";
  }

  private static long slowConsumerCloses() {
    return APP.getEnvironment().metrics().meter("pulsar.delivery.slow-consumer-closes").getCount();
  }
}
