package io.pulsarproxy.faults;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import io.pulsarproxy.testing.FaultSuite;
import io.pulsarproxy.testing.Http;
import io.pulsarproxy.testing.Http.Reply;
import io.pulsarproxy.testing.ProxyProcess;
import io.pulsarproxy.testing.ValkeyTestServer;
import io.pulsarproxy.testing.WsClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One of two proxy instances is killed with SIGKILL under load. Its subscribers do what a real
 * client does (reconnect to the other with their last id) and miss nothing.
 */
@FaultSuite
class InstanceKillTest {
  @RegisterExtension static final ValkeyTestServer VALKEY = new ValkeyTestServer();

  @Test
  void subscribersOfAKilledInstanceResumeOnTheOtherAndMissNothing() throws Exception {
    Map<String, String> env = Map.of("VALKEY_URL", VALKEY.url());
    WebSocketClient client = WsClient.startClient();
    try (ProxyProcess doomed = ProxyProcess.start(env);
        ProxyProcess survivor = ProxyProcess.start(env)) {
      doomed.awaitReady();
      survivor.awaitReady();
      String topic = "kill." + System.nanoTime();
      List<WsClient> subscribers = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        WsClient ws =
            WsClient.connect(
                client, WsClient.uri(doomed.port(), "topic=" + topic), "pp-dev-token", null);
        ws.nextOfType("subscribed", Duration.ofSeconds(10));
        subscribers.add(ws);
      }
      int total = 300;
      AtomicBoolean failed = new AtomicBoolean();
      AtomicInteger published = new AtomicInteger();
      Http publisherHttp = new Http(survivor.port());
      Thread producer =
          new Thread(
              () -> {
                for (int seq = 0; seq < total; seq++) {
                  Reply r =
                      publisherHttp.postJson(
                          "/api/v1/topics/" + topic + "/messages",
                          "pp-dev-token",
                          "{\"payload\":{\"seq\":" + seq + "}}");
                  failed.compareAndSet(false, r.status() != 201);
                  published.incrementAndGet();
                  try {
                    Thread.sleep(10); // pacing: publishing spans the kill
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              });
      producer.start();
      // Kill once publishing is under way.
      await().atMost(Duration.ofSeconds(30)).until(() -> published.get() >= 50);
      doomed.kill();

      for (WsClient ws : subscribers) {
        List<Integer> seqs = new ArrayList<>();
        String lastId = null;
        // Take what arrived before the kill; the drop shows as a close without a frame.
        while (true) {
          JsonNode frame;
          try {
            frame = ws.next(Duration.ofMillis(300));
          } catch (AssertionError quiet) {
            if (ws.isOpen()) {
              continue;
            }
            break;
          }
          if ("message".equals(frame.path("type").asText())) {
            seqs.add(frame.get("payload").get("seq").asInt());
            lastId = frame.get("id").asText();
          }
        }
        WsClient resumed =
            WsClient.connect(
                client,
                WsClient.uri(
                    survivor.port(),
                    "topic=" + topic + (lastId == null ? "&from=earliest" : "&from=" + lastId)),
                "pp-dev-token",
                null);
        producer.join(30_000);
        for (JsonNode m : resumed.messages(total - seqs.size(), Duration.ofSeconds(20))) {
          seqs.add(m.get("payload").get("seq").asInt());
        }
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < total; i++) {
          expected.add(i);
        }
        assertEquals(expected, seqs);
        resumed.close();
      }
      assertFalse(failed.get(), "every publish to the survivor was acknowledged");
    } finally {
      client.stop();
    }
  }
}
