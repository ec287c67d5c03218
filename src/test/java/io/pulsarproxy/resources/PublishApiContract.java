package io.pulsarproxy.resources;

import static io.pulsarproxy.testing.Http.LIMITED;
import static io.pulsarproxy.testing.Http.ORDERS_ONLY;
import static io.pulsarproxy.testing.Http.PUBLISHER;
import static io.pulsarproxy.testing.Http.READER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.pulsarproxy.PulsarProxyConfiguration;
import io.pulsarproxy.testing.Http;
import io.pulsarproxy.testing.Http.Reply;
import io.pulsarproxy.testing.TestClock;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The publish and read API contract, end to end over real HTTP. Each store runs it: see the
 * subclasses. Each test works on topics of its own, so tests share one running proxy.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
abstract class PublishApiContract {
  protected Http http;
  protected String topic;

  protected abstract DropwizardAppExtension<PulsarProxyConfiguration> app();

  /** The proxy's clock: moving it forward expires messages without waiting. */
  protected abstract TestClock clock();

  /** The time the store stamps entries with: the proxy's clock, or Valkey's own. */
  protected abstract Clock storeClock();

  @BeforeEach
  void setUp() {
    http = new Http(app().getLocalPort());
    topic = "t." + UUID.randomUUID();
  }

  protected Reply publish(String topic, String body) {
    return http.postJson("/api/v1/topics/" + topic + "/messages", PUBLISHER, body);
  }

  protected JsonNode readAll(String topic) {
    Reply r = http.get("/api/v1/topics/" + topic + "/messages?limit=1000&wait=0", PUBLISHER);
    assertEquals(200, r.status(), r.toString());
    return r.json().get("messages");
  }

  protected static void assertError(Reply r, int status, String error) {
    assertEquals(status, r.status(), r.toString());
    JsonNode body = r.json();
    assertEquals(status, body.get("code").asInt(), r.toString());
    assertEquals(error, body.get("error").asText(), r.toString());
    assertFalse(body.get("message").asText().isBlank(), r.toString());
  }

  // --- publishing -------------------------------------------------------------------------------

  @Test
  void publishAnswers201AndTheMessageReadsBackExactly() {
    Instant before = storeClock().instant().minusSeconds(1);
    Reply r =
        publish(
            topic,
            "{\"payload\":{\"price\":1.10,\"big\":123456789012345678901234567890,\"tags\":[\"a\",null,true]},"
                + "\"metadata\":{\"source\":\"test\"},\"key\":\"customer-7\"}");
    assertEquals(201, r.status(), r.toString());
    JsonNode result = r.json();
    assertTrue(result.get("id").asText().matches("\\d+-\\d+"), r.toString());
    assertEquals(26, result.get("message_id").asText().length(), "a ULID: " + r);
    assertEquals(topic, result.get("topic").asText());
    Instant timestamp = Instant.parse(result.get("timestamp").asText());
    assertTrue(
        timestamp.isAfter(before) && timestamp.isBefore(storeClock().instant().plusSeconds(1)));
    assertNull(result.get("duplicate"));

    JsonNode messages = readAll(topic);
    assertEquals(1, messages.size());
    JsonNode m = messages.get(0);
    assertEquals(result.get("id"), m.get("id"));
    assertEquals(result.get("message_id"), m.get("message_id"));
    assertEquals(
        "{\"price\":1.10,\"big\":123456789012345678901234567890,\"tags\":[\"a\",null,true]}",
        m.get("payload").toString());
    assertEquals("test", m.get("metadata").get("source").asText());
    assertEquals("customer-7", m.get("key").asText());
  }

  @Test
  void topicInTheBodyIsTheSameApi() {
    Reply r =
        http.postJson(
            "/api/v1/messages",
            PUBLISHER,
            "{\"topic\":\"" + topic + "\",\"payload\":\"hello\",\"message_id\":\"abc\"}");
    assertEquals(201, r.status(), r.toString());
    assertEquals("abc", r.json().get("message_id").asText());
    assertEquals("\"hello\"", readAll(topic).get(0).get("payload").toString());

    assertError(
        http.postJson("/api/v1/messages", PUBLISHER, "{\"payload\":1}"), 422, "invalid_message");
    assertError(
        http.postJson("/api/v1/messages", PUBLISHER, "{\"topic\":\"a b\",\"payload\":1}"),
        400,
        "invalid_topic");
  }

