package io.pulsarproxy.resources;

import static io.pulsarproxy.testing.Http.ORDERS_ONLY;
import static io.pulsarproxy.testing.Http.PUBLISHER;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.pulsarproxy.PulsarProxyConfiguration;
import io.pulsarproxy.testing.Http;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Consumer groups over real HTTP, run on each store by the subclasses: one consumer per message at
 * a time, redelivery after the ack timeout or a nack, dead letters, waiting fetches, bad input.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
abstract class GroupsContract {
  protected abstract DropwizardAppExtension<PulsarProxyConfiguration> app();

  private Http http;
  private String topic;

  @BeforeEach
  void setUp() {
    http = new Http(app().getLocalPort());
    topic = "groups.t" + System.nanoTime();
  }

  private String group(String name) {
    return "/api/v1/topics/" + topic + "/groups/" + name;
  }

  private Http.Reply put(String name, String body) {
    return http.send(
        http.request(group(name), PUBLISHER)
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(body)));
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

  private JsonNode fetch(String name, String consumer, int max, int wait) {
    Http.Reply r =
        http.postJson(
            group(name) + "/fetch",
            PUBLISHER,
            "{\"consumer\":\"" + consumer + "\",\"max\":" + max + ",\"wait\":" + wait + "}");
    assertEquals(200, r.status(), r.toString());
    return r.json().get("messages");
  }

  private int ack(String name, String... ids) {
    return http.postJson(group(name) + "/ack", PUBLISHER, "{\"ids\":" + json(ids) + "}")
        .json()
        .get("acked")
        .asInt();
  }

  private static String json(String... ids) {
    return "[\"" + String.join("\",\"", ids) + "\"]";
  }

  @Test
  void aGroupIsCreatedChangedShownAndDeleted() {
    Http.Reply created = put("g", "{\"from\":\"earliest\",\"ack_timeout\":\"10s\"}");
    assertEquals(201, created.status(), created.toString());
    assertEquals("10000ms", created.json().get("ack_timeout").asText());
    assertEquals(5, created.json().get("max_deliveries").asInt());
    Http.Reply changed = put("g", "{\"max_deliveries\":3}");
    assertEquals(200, changed.status(), changed.toString());
    assertEquals(3, changed.json().get("max_deliveries").asInt());
    assertEquals("10000ms", changed.json().get("ack_timeout").asText(), "kept");
    publish(2);
    fetch("g", "c1", 1, 0);
    JsonNode shown = http.get(group("g"), PUBLISHER).json();
    assertEquals(1, shown.get("pending").asInt(), shown.toString());
    assertEquals("c1", shown.get("consumers").get(0).get("name").asText(), shown.toString());
    assertEquals(1, shown.get("consumers").get(0).get("pending").asInt(), shown.toString());
    assertEquals(200, http.send(http.request(group("g"), PUBLISHER).DELETE()).status());
    Http.Reply gone = http.get(group("g"), PUBLISHER);
    assertEquals(404, gone.status(), gone.toString());
    assertEquals("unknown_group", gone.json().get("error").asText());
  }

  @Test
  void eachMessageGoesToOneConsumerOfTheGroup() throws Exception {
    put("workers", "{\"from\":\"latest\"}");
    Set<String> published = new HashSet<>(publish(20));
    List<String> seen = new ArrayList<>();
    for (int round = 0; round < 10 && seen.size() < 20; round++) {
      for (String consumer : List.of("a", "b")) {
        for (JsonNode m : fetch("workers", consumer, 7, 0)) {
          seen.add(m.get("id").asText());
          assertEquals(1, m.get("delivery_count").asInt(), m.toString());
          assertEquals("workers", m.get("group").asText());
        }
      }
    }
    assertEquals(published, new HashSet<>(seen), "every message delivered");
    assertEquals(20, seen.size(), "and each once: " + seen);
    // Another group gets every message too.
    put("audit", "{\"from\":\"earliest\"}");
    assertEquals(20, fetch("audit", "x", 100, 0).size());
  }

