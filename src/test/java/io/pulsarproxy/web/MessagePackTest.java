package io.pulsarproxy.web;

import static io.pulsarproxy.testing.Http.PUBLISHER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.pulsarproxy.PulsarProxyConfiguration;
import io.pulsarproxy.testing.Http;
import io.pulsarproxy.testing.TestApps;
import io.pulsarproxy.testing.ValkeyTestServer;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.msgpack.jackson.dataformat.MessagePackFactory;

/**
 * MessagePack over real WebSockets and real HTTP on a real Valkey: the {@code pp.v1.msgpack}
 * subprotocol carries the same frames as binary MessagePack (both ways), {@code pp.v1.json} is
 * accepted as the default, and publishes with {@code Content-Type: application/msgpack} (single and
 * batch) store what the equivalent JSON stores, so JSON and MessagePack subscribers see the same
 * messages.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class MessagePackTest {
  @RegisterExtension static final ValkeyTestServer VALKEY = new ValkeyTestServer();

  static final DropwizardAppExtension<PulsarProxyConfiguration> APP = TestApps.valkey(VALKEY);

  static final ObjectMapper MSGPACK = new ObjectMapper(new MessagePackFactory());
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration WAIT = Duration.ofSeconds(10);

  private final HttpClient http = HttpClient.newHttpClient();

  /** Every frame a connection receives, as JSON trees, and whether each came as binary. */
  static final class Frames implements WebSocket.Listener {
    final LinkedBlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
    final LinkedBlockingQueue<Boolean> binary = new LinkedBlockingQueue<>();
    private final StringBuilder text = new StringBuilder();
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      text.append(data);
      if (last) {
        binary.add(false); // first: a test that took the frame may look at this at once
        try {
          frames.add(JSON.readTree(text.toString()));
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
        text.setLength(0);
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
      byte[] chunk = new byte[data.remaining()];
      data.get(chunk);
      bytes.writeBytes(chunk);
      if (last) {
        binary.add(true);
        try {
          frames.add(MSGPACK.readTree(bytes.toByteArray()));
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
        bytes.reset();
      }
      ws.request(1);
      return null;
    }

    /** The next frame of this type (skipping others), waiting for it. */
    JsonNode next(String type) throws InterruptedException {
      for (; ; ) {
        JsonNode f = frames.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        if (f == null) {
          throw new AssertionError("no " + type + " frame in time");
        }
        if (f.path("type").asText().equals(type)) {
          return f;
        }
      }
    }
  }

  private WebSocket connect(Frames frames, String... subprotocols) {
    WebSocket.Builder b = http.newWebSocketBuilder().header("Authorization", "Bearer " + PUBLISHER);
    if (subprotocols.length > 0) {
      b.subprotocols(subprotocols[0], Arrays.copyOfRange(subprotocols, 1, subprotocols.length));
    }
    return b.buildAsync(URI.create("ws://127.0.0.1:" + APP.getLocalPort() + "/api/v1/ws"), frames)
        .join();
  }

  private static byte[] pack(String json) throws Exception {
    return MSGPACK.writeValueAsBytes(JSON.readTree(json));
  }

  private Http.Reply publishMsgpack(String path, byte[] body) {
    Http h = new Http(APP.getLocalPort());
    return h.send(
        h.request(path, PUBLISHER)
            .header("Content-Type", "application/msgpack")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
  }

  @Test
  void msgpackAndJsonSubscribersSeeTheSameMessagesFromEitherKindOfPublish() throws Exception {
    String topic = "mp.same";
    Frames mp = new Frames();
    WebSocket mpSocket = connect(mp, "pp.v1.msgpack", "pp.v1.json");
    assertEquals("pp.v1.msgpack", mpSocket.getSubprotocol());
    Frames js = new Frames();
    WebSocket jsSocket = connect(js, "pp.v1.json");
    assertEquals("pp.v1.json", jsSocket.getSubprotocol());

    // The MessagePack client's own frames are MessagePack too.
    mpSocket
        .sendBinary(
            ByteBuffer.wrap(pack("{\"op\":\"subscribe\",\"topic\":\"" + topic + "\"}")), true)
        .join();
    jsSocket.sendText("{\"op\":\"subscribe\",\"topic\":\"" + topic + "\"}", true).join();
    assertEquals(topic, mp.next("subscribed").get("topic").asText());
    assertTrue(mp.binary.poll(), "the subscribed frame came as binary");
    js.next("subscribed");
    assertEquals(false, js.binary.poll(), "JSON frames stay text");

    String message =
        "{\"payload\":{\"order\":42,\"total\":19.5,\"tags\":[\"a\",true,null]},"
            + "\"message_id\":\"%s\",\"metadata\":{\"source\":\"shop\"},\"key\":\"c-1\"}";
    Http http = new Http(APP.getLocalPort());
    Http.Reply json =
        http.postJson("/api/v1/topics/" + topic + "/messages", PUBLISHER, message.formatted("j-1"));
    assertEquals(201, json.status(), json.body());
    Http.Reply packed =
        publishMsgpack("/api/v1/topics/" + topic + "/messages", pack(message.formatted("m-1")));
    assertEquals(201, packed.status(), packed.body());
    assertEquals("m-1", packed.json().get("message_id").asText());
    Http.Reply batch =
        publishMsgpack(
            "/api/v1/messages/batch",
            pack("{\"topic\":\"" + topic + "\",\"messages\":[" + message.formatted("m-2") + "]}"));
    assertEquals(201, batch.status(), batch.body());
    Http.Reply duplicate =
        publishMsgpack("/api/v1/topics/" + topic + "/messages", pack(message.formatted("m-1")));
    assertEquals(200, duplicate.status());
    assertTrue(duplicate.json().get("duplicate").asBoolean());

    for (String id : List.of("j-1", "m-1", "m-2")) {
      JsonNode a = mp.next("message");
      JsonNode b = js.next("message");
      assertEquals(id, a.get("message_id").asText());
      assertEquals(b, a, "the same frame in both encodings");
      assertEquals(JSON.readTree(message.formatted(id)).get("payload"), a.get("payload"));
    }
    // Stored alike: the read API shows the same payload for the JSON and the MessagePack publish.
    JsonNode page = http.get("/api/v1/topics/" + topic + "/messages?wait=0", PUBLISHER).json();
    assertEquals(
        page.get("messages").get(0).get("payload"), page.get("messages").get(1).get("payload"));

    // Control frames too: a pong, and an error frame for a frame that is not MessagePack.
    mpSocket.sendBinary(ByteBuffer.wrap(pack("{\"op\":\"ping\"}")), true).join();
    mp.next("pong");
    mpSocket.sendBinary(ByteBuffer.wrap(new byte[] {(byte) 0xc1}), true).join();
    assertEquals("invalid_json", mp.next("error").get("error").asText());
    mpSocket.sendClose(WebSocket.NORMAL_CLOSURE, "done").join();
    jsSocket.sendClose(WebSocket.NORMAL_CLOSURE, "done").join();
  }

  @Test
  void withoutASubprotocolFramesStayJsonAndBinaryIsRefused() throws Exception {
    Frames frames = new Frames();
    WebSocket ws = connect(frames);
    assertEquals("", ws.getSubprotocol());
    ws.sendBinary(ByteBuffer.wrap(pack("{\"op\":\"ping\"}")), true).join();
    assertEquals("binary_not_supported", frames.next("error").get("error").asText());
    ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").join();
  }

  @Test
  void badMessagePackBodiesAreRefused() throws Exception {
    String path = "/api/v1/topics/mp.bad/messages";
    Http.Reply garbage = publishMsgpack(path, new byte[] {(byte) 0xc1, 1, 2});
    assertEquals(400, garbage.status());
    assertEquals("invalid_json", garbage.json().get("error").asText());

    ObjectNode withBinary = MSGPACK.createObjectNode();
    withBinary.put("payload", new byte[] {1, 2, 3});
    Http.Reply binary = publishMsgpack(path, MSGPACK.writeValueAsBytes(withBinary));
    assertEquals(400, binary.status());
    assertEquals("invalid_json", binary.json().get("error").asText());

    byte[] one = pack("{\"payload\":1}");
    byte[] twice = new byte[one.length * 2];
    System.arraycopy(one, 0, twice, 0, one.length);
    System.arraycopy(one, 0, twice, one.length, one.length);
    Http.Reply trailing = publishMsgpack(path, twice);
    assertEquals(400, trailing.status(), trailing.body());
    assertEquals("invalid_json", trailing.json().get("error").asText());

    Http.Reply invalid = publishMsgpack(path, pack("{\"colour\":1}"));
    assertEquals(422, invalid.status());
    assertEquals("invalid_message", invalid.json().get("error").asText());
  }
}
