package io.pulsarproxy.auth;

import static io.pulsarproxy.auth.TestJwts.claims;
import static io.pulsarproxy.auth.TestJwts.hs256;
import static io.pulsarproxy.auth.TestJwts.rs256;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.sun.net.httpserver.HttpServer;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.pulsarproxy.PulsarProxyConfiguration;
import io.pulsarproxy.testing.Http;
import io.pulsarproxy.testing.Http.Reply;
import io.pulsarproxy.testing.TestApps;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Keys from a JWKS URL (a real HTTP server in the test): a token whose {@code kid} is new makes the
 * proxy read the set again, so a rotation needs no restart, and a key that left the set stops
 * vouching for its tokens at once. With only asymmetric keys configured, an HS256 token signed with
 * a public key as its secret finds no key at all.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class JwksRotationTest {
  static final RSAKey FIRST = TestJwts.rsa("key-1");
  static final RSAKey SECOND = TestJwts.rsa("key-2");
  static final ECKey EC = TestJwts.ec("ec-1");
  static final AtomicReference<String> SERVED =
      new AtomicReference<>(new JWKSet(List.of(FIRST.toPublicJWK(), EC.toPublicJWK())).toString());
  static final AtomicInteger FETCHES = new AtomicInteger();
  static final HttpServer JWKS = serve();

  static final DropwizardAppExtension<PulsarProxyConfiguration> APP =
      TestApps.memory(
          ConfigOverride.config(
              "auth.jwt.jwksUrl",
              "http://127.0.0.1:" + JWKS.getAddress().getPort() + "/.well-known/jwks.json"),
          ConfigOverride.config("auth.jwt.jwksReloadCooldown", "0s"));

  private static HttpServer serve() {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.createContext(
          "/.well-known/jwks.json",
          exchange -> {
            FETCHES.incrementAndGet();
            byte[] body = SERVED.get().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
              out.write(body);
            }
          });
      server.start();
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @AfterAll
  static void stopServer() {
    JWKS.stop(0);
  }

  private static JWTClaimsSet.Builder good() {
    return claims("rotating", 600, List.of("*"), List.of("*"));
  }

  private static Reply publish(String jwt) {
    return new Http(APP.getLocalPort())
        .postJson("/api/v1/topics/jwks.x/messages", jwt, "{\"payload\":1}");
  }

  @Test
  void aRotationIsPickedUpOnTheNewKidAndTheOldKeyStopsAtOnce() {
    String old = rs256(FIRST, good());
    assertEquals(201, publish(old).status());
    assertEquals(201, publish(TestJwts.es256(EC, good())).status());
    // The issuer rotates: the set now holds only the second key.
    SERVED.set(new JWKSet(List.of(SECOND.toPublicJWK(), EC.toPublicJWK())).toString());
    int before = FETCHES.get();
    assertEquals(201, publish(rs256(SECOND, good())).status());
    assertEquals(before + 1, FETCHES.get()); // one reload, for the unknown kid
    Reply gone = publish(old);
    assertEquals(401, gone.status());
    assertEquals("unknown_key", gone.json().path("error").asText(), gone.toString());
  }

  @Test
  void anHs256TokenSignedWithAPublicKeyFindsNoKey() {
    byte[] publicPem;
    try {
      publicPem = TestJwts.pemText(FIRST.toPublicKey()).getBytes(StandardCharsets.US_ASCII);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    Reply confused = publish(hs256(publicPem, good()));
    assertEquals(401, confused.status());
    assertEquals("unknown_key", confused.json().path("error").asText(), confused.toString());
    // Nor does the JWK's own modulus as the secret, nor any other HS256 token.
    Reply modulus = publish(hs256(FIRST.getModulus().decode(), good()));
    assertEquals("unknown_key", modulus.json().path("error").asText(), modulus.toString());
  }
}
