package io.pulsarproxy.faults;

import static io.pulsarproxy.testing.Http.PUBLISHER;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.pulsarproxy.PulsarProxyConfiguration;
import io.pulsarproxy.testing.FaultSuite;
import io.pulsarproxy.testing.Http;
import io.pulsarproxy.testing.ProxyProcess;
import io.pulsarproxy.testing.TestApps;
import io.pulsarproxy.testing.ValkeyTestServer;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Consumer groups under faults: a proxy killed mid-way redelivers nothing acked and loses nothing
 * unacked; a Valkey restarted from its AOF keeps every group's position and pending messages.
 */
@FaultSuite
class GroupFaultsTest {
  static final String DEV_TOKEN = "pp-dev-token";

  static void putGroup(Http http, String token, String path, String body) {
    Http.Reply r =
        http.send(
            http.request(path, token)
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)));
    assertTrue(r.status() == 201 || r.status() == 200, r.toString());
  }

  static List<String> publish(Http http, String token, String topic, int count) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Http.Reply r =
          http.postJson("/api/v1/topics/" + topic + "/messages", token, "{\"payload\":" + i + "}");
      assertEquals(201, r.status(), r.toString());
      ids.add(r.json().get("id").asText());
    }
    return ids;
  }

  static List<JsonNode> fetch(Http http, String token, String group, String consumer, int max) {
    Http.Reply r =
        http.postJson(
            group + "/fetch",
            token,
            "{\"consumer\":\"" + consumer + "\",\"max\":" + max + ",\"wait\":0}");
    assertEquals(200, r.status(), r.toString());
    List<JsonNode> out = new ArrayList<>();
    r.json().get("messages").forEach(out::add);
    return out;
  }

  static void ack(Http http, String token, String group, List<JsonNode> messages) {
    List<String> ids = messages.stream().map(m -> m.get("id").asText()).toList();
    Http.Reply r =
        http.postJson(group + "/ack", token, "{\"ids\":[\"" + String.join("\",\"", ids) + "\"]}");
    assertEquals(ids.size(), r.json().get("acked").asInt(), r.toString());
  }

  @Nested
  class ProxyKilled {
    @RegisterExtension static final ValkeyTestServer VALKEY = new ValkeyTestServer();

    @Test
    void nothingAckedComesAgainAndNothingUnackedIsLost() throws Exception {
      String topic = "groups.kill." + System.nanoTime();
      String group = "/api/v1/topics/" + topic + "/groups/g";
      Set<String> acked = new HashSet<>();
      Set<String> unacked = new HashSet<>();
      List<String> published;
      try (ProxyProcess first = ProxyProcess.start(Map.of("VALKEY_URL", VALKEY.url()))) {
        first.awaitReady();
        Http http = new Http(first.port());
        putGroup(http, DEV_TOKEN, group, "{\"ack_timeout\":\"1s\"}");
        published = publish(http, DEV_TOKEN, topic, 30);
        List<JsonNode> done = fetch(http, DEV_TOKEN, group, "c1", 10);
        ack(http, DEV_TOKEN, group, done);
        done.forEach(m -> acked.add(m.get("id").asText()));
        fetch(http, DEV_TOKEN, group, "c1", 10).forEach(m -> unacked.add(m.get("id").asText()));
        first.kill(); // SIGKILL, with ten messages in flight
      }
      assertEquals(10, unacked.size());
      try (ProxyProcess second = ProxyProcess.start(Map.of("VALKEY_URL", VALKEY.url()))) {
        second.awaitReady();
        Http http = new Http(second.port());
        Set<String> after = new HashSet<>();
        Set<String> redelivered = new HashSet<>();
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () -> {
                  List<JsonNode> got = fetch(http, DEV_TOKEN, group, "c2", 100);
                  for (JsonNode m : got) {
                    after.add(m.get("id").asText());
                    if (m.get("delivery_count").asInt() > 1) {
                      redelivered.add(m.get("id").asText());
                    }
                  }
                  if (!got.isEmpty()) {
                    ack(http, DEV_TOKEN, group, got);
                  }
                  return after.size() == 20;
                });
        Set<String> all = new HashSet<>(acked);
        all.addAll(after);
        assertEquals(Set.copyOf(published), all, "nothing lost");
        assertTrue(after.stream().noneMatch(acked::contains), "nothing acked delivered again");
        assertEquals(unacked, redelivered, "the in-flight ones came back, counted");
      }
    }
  }

  @Nested
  @ExtendWith(DropwizardExtensionsSupport.class)
  class ValkeyRestarted {
    @RegisterExtension
    static final ValkeyTestServer VALKEY =
        new ValkeyTestServer("--appendonly", "yes", "--appendfsync", "always");

    static final DropwizardAppExtension<PulsarProxyConfiguration> APP = TestApps.valkey(VALKEY);

    @Test
    void positionsAndPendingMessagesSurviveARestartFromTheAof() throws Exception {
      Http http = new Http(APP.getLocalPort());
      String topic = "groups.aof." + System.nanoTime();
      String group = "/api/v1/topics/" + topic + "/groups/g";
      putGroup(http, PUBLISHER, group, "{\"ack_timeout\":\"500ms\"}");
      List<String> published = publish(http, PUBLISHER, topic, 20);
      List<JsonNode> done = fetch(http, PUBLISHER, group, "c1", 5);
      ack(http, PUBLISHER, group, done);
      List<JsonNode> pending = fetch(http, PUBLISHER, group, "c1", 5);
      VALKEY.kill();
      VALKEY.start();
      await()
          .atMost(Duration.ofSeconds(15))
          .until(() -> http.get(group, PUBLISHER).status() == 200);
      JsonNode state = http.get(group, PUBLISHER).json();
      assertEquals(5, state.get("pending").asInt(), state.toString());
      assertEquals(pending.get(4).get("id").asText(), state.get("position").asText());
      Set<String> rest = new HashSet<>();
      await()
          .atMost(Duration.ofSeconds(15))
          .until(
              () -> {
                List<JsonNode> got = fetch(http, PUBLISHER, group, "c2", 100);
                got.forEach(m -> rest.add(m.get("id").asText()));
                if (!got.isEmpty()) {
                  ack(http, PUBLISHER, group, got);
                }
                return rest.size() == 15;
              });
      Set<String> expected = new HashSet<>(published);
      done.forEach(m -> expected.remove(m.get("id").asText()));
      assertEquals(expected, rest, "the five pending and the ten never delivered, nothing acked");
    }
  }
}
