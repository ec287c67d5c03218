package io.pulsarproxy.delivery;

import static io.pulsarproxy.testing.Http.LIMITED;
import static io.pulsarproxy.testing.Http.PUBLISHER;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.Gauge;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.pulsarproxy.PulsarProxyConfiguration;
import io.pulsarproxy.testing.Http;
import io.pulsarproxy.testing.SseClient;
import io.pulsarproxy.testing.WsClient;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Per-token connection caps over real WebSocket and SSE connections: the token {@code limited} may
 * hold {@value #CAP}; one more answers 429, other tokens and long-polls are not affected, and a
 * closed (or vanished) connection frees its slot.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
abstract class TokenConnectionCapContract {
  static final int CAP = 3;
  static final Duration WAIT = Duration.ofSeconds(10);

  /** {@code limited} is the third token of test-config.yml. */
  static ConfigOverride[] overrides() {
    return new ConfigOverride[] {
      ConfigOverride.config("auth.tokens[2].maxConnections", Integer.toString(CAP)),
      // A closed event stream is noticed at the next write; keep-alives make that soon.
      ConfigOverride.config("delivery.sseKeepAlive", "200ms")
    };
  }

  protected abstract DropwizardAppExtension<PulsarProxyConfiguration> app();

  private final HttpClient httpClient = HttpClient.newHttpClient();
  private final List<AutoCloseable> open = new ArrayList<>();
  private WebSocketClient wsClient;
  private Http http;
  private String topic;

  @BeforeEach
  void setUp() throws Exception {
    wsClient = WsClient.startClient();
    http = new Http(app().getLocalPort());
    topic = "cap." + UUID.randomUUID();
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    wsClient.stop();
    awaitHeld(LIMITED, 0);
  }

  private WsClient ws(String token, String query) throws Exception {
    WsClient ws =
        WsClient.connect(wsClient, WsClient.uri(app().getLocalPort(), query), token, null);
    open.add(ws);
    return ws;
  }

  private SseClient sse(String token) throws Exception {
    SseClient sse =
        SseClient.open(
            httpClient,
            URI.create("http://127.0.0.1:" + app().getLocalPort()),
            "/api/v1/topics/" + topic + "/events",
            token);
    open.add(sse);
    return sse;
  }

  private int held(String tokenName) {
    Gauge<?> g =
        app().getEnvironment().metrics().getGauges().get("pulsar.token-connections." + tokenName);
    return ((Number) g.getValue()).intValue();
  }

  private void awaitHeld(String secret, int expected) {
    String name = secret.equals(LIMITED) ? "limited" : "publisher";
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(20))
        .untilAsserted(
            () -> assertEquals(expected, held(name), "connections held by token " + name));
  }

  /** A WebSocket upgrade over a raw socket, to read the refusal's headers and JSON body. */
  private String rawUpgrade(String token) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", app().getLocalPort())) {
      socket.setSoTimeout(10_000);
      socket
          .getOutputStream()
          .write(
              ("GET /api/v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                      + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                      + "Sec-WebSocket-Version: 13\r\nAuthorization: Bearer "
                      + token
                      + "\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      String answer = "";
      byte[] buffer = new byte[4096];
      int n;
      while (!answer.contains("}") && (n = socket.getInputStream().read(buffer)) > 0) {
        answer += new String(buffer, 0, n, StandardCharsets.UTF_8);
      }
      return answer;
    }
  }

  private long refusedCount() {
    return app()
        .getEnvironment()
        .metrics()
        .getMeters()
        .get("pulsar.token-connections-refused.limited")
        .getCount();
  }

  @Test
  void aTokenHoldsAtMostItsCapAndAClosedConnectionFreesItsSlot() throws Exception {
    long refusedBefore = refusedCount();
    WsClient first = ws(LIMITED, "topic=" + topic);
    first.nextOfType("subscribed", WAIT);
    WsClient second = ws(LIMITED, null);
    SseClient stream = sse(LIMITED);
    assertEquals(200, stream.status());
    stream.awaitLine("subscribed", WAIT);
    awaitHeld(LIMITED, CAP);

    // One more WebSocket: 429 with Retry-After and the JSON error, before any WebSocket exists.
    String refusal = rawUpgrade(LIMITED);
    assertTrue(refusal.startsWith("HTTP/1.1 429"), refusal);
    assertTrue(refusal.contains("Retry-After: 5"), refusal);
    assertTrue(refusal.contains("\"error\":\"too_many_connections\""), refusal);
    assertEquals(
        429,
        WsClient.refusalStatus(wsClient, WsClient.uri(app().getLocalPort(), null), LIMITED, null));
    // One more event stream: the same.
    SseClient refused = sse(LIMITED);
    assertEquals(429, refused.status(), refused.body());
    assertEquals("5", refused.header("Retry-After"));
    assertTrue(refused.body().contains("\"error\":\"too_many_connections\""), refused.body());
    assertEquals(3, refusedCount() - refusedBefore);
    String scrape = new Http(app().getAdminPort()).get("/prometheus", null).body();
    assertTrue(
        scrape.contains("pulsar_token_connections_refused_total{token=\"limited\"}"), scrape);

    // Other tokens are not affected; a long-poll holds no slot.
    ws(PUBLISHER, null);
    assertEquals(200, http.get("/api/v1/topics/" + topic + "/messages?wait=0", LIMITED).status());
    assertEquals(CAP, held("limited"));

    // The connections at the cap still work.
    http.postJson("/api/v1/topics/" + topic + "/messages", PUBLISHER, "{\"payload\":\"live\"}");
    assertEquals("live", first.messages(1, WAIT).get(0).get("payload").asText());
    stream.awaitLine("\"live\"", WAIT);

    // A closed WebSocket frees its slot.
    second.close();
    awaitHeld(LIMITED, CAP - 1);
    ws(LIMITED, null);
    awaitHeld(LIMITED, CAP);
    // So does a closed event stream.
    stream.close();
    awaitHeld(LIMITED, CAP - 1);
    SseClient again = sse(LIMITED);
    assertEquals(200, again.status());
    awaitHeld(LIMITED, CAP);
    // And a WebSocket whose client vanished without a close handshake.
    first.abort();
    awaitHeld(LIMITED, CAP - 1);
    ws(LIMITED, null);
    awaitHeld(LIMITED, CAP);
  }
}