  @Test
  void anUnackedMessageComesBackAfterTheAckTimeoutToAnyConsumer() {
    put("g", "{\"ack_timeout\":\"300ms\"}");
    String id = publish(1).get(0);
    assertEquals(id, fetch("g", "c1", 10, 0).get(0).get("id").asText());
    assertEquals(0, fetch("g", "c2", 10, 0).size(), "pending with c1 until its timeout");
    // A waiting fetch gets it once the timeout has run out.
    JsonNode again = fetch("g", "c2", 10, 5);
    assertEquals(1, again.size(), again.toString());
    assertEquals(id, again.get(0).get("id").asText());
    assertEquals(2, again.get(0).get("delivery_count").asInt());
    assertEquals(1, ack("g", id));
    assertEquals(0, ack("g", id), "acked once");
    assertEquals(0, fetch("g", "c2", 10, 1).size(), "an acked message never comes back");
  }

  @Test
  void aNackedMessageComesBackAfterItsDelayAndDeadLettersAfterMaxDeliveries() {
    put("g", "{\"ack_timeout\":\"30s\",\"max_deliveries\":2}");
    String id = publish(1).get(0);
    assertEquals(1, fetch("g", "c1", 10, 0).size());
    Http.Reply nacked =
        http.postJson(
            group("g") + "/nack", PUBLISHER, "{\"ids\":" + json(id) + ",\"delay\":\"0s\"}");
    assertEquals(1, nacked.json().get("nacked").asInt(), nacked.toString());
    JsonNode second = fetch("g", "c1", 10, 5);
    assertEquals(2, second.get(0).get("delivery_count").asInt(), second.toString());
    http.postJson(group("g") + "/nack", PUBLISHER, "{\"ids\":" + json(id) + "}");
    // A third delivery would pass max_deliveries: it goes to the dead-letter topic instead.
    assertEquals(0, fetch("g", "c1", 10, 1).size());
    JsonNode dead =
        http.get("/api/v1/topics/" + topic + ".dlq/messages?after=0-0&wait=0", PUBLISHER)
            .json()
            .get("messages");
    assertEquals(1, dead.size(), dead.toString());
    JsonNode metadata = dead.get(0).get("metadata");
    assertEquals(id, metadata.get("original_id").asText(), dead.toString());
    assertEquals("g", metadata.get("group").asText());
    assertEquals("max_deliveries", metadata.get("reason").asText());
    assertEquals("0", dead.get(0).get("payload").toString());
    assertEquals(0, http.get(group("g"), PUBLISHER).json().get("pending").asInt(), "acked");
  }

  @Test
  void aWaitingFetchIsAnsweredByTheNextPublish() throws Exception {
    put("g", "{}");
    CompletableFuture<JsonNode> waiting =
        CompletableFuture.supplyAsync(() -> fetch("g", "c1", 10, 20));
    // The fetch may start before or after the publish: either way it gets the message.
    String id = publish(1).get(0);
    JsonNode got = waiting.get(15, TimeUnit.SECONDS);
    assertEquals(id, got.get(0).get("id").asText(), got.toString());
  }

  @Test
  void consumingFromAGroupThatDoesNotExistCreatesItFromTheLatest() {
    publish(1);
    assertEquals(0, fetch("fresh", "c1", 10, 0).size());
    String id = publish(1).get(0);
    JsonNode got = fetch("fresh", "c1", 10, 0);
    assertEquals(1, got.size(), got.toString());
    assertEquals(id, got.get(0).get("id").asText());
    assertEquals(200, http.get(group("fresh"), PUBLISHER).status());
  }

  private Http.Reply task(String name, String query) {
    Http admin = new Http(app().getAdminPort());
    return admin.send(
        admin
            .request("/tasks/" + name + "?" + query, null)
            .POST(HttpRequest.BodyPublishers.noBody()));
  }

  @Test
  void operatorsResetAndDeleteGroupsAndScrapeTheirMetrics() {
    publish(3);
    put("ops", "{\"from\":\"latest\"}");
    assertEquals(0, fetch("ops", "c1", 10, 0).size(), "created after the first three");
    Http.Reply reset = task("group-reset", "topic=" + topic + "&group=ops&to=earliest");
    assertEquals(200, reset.status(), reset.toString());
    assertEquals("0-0", reset.json().get("position").asText(), reset.toString());
    JsonNode replayed = fetch("ops", "c1", 10, 0);
    assertEquals(3, replayed.size(), "reset to earliest: everything again");
    assertEquals(
        3,
        ack(
            "ops",
            replayed.get(0).get("id").asText(),
            replayed.get(1).get("id").asText(),
            replayed.get(2).get("id").asText()));
    String scrape = new Http(app().getAdminPort()).get("/prometheus", null).body();
    assertTrue(scrape.contains("pulsar_groups_delivered_total"), scrape);
    assertTrue(scrape.contains("pulsar_groups_acked_total"), scrape);
    assertTrue(
        scrape.contains(
            "pulsar_group_pending{group=\"" + (topic + ":ops").replace('.', '_') + "\"}"),
        scrape);
    assertEquals(200, task("group-delete", "topic=" + topic + "&group=ops").status());
    assertError(task("group-delete", "topic=" + topic + "&group=ops"), 404, "unknown_group");
    assertError(
        task("group-reset", "topic=" + topic + "&group=ops&to=soon"), 400, "invalid_parameter");
    assertError(task("group-reset", "topic=" + topic + "&to=earliest"), 400, "invalid_parameter");
  }

