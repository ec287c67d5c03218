package io.pulsarproxy.store;

import static io.pulsarproxy.testing.Http.PUBLISHER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.pulsarproxy.PulsarProxyApplication;
import io.pulsarproxy.PulsarProxyConfiguration;
import io.pulsarproxy.testing.Http;
import io.pulsarproxy.testing.TestApps;
import io.pulsarproxy.testing.TestClock;
import io.pulsarproxy.testing.ValkeyTestServer;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Retention caps on append: exact on the memory store, within one stream node on Valkey. */
class RetentionTest {
  /** Valkey's default stream-node-max-entries: approximate trimming removes whole nodes. */
  static final int NODE = 100;

  static void publishBatches(Http http, String topic, int count) {
    for (int sent = 0; sent < count; ) {
      StringBuilder body = new StringBuilder("{\"messages\":[");
      int n = Math.min(100, count - sent);
      for (int i = 0; i < n; i++) {
        body.append(i == 0 ? "" : ",").append("{\"payload\":").append(sent + i).append('}');
      }
      body.append("]}");
      assertEquals(
          201,
          http.postJson("/api/v1/topics/" + topic + "/messages/batch", PUBLISHER, body.toString())
              .status());
      sent += n;
    }
  }

  static JsonNode info(Http http, String topic) {
    return http.get("/api/v1/topics/" + topic, PUBLISHER).json();
  }

  @Nested
  @ExtendWith(DropwizardExtensionsSupport.class)
  class OnMemory {
    static final TestClock CLOCK = TestClock.system();
    static final DropwizardAppExtension<PulsarProxyConfiguration> APP =
        TestApps.withClock(
            CLOCK,
            ResourceHelpers.resourceFilePath("test-config.yml"),
            ConfigOverride.config("retention.maxLength", "5"),
            ConfigOverride.config("retention.maxAge", "1s"));

    @Test
    void trimsExactlyByCountAndByAge() {
      Http http = new Http(APP.getLocalPort());
      String topic = "t." + UUID.randomUUID();
      publishBatches(http, topic, 12);
      JsonNode info = info(http, topic);
      assertEquals(5, info.get("length").asLong());
      JsonNode messages =
          http.get("/api/v1/topics/" + topic + "/messages", PUBLISHER).json().get("messages");
      assertEquals(7, messages.get(0).get("payload").asInt(), "the oldest were trimmed");

      CLOCK.advance(Duration.ofMillis(1_200));
      publishBatches(http, topic, 1);
      assertEquals(1, info(http, topic).get("length").asLong(), "older than maxAge is gone");
    }
  }

  @Nested
  @ExtendWith(DropwizardExtensionsSupport.class)
  class OnValkey {
    @RegisterExtension static final ValkeyTestServer VALKEY = new ValkeyTestServer();

    static final DropwizardAppExtension<PulsarProxyConfiguration> APP =
        new DropwizardAppExtension<>(
            PulsarProxyApplication.class,
            ResourceHelpers.resourceFilePath("test-config.yml"),
            ConfigOverride.config("store.type", "valkey"),
            ConfigOverride.config("store.url", VALKEY::url),
            ConfigOverride.config("retention.maxLength", "200"),
            ConfigOverride.config("retention.maxAge", "2s"));

    @Test
    void trimsByCountWithinOneStreamNode() {
      Http http = new Http(APP.getLocalPort());
      String topic = "t." + UUID.randomUUID();
      publishBatches(http, topic, 1_000);
      long length = info(http, topic).get("length").asLong();
      assertTrue(length >= 200 && length <= 200 + NODE, "length " + length);
    }

    @Test
    void trimsByAgeWithinOneStreamNode() throws InterruptedException {
      Http http = new Http(APP.getLocalPort());
      String topic = "t." + UUID.randomUUID();
      publishBatches(http, topic, 150);
      // Valkey trims by its own clock, which no test can move: the age must pass for real.
      Thread.sleep(2_300);
      publishBatches(http, topic, 1);
      long length = info(http, topic).get("length").asLong();
      assertTrue(length <= NODE + 1, "length " + length);
    }
  }
}
