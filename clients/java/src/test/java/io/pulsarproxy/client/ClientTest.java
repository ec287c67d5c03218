package io.pulsarproxy.client;

import static io.pulsarproxy.client.Proxies.LIMITED;
import static io.pulsarproxy.client.Proxies.TOKEN;
import static io.pulsarproxy.client.Proxies.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The Java client against two real proxies built from this repository, sharing one real
 * Valkey/Redis: publishing (single, batch, duplicates, 429 backpressure, retries through a stalled
 * store, refusals) and subscribing (delivery in order, resume through a drain's hint and an
 * instance killed).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClientTest {
  static final Duration WAIT = Duration.ofSeconds(20);
  static final Backoff FAST = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1));
  static Proxies proxies;
  static Proxies.Proxy a;
  static Proxies.Proxy b;

  @BeforeAll
  static void start() throws Exception {
    proxies = new Proxies().startValkey();
    a = proxies.startProxy();
    b = proxies.startProxy();
  }

  @AfterAll
  static void stop() {
    proxies.close();
  }

  static List<Long> waits = new CopyOnWriteArrayList<>();

  static Publisher publisher(URI url, String token, int retries) {
    return Publisher.builder(url)
        .token(token)
        .backoff(FAST)
        .maxRetries(retries)
        .sleeper(
            ms -> {
              waits.add(ms);
              Thread.sleep(ms);
            })
        .build();
  }

  static List<JsonNode> stored(String topic) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        a.url().resolve("/api/v1/topics/" + topic + "/messages?wait=0&limit=1000"))
                    .header("Authorization", "Bearer " + TOKEN)
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    List<JsonNode> all = new ArrayList<>();
    new ObjectMapper().readTree(r.body()).path("messages").forEach(all::add);
    return all;
  }

  @Test
  @Order(1)
  void publishesSinglesDuplicatesAndBatchesAndSubscribesFromEarliest() {
    Publisher p = publisher(a.url(), TOKEN, 3);
    for (int i = 0; i < 3; i++) {
      PublishResult r = p.publish("java.basic", Map.of("n", i), "basic-" + i);
      assertEquals("basic-" + i, r.messageId());
      assertFalse(r.duplicate());
    }
    assertTrue(p.publish("java.basic", Map.of("n", 99), "basic-1").duplicate());
    List<PublishResult> batch =
        p.publishBatch(
            "java.basic",
            IntStream.range(3, 6)
                .mapToObj(i -> OutgoingMessage.of(Map.of("n", i)).withMetadata(Map.of("k", "v")))
                .toList());
    assertEquals(3, batch.size());

    List<Message> got = Collections.synchronizedList(new ArrayList<>());
    try (Subscriber s = Subscriber.builder(b.url()).token(TOKEN).backoff(FAST).build()) {
      s.subscribe("java.basic", "earliest", got::add);
      await(() -> got.size() >= 6, WAIT, "6 messages");
      assertEquals(
          List.of(0, 1, 2, 3, 4, 5), got.stream().map(m -> m.payload().get("n").asInt()).toList());
      assertEquals(Map.of("k", "v"), got.get(5).metadata());
    }
  }

  @Test
  @Order(2)
  void aRateLimitedPublisherWaitsOutRetryAfterInsteadOfFailing() {
    Publisher p = publisher(a.url(), LIMITED, 10);
    waits.clear();
    for (int i = 0; i < 5; i++) {
      assertEquals("limited-" + i, p.publish("java.limited", i, "limited-" + i).messageId());
    }
    assertTrue(waits.stream().anyMatch(ms -> ms >= 1000), "waited Retry-After (1 s): " + waits);
    // A batch larger than the burst can never fit: 429 without Retry-After, not retried.
    waits.clear();
    PulsarProxyException e =
        assertThrows(
            PulsarProxyException.class,
            () ->
                p.publishBatch(
                    "java.limited",
                    List.of(OutgoingMessage.of(1), OutgoingMessage.of(2), OutgoingMessage.of(3))));
    assertEquals(429, e.status());
    assertEquals("rate_limited", e.error());
    assertTrue(waits.isEmpty(), waits::toString);
  }

  @Test
  @Order(3)
  void retriesThroughAStalledStoreKeepTheMessageIdAndStoreOnce() throws Exception {
    Publisher p = publisher(a.url(), TOKEN, 10);
    waits.clear();
    proxies.pauseValkey();
    Thread resumer =
        new Thread(
            () -> {
              try {
                Thread.sleep(2500); // longer than store.commandTimeout (1 s): at least one 503
                proxies.resumeValkey();
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    resumer.start();
    PublishResult r;
    try {
      r = p.publish("java.stall", "once", "stall-1");
    } finally {
      resumer.join();
    }
    assertEquals("stall-1", r.messageId());
    assertFalse(waits.isEmpty(), "retried");
    assertEquals(
        List.of("stall-1"),
        stored("java.stall").stream().map(m -> m.get("message_id").asText()).toList());
  }

  @Test
  @Order(4)
  void refusalsThrowAtOnceWithTheErrorWord() {
    waits.clear();
    PulsarProxyException e =
        assertThrows(
            PulsarProxyException.class,
            () -> publisher(a.url(), "nope", 5).publish("java.x", 1, null));
    assertEquals(401, e.status());
    assertEquals("unauthorized", e.error());
    PulsarProxyException topic =
        assertThrows(
            PulsarProxyException.class,
            () -> publisher(a.url(), TOKEN, 5).publish("bad..topic", 1, null));
    assertEquals("invalid_topic", topic.error());
    assertTrue(waits.isEmpty(), waits::toString);
  }

  @Test
  @Order(5)
  void aSubscriberResumesThroughADrainAndAKillWithoutGapOrRepeat() throws Exception {
    List<Subscriber.Event> events = new CopyOnWriteArrayList<>();
    List<Integer> got = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger tokenAsked = new AtomicInteger();
    Publisher viaA = publisher(a.url(), TOKEN, 5);
    Publisher viaB = publisher(b.url(), TOKEN, 5);
    try (Subscriber s =
        Subscriber.builder(List.of(a.url(), b.url()))
            .tokenSupplier(
                () -> {
                  tokenAsked.incrementAndGet();
                  return TOKEN;
                })
            .backoff(FAST)
            .events(events::add)
            .build()) {
      Subscriber.Subscription sub =
          s.subscribe("java.resume", "latest", m -> got.add(m.payload().asInt()));
      await(() -> sub.lastId() != null, WAIT, "subscribed");
      for (int i = 0; i < 5; i++) {
        viaA.publish("java.resume", i, "r-" + i);
      }
      await(() -> got.size() >= 5, WAIT, "5 messages");

      a.task("drain", "?window=1s");
      await(() -> events.stream().anyMatch(e -> e.type().equals("hint")), WAIT, "the hint");
      for (int i = 5; i < 10; i++) {
        viaB.publish("java.resume", i, "r-" + i);
      }
      await(() -> opens(events) >= 2, WAIT, "the reconnect to b");
      assertEquals(b.url(), lastOpen(events).url());
      for (int i = 10; i < 15; i++) {
        viaB.publish("java.resume", i, "r-" + i);
      }
      await(() -> got.size() >= 15, WAIT, "15 messages");

      a.task("undrain", "");
      b.kill();
      for (int i = 15; i < 20; i++) {
        viaA.publish("java.resume", i, "r-" + i);
      }
      await(() -> opens(events) >= 3, WAIT, "the reconnect to a");
      assertEquals(a.url(), lastOpen(events).url());
      for (int i = 20; i < 25; i++) {
        viaA.publish("java.resume", i, "r-" + i);
      }
      await(() -> got.size() >= 25, WAIT, "25 messages");
      assertEquals(IntStream.range(0, 25).boxed().toList(), List.copyOf(got));

      Subscriber.Event hint =
          events.stream().filter(e -> e.type().equals("hint")).findFirst().orElseThrow();
      Subscriber.Event reconnecting =
          events.stream().filter(e -> e.type().equals("reconnecting")).findFirst().orElseThrow();
      assertEquals(hint.delayMillis(), reconnecting.delayMillis(), "the hint replaces the backoff");
      List<Integer> closes =
          events.stream()
              .filter(e -> e.type().equals("close"))
              .map(Subscriber.Event::code)
              .toList();
      assertEquals(1001, closes.get(0), events::toString);
      assertTrue(tokenAsked.get() >= 3, "the token is asked on every connect");
    }
  }

  private static long opens(List<Subscriber.Event> events) {
    return events.stream().filter(e -> e.type().equals("open")).count();
  }

  private static Subscriber.Event lastOpen(List<Subscriber.Event> events) {
    return events.stream().filter(e -> e.type().equals("open")).reduce((x, y) -> y).orElseThrow();
  }
}
