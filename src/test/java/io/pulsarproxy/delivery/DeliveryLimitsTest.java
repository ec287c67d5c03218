package io.pulsarproxy.delivery;

import static io.pulsarproxy.testing.Http.PUBLISHER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.Gauge;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.pulsarproxy.PulsarProxyApplication;
import io.pulsarproxy.PulsarProxyConfiguration;
import io.pulsarproxy.testing.Http;
import io.pulsarproxy.testing.Http.Reply;
import io.pulsarproxy.testing.WsClient;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Every delivery limit, with limits small enough to reach in a test. */
@ExtendWith(DropwizardExtensionsSupport.class)
class DeliveryLimitsTest {
  static final Duration WAIT = Duration.ofSeconds(10);

  static final DropwizardAppExtension<PulsarProxyConfiguration> APP =
      new DropwizardAppExtension<>(
          PulsarProxyApplication.class,
          ResourceHelpers.resourceFilePath("test-config.yml"),
          ConfigOverride.config("delivery.maxConnections", "4"),
          ConfigOverride.config("delivery.maxTopicsPerConnection", "2"),
          ConfigOverride.config("delivery.maxFrameSize", "1KiB"),
          ConfigOverride.config("delivery.outboundQueue", "64KiB"),
          ConfigOverride.config("delivery.idleTimeout", "2s"),
          ConfigOverride.config("delivery.pingInterval", "500ms"),
          // An event stream the client closed ends at the next keep-alive; at the default 15 s
          // the stop at the end of the class waited for it.
          ConfigOverride.config("delivery.sseKeepAlive", "200ms"));

  private WebSocketClient client;
  private final List<WsClient> sockets = new ArrayList<>();
  private Http http;
  private String topic;

  @BeforeEach
  void setUp() throws Exception {
    client = WsClient.startClient();
    http = new Http(APP.getLocalPort());
    topic = "t." + UUID.randomUUID();
  }

  @AfterEach
  void tearDown() throws Exception {
    sockets.forEach(WsClient::close);
    client.stop();
    awaitConnections(0);
  }

  private WsClient connect(String query) throws Exception {
    WsClient ws =
        WsClient.connect(client, WsClient.uri(APP.getLocalPort(), query), PUBLISHER, null);
    sockets.add(ws);
    return ws;
  }

  private static int connections() {
    Gauge<?> gauge = APP.getEnvironment().metrics().getGauges().get("pulsar.connections.websocket");
    return ((Number) gauge.getValue()).intValue();
  }

