package io.pulsarproxy.delivery;

import static io.pulsarproxy.testing.Http.ORDERS_ONLY;
import static io.pulsarproxy.testing.Http.PUBLISHER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.pulsarproxy.PulsarProxyConfiguration;
import io.pulsarproxy.testing.Http;
import io.pulsarproxy.testing.Http.Reply;
import io.pulsarproxy.testing.TestClock;
import io.pulsarproxy.testing.WsClient;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Live delivery over real WebSocket frames, run on each store by the subclasses: ordering, replay,
 * the seam between replay and live, and every bad frame.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
abstract class DeliveryContract {
  static final Duration WAIT = Duration.ofSeconds(10);

  protected Http http;
  protected String topic;
  protected WebSocketClient wsClient;
  private final List<WsClient> sockets = new ArrayList<>();

  protected abstract DropwizardAppExtension<PulsarProxyConfiguration> app();

  /** The proxy's clock: moving it forward expires messages without waiting. */
  protected abstract TestClock clock();

  @BeforeEach
  void setUp() throws Exception {
    http = new Http(app().getLocalPort());
    topic = "t." + UUID.randomUUID();
    wsClient = WsClient.startClient();
  }

  @AfterEach
  void tearDown() throws Exception {
    sockets.forEach(WsClient::close);
    wsClient.stop();
  }

  protected WsClient connect(String query) throws Exception {
    WsClient ws =
        WsClient.connect(wsClient, WsClient.uri(app().getLocalPort(), query), PUBLISHER, null);
    sockets.add(ws);
    return ws;
  }

  protected JsonNode publish(String topic, String body) {
    Reply r = http.postJson("/api/v1/topics/" + topic + "/messages", PUBLISHER, body);
    assertEquals(201, r.status(), r.toString());
    return r.json();
  }

  protected String publishSeq(String topic, int seq) {
    return publish(topic, "{\"payload\":{\"seq\":" + seq + "}}").get("id").asText();
  }

  private static JsonNode subscribed(WsClient ws) throws InterruptedException {
    return ws.nextOfType("subscribed", WAIT);
  }

  // --- delivery ---------------------------------------------------------------------------------

  @Test
  void aSubscriberReceivesEveryMessageInOrderWithAllItsFields() throws Exception {
    WsClient ws = connect(null);
    ws.send("{\"op\":\"subscribe\",\"topic\":\"" + topic + "\"}");
    JsonNode ack = subscribed(ws);
    assertEquals(topic, ack.get("topic").asText());

    JsonNode first =
        publish(
            topic,
            "{\"payload\":{\"a\":[1,2]},\"message_id\":\"m-0\",\"metadata\":{\"k\":\"v\"},\"key\":\"c7\"}");
    for (int i = 1; i < 50; i++) {
      publishSeq(topic, i);
    }
    List<JsonNode> got = ws.messages(50, WAIT);
    JsonNode m = got.get(0);
    assertEquals("message", m.get("type").asText());
    assertEquals(topic, m.get("topic").asText());
    assertEquals(first.get("id"), m.get("id"));
    assertEquals("m-0", m.get("message_id").asText());
    assertEquals(first.get("timestamp"), m.get("timestamp"));
    assertEquals("{\"a\":[1,2]}", m.get("payload").toString());
    assertEquals("v", m.get("metadata").get("k").asText());
    assertEquals("c7", m.get("key").asText());
    for (int i = 1; i < 50; i++) {
      assertEquals(i, got.get(i).get("payload").get("seq").asInt());
    }
    ws.send("{\"op\":\"ping\"}");
    ws.nextOfType("pong", WAIT);
    assertTrue(ws.drain().isEmpty(), "each message once");
  }