  @Test
  void expiredMessagesAreAckedWithoutDeliveryAndTrimmedPendingOnesDropped() {
    put("g", "{\"ack_timeout\":\"200ms\"}");
    Http.Reply expiring =
        http.postJson(
            "/api/v1/topics/" + topic + "/messages", PUBLISHER, "{\"payload\":1,\"ttl\":1}");
    long expiresAt = System.currentTimeMillis() + 1_000;
    // The ttl is the thing under test: wait for the clock, not for an event.
    await().atMost(Duration.ofSeconds(5)).until(() -> System.currentTimeMillis() > expiresAt + 50);
    assertEquals(201, expiring.status(), expiring.toString());
    assertEquals(0, fetch("g", "c1", 10, 0).size(), "expired: not delivered");
    assertEquals(0, http.get(group("g"), PUBLISHER).json().get("pending").asInt(), "and acked");

    String taken = publish(1).get(0);
    assertEquals(taken, fetch("g", "c1", 10, 0).get(0).get("id").asText());
    Http.Reply trimmed = task("trim-stream", "topic=" + topic + "&maxlen=0");
    assertEquals(200, trimmed.status(), trimmed.toString());
    // Once its ack timeout has run out the trimmed message would be due: it is dropped instead.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                fetch("g", "c2", 10, 0).isEmpty()
                    && http.get(group("g"), PUBLISHER).json().get("pending").asInt() == 0);
    String scrape = new Http(app().getAdminPort()).get("/prometheus", null).body();
    assertTrue(scrape.matches("(?s).*pulsar_groups_trimmed_pending_total [1-9].*"), scrape);
    assertTrue(scrape.matches("(?s).*pulsar_groups_expired_total [1-9].*"), scrape);
  }

  @Test
  void badRequestsGetClearErrors() {
    assertError(put("bad%20name!", "{}"), 400, "invalid_group");
    assertError(put("g", "{\"max_deliveries\":0}"), 422, "invalid_request");
    assertError(put("g", "{\"ack_timeout\":\"soon\"}"), 422, "invalid_request");
    assertError(put("g", "{\"from\":\"nope\"}"), 400, "invalid_id");
    assertError(put("g", "{\"colour\":1}"), 422, "invalid_request");
    assertError(put("g", "{"), 400, "invalid_json");
    assertError(
        http.postJson(group("g") + "/fetch", PUBLISHER, "{\"max\":1}"), 400, "invalid_consumer");
    assertError(
        http.postJson(group("g") + "/fetch", PUBLISHER, "{\"consumer\":\"c\",\"wait\":9999}"),
        422,
        "invalid_request");
    assertError(
        http.postJson(group("g") + "/ack", PUBLISHER, "{\"ids\":\"1-0\"}"), 422, "invalid_request");
    assertError(
        http.postJson(group("g") + "/ack", PUBLISHER, "{\"ids\":[\"x\"]}"), 400, "invalid_id");
    assertError(http.postJson(group("g") + "/ack", PUBLISHER, "[]"), 422, "invalid_request");
    assertError(
        http.postJson(group("g") + "/ack", null, "{\"ids\":[\"1-0\"]}"), 401, "unauthorized");
    assertError(
        http.postJson(group("g") + "/fetch", ORDERS_ONLY, "{\"consumer\":\"c\"}"),
        403,
        "forbidden");
    assertError(http.get(group("never"), PUBLISHER), 404, "unknown_group");
  }

  private static void assertError(Http.Reply reply, int status, String error) {
    assertEquals(status, reply.status(), reply.toString());
    assertTrue(reply.body().contains("\"error\":\"" + error + "\""), reply.toString());
  }
}
