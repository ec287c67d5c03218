package io.pulsarproxy.faults;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.pulsarproxy.PulsarProxyApplication;
import io.pulsarproxy.PulsarProxyConfiguration;
import io.pulsarproxy.testing.DeliveryChecker;
import io.pulsarproxy.testing.Http;
import io.pulsarproxy.testing.ProxyProcess;
import io.pulsarproxy.testing.ValkeyTestCluster;
import io.pulsarproxy.testing.ValkeyTestServer;
import io.pulsarproxy.testing.WsClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * {@code store.mode: cluster}: two proxy instances on a three-master Valkey Cluster, topics on
 * every shard, and slots moved between masters while messages are published through both instances.
 * Live subscribers on both instances and subscribers resuming from the start must see every
 * acknowledged message once, in order.
 */
class ClusterModeTest {
  private static final String CONFIG = ResourceHelpers.resourceFilePath("test-config.yml");
  private static final Duration WAIT = Duration.ofSeconds(30);

  @Order(1)
  @RegisterExtension
  static final ValkeyTestCluster CLUSTER = new ValkeyTestCluster(3, false);

  @Order(2)
  @RegisterExtension
  static final DropwizardAppExtension<PulsarProxyConfiguration> A = instance("cluster-a");

  @Order(3)
  @RegisterExtension
  static final DropwizardAppExtension<PulsarProxyConfiguration> B = instance("cluster-b");

  static DropwizardAppExtension<PulsarProxyConfiguration> instance(String prefix) {
    return new DropwizardAppExtension<>(
        PulsarProxyApplication.class,
        CONFIG,
        prefix,
        ConfigOverride.config(prefix, "store.type", "valkey"),
        ConfigOverride.config(prefix, "store.mode", "cluster"),
        ConfigOverride.config(prefix, "store.nodes", CLUSTER::seeds),
        // Two lanes per master, so that lanes with several slots (the sweeping kind) are tested.
        ConfigOverride.config(prefix, "store.followerConnectionsPerNode", "2"));
  }

  @Test
  void slotMigrationsDuringPublishingLoseAndRepeatNothing() throws Exception {
    // Three topics on each master.
    Map<ValkeyTestServer, List<String>> byMaster = new HashMap<>();
    List<String> topics = new ArrayList<>();
    for (int n = 0; topics.size() < 9; n++) {
      String topic = "cl." + System.nanoTime() % 100000 + "." + n;
      ValkeyTestServer owner = CLUSTER.ownerOf(ValkeyTestCluster.slotOfTopic(topic));
      List<String> mine = byMaster.computeIfAbsent(owner, o -> new ArrayList<>());
      if (mine.size() < 3) {
        mine.add(topic);
        topics.add(topic);
      }
    }
    assertEquals(3, byMaster.size(), "topics on every shard");

    WebSocketClient client = WsClient.startClient();
    try {
      Map<String, List<WsClient>> live = new HashMap<>();
      for (String topic : topics) {
        for (DropwizardAppExtension<PulsarProxyConfiguration> app : List.of(A, B)) {
          WsClient ws =
              WsClient.connect(
                  client, WsClient.uri(app.getLocalPort(), "topic=" + topic), Http.READER, null);
          ws.nextOfType("subscribed", WAIT);
          live.computeIfAbsent(topic, t -> new ArrayList<>()).add(ws);
        }
      }
      Http a = new Http(A.getLocalPort());
      Http b = new Http(B.getLocalPort());
      DeliveryChecker checker = new DeliveryChecker();
      // Long enough (4 s or more) that publishing goes on after the last migration.
      int count = 400;
      List<Thread> producers = new ArrayList<>();
      for (String topic : topics) {
        producers.add(
            checker.publish(topic, count, Duration.ofMillis(10), seq -> seq % 2 == 0 ? a : b));
      }
      // Migrate once publishing to every topic is under way.
      await()
          .atMost(WAIT)
          .until(() -> topics.stream().allMatch(t -> checker.acked(t).size() >= 20));

      // Move the slot of one topic of each master to the next master, one after the other.
      List<ValkeyTestServer> masters = CLUSTER.masters();
      for (int i = 0; i < masters.size(); i++) {
        ValkeyTestServer from = masters.get(i);
        ValkeyTestServer to = masters.get((i + 1) % masters.size());
        int slot = ValkeyTestCluster.slotOfTopic(byMaster.get(from).get(0));
        CLUSTER.migrateSlot(slot, from, to);
        assertEquals(to, CLUSTER.ownerOf(slot), "slot " + slot + " moved");
        DeliveryChecker.sleep(Duration.ofMillis(300)); // the stimulus: migrations spread out
      }
      for (Thread t : producers) {
        t.join(120_000);
      }
      for (String topic : topics) {
        assertTrue(
            checker.acked(topic).size() > count / 2,
            "most publishes to " + topic + " acknowledged: " + checker.statuses());
      }

      for (String topic : topics) {
        for (WsClient ws : live.get(topic)) {
          checker.verify(topic, ws, WAIT, "a live subscriber");
        }
      }
      // Subscribers resuming from the start, on both instances.
      for (String topic : topics) {
        for (DropwizardAppExtension<PulsarProxyConfiguration> app : List.of(A, B)) {
          try (WsClient ws =
              WsClient.connect(
                  client,
                  WsClient.uri(app.getLocalPort(), "topic=" + topic + "&from=earliest"),
                  Http.READER,
                  null)) {
            checker.verify(topic, ws, WAIT, "a resumed subscriber");
          }
        }
      }
      live.values().forEach(l -> l.forEach(WsClient::close));
    } finally {
      client.stop();
    }
  }

