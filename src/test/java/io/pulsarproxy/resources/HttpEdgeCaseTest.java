package io.pulsarproxy.resources;

import static io.pulsarproxy.testing.Http.PUBLISHER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.pulsarproxy.PulsarProxyConfiguration;
import io.pulsarproxy.testing.Http;
import io.pulsarproxy.testing.TestApps;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** HTTP at the edges, over raw sockets: what Jetty's limits do, in the proxy's JSON shape. */
@ExtendWith(DropwizardExtensionsSupport.class)
class HttpEdgeCaseTest {
  static final DropwizardAppExtension<PulsarProxyConfiguration> APP =
      TestApps.memory(
          ConfigOverride.config("server.applicationConnectors[0].idleTimeout", "2s"),
          ConfigOverride.config("server.applicationConnectors[0].maxRequestHeaderSize", "8KiB"));

  private static String exchange(String request) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", APP.getLocalPort())) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
      return new String(socket.getInputStream().readNBytes(4096), StandardCharsets.UTF_8);
    }
  }

  @Test
  void aLongPollOutlivesTheConnectionIdleTimeout() {
    // The 2 s idle timeout must not cut a read that waits longer for messages.
    long start = System.nanoTime();
    Http.Reply r =
        new Http(APP.getLocalPort()).get("/api/v1/topics/edge.poll/messages?wait=3", PUBLISHER);
    long tookMillis = (System.nanoTime() - start) / 1_000_000;
    assertEquals(200, r.status(), r.toString());
    assertTrue(tookMillis >= 2_900, "answered after " + tookMillis + " ms");
  }

  @Test
  void oversizedHeadersAre431InJson() throws IOException {
    String answer =
        exchange(
            "GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: "
                + "a".repeat(16_000)
                + "\r\nConnection: close\r\n\r\n");
    assertTrue(answer.startsWith("HTTP/1.1 431"), answer);
    assertTrue(answer.contains("\"code\":431"), answer);
  }

  @Test
  void aPostWithoutLengthOrChunkingHasAnEmptyBody() throws IOException {
    String answer =
        exchange(
            "POST /api/v1/topics/edge/messages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                + PUBLISHER
                + "\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
                + "{\"payload\":1}");
    assertTrue(answer.startsWith("HTTP/1.1 400"), answer);
    assertTrue(answer.contains("\"error\":\"invalid_json\""), answer);
  }

  @Test
  void idleAndTricklingConnectionsNeitherBlockOthersNorStayForever() throws Exception {
    List<Socket> idle = new ArrayList<>();
    try {
      for (int i = 0; i < 300; i++) {
        idle.add(new Socket("127.0.0.1", APP.getLocalPort()));
      }
      Socket trickling = new Socket("127.0.0.1", APP.getLocalPort());
      idle.add(trickling);
      trickling
          .getOutputStream()
          .write(
              "POST /api/v1/topics/edge/messages HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));

      long start = System.nanoTime();
      Http.Reply r =
          new Http(APP.getLocalPort())
              .postJson("/api/v1/topics/edge/messages", PUBLISHER, "{\"payload\":1}");
      long tookMillis = (System.nanoTime() - start) / 1_000_000;
      assertEquals(201, r.status(), r.toString());
      assertTrue(tookMillis < 2_000, "answered in " + tookMillis + " ms");

      // At the 2 s idle timeout Jetty closes them all: reads see the end of the stream. The first
      // read waits for it (up to 6 s, the 3 s wait plus 3 s this once slept for); by then the
      // others are closed too.
      for (Socket s : List.of(idle.get(0), idle.get(150), trickling)) {
        s.setSoTimeout(s == idle.get(0) ? 6_000 : 3_000);
        InputStream in = s.getInputStream();
        int read;
        try {
          do {
            read = in.read();
          } while (read >= 0);
        } catch (SocketTimeoutException e) {
          throw new AssertionError("a connection idle past the timeout is still open", e);
        } catch (IOException reset) {
          read = -1;
        }
        assertEquals(-1, read);
      }
    } finally {
      for (Socket s : idle) {
        s.close();
      }
    }
  }
}
