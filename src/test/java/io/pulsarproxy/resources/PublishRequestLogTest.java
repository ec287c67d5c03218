package io.pulsarproxy.resources;

import static io.pulsarproxy.testing.Http.PUBLISHER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.pulsarproxy.PulsarProxyConfiguration;
import io.pulsarproxy.testing.Http;
import io.pulsarproxy.testing.TestApps;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The request log's policy for publishes, as shipped ({@code failures}): accepted publishes stay
 * out of the request log, refused ones and every other request are logged. {@code
 * PublishRequestLogAllTest} shows the other setting.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class PublishRequestLogTest {
  static final Path SHIPPED_LOG =
      Path.of("target", "test-logs", "publish-log-failures-" + UUID.randomUUID() + ".log");

  static final DropwizardAppExtension<PulsarProxyConfiguration> SHIPPED =
      TestApps.memory(
          ConfigOverride.config(
              "server.requestLog.appenders[0].currentLogFilename", SHIPPED_LOG.toString()));

  @Test
  void acceptedPublishesStayOutOfTheLogRefusedOnesGoIn() throws Exception {
    Http http = new Http(SHIPPED.getLocalPort());
    assertEquals(
        201, http.postJson("/api/v1/topics/rlp.accepted/messages", PUBLISHER, body()).status());
    assertEquals(
        201,
        http.postJson("/api/v1/messages", PUBLISHER, "{\"topic\":\"rlp.inbody\",\"payload\":1}")
            .status());
    assertEquals(
        401, http.postJson("/api/v1/topics/rlp.refused/messages", "wrong", body()).status());
    assertEquals(
        422, http.postJson("/api/v1/topics/rlp.invalid/messages", PUBLISHER, "{}").status());
    assertEquals(200, http.get("/api/v1/topics/rlp.accepted", PUBLISHER).status());
    // The request log is written as each exchange completes: wait for the last one.
    String log = awaitLine(SHIPPED_LOG, "GET /api/v1/topics/rlp.accepted");
    assertTrue(log.contains("/api/v1/topics/rlp.refused/messages"), log);
    assertTrue(log.contains("/api/v1/topics/rlp.invalid/messages"), log);
    assertFalse(log.contains("/api/v1/topics/rlp.accepted/messages"), log);
    assertFalse(log.contains("POST /api/v1/messages"), log);
  }

  private static String body() {
    return "{\"payload\":{\"n\":1}}";
  }

  static String awaitLine(Path file, String expected) {
    String[] log = new String[1];
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              log[0] = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
              return log[0].contains(expected);
            });
    return log[0];
  }
}
