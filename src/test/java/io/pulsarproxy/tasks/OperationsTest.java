package io.pulsarproxy.tasks;

import static io.pulsarproxy.testing.Http.PUBLISHER;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.pulsarproxy.PulsarProxyConfiguration;
import io.pulsarproxy.testing.Http;
import io.pulsarproxy.testing.Http.Reply;
import io.pulsarproxy.testing.TestApps;
import io.pulsarproxy.testing.ValkeyTestServer;
import io.pulsarproxy.testing.WsClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.BuilderFactory;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.CommandObject;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClient;

/** The admin tasks, readiness and metrics, on two instances sharing one Valkey. */
@ExtendWith(DropwizardExtensionsSupport.class)
class OperationsTest {
  static final Duration WAIT = Duration.ofSeconds(15);

  @RegisterExtension static final ValkeyTestServer VALKEY = new ValkeyTestServer();

  static final DropwizardAppExtension<PulsarProxyConfiguration> A =
      TestApps.instance("ops-a", VALKEY);
  static final DropwizardAppExtension<PulsarProxyConfiguration> B =
      TestApps.instance("ops-b", VALKEY);

  private WebSocketClient client;
  private final List<WsClient> sockets = new ArrayList<>();
  private String topic;

  @BeforeEach
  void setUp() throws Exception {
    client = WsClient.startClient();
    topic = "t." + UUID.randomUUID();
  }

  @AfterEach
  void tearDown() throws Exception {
    sockets.forEach(WsClient::close);
    client.stop();
    task(A, "undrain", "");
    task(B, "undrain", "");
    task(A, "retention", "topic=" + topic + "&clear=true");
  }

  static Reply task(
      DropwizardAppExtension<PulsarProxyConfiguration> app, String name, String query) {
    Http admin = new Http(app.getAdminPort());
    return admin.send(
        admin
            .request("/tasks/" + name + (query.isEmpty() ? "" : "?" + query), null)
            .POST(HttpRequest.BodyPublishers.noBody()));
  }

  static Reply ready(DropwizardAppExtension<PulsarProxyConfiguration> app) {
    return new Http(app.getLocalPort()).get("/health/ready", null);
  }

  private WsClient subscribe(DropwizardAppExtension<PulsarProxyConfiguration> app, String query)
      throws Exception {
    WsClient ws =
        WsClient.connect(client, WsClient.uri(app.getLocalPort(), query), PUBLISHER, null);
    sockets.add(ws);
    return ws;
  }

  @Test
  void drainingMovesSubscribersToTheOtherInstanceWithoutLosingAMessage() throws Exception {
    int subscribers = 10;
    List<WsClient> onA = new ArrayList<>();
    for (int i = 0; i < subscribers; i++) {
      WsClient ws = subscribe(A, "topic=" + topic);
      ws.nextOfType("subscribed", WAIT);
      onA.add(ws);
    }
    int total = 200;
    AtomicBoolean failed = new AtomicBoolean();
    AtomicInteger published = new AtomicInteger();
    Http publisherHttp = new Http(B.getLocalPort());
    Thread publisher =
        new Thread(
            () -> {
              for (int i = 0; i < total; i++) {
                Reply r =
                    publisherHttp.postJson(
                        "/api/v1/topics/" + topic + "/messages",
                        PUBLISHER,
                        "{\"payload\":{\"seq\":" + i + "}}");
                failed.compareAndSet(false, r.status() != 201);
                published.incrementAndGet();
                try {
                  Thread.sleep(10); // pacing: the drain happens in the middle of the publishing
                } catch (InterruptedException e) {
                  return;
                }
              }
            });
    publisher.start();
    // Drain once publishing is under way.
    await().atMost(WAIT).until(() -> published.get() >= 20);

    Reply drained = task(A, "drain", "window=1s");
    assertEquals(200, drained.status(), drained.toString());
    assertEquals(subscribers, drained.json().get("closed").asInt(), drained.toString());
    assertEquals(0, drained.json().get("remaining").asInt());
    assertEquals(503, ready(A).status());
    assertEquals(
        503, WsClient.refusalStatus(client, WsClient.uri(A.getLocalPort(), null), PUBLISHER, null));
    assertEquals(200, ready(B).status());

    // Each client does what a real one would: on the hint, resume from its last id elsewhere.
    List<List<Integer>> seen = new ArrayList<>();
    List<WsClient> onB = new ArrayList<>();
    for (WsClient ws : onA) {
      List<Integer> mine = new ArrayList<>();
      String lastId = null;
      JsonNode frame;
      while (!"reconnect".equals((frame = ws.next(WAIT)).path("type").asText())) {
        if ("message".equals(frame.path("type").asText())) {
          mine.add(frame.get("payload").get("seq").asInt());
          lastId = frame.get("id").asText();
        }
      }
      assertTrue(frame.get("after_ms").asLong() >= 0);
      assertEquals(1001, ws.awaitClose(WAIT));
      onB.add(
          subscribe(B, "topic=" + topic + (lastId == null ? "&from=earliest" : "&from=" + lastId)));
      seen.add(mine);
    }
    publisher.join(30_000);
    assertFalse(failed.get(), "every publish acknowledged");
    for (int i = 0; i < subscribers; i++) {
      List<Integer> mine = seen.get(i);
      for (JsonNode m : onB.get(i).messages(total - mine.size(), WAIT)) {
        mine.add(m.get("payload").get("seq").asInt());
      }
      List<Integer> expected = new ArrayList<>();
      for (int s = 0; s < total; s++) {
        expected.add(s);
      }
      assertEquals(expected, mine, "subscriber " + i);
    }

    assertEquals(false, task(A, "undrain", "").json().get("draining").asBoolean());
    assertEquals(200, ready(A).status());
  }

