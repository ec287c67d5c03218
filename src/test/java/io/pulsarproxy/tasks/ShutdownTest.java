package io.pulsarproxy.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.pulsarproxy.testing.Http;
import io.pulsarproxy.testing.WsClient;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
    int port = freePort();
    int adminPort = freePort();
    Path log = Files.createTempFile("pp-shutdown-", ".log");
    ProcessBuilder builder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "io.pulsarproxy.PulsarProxyApplication",
                "server",
                new File("config.yml").getAbsolutePath())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    builder.environment().put("PP_HTTP_PORT", Integer.toString(port));
    builder.environment().put("PP_ADMIN_PORT", Integer.toString(adminPort));
    builder.environment().put("PP_READINESS_DELAY", "1s");
    builder.environment().put("PP_DRAIN_WINDOW", "2s");
    builder.environment().remove("VALKEY_URL");
    Process proxy = builder.start();
    WebSocketClient client = WsClient.startClient();
    try {
      Http http = new Http(port);
      awaitReady(http, proxy, log);
      List<WsClient> subscribers = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        WsClient ws =
            WsClient.connect(client, WsClient.uri(port, "topic=shutdown"), "pp-dev-token", null);
        ws.nextOfType("subscribed", Duration.ofSeconds(10));
        subscribers.add(ws);
      }

      long start = System.nanoTime();
      proxy.destroy(); // SIGTERM
      // Not ready at once: 503, or no longer accepting connections at all.
      Thread.sleep(300);
      assertTrue(notReady(http), "readiness turned red after SIGTERM");

      for (WsClient ws : subscribers) {
        JsonNode hint = ws.nextOfType("reconnect", Duration.ofSeconds(10));
        assertTrue(hint.get("after_ms").asLong() >= 0);
        assertEquals(1001, ws.awaitClose(Duration.ofSeconds(10)));
      }
      long drainedMillis = (System.nanoTime() - start) / 1_000_000;
      assertTrue(drainedMillis >= 900, "waited the readiness delay first: " + drainedMillis);
      assertTrue(proxy.waitFor(30, TimeUnit.SECONDS), "the process exits");
      String output = Files.readString(log);
      assertTrue(output.contains("Drained 5 connections before stopping"), output);
    } finally {
      client.stop();
      proxy.destroyForcibly();
    }
  }

  private static boolean notReady(Http http) {
    try {
      return http.get("/health/ready", null).status() == 503;
    } catch (UncheckedIOException e) {
      return true; // connection refused: the listener is closed
    }
  }

  private static void awaitReady(Http http, Process proxy, Path log) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!proxy.isAlive()) {
        throw new AssertionError("the proxy exited: " + Files.readString(log));
      }
      try {
        if (http.get("/health/ready", null).status() == 200) {
          return;
        }
      } catch (UncheckedIOException e) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new AssertionError("the proxy never became ready: " + Files.readString(log));
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