  private static void awaitConnections(int expected) {
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(20))
        .untilAsserted(
            () -> assertThat(connections()).as("open WebSocket connections").isEqualTo(expected));
  }

  @Test
  void theConnectionCapRefusesUpgradesAndEventStreamsWith503() throws Exception {
    for (int i = 0; i < 4; i++) {
      connect(null);
    }
    awaitConnections(4);
    assertEquals(
        503,
        WsClient.refusalStatus(client, WsClient.uri(APP.getLocalPort(), null), PUBLISHER, null));
    Reply sse =
        http.send(
            http.request("/api/v1/topics/" + topic + "/events", PUBLISHER)
                .header("Accept", "text/event-stream"));
    assertEquals(503, sse.status(), sse.toString());
    assertEquals("too_many_connections", sse.json().get("error").asText());
    sockets.remove(0).close();
    awaitConnections(3);
    connect(null);
  }

  @Test
  void topicsPerConnectionAreCapped() throws Exception {
    WsClient ws = connect("topic=" + topic + ".a&topic=" + topic + ".b");
    ws.nextOfType("subscribed", WAIT);
    ws.nextOfType("subscribed", WAIT);
    ws.send("{\"op\":\"subscribe\",\"topic\":\"" + topic + ".c\"}");
    assertEquals("too_many_topics", ws.nextOfType("error", WAIT).get("error").asText());
  }

  @Test
  void anOversizedFrameClosesTheConnectionWith1009() throws Exception {
    WsClient ws = connect(null);
    ws.send("{\"op\":\"ping\",\"pad\":\"" + "x".repeat(2048) + "\"}");
    assertEquals(1009, ws.awaitClose(WAIT));
  }

  @Test
  void serverPingsKeepAnIdleConnectionOpen() throws Exception {
    WsClient ws = connect("topic=" + topic);
    ws.nextOfType("subscribed", WAIT);
    Thread.sleep(3_000); // the stimulus: longer than the 2 s idle timeout, during which pings go
    assertTrue(ws.isOpen());
    http.postJson("/api/v1/topics/" + topic + "/messages", PUBLISHER, "{\"payload\":1}");
    assertEquals(1, ws.messages(1, WAIT).get(0).get("payload").asInt());
  }

  @Test
  void aReplayOfMoreThanTheQueueHoldsReachesAHealthyClientWhole() throws Exception {
    String payload = "\"" + "r".repeat(8000) + "\"";
    for (int i = 0; i < 4; i++) {
      StringBuilder batch = new StringBuilder("{\"messages\":[");
      for (int j = 0; j < 25; j++) {
        batch.append(j == 0 ? "" : ",").append("{\"payload\":").append(payload).append('}');
      }
      batch.append("]}");
      http.postJson("/api/v1/topics/" + topic + "/messages/batch", PUBLISHER, batch.toString());
    }
    // 100 messages of 8 KB: 800 KB through a 64 KiB queue.
    WsClient ws = connect("topic=" + topic + "&from=earliest");
    assertEquals(100, ws.messages(100, WAIT).size());
    assertTrue(ws.isOpen());
  }

  @Test
  void aPeerThatAnswersNoPingIsClosedAfterTheIdleTimeout() throws Exception {
    try (Socket silent = new Socket("127.0.0.1", APP.getLocalPort())) {
      silent
          .getOutputStream()
          .write(
              ("GET /api/v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                      + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                      + "Sec-WebSocket-Version: 13\r\nAuthorization: Bearer "
                      + PUBLISHER
                      + "\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      awaitConnections(1);
      // It reads (so pings are delivered) but never answers them.
      long start = System.nanoTime();
      awaitConnections(0);
      long tookMillis = (System.nanoTime() - start) / 1_000_000;
      assertTrue(tookMillis >= 1_000, "closed after " + tookMillis + " ms");
    }
  }

  @Test
  void aStalledReaderIsCutOffWhileAFastOneKeepsReceiving() throws Exception {
    WsClient fast = connect("topic=" + topic);
    fast.nextOfType("subscribed", WAIT);
    try (Socket stalled = new Socket()) {
      stalled.setReceiveBufferSize(4096);
      stalled.connect(new java.net.InetSocketAddress("127.0.0.1", APP.getLocalPort()));
      OutputStream out = stalled.getOutputStream();
      out.write(
          ("GET /api/v1/ws?topic="
                  + topic
                  + " HTTP/1.1\r\n"
                  + "Host: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                  + "Authorization: Bearer "
                  + PUBLISHER
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = stalled.getInputStream();
      byte[] head = new byte[12];
      assertEquals(12, in.readNBytes(head, 0, 12));
      assertTrue(new String(head, StandardCharsets.US_ASCII).contains("101"));
      awaitConnections(2);
      // From here on the stalled client reads nothing. 10 MB is more than the kernel buffers
      // between (up to 4 MB of send buffer here) can absorb.
      String payload = "\"" + "p".repeat(8000) + "\"";
      int count = 1250;
      for (int i = 0; i < count; i += 25) {
        StringBuilder batch = new StringBuilder("{\"messages\":[");
        for (int j = 0; j < 25; j++) {
          batch.append(j == 0 ? "" : ",").append("{\"payload\":").append(payload).append('}');
        }
        batch.append("]}");
        assertEquals(
            201,
            http.postJson(
                    "/api/v1/topics/" + topic + "/messages/batch", PUBLISHER, batch.toString())
                .status());
      }
      assertEquals(count, fast.messages(count, Duration.ofSeconds(20)).size());
      awaitConnections(1);
      assertTrue(fast.isOpen());
    }
  }

  @Test
  void aBurstLargerThanTheQueueReachesAHealthyEventStreamWhole() throws Exception {
    // The follower hands the 20 messages of one batch (160 KB) to the stream at once: more than
    // the 64 KiB queue, but a burst into an empty queue, not a backlog.
    java.net.http.HttpResponse<InputStream> stream =
        java.net.http.HttpClient.newHttpClient()
            .send(
                http.request("/api/v1/topics/" + topic + "/events", PUBLISHER)
                    .header("Accept", "text/event-stream")
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, stream.statusCode());
    java.util.concurrent.atomic.AtomicInteger received =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.CountDownLatch subscribed = new java.util.concurrent.CountDownLatch(1);
    Thread reader =
        new Thread(
            () ->
                new java.io.BufferedReader(
                        new java.io.InputStreamReader(stream.body(), StandardCharsets.UTF_8))
                    .lines()
                    .filter(line -> line.startsWith("event:"))
                    .forEach(
                        line -> {
                          if (line.contains("subscribed")) {
                            subscribed.countDown();
                          } else if (line.contains("message")) {
                            received.incrementAndGet();
                          }
                        }));
    reader.setDaemon(true);
    reader.start();
    assertTrue(subscribed.await(WAIT.toMillis(), TimeUnit.MILLISECONDS), "subscribed");
    String payload = "\"" + "b".repeat(8000) + "\"";
    StringBuilder batch = new StringBuilder("{\"messages\":[");
    for (int j = 0; j < 20; j++) {
      batch.append(j == 0 ? "" : ",").append("{\"payload\":").append(payload).append('}');
    }
    batch.append("]}");
    assertEquals(
        201,
        http.postJson("/api/v1/topics/" + topic + "/messages/batch", PUBLISHER, batch.toString())
            .status());
    try {
      await()
          .atMost(WAIT)
          .pollInterval(Duration.ofMillis(20))
          .untilAsserted(
              () -> assertEquals(20, received.get(), "messages received before the stream ended"));
    } finally {
      stream.body().close();
    }
  }
}