  @Test
  void fromAnIdReplaysWhatFollowsThenGoesLive() throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(publishSeq(topic, i));
    }
    WsClient ws = connect("topic=" + topic + "&from=" + ids.get(1));
    assertEquals(ids.get(1), subscribed(ws).get("from").asText());
    List<JsonNode> replayed = ws.messages(3, WAIT);
    for (int i = 0; i < 3; i++) {
      assertEquals(i + 2, replayed.get(i).get("payload").get("seq").asInt());
    }
    publishSeq(topic, 5);
    assertEquals(5, ws.messages(1, WAIT).get(0).get("payload").get("seq").asInt());
  }

  @Test
  void earliestReplaysEverythingAndLatestOnlyWhatComesNext() throws Exception {
    publishSeq(topic, 0);
    publishSeq(topic, 1);
    WsClient earliest = connect(null);
    earliest.send("{\"op\":\"subscribe\",\"topic\":\"" + topic + "\",\"from\":\"earliest\"}");
    WsClient latest = connect(null);
    latest.send("{\"op\":\"subscribe\",\"topic\":\"" + topic + "\",\"from\":\"latest\"}");
    subscribed(latest);
    publishSeq(topic, 2);
    List<JsonNode> all = earliest.messages(3, WAIT);
    assertEquals(0, all.get(0).get("payload").get("seq").asInt());
    assertEquals(2, all.get(2).get("payload").get("seq").asInt());
    assertEquals(2, latest.messages(1, WAIT).get(0).get("payload").get("seq").asInt());
  }

  @Test
  void resumingAcrossDisconnectsWhilePublishingMissesNothingAndRepeatsNothing() throws Exception {
    int total = 300;
    AtomicInteger published = new AtomicInteger();
    AtomicBoolean failed = new AtomicBoolean();
    Thread publisher =
        new Thread(
            () -> {
              for (int i = 0; i < total; i++) {
                Reply r =
                    http.postJson(
                        "/api/v1/topics/" + topic + "/messages",
                        PUBLISHER,
                        "{\"payload\":{\"seq\":" + i + "}}");
                if (r.status() != 201) {
                  failed.set(true);
                }
                published.incrementAndGet();
                try {
                  Thread.sleep(3); // pacing: the publishes spread over the disconnects
                } catch (InterruptedException e) {
                  return;
                }
              }
            });
    WsClient ws = connect("topic=" + topic + "&from=earliest");
    publisher.start();
    List<Integer> seen = new ArrayList<>();
    String lastId = null;
    // Take a few messages, drop the connection without a goodbye, resume from the last id.
    for (int round = 0; round < 6 && seen.size() < total; round++) {
      List<JsonNode> got = ws.messages(Math.min(30, total - seen.size()), WAIT);
      for (JsonNode m : got) {
        seen.add(m.get("payload").get("seq").asInt());
        lastId = m.get("id").asText();
      }
      ws.abort();
      ws = connect("topic=" + topic + "&from=" + lastId);
    }
    publisher.join(30_000);
    assertFalse(failed.get(), "every publish acknowledged");
    List<JsonNode> rest = ws.messages(total - seen.size(), Duration.ofSeconds(20));
    for (JsonNode m : rest) {
      seen.add(m.get("payload").get("seq").asInt());
    }
    List<Integer> expected = new ArrayList<>();
    for (int i = 0; i < total; i++) {
      expected.add(i);
    }
    assertEquals(expected, seen);
    Thread.sleep(200); // a quiet window: nothing more may arrive in it
    assertTrue(ws.drain().stream().noneMatch(f -> "message".equals(f.path("type").asText())));
  }

  @Test
  void manySubscribersOfOneTopicEachGetEveryMessageOnce() throws Exception {
    List<WsClient> subscribers = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      WsClient ws = connect("topic=" + topic);
      subscribed(ws);
      subscribers.add(ws);
    }
    for (int i = 0; i < 30; i++) {
      publishSeq(topic, i);
    }
    for (WsClient ws : subscribers) {
      List<JsonNode> got = ws.messages(30, WAIT);
      for (int i = 0; i < 30; i++) {
        assertEquals(i, got.get(i).get("payload").get("seq").asInt());
      }
    }
  }

  @Test
  void unsubscribeStopsDeliveryOfThatTopicOnly() throws Exception {
    String other = topic + ".other";
    WsClient ws = connect("topic=" + topic + "&topic=" + other);
    subscribed(ws);
    subscribed(ws);
    ws.send("{\"op\":\"unsubscribe\",\"topic\":\"" + topic + "\"}");
    assertEquals(topic, ws.nextOfType("unsubscribed", WAIT).get("topic").asText());
    publishSeq(topic, 1);
    publishSeq(other, 2);
    JsonNode m = ws.messages(1, WAIT).get(0);
    assertEquals(other, m.get("topic").asText());
    Thread.sleep(200); // a quiet window: nothing more may arrive in it
    assertTrue(ws.drain().isEmpty());
  }

  @Test
  void expiredMessagesAreNotDelivered() throws Exception {
    publish(topic, "{\"payload\":\"old\",\"ttl\":1}");
    publish(topic, "{\"payload\":\"kept\"}");
    clock().advance(Duration.ofMillis(1_200));
    WsClient ws = connect("topic=" + topic + "&from=earliest");
    assertEquals("kept", ws.messages(1, WAIT).get(0).get("payload").asText());
  }

  // --- bad input --------------------------------------------------------------------------------

  @Test
  void everyBadFrameGetsAnErrorFrameAndTheConnectionStaysUsable() throws Exception {
    WsClient ws =
        WsClient.connect(wsClient, WsClient.uri(app().getLocalPort(), null), ORDERS_ONLY, null);
    sockets.add(ws);
    String[][] cases = {
      {"not json", "invalid_json"},
      {"[1,2]", "invalid_frame"},
      {"{\"op\":\"dance\"}", "unknown_op"},
      {"{\"op\":\"subscribe\"}", "invalid_frame"},
      {"{\"op\":\"subscribe\",\"topic\":\"bad topic\"}", "invalid_topic"},
      {"{\"op\":\"subscribe\",\"topic\":\"payments\"}", "forbidden"},
      {"{\"op\":\"subscribe\",\"topic\":\"orders.x\",\"from\":\"yesterday\"}", "invalid_id"},
      {"{\"op\":\"unsubscribe\",\"topic\":\"orders.none\"}", "not_subscribed"},
      {"{\"op\":\"subscribe\",\"topic\":\"orders.x\",\"from\":12}", "invalid_id"},
    };
    for (String[] c : cases) {
      ws.send(c[0]);
      JsonNode error = ws.nextOfType("error", WAIT);
      assertEquals(c[1], error.get("error").asText(), c[0]);
      assertTrue(error.get("code").asInt() >= 400, error.toString());
      assertFalse(error.get("message").asText().isBlank());
      // A good frame in between: the connection stays open and the bad-frame count starts over.
      ws.send("{\"op\":\"subscribe\",\"topic\":\"orders." + UUID.randomUUID() + "\"}");
      subscribed(ws);
    }
    ws.sendBinary(new byte[] {1, 2, 3});
    assertEquals("binary_not_supported", ws.nextOfType("error", WAIT).get("error").asText());
    assertTrue(ws.isOpen());
  }

  @Test
  void aClientThatKeepsSendingGarbageIsClosedWith1008() throws Exception {
    WsClient ws = connect(null);
    // One at a time, as a client reading its answers would: nothing is written into a closing
    // connection, so the close the client sees is the proxy's.
    for (int i = 0; i < 10 && ws.isOpen(); i++) {
      ws.send("garbage " + i);
      try {
        ws.nextOfType("error", Duration.ofSeconds(2));
      } catch (AssertionError closedMeanwhile) {
        break;
      }
    }
    assertEquals(1008, ws.awaitClose(WAIT));
  }

  @Test
  void upgradesAreRefusedBeforeTheWebSocketExists() throws Exception {
    int port = app().getLocalPort();
    assertEquals(401, WsClient.refusalStatus(wsClient, WsClient.uri(port, null), null, null));
    assertEquals(401, WsClient.refusalStatus(wsClient, WsClient.uri(port, null), "nope", null));
    assertEquals(
        403,
        WsClient.refusalStatus(
            wsClient, WsClient.uri(port, null), PUBLISHER, "http://evil.example"));
    assertEquals(
        101,
        WsClient.refusalStatus(
            wsClient, WsClient.uri(port, null), PUBLISHER, "http://allowed.example"));
    assertEquals(
        400,
        WsClient.refusalStatus(wsClient, WsClient.uri(port, "topic=bad%20topic"), PUBLISHER, null));
    assertEquals(
        400,
        WsClient.refusalStatus(
            wsClient, WsClient.uri(port, "topic=a&topic=b&from=earliest"), PUBLISHER, null));
    assertEquals(
        403,
        WsClient.refusalStatus(wsClient, WsClient.uri(port, "topic=payments"), ORDERS_ONLY, null));
    // A browser cannot set headers: the token may come as access_token.
    String query =
        "topic=" + topic + "&access_token=" + URLEncoder.encode(PUBLISHER, StandardCharsets.UTF_8);
    assertEquals(101, WsClient.refusalStatus(wsClient, WsClient.uri(port, query), null, null));
  }

  // --- long-polling -----------------------------------------------------------------------------

  @Test
  void aLongPollWakesUpWhenAMessageArrives() throws Exception {
    String last = publishSeq(topic, 0);
    Thread later =
        new Thread(
            () -> {
              try {
                // The stimulus: the message comes while the poll waits; the answer must follow it.
                Thread.sleep(500);
              } catch (InterruptedException e) {
                return;
              }
              publishSeq(topic, 1);
            });
    later.start();
    long start = System.nanoTime();
    Reply r = http.get("/api/v1/topics/" + topic + "/messages?wait=10&after=" + last, PUBLISHER);
    long tookMillis = (System.nanoTime() - start) / 1_000_000;
    assertEquals(200, r.status(), r.toString());
    JsonNode messages = r.json().get("messages");
    assertEquals(1, messages.size(), r.toString());
    assertEquals(1, messages.get(0).get("payload").get("seq").asInt());
    assertEquals(messages.get(0).get("id"), r.json().get("next"));
    assertTrue(tookMillis >= 400 && tookMillis < 5_000, "answered after " + tookMillis + " ms");
    later.join();
  }

  @Test
  void aLongPollTimesOutWithAnEmptyPage() {
    String last = publishSeq(topic, 0);
    long start = System.nanoTime();
    Reply r = http.get("/api/v1/topics/" + topic + "/messages?wait=1&after=" + last, PUBLISHER);
    long tookMillis = (System.nanoTime() - start) / 1_000_000;
    assertEquals(200, r.status(), r.toString());
    assertEquals(0, r.json().get("messages").size());
    assertEquals(last, r.json().get("next").asText());
    assertTrue(tookMillis >= 900 && tookMillis < 5_000, "answered after " + tookMillis + " ms");
    Reply bad = http.get("/api/v1/topics/" + topic + "/messages?wait=61", PUBLISHER);
    assertEquals(400, bad.status(), bad.toString());
    assertEquals("invalid_wait", bad.json().get("error").asText());
  }
}
