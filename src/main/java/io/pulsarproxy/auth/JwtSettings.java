package io.pulsarproxy.auth;

import io.pulsarproxy.core.RateLimiter.RateLimit;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * What {@code auth.jwt} configures, resolved.
 *
 * @param hmacSecret the HS256 secret's bytes (UTF-8 of the configured text), or null
 * @param publicKeys PEM files, each one public key or certificate (RSA or EC P-256)
 * @param jwksFile a JWKS file, or null
 * @param jwksUrl a JWKS URL, or null
 * @param jwksRefresh how often a JWKS file or URL is read again
 * @param jwksReloadCooldown the least time between two reloads caused by an unknown {@code kid}
 * @param issuer the {@code iss} every token must carry, or null for any
 * @param audience a value the {@code aud} of every token must hold, or null for any
 * @param algorithms accepted {@code alg} values
 * @param clockSkew allowed difference between the issuer's clock and this one
 * @param maxLifetime the furthest {@code exp} may lie ahead: revocations are kept that long
 * @param expiryWarning how long before {@code exp} a WebSocket gets {@code token_expiring}
 * @param cacheSize verified tokens kept, at most
 * @param defaultRateLimit the publish rate of a token without {@code pp_rate}
 * @param defaultMaxConnections the connection cap of a token without {@code pp_max_connections}
 */
public record JwtSettings(
    byte[] hmacSecret,
    List<String> publicKeys,
    String jwksFile,
    String jwksUrl,
    Duration jwksRefresh,
    Duration jwksReloadCooldown,
    String issuer,
    String audience,
    Set<String> algorithms,
    Duration clockSkew,
    Duration maxLifetime,
    Duration expiryWarning,
    int cacheSize,
    RateLimit defaultRateLimit,
    int defaultMaxConnections) {

  /** Never shows the secret. */
  @Override
  public String toString() {
    return "JwtSettings[issuer=" + issuer + ", audience=" + audience + "]";
  }
}
