package io.pulsarproxy.auth;

import static io.pulsarproxy.auth.TestJwts.claims;
import static io.pulsarproxy.auth.TestJwts.rs256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import io.pulsarproxy.core.ApiException;
import io.pulsarproxy.core.RateLimiter.RateLimit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Keys from a JWKS file: a rotation written to the file is read on the first token of a new kid.
 */
class JwksFileTest {
  @Test
  void aRotatedFileIsReadOnANewKid() throws Exception {
    RSAKey first = TestJwts.rsa("file-1");
    RSAKey second = TestJwts.rsa("file-2");
    Path file =
        Files.createDirectories(Path.of("target", "test-keys"))
            .resolve("jwks-" + UUID.randomUUID() + ".json");
    Files.writeString(file, new JWKSet(first.toPublicJWK()).toString());
    Clock clock = Clock.systemUTC();
    JwtAuthenticator jwt =
        new JwtAuthenticator(
            new JwtSettings(
                null,
                List.of(),
                file.toString(),
                null,
                Duration.ofMinutes(5),
                Duration.ZERO,
                null,
                null,
                Set.of("RS256"),
                Duration.ZERO,
                Duration.ofHours(1),
                Duration.ofSeconds(60),
                100,
                new RateLimit(1000, 2000),
                1000),
            "pulsar-proxy",
            clock,
            new Revocations(clock));
    String old = rs256(first, claims("f", 60, List.of("*"), List.of()));
    assertEquals("f", jwt.authenticate(old).name());
    Files.writeString(file, new JWKSet(second.toPublicJWK()).toString());
    assertEquals(
        "f", jwt.authenticate(rs256(second, claims("f", 60, List.of("*"), List.of()))).name());
    ApiException gone = assertThrows(ApiException.class, () -> jwt.authenticate(old));
    assertEquals("unknown_key", gone.error());
  }
}
