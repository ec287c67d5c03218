package io.pulsarproxy.auth;

import static io.pulsarproxy.auth.TestJwts.claims;
import static io.pulsarproxy.auth.TestJwts.hs256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jwt.JWTClaimsSet;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.pulsarproxy.PulsarProxyConfiguration;
import io.pulsarproxy.testing.Http;
import io.pulsarproxy.testing.Http.Reply;
import io.pulsarproxy.testing.SseClient;
import io.pulsarproxy.testing.TestApps;
import io.pulsarproxy.testing.ValkeyTestServer;
import io.pulsarproxy.testing.WsClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.RedisClient;

/**
 * Revocation through instance A reaches instance B, which shares A's Valkey, within a second: B's
 * live connections holding the token close (WebSocket 4003, event stream {@code token_revoked}) and
 * both instances answer 401 {@code token_revoked}; the entry lives in Valkey and expires with the
 * tokens it names.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class JwtRevocationTest {
  @RegisterExtension static final ValkeyTestServer VALKEY = new ValkeyTestServer();

  static final DropwizardAppExtension<PulsarProxyConfiguration> A =
      TestApps.instance(
          "jwt-rev-a",
          VALKEY,
          "auth.jwt.hmacSecret",
          TestJwts.SECRET,
          "auth.jwt.maxLifetime",
          "1h",
          "auth.jwt.clockSkew",
          "0s");
  static final DropwizardAppExtension<PulsarProxyConfiguration> B =
      TestApps.instance(
          "jwt-rev-b",
          VALKEY,
          "auth.jwt.hmacSecret",
          TestJwts.SECRET,
          "auth.jwt.maxLifetime",
          "1h",
          "auth.jwt.clockSkew",
          "0s");

  private static Reply task(DropwizardAppExtension<PulsarProxyConfiguration> app, String query) {
    Http admin = new Http(app.getAdminPort());
    return admin.send(
        admin.request("/tasks/" + query, null).POST(HttpRequest.BodyPublishers.noBody()));
  }

  private static int publish(DropwizardAppExtension<PulsarProxyConfiguration> app, String jwt) {
    return new Http(app.getLocalPort())
        .postJson("/api/v1/topics/rev.x/messages", jwt, "{\"payload\":1}")
        .status();
  }

  @Test
  void aJtiRevokedThroughAClosesTheWebSocketOnBWithinASecond() throws Exception {
    JWTClaimsSet c = claims("mallory", 600, List.of("*"), List.of("*")).build();
    String jwt = hs256(new JWTClaimsSet.Builder(c));
    assertEquals(201, publish(A, jwt));
    assertEquals(201, publish(B, jwt)); // cached on both from now on
    WebSocketClient client = WsClient.startClient();
    try (WsClient ws =
        WsClient.connect(client, WsClient.uri(B.getLocalPort(), "topic=rev.x"), jwt, null)) {
      ws.nextOfType("subscribed", Duration.ofSeconds(5));
      long start = System.nanoTime();
      Reply revoked = task(A, "revoke?jti=" + c.getJWTID() + "&until=10m");
      assertEquals(200, revoked.status(), revoked.toString());
      assertEquals(0, revoked.json().path("closed_here").asInt());
      assertEquals(4003, ws.awaitClose(Duration.ofSeconds(1)));
      assertEquals("token_revoked", ws.closeReason());
      assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(1));
    } finally {
      client.stop();
    }
    Reply refused =
        new Http(B.getLocalPort())
            .postJson("/api/v1/topics/rev.x/messages", jwt, "{\"payload\":1}");
    assertEquals(401, refused.status());
    assertEquals("token_revoked", refused.json().path("error").asText());
    assertTrue(refused.header("WWW-Authenticate").contains("error=\"invalid_token\""));
    assertEquals(401, publish(A, jwt));
    // In Valkey, expiring with the revocation's until (10 minutes).
    try (RedisClient redis = RedisClient.create(VALKEY.url())) {
      assertTrue(redis.hget("pp:revocations", "jti:" + c.getJWTID()) != null);
      long ttl = redis.pttl("pp:revocations");
      assertTrue(ttl > 0 && ttl <= 600_000, "pttl " + ttl);
    }
    JsonNode listed = task(B, "revocations").json().path("revocations");
    assertTrue(listed.toString().contains(c.getJWTID()), listed.toString());
  }

  @Test
  void aSubRevokedThroughBEndsTheEventStreamOnAAndSparesLaterTokens() throws Exception {
    String jwt = hs256(claims("oscar", 600, List.of("*"), List.of("*")));
    try (SseClient sse =
        SseClient.open(
            HttpClient.newHttpClient(),
            URI.create("http://127.0.0.1:" + A.getLocalPort()),
            "/api/v1/topics/rev.sse/events",
            jwt)) {
      assertEquals(200, sse.status());
      sse.awaitLine("event: subscribed", Duration.ofSeconds(5));
      Reply revoked = task(B, "revoke?sub=oscar");
      assertEquals(200, revoked.status(), revoked.toString());
      sse.awaitLine("event: token_revoked", Duration.ofSeconds(1));
    }
    assertEquals(401, publish(A, jwt));
    // A token of the same sub issued after the revocation works.
    String later =
        hs256(
            claims("oscar", 600, List.of("*"), List.of("*"))
                .issueTime(Date.from(Instant.now().plusSeconds(2))));
    assertEquals(201, publish(A, later));
    assertEquals(201, publish(B, later));
  }

  @Test
  void theTaskRefusesBadParameters() {
    assertEquals(400, task(A, "revoke").json().path("code").asInt());
    assertEquals(400, task(A, "revoke?jti=a&sub=b").json().path("code").asInt());
    assertEquals(400, task(A, "revoke?jti=a&until=yesterday").json().path("code").asInt());
    assertEquals(
        400, task(A, "revoke?jti=a&until=2000-01-01T00:00:00Z").json().path("code").asInt());
  }
}
