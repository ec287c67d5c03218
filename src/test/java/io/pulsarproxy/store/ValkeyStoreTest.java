package io.pulsarproxy.store;

import static io.pulsarproxy.testing.Http.PUBLISHER;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.pulsarproxy.PulsarProxyConfiguration;
import io.pulsarproxy.testing.Http;
import io.pulsarproxy.testing.Http.Reply;
import io.pulsarproxy.testing.TestApps;
import io.pulsarproxy.testing.ValkeyTestServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.resps.StreamEntry;

/** What only a real Valkey can show: durability, key layout, and outages. */
@ExtendWith(DropwizardExtensionsSupport.class)
class ValkeyStoreTest {
  @RegisterExtension static final ValkeyTestServer VALKEY = new ValkeyTestServer();

  static final DropwizardAppExtension<PulsarProxyConfiguration> APP =
      TestApps.valkey(
          VALKEY,
          ConfigOverride.config("store.commandTimeout", "1s"),
          ConfigOverride.config("store.poolWait", "1s"));

  private Http http;
  private Http admin;
  private RedisClient redis;
  private String topic;

  @BeforeEach
  void setUp() {
    http = new Http(APP.getLocalPort());
    admin = new Http(APP.getAdminPort());
    redis = RedisClient.create(VALKEY.url());
    topic = "t." + UUID.randomUUID();
  }

  @AfterEach
  void tearDown() {
    VALKEY.resume();
    VALKEY.start();
    redis.close();
  }

  private Reply publish(String body) {
    return http.postJson("/api/v1/topics/" + topic + "/messages", PUBLISHER, body);
  }

  @Test
  void anAcknowledgedMessageIsInTheStreamUnderItsHashTaggedKey() {
    Reply r =
        publish(
            "{\"payload\":{\"n\":1},\"message_id\":\"m-1\",\"ttl\":60,\"key\":\"k\",\"metadata\":{\"a\":\"b\"}}");
    assertEquals(201, r.status(), r.toString());
    String id = r.json().get("id").asText();

    String streamKey = "pp:{" + topic + "}:stream";
    List<StreamEntry> entries = redis.xrange(streamKey, id, id);
    assertEquals(1, entries.size(), "the acknowledged entry is in Valkey");
    Map<String, String> fields = entries.get(0).getFields();
    assertEquals("m-1", fields.get("mid"));
    assertEquals("{\"n\":1}", fields.get("p"));
    assertEquals("k", fields.get("k"));
    assertEquals("{\"a\":\"b\"}", fields.get("md"));
    long expires = Long.parseLong(fields.get("x"));
    long entryMillis = Long.parseLong(id.substring(0, id.indexOf('-')));
    assertTrue(Math.abs(expires - (entryMillis + 60_000)) < 1_000, fields.toString());

    // Every key of the topic carries its hash tag, so it is safe for Valkey Cluster.
    Set<String> keys = redis.keys("*" + topic + "*");
    assertEquals(Set.of(streamKey, "pp:{" + topic + "}:dedup:m-1"), keys);
    assertEquals(id, redis.get("pp:{" + topic + "}:dedup:m-1"));
    long ttlMillis = redis.pttl("pp:{" + topic + "}:dedup:m-1");
    assertTrue(ttlMillis > Duration.ofHours(23).toMillis(), "dedup window of 24h: " + ttlMillis);
  }

