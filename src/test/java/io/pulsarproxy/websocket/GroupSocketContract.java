package io.pulsarproxy.websocket;

import static io.pulsarproxy.testing.Http.PUBLISHER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.pulsarproxy.PulsarProxyConfiguration;
import io.pulsarproxy.testing.Http;
import io.pulsarproxy.testing.WsClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Consumer groups over real WebSocket frames, on each store: messages pushed within the prefetch,
 * spread over the group's connections, acked and nacked in-band, handed back on a clean close.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
abstract class GroupSocketContract {
  static final Duration WAIT = Duration.ofSeconds(10);

  protected abstract DropwizardAppExtension<PulsarProxyConfiguration> app();

  private final List<WsClient> sockets = new ArrayList<>();
  private WebSocketClient client;
  private Http http;
  private String topic;

  @BeforeEach
  void setUp() throws Exception {
    client = WsClient.startClient();
    http = new Http(app().getLocalPort());
    topic = "wsgroups.t" + System.nanoTime();
    Http.Reply created =
        http.send(
            http.request("/api/v1/topics/" + topic + "/groups/g", PUBLISHER)
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"ack_timeout\":\"30s\"}")));
    assertEquals(201, created.status(), created.toString());
  }

  @AfterEach
  void tearDown() throws Exception {
    sockets.forEach(WsClient::close);
    client.stop();
  }

  private WsClient consumer(String name, int prefetch) throws Exception {
    WsClient ws =
        WsClient.connect(client, WsClient.uri(app().getLocalPort(), null), PUBLISHER, null);
    sockets.add(ws);
    ws.send(
        "{\"op\":\"subscribe\",\"topic\":\""
            + topic
            + "\",\"group\":\"g\",\"consumer\":\""
            + name
            + "\",\"prefetch\":"
            + prefetch
            + "}");
    JsonNode subscribed = ws.nextOfType("subscribed", WAIT);
    assertEquals("g", subscribed.get("group").asText(), subscribed.toString());
    return ws;
  }

  private List<String> publish(int count) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Http.Reply r =
          http.postJson(
              "/api/v1/topics/" + topic + "/messages", PUBLISHER, "{\"payload\":" + i + "}");
      assertEquals(201, r.status(), r.toString());
      ids.add(r.json().get("id").asText());
    }
    return ids;
  }

  /**
   * Acks or nacks, and waits for the answer; returns the messages that arrived meanwhile (the
   * answer and the messages the freed room lets through race).
   */
  private static List<JsonNode> settle(
      WsClient ws, String op, String topic, List<String> ids, String extra)
      throws InterruptedException {
    ws.send(
        "{\"op\":\""
            + op
            + "\",\"topic\":\""
            + topic
            + "\",\"group\":\"g\",\"ids\":[\""
            + String.join("\",\"", ids)
            + "\"]"
            + extra
            + "}");
    String answer = op.equals("ack") ? "acked" : "nacked";
    List<JsonNode> meanwhile = new ArrayList<>();
    while (true) {
      JsonNode frame = ws.next(WAIT);
      if (answer.equals(frame.path("type").asText())) {
        assertEquals(Integer.toString(ids.size()), frame.get("count").asText(), frame.toString());
        return meanwhile;
      }
      meanwhile.add(frame);
    }
  }

  /** {@code have} plus enough further message frames to make {@code count}. */
  private static List<JsonNode> upTo(WsClient ws, List<JsonNode> have, int count)
      throws InterruptedException {
    List<JsonNode> out = new ArrayList<>(have);
    out.addAll(ws.messages(count - have.size(), WAIT));
    return out;
  }

  private static List<String> ids(List<JsonNode> messages) {
    return messages.stream().map(m -> m.get("id").asText()).toList();
  }

  @Test
  void messagesArePushedWithinThePrefetchAndMoreFollowTheAcks() throws Exception {
    WsClient ws = consumer("c1", 3);
    List<String> published = publish(7);
    List<JsonNode> first = ws.messages(3, WAIT);
    for (JsonNode m : first) {
      assertEquals("g", m.get("group").asText());
      assertEquals(1, m.get("delivery_count").asInt());
    }
    assertNull(ws.poll(Duration.ofMillis(700)), "nothing past the prefetch before an ack");
    List<JsonNode> second = upTo(ws, settle(ws, "ack", topic, ids(first), ""), 3);
    List<JsonNode> third = upTo(ws, settle(ws, "ack", topic, ids(second), ""), 1);
    assertEquals(List.of(), settle(ws, "ack", topic, ids(third), ""));
    List<String> all = new ArrayList<>(ids(first));
    all.addAll(ids(second));
    all.addAll(ids(third));
    assertEquals(published, all, "in order, each once");
    JsonNode group = http.get("/api/v1/topics/" + topic + "/groups/g", PUBLISHER).json();
    assertEquals(0, group.get("pending").asInt(), group.toString());
  }

  @Test
  void theGroupsConnectionsShareItsMessages() throws Exception {
    WsClient a = consumer("a", 100);
    WsClient b = consumer("b", 100);
    Set<String> published = new HashSet<>(publish(30));
    Set<String> seen = new HashSet<>();
    int got = 0;
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (seen.size() < 30 && System.nanoTime() < deadline) {
      for (WsClient ws : List.of(a, b)) {
        JsonNode frame = ws.poll(Duration.ofMillis(50));
        if (frame != null && "message".equals(frame.path("type").asText())) {
          seen.add(frame.get("id").asText());
          got++;
        }
      }
    }
    assertEquals(published, seen);
    assertEquals(30, got, "each message to one connection");
  }

  @Test
  void aNackComesBackAndACleanCloseHandsInFlightMessagesBackAtOnce() throws Exception {
    WsClient ws = consumer("c1", 10);
    String id = publish(1).get(0);
    assertEquals(id, ws.messages(1, WAIT).get(0).get("id").asText());
    ws.send(
        "{\"op\":\"nack\",\"topic\":\""
            + topic
            + "\",\"group\":\"g\",\"ids\":[\""
            + id
            + "\"],\"delay\":\"0s\"}");
    // The answer and the redelivery race: take both, in either order.
    JsonNode again = null;
    boolean answered = false;
    while (again == null || !answered) {
      JsonNode frame = ws.next(WAIT);
      answered |= "nacked".equals(frame.path("type").asText());
      again = "message".equals(frame.path("type").asText()) ? frame : again;
    }
    assertEquals(2, again.get("delivery_count").asInt(), again.toString());
    // Unacked when the client closes cleanly: the next consumer gets it now, not in 30 s.
    ws.close();
    assertTrue(ws.awaitClose(WAIT) > 0);
    WsClient next = consumer("c2", 10);
    JsonNode handedBack = next.messages(1, WAIT).get(0);
    assertEquals(id, handedBack.get("id").asText());
    assertEquals(3, handedBack.get("delivery_count").asInt());
  }

  /** Publishes {@code count} messages in batches of 100; their ids in order. */
  private List<String> publishBatches(String topic, int count) {
    List<String> ids = new ArrayList<>();
    for (int start = 0; start < count; start += 100) {
      StringBuilder body = new StringBuilder("{\"messages\":[");
      for (int i = start; i < Math.min(count, start + 100); i++) {
        body.append(i == start ? "" : ",").append("{\"payload\":").append(i).append('}');
      }
      Http.Reply r =
          http.postJson("/api/v1/topics/" + topic + "/messages/batch", PUBLISHER, body + "]}");
      assertEquals(201, r.status(), r.toString());
      r.json().get("results").forEach(m -> ids.add(m.get("id").asText()));
    }
    return ids;
  }

  @Test
  void twoConsumersShareTenThousandMessagesEachOnceAndAckEachOnce() throws Exception {
    WsClient a = consumer("a", 100);
    WsClient b = consumer("b", 100);
    Set<String> published = new HashSet<>(publishBatches(topic, 10_000));
    Set<String> seen = new HashSet<>();
    int deliveries = 0;
    int acked = 0;
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (acked < 10_000 && System.nanoTime() < deadline) {
      for (WsClient ws : List.of(a, b)) {
        List<String> batch = new ArrayList<>();
        for (JsonNode f = ws.poll(Duration.ofMillis(20)); f != null; f = ws.poll(Duration.ZERO)) {
          String type = f.path("type").asText();
          if (type.equals("message")) {
            deliveries++;
            seen.add(f.get("id").asText());
            batch.add(f.get("id").asText());
          } else if (type.equals("acked")) {
            acked += f.get("count").asInt();
          }
          if (batch.size() == 50) {
            break;
          }
        }
        if (!batch.isEmpty()) {
          ws.send(
              "{\"op\":\"ack\",\"topic\":\""
                  + topic
                  + "\",\"group\":\"g\",\"ids\":[\""
                  + String.join("\",\"", batch)
                  + "\"]}");
        }
      }
    }
    assertEquals(published, seen, "the union is complete");
    assertEquals(10_000, deliveries, "each delivered once");
    assertEquals(10_000, acked, "each acked once (an ack of an acked message counts 0)");
  }

  @Test
  void aConsumerThatStopsAckingAndDropsLeavesItsMessagesToTheOthers() throws Exception {
    http.send(
        http.request("/api/v1/topics/" + topic + "/groups/g", PUBLISHER)
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString("{\"ack_timeout\":\"1s\"}")));
    WsClient quitter = consumer("quitter", 5);
    List<String> published = publish(5);
    assertEquals(published, ids(quitter.messages(5, WAIT)));
    quitter.abort(); // no close handshake: a crashed client
    WsClient other = consumer("other", 10);
    List<JsonNode> again = other.messages(5, WAIT);
    assertEquals(published, ids(again));
    again.forEach(m -> assertEquals(2, m.get("delivery_count").asInt(), m.toString()));
  }

  @Test
  void aNackWithADelayComesBackNoSooner() throws Exception {
    WsClient ws = consumer("c1", 10);
    String id = publish(1).get(0);
    ws.messages(1, WAIT);
    long nacked = System.nanoTime();
    List<JsonNode> early = settle(ws, "nack", topic, List.of(id), ",\"delay\":\"1s\"");
    assertEquals(List.of(), early);
    JsonNode again = ws.messages(1, WAIT).get(0);
    long tookMillis = (System.nanoTime() - nacked) / 1_000_000;
    // The delay is the contract: not before it (a little scheduling slack below is allowed).
    assertTrue(tookMillis >= 900, "came back after " + tookMillis + " ms");
    assertEquals(2, again.get("delivery_count").asInt());
  }

  @Test
  void badGroupFramesGetErrorFrames() throws Exception {
    WsClient ws =
        WsClient.connect(client, WsClient.uri(app().getLocalPort(), null), PUBLISHER, null);
    sockets.add(ws);
    ws.send(
        "{\"op\":\"subscribe\",\"topic\":\""
            + topic
            + "\",\"group\":\"bad name\",\"consumer\":\"c\"}");
    JsonNode badGroup = ws.nextOfType("error", WAIT);
    assertEquals("invalid_group", badGroup.get("error").asText());
    // Error frames answering a group frame name its group (as sent) beside the topic.
    assertEquals(topic, badGroup.path("topic").asText(), badGroup::toString);
    assertEquals("bad name", badGroup.path("group").asText(), badGroup::toString);
    ws.send("{\"op\":\"subscribe\",\"topic\":\"" + topic + "\",\"group\":\"g\"}");
    JsonNode badConsumer = ws.nextOfType("error", WAIT);
    assertEquals("invalid_consumer", badConsumer.get("error").asText());
    assertEquals("g", badConsumer.path("group").asText(), badConsumer::toString);
    ws.send(
        "{\"op\":\"subscribe\",\"topic\":\""
            + topic
            + "\",\"group\":\"g\",\"consumer\":\"c\",\"prefetch\":0}");
    assertEquals("invalid_frame", ws.nextOfType("error", WAIT).get("error").asText());
    // A good subscribe starts the bad-frame count (delivery.maxBadFrames) again.
    ws.send(
        "{\"op\":\"subscribe\",\"topic\":\"" + topic + "\",\"group\":\"g\",\"consumer\":\"c\"}");
    ws.nextOfType("subscribed", WAIT);
    ws.send("{\"op\":\"ack\",\"topic\":\"" + topic + "\",\"group\":\"g\",\"ids\":[\"x\"]}");
    JsonNode badAck = ws.nextOfType("error", WAIT);
    assertEquals("invalid_id", badAck.get("error").asText());
    assertEquals("g", badAck.path("group").asText(), badAck::toString);
    ws.send(
        "{\"op\":\"nack\",\"topic\":\""
            + topic
            + "\",\"group\":\"g\",\"ids\":[\"1-0\"],\"delay\":\"soon\"}");
    assertEquals("invalid_request", ws.nextOfType("error", WAIT).get("error").asText());
    ws.send("{\"op\":\"unsubscribe\",\"topic\":\"" + topic + "\",\"group\":\"h\"}");
    JsonNode notInGroup = ws.nextOfType("error", WAIT);
    assertEquals("not_subscribed", notInGroup.get("error").asText());
    assertEquals("h", notInGroup.path("group").asText(), notInGroup::toString);
    // A plain (not group) frame's error names no group.
    ws.send("{\"op\":\"unsubscribe\",\"topic\":\"" + topic + "\"}");
    JsonNode notSubscribed = ws.nextOfType("error", WAIT);
    assertEquals("not_subscribed", notSubscribed.get("error").asText());
    assertTrue(notSubscribed.path("group").isMissingNode(), notSubscribed::toString);
    assertTrue(ws.isOpen());
  }
}
