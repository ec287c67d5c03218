package io.pulsarproxy.auth;

import io.dropwizard.auth.Authenticator;
import io.pulsarproxy.core.ApiException;
import io.pulsarproxy.core.ErrorWord;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;

/**
 * Turns a bearer credential into its caller. A JWT (when {@code auth.jwt} is on) goes to the {@link
 * JwtAuthenticator}, which refuses a bad one with a 401 that says why. Anything else is a
 * configured token: every configured hash is compared, each in constant time, so the time taken
 * says nothing about which token (if any) came close.
 */
public final class TokenAuthenticator implements Authenticator<String, Caller> {
  private final List<Token> tokens;
  private final JwtAuthenticator jwt;
  private final Revocations revocations;
  private final LiveTokens live;

  /** Configured tokens only, no JWT. */
  public TokenAuthenticator(List<Token> tokens) {
    this(tokens, null, new Revocations(Clock.systemUTC()), null);
  }

  /**
   * @param jwt null when JWTs are off
   * @param live watches the JWTs of live connections; null for one that watches nothing
   */
  public TokenAuthenticator(
      List<Token> tokens, JwtAuthenticator jwt, Revocations revocations, LiveTokens live) {
    this.tokens = List.copyOf(tokens);
    this.jwt = jwt;
    this.revocations = revocations;
    this.live =
        live != null
            ? live
            : new LiveTokens(
                Clock.systemUTC(),
                Executors.newSingleThreadScheduledExecutor(),
                Duration.ZERO,
                revocations);
  }

  /**
   * @throws ApiException 401 with the reason for a JWT that is refused
   */
  @Override
  public Optional<Caller> authenticate(String secret) {
    if (jwt != null && JwtAuthenticator.looksLikeJwt(secret)) {
      try {
        return Optional.of(jwt.authenticate(secret));
      } catch (ApiException e) {
        // A configured secret may hold dots too: one that is no JWT at all is still looked up.
        Caller configured = e.word() == ErrorWord.MALFORMED_TOKEN ? configured(secret) : null;
        if (configured == null) {
          throw e;
        }
        return Optional.of(configured);
      }
    }
    return Optional.ofNullable(configured(secret));
  }

  private Caller configured(String secret) {
    byte[] presented = TokenHasher.sha256(secret);
    Caller found = null;
    for (Token token : tokens) {
      if (MessageDigest.isEqual(presented, token.sha256()) && found == null) {
        found = token.caller();
      }
    }
    return found;
  }

  /** The JWT verifier, or null when {@code auth.jwt} is off. */
  public JwtAuthenticator jwt() {
    return jwt;
  }

  public Revocations revocations() {
    return revocations;
  }

  /** Where live connections have their JWT watched (expiry, refresh, revocation). */
  public LiveTokens live() {
    return live;
  }

  /** The names of the configured tokens (never their secrets). */
  public List<String> names() {
    return tokens.stream().map(t -> t.caller().name()).toList();
  }

  /** A configured token: the hash of its secret and who it stands for. */
  public record Token(byte[] sha256, Caller caller) {}
}