  @Test
  void generatedMessageIdsAreUniqueAndSortedAndEntryIdsIncrease() {
    List<String> messageIds = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      JsonNode result = publish(topic, "{\"payload\":" + i + "}").json();
      messageIds.add(result.get("message_id").asText());
      ids.add(result.get("id").asText());
    }
    List<String> sorted = new ArrayList<>(messageIds);
    Collections.sort(sorted);
    assertEquals(sorted, messageIds);
    assertEquals(50, new HashSet<>(messageIds).size());
    JsonNode stored = readAll(topic);
    for (int i = 0; i < 50; i++) {
      assertEquals(ids.get(i), stored.get(i).get("id").asText());
      assertEquals(i, stored.get(i).get("payload").asInt());
    }
  }

  @Test
  void aRepeatedMessageIdAnswers200WithTheOriginalIdAndIsNotStoredAgain() {
    Reply first = publish(topic, "{\"payload\":1,\"message_id\":\"order-42\"}");
    Reply second = publish(topic, "{\"payload\":2,\"message_id\":\"order-42\"}");
    assertEquals(201, first.status(), first.toString());
    assertEquals(200, second.status(), second.toString());
    assertEquals(first.json().get("id"), second.json().get("id"));
    assertTrue(second.json().get("duplicate").asBoolean());
    assertEquals(1, readAll(topic).size());
    assertEquals(1, readAll(topic).get(0).get("payload").asInt());

    // The same message id on another topic is another message.
    assertEquals(201, publish(topic + "x", "{\"payload\":1,\"message_id\":\"order-42\"}").status());
  }

  @Test
  void racingProducersOfOneMessageIdStoreItOnce() throws Exception {
    int producers = 16;
    ExecutorService pool = Executors.newFixedThreadPool(producers);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<Reply>> replies = new ArrayList<>();
      for (int i = 0; i < producers; i++) {
        int n = i;
        Callable<Reply> task =
            () -> {
              start.await();
              return publish(topic, "{\"payload\":" + n + ",\"message_id\":\"race\"}");
            };
        replies.add(pool.submit(task));
      }
      start.countDown();
      int created = 0;
      Set<String> ids = new HashSet<>();
      for (Future<Reply> f : replies) {
        Reply r = f.get();
        assertTrue(r.status() == 201 || r.status() == 200, r.toString());
        created += r.status() == 201 ? 1 : 0;
        ids.add(r.json().get("id").asText());
      }
      assertEquals(1, created);
      assertEquals(1, ids.size());
      assertEquals(1, readAll(topic).size());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aBatchIsStoredInOrderWithOneResultPerMessage() {
    Reply r =
        http.postJson(
            "/api/v1/topics/" + topic + "/messages/batch",
            PUBLISHER,
            "{\"messages\":[{\"payload\":0},{\"payload\":1,\"message_id\":\"b1\"},{\"payload\":2},"
                + "{\"payload\":3,\"message_id\":\"b1\"}]}");
    assertEquals(201, r.status(), r.toString());
    JsonNode results = r.json().get("results");
    assertEquals(4, results.size());
    assertEquals("b1", results.get(1).get("message_id").asText());
    assertTrue(
        results.get(3).get("duplicate").asBoolean(), "a repeat inside one batch is a duplicate");
    assertEquals(results.get(1).get("id"), results.get(3).get("id"));
    JsonNode stored = readAll(topic);
    assertEquals(3, stored.size());
    for (int i = 0; i < 3; i++) {
      assertEquals(results.get(i).get("id"), stored.get(i).get("id"));
      assertEquals(i, stored.get(i).get("payload").asInt());
    }

    Reply inBody =
        http.postJson(
            "/api/v1/messages/batch",
            PUBLISHER,
            "{\"topic\":\"" + topic + "\",\"messages\":[{\"payload\":\"x\"}]}");
    assertEquals(201, inBody.status(), inBody.toString());
    assertEquals(4, readAll(topic).size());
  }

  @Test
  void oneBadMessageRejectsTheWholeBatchNamingItsIndex() {
    Reply r =
        http.postJson(
            "/api/v1/topics/" + topic + "/messages/batch",
            PUBLISHER,
            "{\"messages\":[{\"payload\":0},{\"payload\":1},{\"payload\":2,\"ttl\":0}]}");
    assertError(r, 422, "invalid_message");
    assertTrue(r.json().get("message").asText().contains("messages[2]"), r.toString());
    assertEquals(0, readAll(topic).size());

    assertError(
        http.postJson(
            "/api/v1/topics/" + topic + "/messages/batch", PUBLISHER, "{\"messages\":[]}"),
        422,
        "invalid_message");
    assertError(
        http.postJson(
            "/api/v1/topics/" + topic + "/messages/batch", PUBLISHER, "[{\"payload\":1}]"),
        422,
        "invalid_message");
  }

  // --- limits -----------------------------------------------------------------------------------

  @Test
  void aBatchOverTheMessageCountOrByteLimitIs413AndNothingIsStored() {
    StringBuilder many = new StringBuilder("{\"messages\":[");
    for (int i = 0; i < 1001; i++) {
      many.append(i == 0 ? "" : ",").append("{\"payload\":").append(i).append('}');
    }
    many.append("]}");
    assertError(
        http.postJson("/api/v1/topics/" + topic + "/messages/batch", PUBLISHER, many.toString()),
        413,
        "payload_too_large");

    // Each message under the 64 KiB message limit, the batch over its 256 KiB limit.
    String payload = "\"" + "x".repeat(60_000) + "\"";
    StringBuilder big = new StringBuilder("{\"messages\":[");
    for (int i = 0; i < 5; i++) {
      big.append(i == 0 ? "" : ",").append("{\"payload\":").append(payload).append('}');
    }
    big.append("]}");
    assertError(
        http.postJson("/api/v1/topics/" + topic + "/messages/batch", PUBLISHER, big.toString()),
        413,
        "payload_too_large");

    // One message of a batch over the message limit.
    String oversized = "{\"messages\":[{\"payload\":\"" + "y".repeat(70_000) + "\"}]}";
    assertError(
        http.postJson("/api/v1/topics/" + topic + "/messages/batch", PUBLISHER, oversized),
        413,
        "payload_too_large");
    assertEquals(0, readAll(topic).size());
  }

  @Test
  void aMessageOverTheLimitIs413WithOrWithoutContentLength() throws java.io.IOException {
    String body = "{\"payload\":\"" + "x".repeat(70_000) + "\"}";
    assertError(publish(topic, body), 413, "payload_too_large");

    // Chunked: no Content-Length, so the limit must stop the read itself. A raw socket keeps
    // writing chunks (up to 64 MiB) until the proxy answers and closes; the answer is read even
    // if the last writes failed, as a real client would.
    String raw;
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", app().getLocalPort())) {
      socket.setSoTimeout(10_000);
      java.io.OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /api/v1/topics/"
                  + topic
                  + "/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  + "Authorization: Bearer "
                  + PUBLISHER
                  + "\r\nContent-Type: application/json\r\n"
                  + "Transfer-Encoding: chunked\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      byte[] chunk = ("2000\r\n" + "x".repeat(0x2000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
      out.write("d\r\n{\"payload\":\"x\r\n".getBytes(StandardCharsets.US_ASCII));
      try {
        for (int i = 0; i < 8192; i++) {
          out.write(chunk);
        }
      } catch (java.io.IOException e) {
        // the proxy stopped reading and closed: expected
      }
      raw = new String(socket.getInputStream().readNBytes(4096), StandardCharsets.UTF_8);
    }
    assertTrue(raw.startsWith("HTTP/1.1 413"), raw);
    assertTrue(raw.contains("\"error\":\"payload_too_large\""), raw);
    assertEquals(0, readAll(topic).size());
  }

  @ParameterizedTest
  @ValueSource(strings = {"not json", "{\"payload\":1} trailing", "{\"payload\":", ""})
  void aBodyThatIsNotJsonIs400(String body) {
    assertError(publish(topic, body), 400, "invalid_json");
  }

  @Test
  void invalidUtf8Is400() {
    byte[] body = {
      '{', '"', 'p', 'a', 'y', 'l', 'o', 'a', 'd', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'
    };
    Reply r =
        http.send(
            http.request("/api/v1/topics/" + topic + "/messages", PUBLISHER)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    assertError(r, 400, "invalid_json");
  }

  @Test
  void aBodyThatIsNotDeclaredJsonIs415() {
    Reply r =
        http.send(
            http.request("/api/v1/topics/" + topic + "/messages", PUBLISHER)
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("{\"payload\":1}")));
    assertError(r, 415, "unsupported_media_type");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{}",
        "{\"payload\":null}",
        "[1,2]",
        "{\"payload\":1,\"ttl\":0}",
        "{\"payload\":1,\"ttl\":-5}",
        "{\"payload\":1,\"ttl\":\"5\"}",
        "{\"payload\":1,\"ttl\":1.5}",
        "{\"payload\":1,\"ttl\":99999999999999999999}",
        "{\"payload\":1,\"metadata\":\"x\"}",
        "{\"payload\":1,\"metadata\":{\"a\":1}}",
        "{\"payload\":1,\"message_id\":\"\"}",
        "{\"payload\":1,\"message_id\":42}",
        "{\"payload\":1,\"key\":[]}",
        "{\"payload\":1,\"colour\":\"red\"}",
        "{\"payload\":1,\"topic\":\"another\"}"
      })
  void badFieldValuesAre422(String body) {
    assertError(publish(topic, body), 422, "invalid_message");
    assertEquals(0, readAll(topic).size());
  }

  @Test
  void aTooLongMessageIdOrTooManyMetadataEntriesAre422() {
    assertError(
        publish(topic, "{\"payload\":1,\"message_id\":\"" + "m".repeat(129) + "\"}"),
        422,
        "invalid_message");
    assertEquals(
        201, publish(topic, "{\"payload\":1,\"message_id\":\"" + "m".repeat(128) + "\"}").status());
    StringBuilder metadata = new StringBuilder("{");
    for (int i = 0; i < 33; i++) {
      metadata.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":\"v\"");
    }
    metadata.append('}');
    Reply r = publish(topic, "{\"payload\":1,\"metadata\":" + metadata + "}");
    assertError(r, 422, "invalid_message");
    assertTrue(r.json().get("message").asText().contains("metadata"), r.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"a%20b", "a*b", "caf%C3%A9", "semi%3Bcolon", "a%2Cb"})
  void topicNamesOutsideTheRuleAre400(String encodedTopic) {
    Reply r = publish(encodedTopic, "{\"payload\":1}");
    assertError(r, 400, "invalid_topic");
    assertTrue(r.json().get("message").asText().contains("letters, digits"), r.toString());
  }

  @Test
  void topicNamesOfUpTo200AllowedCharactersAreAccepted() {
    String longest = "A-z_0.9:" + "x".repeat(192);
    assertEquals(201, publish(longest, "{\"payload\":1}").status());
    Reply tooLong = publish(longest + "x", "{\"payload\":1}");
    assertError(tooLong, 400, "invalid_topic");
    assertTrue(tooLong.json().get("message").asText().contains("200"), tooLong.toString());
  }

  // --- auth -------------------------------------------------------------------------------------

  @Test
  void aMissingOrUnknownTokenIs401WithABearerChallenge() {
    for (String token : new String[] {null, "no-such-secret", PUBLISHER + "x"}) {
      Reply r = http.postJson("/api/v1/topics/" + topic + "/messages", token, "{\"payload\":1}");
      assertError(r, 401, "unauthorized");
      assertTrue(r.header("WWW-Authenticate").startsWith("Bearer"), r.toString());
    }
    Reply basic =
        http.send(
            http.request("/api/v1/topics/" + topic + "/messages", null)
                .header("Authorization", "Basic " + PUBLISHER)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"payload\":1}")));
    assertError(basic, 401, "unauthorized");
    assertError(http.get("/api/v1/topics/" + topic, null), 401, "unauthorized");
    assertEquals(0, readAll(topic).size());
  }

  @Test
  void publishTakesTheTokenFromTheHeaderOnlyNeverFromTheQuery() {
    // Query strings end up in proxies' and browsers' logs; only subscribers, whose browsers
    // cannot set headers on a WebSocket or an EventSource, may send the token there.
    Reply r =
        http.postJson(
            "/api/v1/topics/" + topic + "/messages?access_token=" + PUBLISHER,
            null,
            "{\"payload\":1}");
    assertError(r, 400, "access_token_not_allowed");
    assertEquals(0, readAll(topic).size());
  }

  @Test
  void aClientThatAcceptsNoJsonIs406() {
    Reply r =
        http.send(
            http.request("/api/v1/topics/" + topic + "/messages", PUBLISHER)
                .header("Content-Type", "application/json")
                .header("Accept", "text/html")
                .POST(HttpRequest.BodyPublishers.ofString("{\"payload\":1}")));
    assertError(r, 406, "not_acceptable");
    assertEquals(0, readAll(topic).size());
    Reply any =
        http.send(
            http.request("/api/v1/topics/" + topic + "/messages", PUBLISHER)
                .header("Content-Type", "application/json; charset=utf-8")
                .header("Accept", "text/html, application/*;q=0.5")
                .POST(HttpRequest.BodyPublishers.ofString("{\"payload\":1}")));
    assertEquals(201, any.status(), any.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {".", "..", "%2E", "%2e%2E"})
  void aTopicSegmentOfDotsIsNeverATopic(String segment) {
    Reply r = publish(segment, "{\"payload\":1}");
    assertTrue(r.status() == 400 || r.status() == 404 || r.status() == 405, r.toString());
    assertTrue(r.body().contains("\"error\""), r.toString());
  }

  @Test
  void aTokenMayUseOnlyTheTopicsItsPatternsAllow() {
    assertEquals(
        201,
        http.postJson("/api/v1/topics/orders.eu/messages", ORDERS_ONLY, "{\"payload\":1}")
            .status());
    assertError(
        http.postJson("/api/v1/topics/payments/messages", ORDERS_ONLY, "{\"payload\":1}"),
        403,
        "forbidden");
    assertError(
        http.postJson("/api/v1/topics/orders/messages", ORDERS_ONLY, "{\"payload\":1}"),
        403,
        "forbidden");
    assertError(
        http.postJson("/api/v1/messages", ORDERS_ONLY, "{\"topic\":\"payments\",\"payload\":1}"),
        403,
        "forbidden");
    assertError(http.get("/api/v1/topics/payments/messages", ORDERS_ONLY), 403, "forbidden");
    assertEquals(200, http.get("/api/v1/topics/orders.eu", ORDERS_ONLY).status());
    // A token without any publish pattern is refused publishing anywhere.
    assertError(
        http.postJson("/api/v1/topics/" + topic + "/messages", READER, "{\"payload\":1}"),
        403,
        "forbidden");
    assertEquals(200, http.get("/api/v1/topics/" + topic + "/messages?wait=0", READER).status());
  }

  @Test
  void aTokenOverItsRateLimitGets429WithRetryAfter() {
    // The "limited" token allows a burst of 3, then 1 message/s.
    String path = "/api/v1/topics/" + topic + "/messages/batch";
    assertError(
        http.postJson(
            path,
            LIMITED,
            "{\"messages\":[{\"payload\":1},{\"payload\":2},{\"payload\":3},{\"payload\":4}]}"),
        429,
        "rate_limited");
    int accepted = 0;
    Reply refused = null;
    for (int i = 0; i < 6 && refused == null; i++) {
      Reply r = http.postJson("/api/v1/topics/" + topic + "/messages", LIMITED, "{\"payload\":1}");
      if (r.status() == 201) {
        accepted++;
      } else {
        refused = r;
      }
    }
    assertNotNull(refused);
    assertError(refused, 429, "rate_limited");
    assertTrue(Integer.parseInt(refused.header("Retry-After")) >= 1, refused.toString());
    assertTrue(accepted >= 3 && accepted <= 4, "accepted " + accepted);
    assertEquals(accepted, readAll(topic).size());
  }

  // --- reading ----------------------------------------------------------------------------------

  @Test
  void topicInfoShowsLengthIdsAndRetention() {
    JsonNode empty = http.get("/api/v1/topics/" + topic, PUBLISHER).json();
    assertEquals(0, empty.get("length").asLong());
    assertTrue(empty.get("first_id").isNull());
    String first = publish(topic, "{\"payload\":1}").json().get("id").asText();
    publish(topic, "{\"payload\":2}");
    String last = publish(topic, "{\"payload\":3}").json().get("id").asText();
    JsonNode info = http.get("/api/v1/topics/" + topic, PUBLISHER).json();
    assertEquals(topic, info.get("topic").asText());
    assertEquals(3, info.get("length").asLong());
    assertEquals(first, info.get("first_id").asText());
    assertEquals(last, info.get("last_id").asText());
    assertEquals(1_000_000, info.get("retention").get("max_length").asLong());
    assertEquals(86_400, info.get("retention").get("max_age_seconds").asLong());
  }

  @Test
  void readsPageThroughMessagesAfterAnId() {
    for (int i = 0; i < 5; i++) {
      publish(topic, "{\"payload\":" + i + "}");
    }
    String base = "/api/v1/topics/" + topic + "/messages";
    JsonNode page1 = http.get(base + "?limit=2", PUBLISHER).json();
    assertEquals(2, page1.get("messages").size());
    JsonNode page2 =
        http.get(base + "?limit=2&after=" + page1.get("next").asText(), PUBLISHER).json();
    assertEquals(2, page2.get("messages").get(0).get("payload").asInt());
    JsonNode page3 =
        http.get(base + "?limit=10&after=" + page2.get("next").asText(), PUBLISHER).json();
    assertEquals(1, page3.get("messages").size());
    JsonNode end = http.get(base + "?wait=0&after=" + page3.get("next").asText(), PUBLISHER).json();
    assertEquals(0, end.get("messages").size());
    assertEquals(page3.get("next"), end.get("next"));

    assertError(http.get(base + "?after=yesterday", PUBLISHER), 400, "invalid_id");
    assertError(http.get(base + "?limit=0", PUBLISHER), 400, "invalid_limit");
    assertError(http.get(base + "?limit=1001", PUBLISHER), 400, "invalid_limit");
    assertError(http.get(base + "?limit=ten", PUBLISHER), 400, "invalid_limit");
  }

  @Test
  void anExpiredMessageIsNeverReturned() {
    publish(topic, "{\"payload\":\"short\",\"ttl\":1}");
    publish(topic, "{\"payload\":\"long\",\"ttl\":3600}");
    assertEquals(2, readAll(topic).size());
    clock().advance(Duration.ofMillis(1_300));
    JsonNode left = readAll(topic);
    assertEquals(1, left.size());
    assertEquals("long", left.get(0).get("payload").asText());
  }

  @Test
  void unknownPathsAndMethodsAnswerJson() {
    assertError(http.get("/api/v1/nothing-here", PUBLISHER), 404, "not_found");
    assertError(
        http.send(http.request("/api/v1/topics/" + topic, PUBLISHER).DELETE()),
        405,
        "method_not_allowed");
  }

  @Test
  void theStoreHealthCheckIsHealthy() {
    Reply r = new Http(app().getAdminPort()).get("/healthcheck", null);
    assertEquals(200, r.status(), r.toString());
    assertTrue(r.json().get("store").get("healthy").asBoolean(), r.toString());
  }
}
