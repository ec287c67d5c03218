package io.pulsarproxy.fuzz;

import static io.pulsarproxy.testing.Http.PUBLISHER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.dropwizard.testing.DropwizardTestSupport;
import io.dropwizard.testing.ResourceHelpers;
import io.pulsarproxy.PulsarProxyApplication;
import io.pulsarproxy.PulsarProxyConfiguration;
import io.pulsarproxy.testing.Http;
import io.pulsarproxy.testing.Http.Reply;
import io.pulsarproxy.testing.WsClient;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.eclipse.jetty.websocket.client.WebSocketClient;

/**
 * Property-based fuzzing of every input: publish bodies and topic names over HTTP, and frame
 * sequences over WebSocket. The answer is always a documented status or frame, never a 500, a hang
 * or a closed socket without a reason; a refused message is never stored.
 */
class InputFuzzTest {
  private static final Set<Integer> DOCUMENTED = Set.of(200, 201, 400, 404, 413, 415, 422);
  private static final Duration WAIT = Duration.ofSeconds(5);

  private static DropwizardTestSupport<PulsarProxyConfiguration> app;
  private static WebSocketClient ws;

  @BeforeContainer
  static void start() throws Exception {
    app =
        new DropwizardTestSupport<>(
            PulsarProxyApplication.class, ResourceHelpers.resourceFilePath("test-config.yml"));
    app.before();
    ws = WsClient.startClient();
  }

  @AfterContainer
  static void stop() throws Exception {
    ws.stop();
    app.after();
  }

  private static Http http() {
    return new Http(app.getLocalPort());
  }

  // --- HTTP -------------------------------------------------------------------------------------

  @Property(tries = 250)
  void anyPublishBodyGetsADocumentedAnswerAndRefusedOnesAreNotStored(
      @ForAll("bodies") byte[] body) {
    String topic = "fuzz." + UUID.randomUUID();
    Http http = http();
    Reply r =
        http.send(
            http.request("/api/v1/topics/" + topic + "/messages", PUBLISHER)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    assertTrue(DOCUMENTED.contains(r.status()), r.toString());
    if (r.status() >= 400) {
      JsonNode error = r.json();
      assertEquals(r.status(), error.get("code").asInt(), r.toString());
      assertTrue(error.get("error").isTextual() && error.get("message").isTextual());
    }
    long stored = http.get("/api/v1/topics/" + topic, PUBLISHER).json().get("length").asLong();
    assertEquals(r.status() == 201 ? 1 : 0, stored, r.toString());
  }

  @Property(tries = 200)
  void anyTopicNameIsAcceptedOrRefusedCleanly(@ForAll("topics") String topic) {
    String encoded = URLEncoder.encode(topic, StandardCharsets.UTF_8).replace("+", "%20");
    Reply r =
        http().postJson("/api/v1/topics/" + encoded + "/messages", PUBLISHER, "{\"payload\":1}");
    assertTrue(Set.of(201, 400, 404).contains(r.status()), topic + " -> " + r);
    assertTrue(r.body().startsWith("{"), r.toString());
  }

  @Provide
  Arbitrary<byte[]> bodies() {
    Arbitrary<String> valid =
        Combinators.combine(jsonValues(3), Arbitraries.strings().ofMaxLength(140))
            .as(
                (payload, id) ->
                    "{\"payload\":"
                        + payload
                        + ",\"message_id\":\""
                        + id.replace("\"", "")
                        + "\"}");
    return Arbitraries.oneOf(
        valid.map(s -> s.getBytes(StandardCharsets.UTF_8)),
        valid.flatMap(InputFuzzTest::mutate).map(s -> s.getBytes(StandardCharsets.UTF_8)),
        Arbitraries.bytes().array(byte[].class).ofMaxSize(600),
        Arbitraries.integers()
            .between(1, 3000)
            .map(
                depth ->
                    ("{\"payload\":" + "[".repeat(depth) + "]".repeat(depth) + "}")
                        .getBytes(StandardCharsets.UTF_8)),
        Arbitraries.strings()
            .numeric()
            .ofMinLength(1)
            .ofMaxLength(3000)
            .map(
                digits ->
                    ("{\"payload\":" + digits + "e" + digits.length() + "}")
                        .getBytes(StandardCharsets.UTF_8)));
  }

  /** Random JSON values: nested arrays and objects of unicode strings, numbers, literals. */
  private static Arbitrary<String> jsonValues(int depth) {
    Arbitrary<String> leaf =
        Arbitraries.oneOf(
            Arbitraries.strings().all().ofMaxLength(30).map(InputFuzzTest::quote),
            Arbitraries.bigDecimals().map(Object::toString),
            Arbitraries.of(
                "true", "false", "null", "0", "-1", "1e308", "123456789012345678901234567890"));
    if (depth == 0) {
      return leaf;
    }
    Arbitrary<String> inner = jsonValues(depth - 1);
    return Arbitraries.oneOf(
        leaf,
        inner.list().ofMaxSize(4).map(l -> "[" + String.join(",", l) + "]"),
        Combinators.combine(Arbitraries.strings().ofMaxLength(8), inner)
            .as((k, v) -> "{" + quote(k) + ":" + v + "}"));
  }

  private static Arbitrary<String> mutate(String s) {
    return Combinators.combine(
            Arbitraries.integers().between(0, Math.max(0, s.length() - 1)),
            Arbitraries.chars().all(),
            Arbitraries.of(0, 1, 2))
        .as(
            (at, c, how) ->
                switch (how) {
                  case 0 -> s.substring(0, at) + s.substring(Math.min(s.length(), at + 1));
                  case 1 -> s.substring(0, at) + c + s.substring(at);
                  default -> s.substring(0, at) + c + s.substring(Math.min(s.length(), at + 1));
                });
  }

  @Provide
  Arbitrary<String> topics() {
    return Arbitraries.oneOf(
        Arbitraries.strings().all().ofMinLength(1).ofMaxLength(250),
        Arbitraries.strings().withChars("abc.:_-*/%\\ ").ofMinLength(1).ofMaxLength(210),
        Arbitraries.of("..", ".", "a/b", "a%2Fb", "*", "orders.*", "ORDERS", "é", "a\u0000b"));
  }

  private static String quote(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20 || Character.isSurrogate(c)) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.append('"').toString();
  }

