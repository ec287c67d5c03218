package io.pulsarproxy.auth;

import io.dropwizard.auth.Authenticator;
import java.security.MessageDigest;
import java.util.List;
import java.util.Optional;

/**
 * Finds the token whose SHA-256 matches the presented secret. Every configured hash is compared,
 * each in constant time, so the time taken says nothing about which token (if any) came close.
 */
public final class TokenAuthenticator implements Authenticator<String, Caller> {
  private final List<Token> tokens;

  public TokenAuthenticator(List<Token> tokens) {
    this.tokens = List.copyOf(tokens);
  }

  @Override
  public Optional<Caller> authenticate(String secret) {
    byte[] presented = TokenHasher.sha256(secret);
    Caller found = null;
    for (Token token : tokens) {
      if (MessageDigest.isEqual(presented, token.sha256()) && found == null) {
        found = token.caller();
      }
    }
    return Optional.ofNullable(found);
  }

  /** The names of the configured tokens (never their secrets). */
  public List<String> names() {
    return tokens.stream().map(t -> t.caller().name()).toList();
  }

  /** A configured token: the hash of its secret and who it stands for. */
  public record Token(byte[] sha256, Caller caller) {}
}
