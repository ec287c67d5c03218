package io.pulsarproxy.auth;

import io.pulsarproxy.core.ApiException;
import io.pulsarproxy.core.ErrorWord;
import io.pulsarproxy.core.RateLimiter.RateLimit;
import io.pulsarproxy.core.TopicName;
import java.security.Principal;

/**
 * An authenticated token: its name (never its secret), what it may do, its rate limit, and how many
 * WebSocket and SSE connections it may hold at once.
 */
public record Caller(
    String name,
    TopicPatterns publish,
    TopicPatterns subscribe,
    RateLimit rateLimit,
    int maxConnections)
    implements Principal {

  @Override
  public String getName() {
    return name;
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
