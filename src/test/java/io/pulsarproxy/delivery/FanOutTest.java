package io.pulsarproxy.delivery;

import static io.pulsarproxy.testing.Http.PUBLISHER;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.pulsarproxy.PulsarProxyConfiguration;
import io.pulsarproxy.testing.Http;
import io.pulsarproxy.testing.TestApps;
import io.pulsarproxy.testing.ValkeyTestServer;
import io.pulsarproxy.testing.WsClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.StreamEntryID;

/**
 * Two proxy instances on one Valkey: what is published through one reaches subscribers of the
 * other; retention gaps are announced; subscribing to a followed topic and resuming within the hot
 * window cost no Valkey calls.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class FanOutTest {
  static final Duration WAIT = Duration.ofSeconds(10);

  @RegisterExtension static final ValkeyTestServer VALKEY = new ValkeyTestServer();

  static final DropwizardAppExtension<PulsarProxyConfiguration> A =
      TestApps.instance("pp-a", VALKEY, "retention.maxLength", "1000");
  static final DropwizardAppExtension<PulsarProxyConfiguration> B =
      TestApps.instance("pp-b", VALKEY, "retention.maxLength", "1000");

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
  }

  private WsClient subscribe(DropwizardAppExtension<PulsarProxyConfiguration> app, String query)
      throws Exception {
    WsClient ws =
        WsClient.connect(client, WsClient.uri(app.getLocalPort(), query), PUBLISHER, null);
    sockets.add(ws);
    return ws;
  }

  private static List<String> publishBatch(
      DropwizardAppExtension<PulsarProxyConfiguration> app, String topic, int from, int count) {
    StringBuilder body = new StringBuilder("{\"messages\":[");
    for (int i = 0; i < count; i++) {
      body.append(i == 0 ? "" : ",").append("{\"payload\":{\"seq\":").append(from + i).append("}}");
    }
    body.append("]}");
    JsonNode results =
        new Http(app.getLocalPort())
            .postJson("/api/v1/topics/" + topic + "/messages/batch", PUBLISHER, body.toString())
            .json()
            .get("results");
    List<String> ids = new ArrayList<>();
    results.forEach(r -> ids.add(r.get("id").asText()));
    return ids;
  }

  @Test
  void aMessagePublishedThroughOneInstanceReachesSubscribersOfBoth() throws Exception {
    WsClient onA = subscribe(A, "topic=" + topic);
    WsClient onB = subscribe(B, "topic=" + topic);
    onA.nextOfType("subscribed", WAIT);
    onB.nextOfType("subscribed", WAIT);
    publishBatch(A, topic, 0, 50);
    publishBatch(B, topic, 50, 50);
    for (WsClient ws : List.of(onA, onB)) {
      List<JsonNode> got = ws.messages(100, WAIT);
      for (int i = 0; i < 100; i++) {
        assertEquals(i, got.get(i).get("payload").get("seq").asInt());
      }
    }
  }

  @Test
  void followersReadOnlyTheStreamsAnAppendAnnouncedAndStillFindUnannouncedEntries()
      throws Exception {
    // Instance B follows 199 topics; an append to one of them must make B read that one stream,
    // not all 199 (MONITOR shows every XREAD with its keys).
    WsClient ws = subscribe(B, "topic=" + topic);
    ws.nextOfType("subscribed", WAIT);
    for (int socket = 0; socket < 2; socket++) {
      StringBuilder others = new StringBuilder();
      for (int i = 0; i < 99; i++) {
        others.append(i == 0 ? "" : "&").append("topic=").append(topic);
        others.append(".other").append(socket).append('.').append(i);
      }
      WsClient many = subscribe(B, others.toString());
      for (int i = 0; i < 99; i++) {
        many.nextOfType("subscribed", WAIT);
      }
    }
    List<Integer> xreadKeyCounts = java.util.Collections.synchronizedList(new ArrayList<>());
    String streamKey = "pp:{" + topic + "}:stream";
    java.util.concurrent.atomic.AtomicReference<redis.clients.jedis.Jedis> monitor =
        new java.util.concurrent.atomic.AtomicReference<>();
    java.util.concurrent.atomic.AtomicBoolean monitoring =
        new java.util.concurrent.atomic.AtomicBoolean();
    Thread watcher =
        new Thread(
            () -> {
              try (redis.clients.jedis.Jedis j =
                  new redis.clients.jedis.Jedis("127.0.0.1", VALKEY.port())) {
                monitor.set(j);
                j.monitor(
                    new redis.clients.jedis.JedisMonitor() {
                      @Override
                      public void onCommand(String command) {
                        monitoring.set(true);
                        if (command.contains("\"XREAD\"") && command.contains(streamKey)) {
                          xreadKeyCounts.add(command.split("\"pp:\\{").length - 1);
                        }
                      }
                    });
              } catch (RuntimeException e) {
                // disconnected at the end of the test
              }
            });
    watcher.setDaemon(true);
    watcher.start();
    // MONITOR is on once it shows a command (the follower's reads, or this PING).
    try (RedisClient redis = RedisClient.create(VALKEY.url())) {
      await()
          .atMost(WAIT)
          .pollInterval(Duration.ofMillis(50))
          .until(
              () -> {
                redis.ping();
                return monitoring.get();
              });
    }
    // Twelve appends: the periodic full read (once a second) may pick up one of them first.
    for (int i = 0; i < 12; i++) {
      publishBatch(A, topic, i, 1);
      assertEquals(i, ws.messages(1, WAIT).get(0).get("payload").get("seq").asInt());
    }
    long narrow = xreadKeyCounts.stream().filter(n -> n == 1).count();
    assertTrue(narrow >= 10, "reads of the announced stream alone: " + xreadKeyCounts);

    // An entry added without the append script is not announced: the periodic full read finds it.
    try (RedisClient redis = RedisClient.create(VALKEY.url())) {
      redis.xadd(streamKey, StreamEntryID.NEW_ENTRY, Map.of("p", "{\"seq\":12}", "mid", "m"));
    }
    assertEquals(12, ws.messages(1, WAIT).get(0).get("payload").get("seq").asInt());
    monitor.get().disconnect();
  }

  @Test
  void anEntryThisProxyDidNotWriteStopsNothing() throws Exception {
    WsClient ws = subscribe(B, "topic=" + topic);
    ws.nextOfType("subscribed", WAIT);
    try (RedisClient redis = RedisClient.create(VALKEY.url())) {
      redis.xadd(
          "pp:{" + topic + "}:stream",
          StreamEntryID.NEW_ENTRY,
          Map.of("md", "not json", "x", "soon", "p", "{broken"));
    }
    publishBatch(A, topic, 0, 3);
    List<JsonNode> got = ws.messages(4, WAIT);
    assertEquals("null", got.get(0).get("payload").toString(), got.get(0).toString());
    for (int i = 0; i < 3; i++) {
      assertEquals(i, got.get(i + 1).get("payload").get("seq").asInt());
    }
  }

  @Test
  void resumingAfterTrimmedMessagesAnnouncesTheGap() throws Exception {
    String first = publishBatch(A, topic, 0, 100).get(0);
    for (int i = 1; i < 25; i++) {
      publishBatch(A, topic, i * 100, 100);
    }
    WsClient ws = subscribe(B, "topic=" + topic + "&from=" + first);
    JsonNode gap = ws.nextOfType("gap", WAIT);
    assertEquals(first, gap.get("requested").asText());
    String firstAvailable = gap.get("first_available").asText();
    JsonNode m = ws.messages(1, WAIT).get(0);
    assertEquals(firstAvailable, m.get("id").asText());
    assertTrue(m.get("payload").get("seq").asInt() >= 1400, m.toString());
  }

  @Test
  void resumesWithinTheHotWindowAreServedWithoutReadingValkey() throws Exception {
    // One subscriber keeps the topic followed, so its recent messages are in the hot tier.
    WsClient keeper = subscribe(B, "topic=" + topic);
    keeper.nextOfType("subscribed", WAIT);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      ids.addAll(publishBatch(A, topic, i * 100, 100));
    }
    keeper.messages(1000, WAIT);
    long readsBefore = calls("xrange");
    long infosBefore = calls("xinfo|stream");
    List<WsClient> resumed = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      resumed.add(subscribe(B, "topic=" + topic + "&from=" + ids.get(0)));
    }
    for (WsClient ws : resumed) {
      List<JsonNode> got = ws.messages(999, WAIT);
      assertEquals(ids.get(1), got.get(0).get("id").asText());
      assertEquals(ids.get(999), got.get(998).get("id").asText());
    }
    assertEquals(0, calls("xrange") - readsBefore, "XRANGE calls for 20 replays of 999 messages");
    assertEquals(0, calls("xinfo|stream") - infosBefore, "XINFO calls for 20 new subscriptions");
  }

  /** How many times Valkey has run a command, from INFO commandstats. */
  private static long calls(String command) {
    try (RedisClient redis = RedisClient.create(VALKEY.url())) {
      String stats = redis.info("commandstats");
      for (String line : stats.split("\r?\n")) {
        if (line.startsWith("cmdstat_" + command + ":")) {
          return Long.parseLong(line.replaceAll(".*calls=(\\d+).*", "$1"));
        }
      }
      return 0;
    }
  }
}
