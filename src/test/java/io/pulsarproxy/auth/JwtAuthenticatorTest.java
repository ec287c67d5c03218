package io.pulsarproxy.auth;

import static io.pulsarproxy.auth.TestJwts.claims;
import static io.pulsarproxy.auth.TestJwts.hs256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pulsarproxy.core.ApiException;
import io.pulsarproxy.core.RateLimiter.RateLimit;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The verified-token cache and the clock the verifier judges expiry by. */
class JwtAuthenticatorTest {
  /** A clock the test moves. */
  static final class MovableClock extends Clock {
    private volatile Instant now = Instant.now();

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  private static JwtSettings settings(int cacheSize) {
    return new JwtSettings(
        TestJwts.SECRET.getBytes(StandardCharsets.UTF_8),
        List.of(),
        null,
        null,
        Duration.ofMinutes(5),
        Duration.ofSeconds(10),
        null,
        null,
        Set.of("HS256"),
        Duration.ofSeconds(5),
        Duration.ofHours(24),
        Duration.ofSeconds(60),
        cacheSize,
        new RateLimit(1000, 2000),
        1000);
  }

  @Test
  void aTokenIsVerifiedOnceAndServedFromTheCacheUntilExpPlusSkew() {
    MovableClock clock = new MovableClock();
    JwtAuthenticator jwt =
        new JwtAuthenticator(settings(100), "pulsar-proxy", clock, new Revocations(clock));
    String token = hs256(claims("cached", 60, List.of("*"), List.of()));
    Caller first = jwt.authenticate(token);
    for (int i = 0; i < 1000; i++) {
      assertSame(first, jwt.authenticate(token)); // no new verification: the same caller
    }
    assertEquals(1, jwt.cached());
    clock.advance(Duration.ofSeconds(64)); // within the 5 s skew
    assertSame(first, jwt.authenticate(token));
    clock.advance(Duration.ofSeconds(2));
    ApiException expired = assertThrows(ApiException.class, () -> jwt.authenticate(token));
    assertEquals("token_expired", expired.error());
    assertEquals(0, jwt.cached());
  }

  @Test
  void aConfiguredSecretWithDotsStillWorksBesideJwts() {
    Clock clock = Clock.systemUTC();
    Revocations revocations = new Revocations(clock);
    Caller configured =
        new Caller(
            "dotted",
            new TopicPatterns(List.of("*")),
            new TopicPatterns(List.of()),
            new RateLimit(1, 1),
            1);
    TokenAuthenticator tokens =
        new TokenAuthenticator(
            List.of(new TokenAuthenticator.Token(TokenHasher.sha256("a.b.c"), configured)),
            new JwtAuthenticator(settings(10), "pulsar-proxy", clock, revocations),
            revocations,
            null);
    assertSame(configured, tokens.authenticate("a.b.c").orElseThrow());
    ApiException other = assertThrows(ApiException.class, () -> tokens.authenticate("x.y.z"));
    assertEquals("malformed_token", other.error());
    assertEquals(
        "cached",
        tokens
            .authenticate(hs256(claims("cached", 60, List.of(), List.of())))
            .orElseThrow()
            .name());
  }

  @Test
  void theCacheIsBounded() {
    Clock clock = Clock.systemUTC();
    JwtAuthenticator jwt =
        new JwtAuthenticator(settings(10), "pulsar-proxy", clock, new Revocations(clock));
    for (int i = 0; i < 50; i++) {
      jwt.authenticate(hs256(claims("s" + i, 60, List.of("*"), List.of())));
      assertTrue(jwt.cached() <= 10, "cached " + jwt.cached());
    }
  }
}
