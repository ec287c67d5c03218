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
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The Java client against two real proxies built from this repository, sharing one real
 * Valkey/Redis: publishing (single, batch, duplicates, 429 backpressure, retries through a stalled
 * store, refusals), subscribing (delivery in order, resume through a drain's hint and an instance
 * killed), JWT refresh and expiry, and consumer groups (shared, nacked, through a drain).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClientTest {
  static final Duration WAIT = Duration.ofSeconds(20);
  static final Backoff FAST = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1));
  static Proxies proxies;
  static Proxies.Proxy a;
  static Proxies.Proxy b;
  static Proxies.Proxy jwt;

  @BeforeAll
  static void start() throws Exception {
    proxies = new Proxies().startValkey();
    a = proxies.startProxy();
    b = proxies.startProxy();
    jwt = proxies.startProxyWith("jwt.yml");
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

  /** An HS256 JWT for jwt.yml's secret, valid for {@code seconds}, allowed every topic. */
  static String mintJwt(int seconds) {
    return mintJwt("java-client", seconds, UUID.randomUUID().toString());
  }

  static String mintJwt(String sub, int seconds, String jti) {
    long now = System.currentTimeMillis() / 1000; // exp and iat are whole seconds
    String claims =
        new ObjectMapper()
            .createObjectNode()
            .put("sub", sub)
            .put("iat", now)
            .put("exp", now + seconds)
            .put("jti", jti)
            .<ObjectNode>set("pp_subscribe", new ObjectMapper().createArrayNode().add("*"))
            .<ObjectNode>set("pp_publish", new ObjectMapper().createArrayNode().add("*"))
            .toString();
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String signed =
        b64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8))
            + "."
            + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(
          new SecretKeySpec(Proxies.JWT_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return signed
          + "."
          + b64.encodeToString(mac.doFinal(signed.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static long count(List<Subscriber.Event> events, String type) {
    return events.stream().filter(e -> e.type().equals(type)).count();
  }

  @Test
  @Order(5)
  void aSuppliedJwtIsRefreshedOnTheOpenConnectionAcrossSeveralExpiries() throws Exception {
    List<Subscriber.Event> events = new CopyOnWriteArrayList<>();
    List<Integer> got = Collections.synchronizedList(new ArrayList<>());
    List<Long> exps = new CopyOnWriteArrayList<>(); // each minted token's exp, epoch seconds
    Publisher p = publisher(jwt.url(), TOKEN, 5);
    try (Subscriber s =
        Subscriber.builder(jwt.url())
            .tokenSupplier(
                () -> {
                  exps.add(System.currentTimeMillis() / 1000 + 4);
                  return mintJwt(4);
                })
            .backoff(FAST)
            .events(events::add)
            .build()) {
      Subscriber.Subscription sub =
          s.subscribe("java.jwt.refresh", "latest", m -> got.add(m.payload().asInt()));
      await(() -> sub.lastId() != null, WAIT, "subscribed");
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      int n = 0;
      // Each token lives 4 s: go on until the first three tokens' exp have all passed.
      while (exps.size() < 4 || System.currentTimeMillis() / 1000 <= exps.get(2)) {
        assertTrue(System.nanoTime() < deadline, "three expiries within 30 s: " + events);
        p.publish("java.jwt.refresh", n, "jr-" + n);
        int want = ++n;
        await(() -> got.size() >= want, WAIT, "message " + want);
        Thread.sleep(100); // pacing, so that messages keep coming across the expiries
      }
      assertEquals(IntStream.range(0, n).boxed().toList(), List.copyOf(got));
      assertEquals(1, count(events, "open"), events::toString);
      assertEquals(0, count(events, "close"), events::toString);
      assertEquals(0, count(events, "error"), events::toString);
      assertTrue(count(events, "refreshed") >= 3, events::toString);
    }
  }

  @Test
  @Order(6)
  void aFixedJwtEndsAtItsExpiryWithTokenExpiredAndNoReconnect() {
    List<Subscriber.Event> events = new CopyOnWriteArrayList<>();
    List<JsonNode> errors = new CopyOnWriteArrayList<>();
    try (Subscriber s =
        Subscriber.builder(jwt.url()).token(mintJwt(3)).backoff(FAST).events(events::add).build()) {
      s.subscribe("java.jwt.fixed", "latest", m -> {}, gap -> {}, errors::add);
      s.subscribeGroup(
          "java.jwt.fixed", "g", GroupOptions.consumer("c").onError(errors::add), m -> {});
      await(() -> errors.size() >= 2, WAIT, "both subscriptions' onError");
      for (JsonNode e : errors) {
        assertEquals("error", e.path("type").asText());
        assertEquals(401, e.path("code").asInt());
        assertEquals("token_expired", e.path("error").asText());
      }
      assertEquals(
          List.of(4001),
          events.stream()
              .filter(e -> e.type().equals("close"))
              .map(Subscriber.Event::code)
              .toList());
      assertEquals(0, count(events, "reconnecting"), events::toString);
      assertEquals(0, count(events, "refreshed"), "the same token is not sent again");
    }
  }

  @Test
  @Order(10)
  void aRevokedFixedJwtEndsWithTokenRevokedAndNoReconnect() throws Exception {
    List<Subscriber.Event> events = new CopyOnWriteArrayList<>();
    List<JsonNode> errors = new CopyOnWriteArrayList<>();
    String jti = UUID.randomUUID().toString();
    try (Subscriber s =
        Subscriber.builder(jwt.url())
            .token(mintJwt("java-revoked", 600, jti))
            .backoff(FAST)
            .events(events::add)
            .build()) {
      Subscriber.Subscription sub =
          s.subscribe("java.jwt.revoked", "latest", m -> {}, gap -> {}, errors::add);
      await(() -> sub.lastId() != null, WAIT, "subscribed");
      jwt.task("revoke", "?jti=" + jti);
      await(() -> !errors.isEmpty(), WAIT, "onError");
      assertEquals(401, errors.get(0).path("code").asInt(), errors::toString);
      assertEquals("token_revoked", errors.get(0).path("error").asText(), errors::toString);
      assertEquals(List.of(4003), closes(events));
      assertEquals(0, count(events, "reconnecting"), events::toString);
      assertThrows(
          IllegalStateException.class,
          () -> s.subscribe("java.jwt.revoked.again", "latest", m -> {}),
          "a Subscriber whose token was revoked is closed");
    }
  }

  @Test
  @Order(11)
  void aRefusedRefreshIsReportedAndTheCloseAtExpReconnectsWithoutGapOrRepeat() throws Exception {
    List<Subscriber.Event> events = new CopyOnWriteArrayList<>();
    List<Integer> got = Collections.synchronizedList(new ArrayList<>());
    List<JsonNode> errors = new CopyOnWriteArrayList<>();
    AtomicInteger minted = new AtomicInteger();
    Publisher p = publisher(jwt.url(), TOKEN, 5);
    // Every token is of another sub: each refresh is refused, each new connection accepted.
    try (Subscriber s =
        Subscriber.builder(jwt.url())
            .tokenSupplier(
                () -> mintJwt("java-" + minted.incrementAndGet(), 4, UUID.randomUUID().toString()))
            .backoff(FAST)
            .events(events::add)
            .build()) {
      Subscriber.Subscription sub =
          s.subscribe(
              "java.jwt.mismatch",
              "latest",
              m -> got.add(m.payload().asInt()),
              gap -> {},
              errors::add);
      await(() -> sub.lastId() != null, WAIT, "subscribed");
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      int n = 0;
      // Publish across the refused refresh and the close at exp, until the reconnect is in.
      while (!(closes(events).contains(4001) && opens(events) >= 2)) {
        assertTrue(System.nanoTime() < deadline, "a 4001 and a reconnect within 30 s: " + events);
        p.publish("java.jwt.mismatch", n, "jm-" + n);
        n++;
        Thread.sleep(100); // pacing, so that messages keep coming across the reconnect
      }
      for (int i = n; i < n + 5; i++) {
        p.publish("java.jwt.mismatch", i, "jm-" + i);
      }
      int want = n + 5;
      await(() -> got.size() >= want, WAIT, want + " messages");
      assertEquals(IntStream.range(0, want).boxed().toList(), List.copyOf(got));
      Subscriber.Event refused =
          events.stream().filter(e -> e.type().equals("error")).findFirst().orElseThrow();
      assertEquals("sub_mismatch", refused.reason(), events::toString);
      assertEquals(403, refused.code(), events::toString);
      assertEquals(0, count(events, "refreshed"), events::toString);
      assertTrue(errors.isEmpty(), "a refused refresh does not end the subscription: " + errors);
    }
  }

  @Test
  @Order(12)
  void aRefusedSubscriptionCallsItsOnErrorAndTheOthersGoOn() throws Exception {
    List<Subscriber.Event> events = new CopyOnWriteArrayList<>();
    List<JsonNode> refused = new CopyOnWriteArrayList<>();
    List<JsonNode> goodErrors = new CopyOnWriteArrayList<>();
    List<Integer> got = Collections.synchronizedList(new ArrayList<>());
    Publisher p = publisher(a.url(), TOKEN, 5);
    try (Subscriber s =
        Subscriber.builder(a.url()).token(TOKEN).backoff(FAST).events(events::add).build()) {
      Subscriber.Subscription good =
          s.subscribe(
              "java.refused.good",
              "latest",
              m -> got.add(m.payload().asInt()),
              gap -> {},
              goodErrors::add);
      s.subscribe("bad..topic", "latest", m -> {}, gap -> {}, refused::add);
      await(() -> !refused.isEmpty(), WAIT, "the refused subscription's onError");
      assertEquals("invalid_topic", refused.get(0).path("error").asText(), refused::toString);
      assertEquals(400, refused.get(0).path("code").asInt(), refused::toString);
      await(() -> good.lastId() != null, WAIT, "the good subscription");
      for (int i = 0; i < 3; i++) {
        p.publish("java.refused.good", i, "rg-" + i);
      }
      await(() -> got.size() >= 3, WAIT, "3 messages");
      assertEquals(List.of(0, 1, 2), List.copyOf(got));
      assertTrue(goodErrors.isEmpty(), goodErrors::toString);
      assertEquals(1, opens(events), "no reconnect: " + events);
      assertEquals(1, refused.size(), "not retried: " + refused);
    }
  }

  @Test
  @Order(14)
  void aRefusedGroupSubscribeEndsOnlyItselfAndThePlainOneOfTheTopicGoesOn() throws Exception {
    List<Subscriber.Event> events = new CopyOnWriteArrayList<>();
    List<JsonNode> plainErrors = new CopyOnWriteArrayList<>();
    List<JsonNode> groupErrors = new CopyOnWriteArrayList<>();
    List<Integer> got = Collections.synchronizedList(new ArrayList<>());
    Publisher p = publisher(a.url(), TOKEN, 5);
    try (Subscriber s =
        Subscriber.builder(a.url()).token(TOKEN).backoff(FAST).events(events::add).build()) {
      Subscriber.Subscription plain =
          s.subscribe(
              "java.group.refused",
              "latest",
              m -> got.add(m.payload().asInt()),
              gap -> {},
              plainErrors::add);
      Subscriber.GroupSubscription group =
          s.subscribeGroup(
              "java.group.refused",
              "bad name",
              GroupOptions.consumer("c").onError(groupErrors::add),
              m -> {});
      await(() -> !groupErrors.isEmpty(), WAIT, "the group subscription's onError");
      assertEquals(
          "invalid_group", groupErrors.get(0).path("error").asText(), groupErrors::toString);
      assertEquals("bad name", groupErrors.get(0).path("group").asText(), groupErrors::toString);
      assertFalse(group.subscribed());
      await(() -> plain.lastId() != null, WAIT, "the plain subscription");
      for (int i = 0; i < 3; i++) {
        p.publish("java.group.refused", i, "gr-" + i);
      }
      await(() -> got.size() >= 3, WAIT, "3 messages");
      assertEquals(List.of(0, 1, 2), List.copyOf(got));
      assertTrue(plainErrors.isEmpty(), plainErrors::toString);
      assertEquals(1, opens(events), "no reconnect: " + events);
    }
  }

  /**
   * The examples in README.md (top level) and in this client's README.md, run as pasted in JShell
   * (a JVM of its own with this module's classpath), against proxy a instead of port 8080.
   */
  @Test
  @Order(13)
  void theReadmeExamplesRunAsPasted() throws Exception {
    for (Path readme : List.of(Path.of("../../README.md"), Path.of("README.md"))) {
      String example = firstJavaBlock(Files.readString(readme));
      assertTrue(example.contains("http://127.0.0.1:8080"), readme + ": " + example);
      String topic = "readme." + UUID.randomUUID();
      String code =
          example
              .replace("http://127.0.0.1:8080", a.url().toString())
              .replace("\"orders\"", "\"" + topic + "\"");
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (PrintStream printed = new PrintStream(out, true, StandardCharsets.UTF_8);
          JShell shell = JShell.builder().out(printed).err(printed).build()) {
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
          shell.addToClasspath(entry);
        }
        String rest = code;
        while (!rest.isBlank()) {
          SourceCodeAnalysis.CompletionInfo info =
              shell.sourceCodeAnalysis().analyzeCompletion(rest);
          for (SnippetEvent e : shell.eval(info.source())) {
            String problems =
                shell.diagnostics(e.snippet()).map(d -> d.getMessage(null)).toList().toString();
            assertEquals(
                Snippet.Status.VALID, e.status(), readme + ": " + info.source() + problems);
            assertEquals(null, e.exception(), readme + ": " + info.source());
          }
          rest = info.remaining();
        }
        // The publish printed its id; the subscription prints that id with the payload.
        await(
            () ->
                out.toString(StandardCharsets.UTF_8)
                    .matches("(?s).*\\d+-\\d+ \\{\"order\":42\\}.*"),
            WAIT,
            readme + "'s subscriber printing the message: " + out.toString(StandardCharsets.UTF_8));
      }
      assertEquals(1, stored(topic).size(), readme + ": stored once");
    }
  }

  private static String firstJavaBlock(String markdown) {
    int start = markdown.indexOf("```java\n");
    assertTrue(start >= 0, "a java block");
    int end = markdown.indexOf("```", start + 8);
    return markdown.substring(start + 8, end);
  }

  @Test
  @Order(15)
  void aSubscribeTheStalledStoreRefusedIsSentAgainAndThenDelivers() throws Exception {
    List<Subscriber.Event> events = new CopyOnWriteArrayList<>();
    List<JsonNode> errors = new CopyOnWriteArrayList<>();
    List<Integer> got = Collections.synchronizedList(new ArrayList<>());
    String topic = "java.stalled." + UUID.randomUUID();
    try (Subscriber s =
        Subscriber.builder(a.url()).token(TOKEN).backoff(FAST).events(events::add).build()) {
      Subscriber.Subscription first = s.subscribe("java.stalled.first", "latest", m -> {});
      await(() -> first.lastId() != null, WAIT, "the connection");
      Subscriber.Subscription sub;
      proxies.pauseValkey();
      try {
        // A topic this proxy never followed: "latest" must ask the store, which does not answer.
        sub =
            s.subscribe(topic, "latest", m -> got.add(m.payload().asInt()), gap -> {}, errors::add);
        await(
            () ->
                events.stream()
                    .anyMatch(
                        e -> e.type().equals("error") && "store_unavailable".equals(e.reason())),
            WAIT,
            "the store_unavailable refusal: " + events);
      } finally {
        proxies.resumeValkey();
      }
      await(() -> sub.lastId() != null, WAIT, "subscribed once the store is back");
      publisher(a.url(), TOKEN, 5).publish(topic, 7, "stalled-7");
      await(() -> !got.isEmpty(), WAIT, "the message");
      assertEquals(List.of(7), List.copyOf(got));
      assertTrue(errors.isEmpty(), "store_unavailable does not end the subscription: " + errors);
      assertEquals(1, opens(events), "no reconnect: " + events);
    }
  }

  private static List<Integer> closes(List<Subscriber.Event> events) {
    return events.stream()
        .filter(e -> e.type().equals("close"))
        .map(Subscriber.Event::code)
        .toList();
  }

  static int groupPending(String topic, String group) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        a.url().resolve("/api/v1/topics/" + topic + "/groups/" + group))
                    .header("Authorization", "Bearer " + TOKEN)
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return new ObjectMapper().readTree(r.body()).path("pending").asInt(-1);
  }

  static boolean noneGroupPending(String topic, String group) {
    try {
      return groupPending(topic, group) == 0;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  @Order(7)
  void twoConsumersOnTwoInstancesShareAGroupsMessagesEachOnce() throws Exception {
    String topic = "java.group.share";
    Map<String, List<String>> byConsumer = new ConcurrentHashMap<>();
    Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();
    List<Integer> plain = Collections.synchronizedList(new ArrayList<>());
    try (Subscriber s1 = Subscriber.builder(a.url()).token(TOKEN).backoff(FAST).build();
        Subscriber s2 = Subscriber.builder(b.url()).token(TOKEN).backoff(FAST).build()) {
      List<Subscriber.GroupSubscription> members = new ArrayList<>();
      for (Subscriber s : List.of(s1, s2)) {
        String name = s == s1 ? "c1" : "c2";
        members.add(
            s.subscribeGroup(
                topic,
                "workers",
                name,
                2,
                m -> {
                  Thread.sleep(10); // some work, so that both consumers get a share
                  byConsumer.computeIfAbsent(name, k -> new CopyOnWriteArrayList<>()).add(m.id());
                  handled.computeIfAbsent(m.id(), k -> new AtomicInteger()).incrementAndGet();
                }));
      }
      // A plain subscription on the same connection and topic gets every message, apart.
      Subscriber.Subscription all =
          s1.subscribe(topic, "latest", m -> plain.add(m.payload().asInt()));
      await(
          () -> all.lastId() != null && members.stream().allMatch(g -> g.subscribed()),
          WAIT,
          "subscribed");
      Publisher p = publisher(a.url(), TOKEN, 5);
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        ids.add(p.publish(topic, i, "share-" + i).id());
      }
      await(() -> handled.keySet().containsAll(ids), WAIT, "all 40 handled");
      await(() -> noneGroupPending(topic, "workers"), WAIT, "all acked");
      assertEquals(ids.size(), handled.size());
      handled.forEach((id, n) -> assertEquals(1, n.get(), id + " handled once"));
      assertTrue(
          byConsumer.getOrDefault("c1", List.of()).size() > 0
              && byConsumer.getOrDefault("c2", List.of()).size() > 0,
          "both consumers got some: " + byConsumer);
      await(() -> plain.size() >= 40, WAIT, "the plain subscription's 40");
      assertEquals(IntStream.range(0, 40).boxed().toList(), List.copyOf(plain));
    }
  }

  @Test
  @Order(8)
  void aHandlerThatThrowsGetsTheMessageAgainWithDeliveryCountTwo() {
    String topic = "java.group.nack";
    List<String> seen = new CopyOnWriteArrayList<>();
    AtomicInteger failures = new AtomicInteger();
    try (Subscriber s = Subscriber.builder(a.url()).token(TOKEN).backoff(FAST).build()) {
      Subscriber.GroupSubscription g =
          s.subscribeGroup(
              topic,
              "retry",
              GroupOptions.consumer("w1").prefetch(10).nackDelay(Duration.ofMillis(200)),
              m -> {
                seen.add(m.payload().asInt() + "#" + m.deliveryCount());
                if (m.payload().asInt() == 2 && m.deliveryCount() == 1) {
                  failures.incrementAndGet();
                  throw new IllegalStateException("not this time");
                }
              });
      await(g::subscribed, WAIT, "subscribed");
      Publisher p = publisher(a.url(), TOKEN, 5);
      for (int i = 0; i < 5; i++) {
        p.publish(topic, i, "nack-" + i);
      }
      await(() -> seen.contains("2#2"), WAIT, "the redelivery");
      await(() -> seen.size() >= 6 && noneGroupPending(topic, "retry"), WAIT, "all acked");
      assertEquals(1, failures.get());
      assertEquals(
          List.of("0#1", "1#1", "2#1", "2#2", "3#1", "4#1"), seen.stream().sorted().toList());
    }
  }

  @Test
  @Order(9)
  void aGroupConsumerMovesThroughADrainAndEveryMessageEndsAcked() throws Exception {
    String topic = "java.group.drain";
    Set<String> handled = ConcurrentHashMap.newKeySet();
    List<Subscriber.Event> events = new CopyOnWriteArrayList<>();
    GroupHandler work =
        m -> {
          Thread.sleep(5);
          handled.add(m.id());
        };
    try (Subscriber s1 =
            Subscriber.builder(List.of(a.url(), b.url()))
                .token(TOKEN)
                .backoff(FAST)
                .events(events::add)
                .build();
        Subscriber s2 = Subscriber.builder(b.url()).token(TOKEN).backoff(FAST).build()) {
      Subscriber.GroupSubscription g1 = s1.subscribeGroup(topic, "drain", "d1", 5, work);
      Subscriber.GroupSubscription g2 = s2.subscribeGroup(topic, "drain", "d2", 5, work);
      await(() -> g1.subscribed() && g2.subscribed(), WAIT, "subscribed");
      Publisher p = publisher(b.url(), TOKEN, 5);
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        ids.add(p.publish(topic, i, "drain-" + i).id());
      }
      a.task("drain", "?window=1s");
      for (int i = 20; i < 40; i++) {
        ids.add(p.publish(topic, i, "drain-" + i).id());
      }
      await(() -> opens(events) >= 2, WAIT, "d1's reconnect to b");
      assertEquals(b.url(), lastOpen(events).url());
      await(() -> g1.subscribed(), WAIT, "d1 subscribed again");
      for (int i = 40; i < 50; i++) {
        ids.add(p.publish(topic, i, "drain-" + i).id());
      }
      await(() -> handled.containsAll(ids), WAIT, "all 50 handled");
      await(() -> noneGroupPending(topic, "drain"), WAIT, "all acked");
    } finally {
      a.task("undrain", "");
    }
  }

  @Test
  @Order(20)
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
