package io.pulsarproxy.resources;

import static io.pulsarproxy.testing.Http.ORDERS_ONLY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.pulsarproxy.PulsarProxyConfiguration;
import io.pulsarproxy.testing.Http;
import io.pulsarproxy.testing.SseClient;
import io.pulsarproxy.testing.TestApps;
import io.pulsarproxy.testing.ValkeyTestServer;
import io.pulsarproxy.testing.WsClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.IntPredicate;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.RedisClient;

/**
 * A token allowed only {@code orders.*} tries to reach other topics through every way a topic
 * enters the proxy: publish (path, body, batch), topic info, read, long-poll, SSE, WebSocket
 * upgrade and WebSocket subscribe frames. Every answer must be 400 or 403 (a handful of path tricks
 * that change the route itself get Jetty's 404/414, listed below), never a 2xx, never a 500, and
 * nothing may be stored in Valkey.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class TopicAclBypassTest {
  @RegisterExtension static final ValkeyTestServer VALKEY = new ValkeyTestServer();

  static final DropwizardAppExtension<PulsarProxyConfiguration> APP =
      TestApps.valkey(VALKEY, ConfigOverride.config("delivery.maxBadFrames", "100000"));

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(10);

  /** Topic names as the proxy would see them once decoded; none is an allowed {@code orders.*}. */
  static final List<String> NAMES =
      List.of(
          "payments",
          "ORDERS.x",
          "Orders.x",
          "orders",
          "orders/x",
          "orders.x/../payments",
          "../payments",
          "..",
          ".",
          "orders..x",
          "orders.",
          ".orders.x",
          "orders.x.",
          "orders.x..",
          "*",
          "orders.*",
          "orders.?",
          "?",
          "orders.x%2Fpayments",
          "orders.x%252Fpayments",
          "orders.x\\payments",
          "\u043erders.x", // Cyrillic o
          "\uff4frders.x", // fullwidth o
          "orders\u2024x", // one dot leader
          "orders\uff0ex", // fullwidth full stop
          "orders\u3002x", // ideographic full stop
          "\u200borders.x", // zero-width space
          "orders.x\u0000",
          "orders.x\u0000payments",
          "\u0000",
          "orders.x\n",
          "orders.x\r\npayments",
          "orders.x\t",
          "orders.x\u007f",
          "orders.x\u0085",
          " orders.x",
          "orders.x ",
          "",
          "orders." + "x".repeat(194), // 201 characters
          "orders." + "x".repeat(4000));

  /** Raw path segments with encodings a name list cannot express. */
  static final List<String> RAW_PATHS =
      List.of(
          "orders.x%2F..%2Fpayments",
          "orders.x%2Fpayments",
          "orders.x%252Fpayments",
          "orders.x%252F..%252Fpayments",
          "%2E%2E",
          "%2e",
          "orders.x%2F%2E%2E%2Fpayments",
          "..%2Fpayments",
          "orders.x%5C..%5Cpayments",
          "orders.x%3Bpayments",
          "payments;orders.x",
          "orders.x%00",
          "orders.x%C0%AE%C0%AEpayments", // overlong UTF-8 dots
          "orders.x%FF",
          "orders.%2A",
          "%2A",
          "orders.x%3F",
          "ORDERS.%78");

  /** Raw paths that leave the topic's path segment and so reach another route, or none. */
  static final Set<String> REROUTED = Set.of("orders.x/../payments", "../payments", "..", ".", "");

  private final List<String> failures = new ArrayList<>();
  private final HttpClient sseHttp = HttpClient.newHttpClient();
  private WebSocketClient wsClient;
  private Http http;

  @BeforeEach
  void setUp() throws Exception {
    wsClient = WsClient.startClient();
    http = new Http(APP.getLocalPort());
  }

  @AfterEach
  void tearDown() throws Exception {
    wsClient.stop();
  }

  private static String encode(String name) {
    return URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private void check(String what, String name, int status, IntPredicate allowed, String body) {
    if (!allowed.test(status)) {
      failures.add(what + " " + JSON.valueToTree(name) + " -> " + status + " " + body);
    }
  }

  private static boolean refused(int status) {
    return status == 400 || status == 403;
  }

  /** Every path-segment form on every HTTP endpoint that takes a topic in the path. */
  private void attackPaths(String segment, String name, IntPredicate allowed) {
    String base = "/api/v1/topics/" + segment;
    send(
        "publish",
        name,
        allowed,
        () -> http.postJson(base + "/messages", ORDERS_ONLY, "{\"payload\":1}"));
    send(
        "batch",
        name,
        allowed,
        () ->
            http.postJson(
                base + "/messages/batch", ORDERS_ONLY, "{\"messages\":[{\"payload\":1}]}"));
    send("info", name, allowed, () -> http.get(base, ORDERS_ONLY));
    send("read", name, allowed, () -> http.get(base + "/messages?wait=0", ORDERS_ONLY));
    send("long-poll", name, allowed, () -> http.get(base + "/messages?wait=1", ORDERS_ONLY));
    // A stream that opened is a failure too; SseClient returns once the headers are in.
    send(
        "sse",
        name,
        allowed,
        () -> {
          try (SseClient sse =
              SseClient.open(
                  sseHttp,
                  URI.create("http://127.0.0.1:" + APP.getLocalPort()),
                  base + "/events",
                  ORDERS_ONLY)) {
            return new Http.Reply(sse.status(), String.valueOf(sse.body()), null);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
          }
        });
  }

  private void send(
      String what,
      String name,
      IntPredicate allowed,
      java.util.function.Supplier<Http.Reply> call) {
    Http.Reply r;
    try {
      r = call.get();
    } catch (UncheckedIOException e) {
      // Jetty answers a POST whose path holds %00 with a 400 and then closes the connection
      // without a "Connection: close": the next request on it finds it dead, before any answer.
      // A real client retries that once on a new connection; so does this one.
      try {
        r = call.get();
      } catch (UncheckedIOException again) {
        failures.add(what + " " + JSON.valueToTree(name) + " -> no answer: " + again.getMessage());
        return;
      }
    }
    check(what, name, r.status(), allowed, r.body());
  }

  private Set<String> streamKeys() {
    try (RedisClient redis = RedisClient.create(VALKEY.url())) {
      Set<String> keys = new TreeSet<>(redis.keys("pp:{*"));
      keys.removeIf(k -> k.startsWith("pp:{pp.probe."));
      return keys;
    }
  }

  @Test
  void noTopicNameTrickReachesATopicOutsideThePatterns() throws Exception {
    Set<String> keysBefore = streamKeys();
    long acceptedBefore = accepted();

    for (String name : NAMES) {
      IntPredicate allowed =
          REROUTED.contains(name)
              ? s -> refused(s) || s == 404 || s == 405
              : TopicAclBypassTest::refused;
      attackPaths(encode(name), name, allowed);
      if (name.contains("/") && !name.contains("%")) {
        // Unencoded, the slash splits the path: another route (404) or a normalised path.
        attackPaths(
            name.replace("\\", "%5C"),
            name + " (unencoded)",
            s -> refused(s) || s == 404 || s == 405);
      }
      String quoted = JSON.writeValueAsString(name);
      send(
          "publish, topic in body",
          name,
          TopicAclBypassTest::refused,
          () ->
              http.postJson(
                  "/api/v1/messages", ORDERS_ONLY, "{\"topic\":" + quoted + ",\"payload\":1}"));
      send(
          "batch, topic in body",
          name,
          TopicAclBypassTest::refused,
          () ->
              http.postJson(
                  "/api/v1/messages/batch",
                  ORDERS_ONLY,
                  "{\"topic\":" + quoted + ",\"messages\":[{\"payload\":1}]}"));
      int upgrade =
          WsClient.refusalStatus(
              wsClient,
              WsClient.uri(APP.getLocalPort(), "topic=" + encode(name)),
              ORDERS_ONLY,
              null);
      check("websocket upgrade", name, upgrade, TopicAclBypassTest::refused, "");
    }
    for (String raw : RAW_PATHS) {
      attackPaths(raw, raw + " (raw path)", TopicAclBypassTest::refused);
    }
    // A name longer than the 8 KiB request line Jetty reads: 414 before the API sees it.
    attackPaths("orders." + "x".repeat(10_000), "orders.x{10000}", s -> s == 414);

    // Subscribe frames on one open WebSocket: each answered with an error frame, 400 or 403.
    try (WsClient ws =
        WsClient.connect(wsClient, WsClient.uri(APP.getLocalPort(), null), ORDERS_ONLY, null)) {
      for (String name : NAMES) {
        ws.send("{\"op\":\"subscribe\",\"topic\":" + JSON.writeValueAsString(name) + "}");
        JsonNode answer =
            ws.nextMatching(
                f -> Set.of("error", "subscribed").contains(f.path("type").asText()), WAIT);
        int code = "error".equals(answer.path("type").asText()) ? answer.path("code").asInt() : 200;
        check("websocket subscribe", name, code, TopicAclBypassTest::refused, answer.toString());
      }
      assertTrue(ws.isOpen());
    }

    assertEquals(
        "", String.join("\n", failures), failures.size() + " answers that were not a refusal");
    assertEquals(acceptedBefore, accepted(), "messages accepted");
    assertEquals(keysBefore, streamKeys(), "topics stored in Valkey");
  }

  private static long accepted() {
    return APP.getEnvironment().metrics().getMeters().get("pulsar.publish.accepted").getCount();
  }

  /** The harness itself: an allowed topic passes the same way (so a refusal above means one). */
  @Test
  void theAllowedNamespaceStillWorks() throws Exception {
    assertEquals(
        201,
        http.postJson("/api/v1/topics/orders.ok/messages", ORDERS_ONLY, "{\"payload\":1}")
            .status());
    assertEquals(
        201,
        http.postJson("/api/v1/messages", ORDERS_ONLY, "{\"topic\":\"orders.ok\",\"payload\":1}")
            .status());
    assertEquals(200, http.get("/api/v1/topics/orders.ok/messages?wait=0", ORDERS_ONLY).status());
    assertEquals(
        101,
        WsClient.refusalStatus(
            wsClient, WsClient.uri(APP.getLocalPort(), "topic=orders.ok"), ORDERS_ONLY, null));
    assertTrue(streamKeys().contains("pp:{orders.ok}:stream"), streamKeys().toString());
  }
}
