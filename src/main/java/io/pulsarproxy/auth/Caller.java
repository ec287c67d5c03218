package io.pulsarproxy.auth;

import io.pulsarproxy.core.ApiException;
import io.pulsarproxy.core.ErrorWord;
import io.pulsarproxy.core.RateLimiter.RateLimit;
import io.pulsarproxy.core.TopicName;
import java.security.Principal;

/**
 * An authenticated token: its name (never its secret), what it may do, its rate limit, and how many
 * WebSocket and SSE connections it may hold at once. A JWT's caller is named by its {@code sub} and
 * carries a {@link Lease}: its id and how long it is accepted; a configured token has none and
 * never expires.
 */
public record Caller(
    String name,
    TopicPatterns publish,
    TopicPatterns subscribe,
    RateLimit rateLimit,
    int maxConnections,
    Lease lease)
    implements Principal {

  /** A configured token's caller: no lease, never expires. */
  public Caller(
      String name,
      TopicPatterns publish,
      TopicPatterns subscribe,
      RateLimit rateLimit,
      int maxConnections) {
    this(name, publish, subscribe, rateLimit, maxConnections, null);
  }

  /**
   * What a JWT says about itself, never the token.
   *
   * @param jti its {@code jti}, or null
   * @param issuedAt its {@code iat} in epoch seconds, or null
   * @param expiresAt its {@code exp} in epoch seconds
   * @param acceptedUntilMillis when the proxy stops accepting it: {@code exp} plus the allowed
   *     clock skew, in epoch milliseconds; live connections end then too
   */
  public record Lease(String jti, Long issuedAt, long expiresAt, long acceptedUntilMillis) {}

  @Override
  public String getName() {
    return name;
  }

  /** Whether this caller came with a JWT, which expires. */
  public boolean expires() {
    return lease != null;
  }

  /** When this caller stops being accepted, in epoch milliseconds; never for configured tokens. */
  public long acceptedUntilMillis() {
    return lease == null ? Long.MAX_VALUE : lease.acceptedUntilMillis();
  }

  /**
   * A wait (a long-poll, a group fetch) cut short so that it ends when this caller's JWT stops
   * being accepted; unchanged for a configured token.
   */
  public java.time.Duration waitWithin(java.time.Duration wait) {
    if (lease == null) {
      return wait;
    }
    long left = lease.acceptedUntilMillis() - System.currentTimeMillis();
    return left < wait.toMillis() ? java.time.Duration.ofMillis(Math.max(0, left)) : wait;
  }

  /**
   * @throws ApiException 403 when this token may not publish to the topic
   */
  public void requirePublish(TopicName topic) {
    if (!publish.matches(topic)) {
      throw ErrorWord.FORBIDDEN.refusal(
          "token '" + name + "' may not publish to topic '" + topic + "'");
    }
  }

  /**
   * @throws ApiException 403 when this token may not subscribe to the topic
   */
  public void requireSubscribe(TopicName topic) {
    if (!subscribe.matches(topic)) {
      throw ErrorWord.FORBIDDEN.refusal(
          "token '" + name + "' may not subscribe to topic '" + topic + "'");
    }
  }
}
