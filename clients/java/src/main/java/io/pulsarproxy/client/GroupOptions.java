package io.pulsarproxy.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A group subscription's settings: the consumer name (kept across reconnects), the prefetch (1 to
 * 1000 messages in flight; 100), the nack delay (null: due again at once), and what to do when the
 * proxy refuses the subscription (an {@code error} frame; not retried).
 */
public record GroupOptions(
    String consumer, int prefetch, Duration nackDelay, Consumer<JsonNode> onError) {
  public GroupOptions {
    Objects.requireNonNull(consumer, "consumer");
    Objects.requireNonNull(onError, "onError");
    if (prefetch < 1 || prefetch > 1000) {
      throw new IllegalArgumentException("prefetch must be 1 to 1000");
    }
    if (nackDelay != null && nackDelay.isNegative()) {
      throw new IllegalArgumentException("nackDelay must not be negative");
    }
  }

  public static GroupOptions consumer(String consumer) {
    return new GroupOptions(consumer, 100, null, error -> {});
  }

  public GroupOptions prefetch(int n) {
    return new GroupOptions(consumer, n, nackDelay, onError);
  }

  public GroupOptions nackDelay(Duration delay) {
    return new GroupOptions(consumer, prefetch, delay, onError);
  }

  public GroupOptions onError(Consumer<JsonNode> handler) {
    return new GroupOptions(consumer, prefetch, nackDelay, handler);
  }
}