  /** The shipped config.yml, switched to cluster mode by environment variables alone. */
  @Test
  void theShippedConfigRunsInClusterModeFromTheEnvironment() throws Exception {
    try (ProxyProcess proxy =
        ProxyProcess.start(Map.of("VALKEY_MODE", "cluster", "VALKEY_NODES", CLUSTER.seeds()))) {
      proxy.awaitReady();
      Http http = new Http(proxy.port());
      String topic = "cl.shipped." + System.nanoTime();
      assertEquals(
          201,
          http.postJson("/api/v1/topics/" + topic + "/messages", "pp-dev-token", "{\"payload\":7}")
              .status());
      String read =
          http.get("/api/v1/topics/" + topic + "/messages?from=earliest", "pp-dev-token").body();
      assertTrue(read.contains("\"payload\":7"), read);
      assertTrue(proxy.log().contains("Using the Valkey store at cluster via"), proxy.log());
    }
  }

  /** Users try VALKEY_URL first: with no nodes listed, its server is the cluster's seed. */
  @Test
  void theClusterIsDiscoveredFromValkeyUrlWhenNoNodesAreListed() throws Exception {
    String seed = CLUSTER.seeds().split(",")[0];
    try (ProxyProcess proxy =
        ProxyProcess.start(Map.of("VALKEY_MODE", "cluster", "VALKEY_URL", "redis://" + seed))) {
      proxy.awaitReady();
      String topic = "cl.url." + System.nanoTime();
      assertEquals(
          201,
          new Http(proxy.port())
              .postJson("/api/v1/topics/" + topic + "/messages", "pp-dev-token", "{\"payload\":8}")
              .status());
      assertTrue(
          proxy.log().contains("Using the Valkey store at cluster via " + seed), proxy.log());
    }
  }

  @Test
  void retentionChangesReachTheOtherInstanceThroughTheCluster() throws Exception {
    String topic = "cl.retention." + System.nanoTime();
    // Listen on a master that does not own the hash the change is written to: the announcement
    // must cross the cluster bus.
    ValkeyTestServer owner = CLUSTER.ownerOf(JedisClusterCRC16.getSlot("pp:retention"));
    ValkeyTestServer other =
        CLUSTER.masters().stream().filter(m -> m != owner).findFirst().orElseThrow();
    CountDownLatch subscribed = new CountDownLatch(1);
    CountDownLatch announced = new CountDownLatch(1);
    JedisPubSub listener =
        new JedisPubSub() {
          @Override
          public void onSubscribe(String channel, int count) {
            subscribed.countDown();
          }

          @Override
          public void onMessage(String channel, String message) {
            announced.countDown();
            unsubscribe();
          }
        };
    Thread listening =
        new Thread(
            () -> {
              try (Jedis j = ValkeyTestCluster.jedis(other)) {
                j.subscribe(listener, "pp:retention:changed");
              }
            });
    listening.start();
    assertTrue(subscribed.await(10, TimeUnit.SECONDS));
    Http adminA = new Http(A.getAdminPort());
    int status =
        adminA
            .send(
                adminA
                    .request("/tasks/retention?topic=" + topic + "&max_length=42", null)
                    .POST(HttpRequest.BodyPublishers.noBody()))
            .status();
    assertEquals(200, status);
    assertTrue(announced.await(10, TimeUnit.SECONDS), "announced on every node");
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(50))
        .untilAsserted(
            () ->
                assertEquals(
                    42,
                    new Http(B.getLocalPort())
                        .get("/api/v1/topics/" + topic, Http.PUBLISHER)
                        .json()
                        .get("retention")
                        .get("max_length")
                        .asLong(),
                    "B applies A's change, announced by a PUBLISH in the cluster"));
  }
}