  // --- WebSocket --------------------------------------------------------------------------------

  @Property(tries = 60)
  void everyFrameGetsAnAnswerOrAReasonedClose(@ForAll("frameSequences") List<String> frames)
      throws Exception {
    WsClient client = WsClient.connect(ws, WsClient.uri(app.getLocalPort(), null), PUBLISHER, null);
    try {
      int bad = 0;
      for (String frame : frames) {
        if (frame.startsWith("BINARY:")) {
          client.sendBinary(frame.getBytes(StandardCharsets.UTF_8));
        } else {
          client.send(frame);
        }
        if (!client.isOpen()) {
          break;
        }
        JsonNode answer;
        try {
          answer = client.next(WAIT);
        } catch (AssertionError noFrame) {
          // Only a close for too many bad frames may take the place of an answer.
          assertEquals(1008, client.awaitClose(WAIT), "frame " + frame);
          assertTrue(bad >= 5, "closed after " + bad + " bad frames");
          return;
        }
        String type = answer.path("type").asText();
        assertTrue(
            Set.of("error", "subscribed", "unsubscribed", "pong").contains(type),
            frame + " -> " + answer);
        if (type.equals("error")) {
          bad++;
          assertTrue(answer.get("code").asInt() >= 400 && answer.get("code").asInt() < 600);
          if (bad > 5) {
            assertEquals(1008, client.awaitClose(WAIT));
            return;
          }
        } else if (type.equals("subscribed")) {
          bad = 0;
        }
      }
    } finally {
      client.close();
    }
  }

  @Provide
  Arbitrary<List<String>> frameSequences() {
    Arbitrary<String> topic =
        Arbitraries.oneOf(
            Arbitraries.create(() -> "fuzz." + UUID.randomUUID()),
            Arbitraries.strings().all().ofMaxLength(40));
    Arbitrary<String> valid =
        Arbitraries.oneOf(
            topic.map(t -> "{\"op\":\"subscribe\",\"topic\":" + quote(t) + "}"),
            topic.map(t -> "{\"op\":\"unsubscribe\",\"topic\":" + quote(t) + "}"),
            Combinators.combine(topic, Arbitraries.strings().all().ofMaxLength(25))
                .as(
                    (t, f) ->
                        "{\"op\":\"subscribe\",\"topic\":"
                            + quote(t)
                            + ",\"from\":"
                            + quote(f)
                            + "}"),
            Arbitraries.just("{\"op\":\"ping\"}"));
    Arbitrary<String> frame =
        Arbitraries.oneOf(
            valid,
            valid.flatMap(InputFuzzTest::mutate),
            jsonValues(2),
            Arbitraries.strings().all().ofMaxLength(80),
            Arbitraries.strings().ofMaxLength(20).map(s -> "BINARY:" + s));
    return frame.list().ofMinSize(1).ofMaxSize(8);
  }
}
