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
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** With {@code operations.publishRequestLog: all}, accepted publishes are in the request log. */
@ExtendWith(DropwizardExtensionsSupport.class)
class PublishRequestLogAllTest {
  static final Path LOG =
      Path.of("target", "test-logs", "publish-log-all-" + UUID.randomUUID() + ".log");

  static final DropwizardAppExtension<PulsarProxyConfiguration> APP =
      TestApps.memory(
          ConfigOverride.config("operations.publishRequestLog", "all"),
          ConfigOverride.config(
              "server.requestLog.appenders[0].currentLogFilename", LOG.toString()));

  @Test
  void everyPublishIsLogged() {
    Http http = new Http(APP.getLocalPort());
    assertEquals(
        201,
        http.postJson("/api/v1/topics/rla.accepted/messages", PUBLISHER, "{\"payload\":1}")
            .status());
    assertEquals(200, http.get("/api/v1/topics/rla.accepted", PUBLISHER).status());
    String log = PublishRequestLogTest.awaitLine(LOG, "GET /api/v1/topics/rla.accepted");
    assertTrue(log.contains("POST /api/v1/topics/rla.accepted/messages"), log);
  }
}
