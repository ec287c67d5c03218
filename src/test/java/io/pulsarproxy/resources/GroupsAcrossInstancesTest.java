package io.pulsarproxy.resources;

import static io.pulsarproxy.testing.Http.PUBLISHER;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.pulsarproxy.PulsarProxyConfiguration;
import io.pulsarproxy.testing.Http;
import io.pulsarproxy.testing.TestApps;
import io.pulsarproxy.testing.ValkeyTestServer;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Two instances on one Valkey serve one consumer group: its consumers share every message once. */
@ExtendWith(DropwizardExtensionsSupport.class)
class GroupsAcrossInstancesTest {
  @RegisterExtension static final ValkeyTestServer VALKEY = new ValkeyTestServer();

  static final DropwizardAppExtension<PulsarProxyConfiguration> A =
      TestApps.instance("groups-a", VALKEY);
  static final DropwizardAppExtension<PulsarProxyConfiguration> B =
      TestApps.instance("groups-b", VALKEY);

  @Test
  void consumersOnTwoInstancesShareTheGroupsMessages() {
    Http a = new Http(A.getLocalPort());
    Http b = new Http(B.getLocalPort());
    String topic = "groups.across." + System.nanoTime();
    String group = "/api/v1/topics/" + topic + "/groups/workers";
    Http.Reply created =
        a.send(
            a.request(group, PUBLISHER)
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{}")));
    assertEquals(201, created.status(), created.toString());
    assertEquals(200, b.get(group, PUBLISHER).status(), "B sees the group A created");
    Set<String> published = new HashSet<>();
    for (int i = 0; i < 40; i++) {
      published.add(
          a.postJson("/api/v1/topics/" + topic + "/messages", PUBLISHER, "{\"payload\":" + i + "}")
              .json()
              .get("id")
              .asText());
    }
    List<String> seen = new ArrayList<>();
    for (int round = 0; round < 20 && seen.size() < 40; round++) {
      for (Http instance : List.of(a, b)) {
        JsonNode messages =
            instance
                .postJson(group + "/fetch", PUBLISHER, "{\"consumer\":\"c\",\"max\":7,\"wait\":0}")
                .json()
                .get("messages");
        List<String> ids = new ArrayList<>();
        messages.forEach(m -> ids.add(m.get("id").asText()));
        seen.addAll(ids);
        if (!ids.isEmpty()) {
          // Acked through the other instance: the group lives in Valkey, not in either proxy.
          Http other = instance == a ? b : a;
          other.postJson(
              group + "/ack", PUBLISHER, "{\"ids\":[\"" + String.join("\",\"", ids) + "\"]}");
        }
      }
    }
    assertEquals(published, new HashSet<>(seen));
    assertEquals(40, seen.size(), "each message once across both instances");
    assertEquals(0, b.get(group, PUBLISHER).json().get("pending").asInt());
  }
}