  @Test
  void readinessFollowsTheStore() throws Exception {
    assertEquals(200, ready(A).status());
    VALKEY.stop();
    try {
      Reply notReady = ready(A);
      assertEquals(503, notReady.status());
      assertTrue(notReady.body().contains("store unreachable"), notReady.toString());
      assertEquals(200, new Http(A.getLocalPort()).get("/health/live", null).status());
    } finally {
      VALKEY.start();
    }
    awaitReady(A);
  }

  private static void awaitReady(DropwizardAppExtension<PulsarProxyConfiguration> app) {
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(100))
        .untilAsserted(
            () -> {
              Reply r = ready(app);
              assertEquals(200, r.status(), r.toString());
            });
  }

  @Test
  void readinessTurnsRedWhileTheFollowerIsStuck() throws Exception {
    WsClient ws = subscribe(A, "topic=" + topic); // so that A follows something
    ws.nextOfType("subscribed", WAIT);
    try (RedisClient redis = RedisClient.create(VALKEY.url())) {
      // The store answers PING and XADD, but every follower read fails: a stuck follower.
      acl(redis, "-xread");
      try {
        await()
            .alias("readiness named the stuck follower")
            .atMost(Duration.ofSeconds(12))
            .pollInterval(Duration.ofMillis(100))
            .until(
                () -> {
                  Reply r = ready(A);
                  return r.status() == 503 && r.body().contains("follower stuck");
                });
      } finally {
        acl(redis, "+xread");
      }
    }
    awaitReady(A);
  }

  private static void acl(RedisClient redis, String rule) {
    redis.executeCommand(
        new CommandObject<>(
            new CommandArguments(Protocol.Command.ACL).add("SETUSER").add("default").add(rule),
            BuilderFactory.RAW_OBJECT));
  }

  @Test
  void aRetentionChangeOnOneInstanceIsAppliedByTheOther() throws Exception {
    Reply set = task(A, "retention", "topic=" + topic + "&max_length=42&hot_window=1m");
    assertEquals(200, set.status(), set.toString());
    assertEquals(42, set.json().get("topic_effective").get("max_length").asLong());
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(50))
        .untilAsserted(
            () ->
                assertEquals(
                    42,
                    new Http(B.getLocalPort())
                        .get("/api/v1/topics/" + topic, PUBLISHER)
                        .json()
                        .get("retention")
                        .get("max_length")
                        .asLong(),
                    "B applies A's change"));
    JsonNode onB = task(B, "retention", "topic=" + topic).json();
    assertEquals(42, onB.get("overrides").get(topic).get("max_length").asLong());
    assertEquals("60s", onB.get("overrides").get(topic).get("hot_window").asText());

    Reply bad = task(A, "retention", "topic=" + topic + "&max_age=soon");
    assertEquals(400, bad.status(), bad.toString());
    assertTrue(bad.json().get("message").asText().contains("max_age"));
    // Kept in whole seconds: shorter would be stored as 0 and break every append.
    assertEquals(400, task(A, "retention", "topic=" + topic + "&max_age=500ms").status());
    assertEquals(400, task(A, "retention", "colour=red").status());
    assertEquals(400, task(A, "retention", "clear=true").status());
  }

  @Test
  void trimRemovesExactlyWhatItSays() throws Exception {
    Http http = new Http(A.getLocalPort());
    for (int i = 0; i < 5; i++) {
      StringBuilder batch = new StringBuilder("{\"messages\":[");
      for (int j = 0; j < 10; j++) {
        batch.append(j == 0 ? "" : ",").append("{\"payload\":").append(i * 10 + j).append('}');
      }
      http.postJson("/api/v1/topics/" + topic + "/messages/batch", PUBLISHER, batch + "]}");
    }
    Reply trimmed = task(A, "trim-stream", "topic=" + topic + "&maxlen=10");
    assertEquals(200, trimmed.status(), trimmed.toString());
    assertEquals(40, trimmed.json().get("removed").asLong());
    assertEquals(10, trimmed.json().get("length").asLong());
    JsonNode left =
        http.get("/api/v1/topics/" + topic + "/messages?wait=0", PUBLISHER).json().get("messages");
    assertEquals(10, left.size());
    assertEquals(40, left.get(0).get("payload").asInt());

    String fifth = left.get(5).get("id").asText();
    assertEquals(
        5,
        task(A, "trim-stream", "topic=" + topic + "&minid=" + fifth)
            .json()
            .get("removed")
            .asLong());
    assertEquals(
        5,
        task(A, "trim-stream", "topic=" + topic + "&older_than=0s").json().get("removed").asLong());

    Reply unknown = task(A, "trim-stream", "topic=never." + UUID.randomUUID() + "&maxlen=1");
    assertEquals(404, unknown.status(), unknown.toString());
    assertEquals("unknown_topic", unknown.json().get("error").asText());
    Reply both = task(A, "trim-stream", "topic=" + topic + "&maxlen=1&minid=1-0");
    assertEquals(400, both.status());
    Reply bad = task(A, "trim-stream", "topic=" + topic + "&maxlen=-3");
    assertEquals(400, bad.status());
    assertTrue(bad.json().get("message").asText().contains("maxlen"), bad.toString());
  }

  @Test
  void disconnectAndConnectionsTasks() throws Exception {
    WsClient one = subscribe(A, "topic=" + topic);
    WsClient two = subscribe(A, "topic=" + topic + ".other");
    one.nextOfType("subscribed", WAIT);
    two.nextOfType("subscribed", WAIT);
    JsonNode counts = task(A, "connections", "").json();
    assertEquals(2, counts.get("by_transport").get("websocket").asInt(), counts.toString());
    assertEquals(2, counts.get("by_token").get("publisher").asInt());
    assertEquals(1, counts.get("busiest_topics").size() >= 2 ? 1 : 0, counts.toString());

    Reply cut = task(A, "disconnect", "topic=" + topic + "&reason=maintenance");
    assertEquals(1, cut.json().get("closed").asInt(), cut.toString());
    assertEquals("maintenance", one.nextOfType("disconnected", WAIT).get("reason").asText());
    assertEquals(1008, one.awaitClose(WAIT));
    assertTrue(two.isOpen());
    assertEquals(1, task(A, "disconnect", "token=publisher").json().get("closed").asInt());
    assertEquals(400, task(A, "disconnect", "").status());
  }

  private static final Pattern SAMPLE =
      Pattern.compile(
          "[a-zA-Z_:][a-zA-Z0-9_:]*(\\{[^}]*\\})? -?[0-9.eE+-]+|[a-zA-Z_:][a-zA-Z0-9_:]*(\\{[^}]*\\})? (NaN|\\+Inf|-Inf)");

  @Test
  void prometheusScrapeParsesAndMovesWhenMessagesFlow() {
    Http admin = new Http(A.getAdminPort());
    Reply before = admin.get("/prometheus", null);
    assertEquals(200, before.status());
    for (String line : before.body().split("\n")) {
      assertTrue(line.isEmpty() || line.startsWith("#") || SAMPLE.matcher(line).matches(), line);
    }
    double accepted = value(before.body(), "pulsar_publish_accepted_total");
    new Http(A.getLocalPort())
        .postJson("/api/v1/topics/" + topic + "/messages", PUBLISHER, "{\"payload\":1}");
    new Http(A.getLocalPort()).postJson("/api/v1/topics/" + topic + "/messages", PUBLISHER, "{}");
    String after = admin.get("/prometheus", null).body();
    assertEquals(accepted + 1, value(after, "pulsar_publish_accepted_total"));
    assertTrue(value(after, "pulsar_publish_rejected_total{reason=\"invalid_message\"}") >= 1);
    assertEquals(1.0, value(after, "pulsar_probe_healthy"));
    for (String name :
        List.of(
            "pulsar_connections{transport=\"websocket\"}",
            "pulsar_follower_lag_seconds",
            "pulsar_hot_tier_bytes",
            "pulsar_store_commands_count",
            "pulsar_draining")) {
      assertTrue(value(after, name) >= 0, name);
    }
  }

  static double value(String scrape, String series) {
    for (String line : scrape.split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).trim());
      }
    }
    throw new AssertionError("no " + series + " in the scrape");
  }
}
