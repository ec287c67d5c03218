package io.pulsarproxy.faults;

import static io.pulsarproxy.testing.Http.PUBLISHER;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.pulsarproxy.PulsarProxyConfiguration;
import io.pulsarproxy.testing.FaultSuite;
import io.pulsarproxy.testing.Http;
import io.pulsarproxy.testing.Http.Reply;
import io.pulsarproxy.testing.TestApps;
import io.pulsarproxy.testing.ValkeyTestServer;
import io.pulsarproxy.testing.Waits;
import io.pulsarproxy.testing.WsClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Valkey stops for 5 s while a producer and subscribers run. Publishes during the outage answer 503
 * quickly (never hang, never a 201 that is not stored); readiness turns red and back; the producer
 * retries refused messages with their message id; afterwards every subscriber has every
 * acknowledged message exactly once, in order.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
@FaultSuite
class StoreOutageTest {
  // AOF with fsync always: what was acknowledged (and its dedup key) survives the restart.
  @RegisterExtension
  static final ValkeyTestServer VALKEY =
      new ValkeyTestServer("--appendonly", "yes", "--appendfsync", "always");

  static final DropwizardAppExtension<PulsarProxyConfiguration> APP =
      TestApps.valkey(
          VALKEY,
          ConfigOverride.config("store.commandTimeout", "1s"),
          ConfigOverride.config("store.poolWait", "1s"));

  @Test
  void nothingAcknowledgedIsLostAcrossAStoreOutage() throws Exception {
    Http http = new Http(APP.getLocalPort());
    String topic = "outage." + System.nanoTime();
    WebSocketClient client = WsClient.startClient();
    List<WsClient> subscribers = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      WsClient ws =
          WsClient.connect(
              client, WsClient.uri(APP.getLocalPort(), "topic=" + topic), PUBLISHER, null);
      ws.nextOfType("subscribed", Duration.ofSeconds(10));
      subscribers.add(ws);
    }

    int total = 400;
    AtomicInteger acknowledged = new AtomicInteger();
    AtomicLong slowest503 = new AtomicLong();
    AtomicInteger refusals = new AtomicInteger();
    AtomicBoolean wrongStatus = new AtomicBoolean();
    Thread producer =
        new Thread(
            () -> {
              for (int seq = 0; seq < total; seq++) {
                while (true) {
                  long start = System.nanoTime();
                  Reply r =
                      http.postJson(
                          "/api/v1/topics/" + topic + "/messages",
                          PUBLISHER,
                          "{\"payload\":{\"seq\":" + seq + "},\"message_id\":\"seq-" + seq + "\"}");
                  long took = (System.nanoTime() - start) / 1_000_000;
                  if (r.status() == 201 || r.status() == 200) {
                    acknowledged.incrementAndGet();
                    break;
                  }
                  if (r.status() != 503) {
                    wrongStatus.set(true);
                  }
                  refusals.incrementAndGet();
                  slowest503.accumulateAndGet(took, Math::max);
                  sleep(50); // a client's pause before it retries
                }
                sleep(20); // pacing: publishing spans the outage
              }
            });
    producer.start();
    // The outage begins once publishing is under way.
    await().atMost(Duration.ofSeconds(30)).until(() -> acknowledged.get() >= 50);

    VALKEY.stop();
    boolean red =
        Waits.within(
            Duration.ofSeconds(4),
            Duration.ofMillis(100),
            () -> http.get("/health/ready", null).status() == 503);
    assertTrue(red, "readiness turned red while the store was down");
    sleep(5_000); // the fault: the store stays down 5 s from there
    VALKEY.start();
    await()
        .atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofMillis(100))
        .untilAsserted(
            () -> assertEquals(200, http.get("/health/ready", null).status(), "ready again"));

    producer.join(60_000);
    assertEquals(total, acknowledged.get());
    assertTrue(refusals.get() > 0, "the outage refused some publishes");
    assertTrue(!wrongStatus.get(), "refusals were 503 only");
    assertTrue(slowest503.get() < 2_500, "slowest 503 took " + slowest503.get() + " ms");

    for (WsClient ws : subscribers) {
      List<Integer> seqs = new ArrayList<>();
      for (JsonNode m : ws.messages(total, Duration.ofSeconds(20))) {
        seqs.add(m.get("payload").get("seq").asInt());
      }
      List<Integer> expected = new ArrayList<>();
      for (int i = 0; i < total; i++) {
        expected.add(i);
      }
      assertEquals(expected, seqs);
      assertTrue(ws.isOpen(), "the subscriber kept its connection");
      ws.close();
    }
    client.stop();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
