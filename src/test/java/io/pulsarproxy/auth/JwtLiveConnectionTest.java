package io.pulsarproxy.auth;

import static io.pulsarproxy.auth.TestJwts.claims;
import static io.pulsarproxy.auth.TestJwts.hs256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jwt.JWTClaimsSet;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.pulsarproxy.PulsarProxyConfiguration;
import io.pulsarproxy.testing.Http;
import io.pulsarproxy.testing.Http.Reply;
import io.pulsarproxy.testing.TestApps;
import io.pulsarproxy.testing.WsClient;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Live connections honour their JWT's {@code exp}: a WebSocket is warned, may refresh in band and
 * then goes on without a gap or a duplicate, or is closed with 4001 at {@code exp}; an event stream
 * ends with {@code token_expired}; a long-poll never waits past {@code exp}; a revocation closes a
 * connection with 4003 at once (memory store: within the instance). Lifetimes of seconds, a warning
 * of one second, no clock skew.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class JwtLiveConnectionTest {
  static final Duration WAIT = Duration.ofSeconds(10);

  static final DropwizardAppExtension<PulsarProxyConfiguration> APP =
      TestApps.memory(
          ConfigOverride.config("auth.jwt.hmacSecret", TestJwts.SECRET),
          ConfigOverride.config("auth.jwt.clockSkew", "0s"),
          ConfigOverride.config("auth.jwt.expiryWarning", "1s"));

  private WebSocketClient client;

  @BeforeEach
  void start() throws Exception {
    client = WsClient.startClient();
  }

  @AfterEach
  void stop() throws Exception {
    client.stop();
  }

  private static JWTClaimsSet.Builder token(String sub, long seconds, List<String> subscribe) {
    return claims(sub, seconds, List.of(), subscribe);
  }

  private WsClient connect(String token, String query) throws Exception {
    return WsClient.connect(client, WsClient.uri(APP.getLocalPort(), query), token, null);
  }

  private static String publish(String topic, int n) {
    Reply r =
        new Http(APP.getLocalPort())
            .postJson(
                "/api/v1/topics/" + topic + "/messages", Http.PUBLISHER, "{\"payload\":" + n + "}");
    assertEquals(201, r.status(), r.toString());
    return r.json().path("id").asText();
  }

  @Test
  void aRefreshedWebSocketStaysOpenAcrossExpAndGetsEveryMessageOnce() throws Exception {
    JWTClaimsSet first = token("refresher", 3, List.of("live.*")).build();
    try (WsClient ws = connect(hs256(new JWTClaimsSet.Builder(first)), "topic=live.refresh")) {
      assertEquals("subscribed", ws.next(WAIT).path("type").asText());
      long oldExpMillis = expMillis(first);
      List<String> published = new java.util.concurrent.CopyOnWriteArrayList<>();
      // A steady publisher across the old exp, until a second past it.
      CompletableFuture<Void> publisher =
          CompletableFuture.runAsync(
              () -> {
                for (int i = 0; System.currentTimeMillis() < oldExpMillis + 1000; i++) {
                  published.add(publish("live.refresh", i));
                  pause(40);
                }
              });
      List<String> received = new ArrayList<>();
      boolean warned = false;
      boolean refreshed = false;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (!(publisher.isDone() && received.size() >= published.size())) {
        JsonNode f = ws.poll(Duration.ofMillis(200));
        assertTrue(System.nanoTime() < deadline, "timed out with " + received.size());
        if (f == null) {
          continue;
        }
        switch (f.path("type").asText()) {
          case "message" -> received.add(f.path("id").asText());
          case "token_expiring" -> {
            assertEquals(first.getExpirationTime().getTime() / 1000, f.path("exp").asLong());
            warned = true;
            ws.send(
                "{\"op\":\"refresh\",\"token\":\""
                    + hs256(token("refresher", 60, List.of("live.*")))
                    + "\"}");
          }
          case "refreshed" -> {
            assertTrue(f.path("exp").asLong() > oldExpMillis / 1000, f.toString());
            refreshed = true;
          }
          default -> throw new AssertionError("unexpected frame " + f);
        }
      }
      publisher.join();
      assertTrue(warned && refreshed);
      assertEquals(published, received); // every message once, in order, across the refresh
      assertTrue(ws.isOpen(), "closed with " + ws.closeReason());
    }
  }

  @Test
  void aWebSocketNotRefreshedIsWarnedAtOnceAndClosedWith4001AtExp() throws Exception {
    // Already within the one-second warning when it connects.
    // exp whole seconds: wait (at most 300 ms) for a moment 300 to 1000 ms before a second's turn.
    while ((System.currentTimeMillis() + 300) % 1000 < 300) {
      pause(10);
    }
    long exp = (System.currentTimeMillis() + 300) / 1000 + 1;
    JWTClaimsSet c =
        token("lapser", 60, List.of("*")).expirationTime(new java.util.Date(exp * 1000)).build();
    try (WsClient ws = connect(hs256(new JWTClaimsSet.Builder(c)), null)) {
      JsonNode warning = ws.next(Duration.ofMillis(900));
      assertEquals("token_expiring", warning.path("type").asText(), warning.toString());
      assertEquals(4001, ws.awaitClose(WAIT));
      long late = System.currentTimeMillis() - expMillis(c);
      assertEquals("token_expired", ws.closeReason());
      assertTrue(late > -100 && late < 1000, "closed " + late + " ms after exp");
    }
  }

  @Test
  void aRefreshMustKeepTheSubAndItsTopicsAreCheckedAgain() throws Exception {
    try (WsClient ws =
        connect(hs256(token("carol", 60, List.of("a.*", "b.*"))), "topic=a.one&topic=b.one")) {
      ws.nextOfType("subscribed", WAIT);
      ws.nextOfType("subscribed", WAIT);
      ws.send("{\"op\":\"subscribe\",\"topic\":\"b.two\",\"group\":\"g\",\"consumer\":\"c1\"}");
      assertEquals("g", ws.nextOfType("subscribed", WAIT).path("group").asText());
      // The sub is where a configured token's name would be in the connection listing.
      assertEquals(1, task("connections", "").json().path("by_token").path("carol").asInt());
      ws.send("{\"op\":\"refresh\",\"token\":\"" + hs256(token("dave", 60, List.of("*"))) + "\"}");
      assertEquals("sub_mismatch", ws.nextOfType("error", WAIT).path("error").asText());
      ws.send(
          "{\"op\":\"refresh\",\"token\":\""
              + hs256(token("carol", -5, List.of("*")).issueTime(null))
              + "\"}");
      assertEquals("token_expired", ws.nextOfType("error", WAIT).path("error").asText());
      ws.send(
          "{\"op\":\"refresh\",\"token\":\"" + hs256(token("carol", 60, List.of("a.*"))) + "\"}");
      assertEquals("refreshed", ws.next(WAIT).path("type").asText());
      java.util.Set<String> dropped = new java.util.TreeSet<>();
      for (int i = 0; i < 2; i++) {
        JsonNode error = ws.next(WAIT);
        assertEquals("forbidden", error.path("error").asText(), error.toString());
        // The group subscription's error names its group; the plain one's names none.
        dropped.add(error.path("topic").asText() + "/" + error.path("group").asText("-"));
      }
      assertEquals(java.util.Set.of("b.one/-", "b.two/g"), dropped); // a group subscription too
      publish("b.one", 1);
      String a = publish("a.one", 2);
      JsonNode next = ws.nextOfType("message", WAIT);
      assertEquals(a, next.path("id").asText());
      assertEquals("a.one", next.path("topic").asText());
      assertTrue(ws.isOpen());
    }
    try (WsClient configured =
        WsClient.connect(client, WsClient.uri(APP.getLocalPort(), null), Http.READER, null)) {
      configured.send(
          "{\"op\":\"refresh\",\"token\":\"" + hs256(token("reader", 60, List.of("*"))) + "\"}");
      assertEquals("not_refreshable", configured.nextOfType("error", WAIT).path("error").asText());
    }
  }

  @Test
  void anEventStreamEndsWithTokenExpiredAtExp() throws Exception {
    JWTClaimsSet c = token("streamer", 2, List.of("*")).build();
    HttpResponse<InputStream> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://127.0.0.1:"
                                + APP.getLocalPort()
                                + "/api/v1/topics/sse.exp/events"))
                    .header("Authorization", "Bearer " + hs256(new JWTClaimsSet.Builder(c)))
                    .header("Accept", "text/event-stream")
                    .build(),
                HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, response.statusCode());
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    CompletableFuture<Long> ended =
        CompletableFuture.supplyAsync(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  lines.add(line);
                }
              } catch (Exception e) {
                // the end of the stream
              }
              return System.currentTimeMillis();
            });
    long endedAt = ended.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    List<String> all = new ArrayList<>(lines);
    assertTrue(all.contains("event: token_expired"), all.toString());
    long late = endedAt - expMillis(c);
    assertTrue(late > -100 && late < 1000, "ended " + late + " ms after exp");
  }

  @Test
  void aLongPollAndAGroupFetchNeverWaitPastExp() {
    JWTClaimsSet c = token("poller", 2, List.of("*")).build();
    String jwt = hs256(new JWTClaimsSet.Builder(c));
    Http http = new Http(APP.getLocalPort());
    // A consumer-group fetch waits like a long-poll: the same rule, at the same time.
    CompletableFuture<Long> fetched =
        CompletableFuture.supplyAsync(
            () -> {
              Reply r =
                  http.postJson(
                      "/api/v1/topics/poll.exp/groups/g1/fetch",
                      jwt,
                      "{\"consumer\":\"c1\",\"wait\":30}");
              assertEquals(200, r.status(), r.toString());
              return System.currentTimeMillis() - expMillis(c);
            });
    Reply page = http.get("/api/v1/topics/poll.exp/messages?after=0-0&wait=30", jwt);
    long late = System.currentTimeMillis() - expMillis(c);
    assertEquals(200, page.status(), page.toString());
    assertTrue(page.json().path("messages").isEmpty());
    assertTrue(late > -100 && late < 1000, "answered " + late + " ms after exp");
    long fetchLate = fetched.join();
    assertTrue(fetchLate > -100 && fetchLate < 1000, "fetch answered " + fetchLate + " ms after");
    assertEquals(
        "token_expired",
        http.get("/api/v1/topics/poll.exp/messages?wait=0", jwt).json().path("error").asText());
  }

  @Test
  void aRevokedTokenClosesItsConnectionsWith4003AndIsRefused() throws Exception {
    JWTClaimsSet c = claims("eve", 60, List.of("*"), List.of("*")).build();
    String jwt = hs256(new JWTClaimsSet.Builder(c));
    try (WsClient ws = connect(jwt, "topic=rev.here")) {
      ws.nextOfType("subscribed", WAIT);
      long start = System.nanoTime();
      Reply revoked = task("revoke", "jti=" + c.getJWTID());
      assertEquals(200, revoked.status(), revoked.toString());
      assertEquals(1, revoked.json().path("closed_here").asInt(), revoked.toString());
      assertEquals(4003, ws.awaitClose(Duration.ofSeconds(1)));
      assertEquals("token_revoked", ws.closeReason());
      assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(1));
    }
    Reply refused =
        new Http(APP.getLocalPort())
            .postJson("/api/v1/topics/rev.here/messages", jwt, "{\"payload\":1}");
    assertEquals(401, refused.status());
    assertEquals("token_revoked", refused.json().path("error").asText());
    // Another token of the same sub is not touched by a jti revocation.
    assertEquals(
        201,
        new Http(APP.getLocalPort())
            .postJson(
                "/api/v1/topics/rev.here/messages",
                hs256(claims("eve", 60, List.of("*"), List.of("*"))),
                "{\"payload\":1}")
            .status());
    JsonNode listed = task("revocations", "").json().path("revocations");
    assertFalse(listed.isEmpty());
    assertEquals(c.getJWTID(), listed.get(0).path("jti").asText(), listed.toString());
  }

  /** The token's exp as it was sent: whole seconds. */
  private static long expMillis(JWTClaimsSet c) {
    return c.getExpirationTime().getTime() / 1000 * 1000;
  }

  static Reply task(String name, String query) {
    Http admin = new Http(APP.getAdminPort());
    return admin.send(
        admin
            .request("/tasks/" + name + (query.isEmpty() ? "" : "?" + query), null)
            .POST(HttpRequest.BodyPublishers.noBody()));
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