  @Test
  void concurrentPublishesSharingRoundTripsAreEachStoredOnceInOrder() throws Exception {
    // 32 threads publish at once, so the writer pipelines many appends per round trip; each 201
    // must name an entry that is in the stream, repeated message ids must still dedup, and each
    // thread's own messages must be stored in the order it sent them.
    int threads = 32;
    int perThread = 40;
    var pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
    List<java.util.concurrent.Future<List<String>>> results = new java.util.ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      results.add(
          pool.submit(
              () -> {
                List<String> ids = new java.util.ArrayList<>();
                for (int i = 0; i < perThread; i++) {
                  // every thread also sends message "shared-i": only one of them is stored
                  String mid = i % 10 == 0 ? "shared-" + i : "t" + thread + "-" + i;
                  Reply r = publish("{\"payload\":" + i + ",\"message_id\":\"" + mid + "\"}");
                  assertTrue(r.status() == 201 || r.status() == 200, r.toString());
                  if (r.status() == 201) {
                    ids.add(r.json().get("id").asText());
                  }
                }
                return ids;
              }));
    }
    Set<String> acknowledged = new java.util.HashSet<>();
    for (var f : results) {
      List<String> ids = f.get(60, java.util.concurrent.TimeUnit.SECONDS);
      for (int i = 1; i < ids.size(); i++) {
        assertTrue(
            io.pulsarproxy.core.EntryId.ofStored(ids.get(i - 1))
                    .compareTo(io.pulsarproxy.core.EntryId.ofStored(ids.get(i)))
                < 0,
            "one producer's messages are stored in the order it sent them");
      }
      acknowledged.addAll(ids);
    }
    pool.shutdown();
    int sharedIds = perThread / 10;
    assertEquals(threads * (perThread - sharedIds) + sharedIds, acknowledged.size());
    List<StreamEntry> stored = redis.xrange("pp:{" + topic + "}:stream", "-", "+");
    assertEquals(acknowledged.size(), stored.size());
    for (StreamEntry e : stored) {
      assertTrue(acknowledged.contains(e.getID().toString()), e.getID().toString());
    }
  }

  @Test
  void generatedIdsLeaveNoDedupKeys() {
    assertEquals(201, publish("{\"payload\":1}").status());
    assertEquals(Set.of("pp:{" + topic + "}:stream"), redis.keys("*" + topic + "*"));
  }

  @Test
  void aStoppedStoreAnswers503QuicklyAndTheProxyRecoversByItself() {
    assertEquals(201, publish("{\"payload\":\"before\"}").status());
    VALKEY.stop();

    long start = System.nanoTime();
    Reply down = publish("{\"payload\":\"during\"}");
    long tookMillis = (System.nanoTime() - start) / 1_000_000;
    assertEquals(503, down.status(), down.toString());
    assertEquals("store_unavailable", down.json().get("error").asText());
    assertEquals("1", down.header("Retry-After"));
    assertTrue(tookMillis < 2_000, "answered in " + tookMillis + " ms");
    assertEquals(503, http.get("/api/v1/topics/" + topic + "/messages", PUBLISHER).status());
    assertEquals(503, http.get("/api/v1/topics/" + topic, PUBLISHER).status());

    Reply health = admin.get("/healthcheck", null);
    assertEquals(500, health.status(), health.toString());
    assertFalse(health.json().get("store").get("healthy").asBoolean());

    VALKEY.start();
    Reply after = awaitPublish("{\"payload\":\"after\"}", Duration.ofSeconds(10));
    assertEquals(201, after.status(), after.toString());
    assertTrue(admin.get("/healthcheck", null).json().get("store").get("healthy").asBoolean());
  }

  @Test
  void aHungStoreAnswers503WithinTheCommandTimeout() {
    assertEquals(201, publish("{\"payload\":\"before\"}").status());
    VALKEY.pause();
    long start = System.nanoTime();
    Reply hung = publish("{\"payload\":\"during\",\"message_id\":\"hung-1\"}");
    long tookMillis = (System.nanoTime() - start) / 1_000_000;
    assertEquals(503, hung.status(), hung.toString());
    // commandTimeout is 1 s in this test; allow scheduling slack, never a hang.
    assertTrue(tookMillis < 3_000, "answered in " + tookMillis + " ms");
    VALKEY.resume();

    // The outcome of the timed-out publish was unknown; retrying with its message id is safe.
    Reply retry =
        awaitPublish("{\"payload\":\"during\",\"message_id\":\"hung-1\"}", Duration.ofSeconds(10));
    assertTrue(retry.status() == 201 || retry.status() == 200, retry.toString());
    JsonNode stored =
        http.get("/api/v1/topics/" + topic + "/messages", PUBLISHER).json().get("messages");
    long copies = 0;
    for (JsonNode m : stored) {
      copies += "hung-1".equals(m.get("message_id").asText()) ? 1 : 0;
    }
    assertEquals(1, copies, stored.toString());
  }

  /**
   * Publishes until the answer is something else than 503 (the store is back), as a client would.
   */
  private Reply awaitPublish(String body, Duration within) {
    return await()
        .atMost(within)
        .pollInterval(Duration.ofMillis(100))
        .until(() -> publish(body), r -> r.status() != 503);
  }
}
