package io.pulsarproxy.resources;

import static io.pulsarproxy.testing.Http.PUBLISHER;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.pulsarproxy.PulsarProxyConfiguration;
import io.pulsarproxy.testing.TestApps;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A publish body trickled below the connector's minimum data rate, as the shipped config sets. */
@ExtendWith(DropwizardExtensionsSupport.class)
class SlowBodyTest {
  static final DropwizardAppExtension<PulsarProxyConfiguration> APP =
      TestApps.memory(
          ConfigOverride.config("server.applicationConnectors[0].minRequestDataPerSecond", "1KiB"));

  @Test
  void aBodyTrickledBelowTheMinimumRateIs408InJsonNeverA500() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", APP.getLocalPort())) {
      socket.setSoTimeout(10_000);
      java.io.OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /api/v1/topics/edge/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  + "Authorization: Bearer "
                  + PUBLISHER
                  + "\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n"
                  + "{\"payload\":\"")
              .getBytes(StandardCharsets.US_ASCII));
      String answer = "";
      try {
        for (int i = 0; i < 30 && socket.getInputStream().available() == 0; i++) {
          Thread.sleep(200); // the stimulus: a body trickled at 5 bytes a second
          out.write('x'); // 5 bytes a second, far below 1 KiB/s
        }
      } catch (IOException closed) {
        // the proxy gave up on the body: read its answer below
      }
      answer = new String(socket.getInputStream().readNBytes(4096), StandardCharsets.UTF_8);
      assertTrue(answer.startsWith("HTTP/1.1 408"), answer);
      assertTrue(answer.contains("\"error\":\"request_timeout\""), answer);
    }
  }

  /**
   * A body sent in one piece well after its headers (Java's HttpClient sends them apart) is not a
   * slow body: the rate counts from the body's first byte.
   */
  @Test
  void aBodySentLateInOnePieceIsAccepted() throws Exception {
    String body = "{\"payload\":7}";
    try (Socket socket = new Socket("127.0.0.1", APP.getLocalPort())) {
      socket.setSoTimeout(10_000);
      java.io.OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /api/v1/topics/edge/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  + "Authorization: Bearer "
                  + PUBLISHER
                  + "\r\nContent-Type: application/json\r\nContent-Length: "
                  + body.length()
                  + "\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      Thread.sleep(300); // the stimulus: a late body, at 1 KiB/s it would be 300 bytes short
      out.write(body.getBytes(StandardCharsets.US_ASCII));
      String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(answer.startsWith("HTTP/1.1 201"), answer);
    }
  }
}
