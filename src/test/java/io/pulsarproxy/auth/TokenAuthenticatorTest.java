package io.pulsarproxy.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pulsarproxy.core.RateLimiter.RateLimit;
import java.util.List;
import org.junit.jupiter.api.Test;

class TokenAuthenticatorTest {
  private static TokenAuthenticator.Token token(String name, String secret) {
    return new TokenAuthenticator.Token(
        TokenHasher.sha256(secret),
        new Caller(
            name,
            new TopicPatterns(List.of("*")),
            new TopicPatterns(List.of()),
            new RateLimit(10, 10),
            5));
  }

  @Test
  void findsTheTokenWhoseHashMatches() {
    TokenAuthenticator auth =
        new TokenAuthenticator(List.of(token("a", "secret-a"), token("b", "secret-b")));
    assertEquals("b", auth.authenticate("secret-b").orElseThrow().name());
    assertEquals("a", auth.authenticate("secret-a").orElseThrow().getName());
    assertTrue(auth.authenticate("secret-c").isEmpty());
    assertTrue(auth.authenticate("").isEmpty());
    assertTrue(auth.authenticate("SECRET-A").isEmpty());
  }

  @Test
  void hashesAreHexSha256() {
    // printf '%s' pp-dev-token | sha256sum
    assertEquals(AuthFactory.DEV_TOKEN_SHA256, TokenHasher.sha256Hex("pp-dev-token"));
  }
}
