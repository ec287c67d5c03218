package io.pulsarproxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.pulsarproxy.testing.Http;
import io.pulsarproxy.testing.ValkeyTestServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What the proxy says and chooses at start: the store it runs on and its security warnings. */
class StartupTest {
  static String log(Path file) throws IOException {
    return Files.readString(file, StandardCharsets.UTF_8);
  }

  static Path uniqueLog() {
    return Path.of("target", "test-logs", "startup-" + UUID.randomUUID() + ".log");
  }

  @Nested
  @ExtendWith(DropwizardExtensionsSupport.class)
  class AutoWithoutUrl {
    static final Path LOG = uniqueLog();
    static final DropwizardAppExtension<PulsarProxyConfiguration> APP =
        new DropwizardAppExtension<>(
            PulsarProxyApplication.class,
            ResourceHelpers.resourceFilePath("test-config.yml"),
            ConfigOverride.config("store.type", "auto"),
            ConfigOverride.config("logging.appenders[1].currentLogFilename", LOG.toString()),
            // The reader token becomes the well-known development token.
            ConfigOverride.config(
                "auth.tokens[3].sha256",
                "efd0c2a50f443ebc7f5b451436b4e4cb4df3980da272b1b51deef1567dd67dfd"));

    @Test
    void runsOnTheMemoryStoreAndSaysSoInOneWarnLine() throws IOException {
      List<String> warnings =
          log(LOG)
              .lines()
              .filter(l -> l.startsWith("WARN") && l.contains("in-memory store"))
              .toList();
      assertEquals(1, warnings.size(), log(LOG));
      String health = new Http(APP.getAdminPort()).get("/healthcheck", null).body();
      assertTrue(health.contains("\"message\":\"memory\""), health);
    }

    @Test
    void warnsLoudlyWhileTheDevelopmentTokenIsConfigured() throws IOException {
      assertTrue(
          log(LOG)
              .lines()
              .anyMatch(
                  l ->
                      l.startsWith("WARN")
                          && l.contains("SECURITY")
                          && l.contains("'reader'")
                          && l.contains("development token")),
          log(LOG));
      assertEquals(
          200, new Http(APP.getLocalPort()).get("/api/v1/topics/x", "pp-dev-token").status());
    }
  }

  @Nested
  @ExtendWith(DropwizardExtensionsSupport.class)
  class AutoWithUrl {
    @RegisterExtension static final ValkeyTestServer VALKEY = new ValkeyTestServer();
    static final Path LOG = uniqueLog();
    static final DropwizardAppExtension<PulsarProxyConfiguration> APP =
        new DropwizardAppExtension<>(
            PulsarProxyApplication.class,
            ResourceHelpers.resourceFilePath("test-config.yml"),
            ConfigOverride.config("store.type", "auto"),
            ConfigOverride.config("store.url", VALKEY::url),
            ConfigOverride.config("logging.appenders[1].currentLogFilename", LOG.toString()));

    @Test
    void runsOnValkeyWithoutTheMemoryWarning() throws IOException {
      String health = new Http(APP.getAdminPort()).get("/healthcheck", null).body();
      assertTrue(health.contains("redis://127.0.0.1:" + VALKEY.port() + "/0"), health);
      assertFalse(log(LOG).contains("in-memory store"), log(LOG));
      assertFalse(log(LOG).contains("SECURITY"), "no development token configured");
    }
  }
}
