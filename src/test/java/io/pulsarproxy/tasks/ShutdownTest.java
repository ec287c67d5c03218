package io.pulsarproxy.tasks;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.pulsarproxy.testing.Http;
import io.pulsarproxy.testing.ProxyProcess;
import io.pulsarproxy.testing.WsClient;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM, for real: the shipped config.yml in a proxy process of its own. Readiness goes red at
 * once, subscribers get the reconnect hint and a 1001 close, and the process exits.
 */
class ShutdownTest {
  @Test
  void sigtermDrainsSubscribersThenExits() throws Exception {
    WebSocketClient client = WsClient.startClient();
    try (ProxyProcess proxy =
        ProxyProcess.start(Map.of("PP_READINESS_DELAY", "1s", "PP_DRAIN_WINDOW", "2s"))) {
      proxy.awaitReady();
      Http http = new Http(proxy.port());
      List<WsClient> subscribers = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        WsClient ws =
            WsClient.connect(
                client, WsClient.uri(proxy.port(), "topic=shutdown"), "pp-dev-token", null);
        ws.nextOfType("subscribed", Duration.ofSeconds(10));
        subscribers.add(ws);
      }

      long start = System.nanoTime();
      proxy.process().destroy(); // SIGTERM
      // Not ready at once (well within the 1 s readiness delay): 503, or no longer accepting
      // connections at all.
      await()
          .alias("readiness turned red after SIGTERM")
          .atMost(Duration.ofMillis(500))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> notReady(http));

      for (WsClient ws : subscribers) {
        JsonNode hint = ws.nextOfType("reconnect", Duration.ofSeconds(10));
        assertTrue(hint.get("after_ms").asLong() >= 0);
        assertEquals(1001, ws.awaitClose(Duration.ofSeconds(10)));
      }
      long drainedMillis = (System.nanoTime() - start) / 1_000_000;
      assertTrue(drainedMillis >= 900, "waited the readiness delay first: " + drainedMillis);
      assertTrue(proxy.process().waitFor(30, TimeUnit.SECONDS), "the process exits");
      assertTrue(proxy.log().contains("Drained 5 connections before stopping"), proxy.log());
    } finally {
      client.stop();
    }
  }

  private static boolean notReady(Http http) {
    try {
      return http.get("/health/ready", null).status() == 503;
    } catch (UncheckedIOException e) {
      return true; // connection refused: the listener is closed
    }
  }
}
