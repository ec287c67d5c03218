package io.pulsarproxy.auth;

import static io.pulsarproxy.auth.TestJwts.claims;
import static io.pulsarproxy.auth.TestJwts.es256;
import static io.pulsarproxy.auth.TestJwts.hs256;
import static io.pulsarproxy.auth.TestJwts.rs256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.pulsarproxy.PulsarProxyConfiguration;
import io.pulsarproxy.testing.Http;
import io.pulsarproxy.testing.Http.Reply;
import io.pulsarproxy.testing.SseClient;
import io.pulsarproxy.testing.TestApps;
import io.pulsarproxy.testing.WsClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * JWT bearer tokens end to end on a real server: each algorithm with a key made here, every way a
 * token is refused (and the word that says so), topic claims, pp_rate, and configured tokens beside
 * JWTs.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class JwtAuthTest {
  static final String ISSUER = "https://backend.test";
  static final String AUDIENCE = "pulsar-proxy-test";
  static final RSAKey RSA = TestJwts.rsa(null);
  static final ECKey EC = TestJwts.ec(null);
  static final Path PEM = bothKeys();

  static final DropwizardAppExtension<PulsarProxyConfiguration> APP =
      TestApps.memory(
          ConfigOverride.config("auth.jwt.hmacSecret", TestJwts.SECRET),
          ConfigOverride.config("auth.jwt.publicKeys", PEM.toString()),
          ConfigOverride.config("auth.jwt.issuer", ISSUER),
          ConfigOverride.config("auth.jwt.audience", AUDIENCE),
          ConfigOverride.config("auth.jwt.clockSkew", "0s"),
          ConfigOverride.config("auth.jwt.maxLifetime", "2h"));

  private static Path bothKeys() {
    Path file = TestJwts.pem(toRsaPublic(), "rsa-and-ec");
    try {
      Files.writeString(
          file, Files.readString(file) + TestJwts.pemText(toPublic(EC)), StandardCharsets.US_ASCII);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return file;
  }

  private static java.security.PublicKey toPublic(ECKey key) {
    try {
      return key.toECPublicKey();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static JWTClaimsSet.Builder good(String sub) {
    return claims(sub, 600, List.of("orders.*"), List.of("orders.*"))
        .issuer(ISSUER)
        .audience(AUDIENCE);
  }

  private Http http() {
    return new Http(APP.getLocalPort());
  }

  private Reply publish(String token, String topic) {
    return http().postJson("/api/v1/topics/" + topic + "/messages", token, "{\"payload\":1}");
  }

  private static void assertRefused(Reply r, String word) {
    assertEquals(401, r.status(), r.toString());
    assertEquals(word, r.json().path("error").asText(), r.toString());
    String challenge = r.header("WWW-Authenticate");
    assertTrue(challenge.startsWith("Bearer realm=\"pulsar-proxy\""), challenge);
    assertTrue(challenge.contains("error=\"invalid_token\""), challenge);
    assertTrue(challenge.contains("error_description=\"" + word + "\""), challenge);
  }

  @Test
  void eachAlgorithmWithAKeyMadeHerePublishesAndReads() {
    for (String token : List.of(hs256(good("hs")), rs256(RSA, good("rs")), es256(EC, good("es")))) {
      assertEquals(201, publish(token, "orders.algs").status());
      assertEquals(201, publish(token, "orders.algs").status()); // the cached path
      Reply read = http().get("/api/v1/topics/orders.algs/messages?wait=0", token);
      assertEquals(200, read.status(), read.toString());
    }
  }

  @Test
  void claimsDecideTopicsAndConfiguredTokensStillWork() {
    String token = hs256(good("alice"));
    Reply other = publish(token, "payments");
    assertEquals(403, other.status());
    assertTrue(other.json().path("message").asText().contains("'alice'"), other.toString());
    Reply readOnly =
        publish(
            hs256(claims("r", 600, List.of(), List.of("*")).issuer(ISSUER).audience(AUDIENCE)),
            "orders.x");
    assertEquals(403, readOnly.status());
    assertEquals(201, publish(Http.PUBLISHER, "payments").status());
  }

  @Test
  void ppRateLimitsPublishesOfThatSub() {
    String token = hs256(good("rated").claim("pp_rate", 1));
    assertEquals(201, publish(token, "orders.rate").status());
    assertEquals(201, publish(token, "orders.rate").status()); // burst 2
    Reply third = publish(token, "orders.rate");
    assertEquals(429, third.status(), third.toString());
    // The sub is the label where a configured token's name would be.
    String scrape = new Http(APP.getAdminPort()).get("/prometheus", null).body();
    assertTrue(scrape.contains("token=\"rated\""), "no rate-limit series for the sub");
  }

  @Test
  void ppMaxConnectionsCapsTheSubsConnections() throws Exception {
    WebSocketClient client = WsClient.startClient();
    try (WsClient first =
        WsClient.connect(
            client,
            WsClient.uri(APP.getLocalPort(), null),
            hs256(good("capped").claim("pp_max_connections", 1)),
            null)) {
      // Another token of the same sub counts against the same cap.
      assertEquals(
          429,
          WsClient.refusalStatus(
              client,
              WsClient.uri(APP.getLocalPort(), null),
              hs256(good("capped").claim("pp_max_connections", 1)),
              null));
      assertTrue(first.isOpen());
    } finally {
      client.stop();
    }
  }

  @Test
  void everyBadTokenIsRefusedWithTheWordThatSaysWhy() {
    Instant now = Instant.now();
    // Signed with another secret; with the signature of another token; a flipped payload.
    assertRefused(
        publish(
            hs256(
                "another-secret-of-32-bytes-or-more!!".getBytes(StandardCharsets.UTF_8), good("x")),
            "orders.a"),
        "bad_signature");
    String valid = hs256(good("x"));
    String other = hs256(good("y"));
    String spliced =
        valid.substring(0, valid.lastIndexOf('.')) + other.substring(other.lastIndexOf('.'));
    assertRefused(publish(spliced, "orders.a"), "bad_signature");
    // RS256 and ES256 signed by keys nobody configured.
    assertRefused(publish(rs256(TestJwts.rsa(null), good("x")), "orders.a"), "bad_signature");
    assertRefused(publish(es256(TestJwts.ec(null), good("x")), "orders.a"), "bad_signature");
    // alg: none.
    assertRefused(publish(TestJwts.unsigned(good("x")), "orders.a"), "bad_signature");
    // The classic confusion: HS256 with the server's RSA public key (its PEM) as the secret.
    byte[] publicPem = TestJwts.pemText(toRsaPublic()).getBytes(StandardCharsets.US_ASCII);
    assertRefused(publish(hs256(publicPem, good("x")), "orders.a"), "bad_signature");
    // Claims.
    assertRefused(
        publish(hs256(good("x").expirationTime(Date.from(now.minusSeconds(5)))), "orders.a"),
        "token_expired");
    assertRefused(
        publish(hs256(good("x").notBeforeTime(Date.from(now.plusSeconds(60)))), "orders.a"),
        "token_not_yet_valid");
    assertRefused(publish(hs256(good("x").audience("someone-else")), "orders.a"), "wrong_audience");
    assertRefused(publish(hs256(good("x").audience((String) null)), "orders.a"), "wrong_audience");
    assertRefused(
        publish(hs256(good("x").issuer("https://evil.test")), "orders.a"), "wrong_issuer");
    assertRefused(
        publish(hs256(good("x").expirationTime(Date.from(now.plusSeconds(3 * 3600)))), "orders.a"),
        "token_lifetime_too_long");
    assertRefused(publish(hs256(good("x").expirationTime(null)), "orders.a"), "malformed_token");
    assertRefused(publish(hs256(good("x").subject(null)), "orders.a"), "malformed_token");
    assertRefused(
        publish(hs256(good("x").claim("pp_publish", "orders.*")), "orders.a"), "malformed_token");
    assertRefused(
        publish(hs256(good("x").claim("pp_publish", List.of("orders/*"))), "orders.a"),
        "malformed_token");
    assertRefused(publish(hs256(good("x").claim("pp_rate", -1)), "orders.a"), "malformed_token");
    assertRefused(publish("not.a.jwt", "orders.a"), "malformed_token");
    // A non-JWT unknown token keeps its plain answer.
    Reply unknown = publish("unknown-secret", "orders.a");
    assertEquals(401, unknown.status());
    assertEquals("unauthorized", unknown.json().path("error").asText());
  }

  @Test
  void readsEventStreamsAndUpgradesRefuseBadTokensToo() throws Exception {
    String expired = hs256(good("x").expirationTime(Date.from(Instant.now().minusSeconds(5))));
    assertRefused(http().get("/api/v1/topics/orders.a", expired), "token_expired");
    assertRefused(http().get("/api/v1/topics/orders.a/messages?wait=0", expired), "token_expired");
    try (SseClient sse =
        SseClient.open(
            HttpClient.newHttpClient(),
            URI.create("http://127.0.0.1:" + APP.getLocalPort()),
            "/api/v1/topics/orders.a/events?access_token=" + expired,
            null)) {
      assertEquals(401, sse.status());
      assertTrue(sse.body().contains("\"token_expired\""), sse.body());
    }
    WebSocketClient client = WsClient.startClient();
    try {
      assertEquals(
          401,
          WsClient.refusalStatus(client, WsClient.uri(APP.getLocalPort(), null), expired, null));
      try (WsClient ws =
          WsClient.connect(
              client,
              WsClient.uri(APP.getLocalPort(), "topic=orders.ws"),
              rs256(RSA, good("ws-user")),
              null)) {
        assertEquals(
            "subscribed", ws.nextOfType("subscribed", Duration.ofSeconds(5)).path("type").asText());
      }
    } finally {
      client.stop();
    }
  }

  private static java.security.PublicKey toRsaPublic() {
    try {
      return RSA.toPublicKey();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
