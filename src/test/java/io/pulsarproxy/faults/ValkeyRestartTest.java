package io.pulsarproxy.faults;

import static io.pulsarproxy.testing.Http.PUBLISHER;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.pulsarproxy.PulsarProxyConfiguration;
import io.pulsarproxy.testing.Http;
import io.pulsarproxy.testing.Http.Reply;
import io.pulsarproxy.testing.TestApps;
import io.pulsarproxy.testing.ValkeyTestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What survives a Valkey restart is what docs/durability.md promises: with {@code appendfsync
 * always} every acknowledged message, even across SIGKILL; with {@code everysec}, every one across
 * a clean restart.
 */
class ValkeyRestartTest {
  static List<String> publish(Http http, String topic, int count) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Reply r =
          http.postJson(
              "/api/v1/topics/" + topic + "/messages", PUBLISHER, "{\"payload\":" + i + "}");
      assertEquals(201, r.status(), r.toString());
      ids.add(r.json().get("id").asText());
    }
    return ids;
  }

  static Set<String> stored(Http http, String topic) {
    Reply r =
        await()
            .alias("the store never came back")
            .atMost(Duration.ofSeconds(15))
            .pollDelay(Duration.ZERO)
            .pollInterval(Duration.ofMillis(100))
            .until(
                () ->
                    http.get("/api/v1/topics/" + topic + "/messages?limit=1000&wait=0", PUBLISHER),
                reply -> reply.status() == 200);
    Set<String> ids = new HashSet<>();
    r.json().get("messages").forEach(m -> ids.add(m.get("id").asText()));
    return ids;
  }

  @Nested
  @ExtendWith(DropwizardExtensionsSupport.class)
  class FsyncAlways {
    @RegisterExtension
    static final ValkeyTestServer VALKEY =
        new ValkeyTestServer("--appendonly", "yes", "--appendfsync", "always");

    static final DropwizardAppExtension<PulsarProxyConfiguration> APP = TestApps.valkey(VALKEY);

    @Test
    void everyAcknowledgedMessageSurvivesAKill() throws Exception {
      Http http = new Http(APP.getLocalPort());
      List<String> acknowledged = publish(http, "aof.always", 200);
      VALKEY.kill();
      VALKEY.start();
      assertEquals(Set.copyOf(acknowledged), stored(http, "aof.always"));
    }
  }

  @Nested
  @ExtendWith(DropwizardExtensionsSupport.class)
  class FsyncEverySecond {
    @RegisterExtension
    static final ValkeyTestServer VALKEY =
        new ValkeyTestServer("--appendonly", "yes", "--appendfsync", "everysec");

    static final DropwizardAppExtension<PulsarProxyConfiguration> APP = TestApps.valkey(VALKEY);

    @Test
    void everyAcknowledgedMessageSurvivesACleanRestart() throws Exception {
      Http http = new Http(APP.getLocalPort());
      List<String> acknowledged = publish(http, "aof.everysec", 200);
      VALKEY.stop(); // SIGTERM: Valkey writes and syncs its AOF before exiting
      VALKEY.start();
      assertEquals(Set.copyOf(acknowledged), stored(http, "aof.everysec"));
    }
  }
}
