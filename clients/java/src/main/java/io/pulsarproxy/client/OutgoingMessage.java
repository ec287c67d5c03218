package io.pulsarproxy.client;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

/**
 * A message to publish. Build one with {@link #of(Object)} and the {@code with...} methods. Without
 * a message id one is generated when the message is created, so that every retry of it carries the
 * same id and the proxy stores it once.
 *
 * @param payload any value Jackson writes as JSON, except null
 */
public record OutgoingMessage(
    Object payload, String messageId, Map<String, String> metadata, String key, Duration ttl) {
  public OutgoingMessage {
    if (payload == null) {
      throw new IllegalArgumentException("payload must not be null");
    }
    if (messageId == null) {
      messageId = UUID.randomUUID().toString();
    }
    metadata = metadata == null ? null : Map.copyOf(metadata);
  }

  public static OutgoingMessage of(Object payload) {
    return new OutgoingMessage(payload, null, null, null, null);
  }

  public OutgoingMessage withMessageId(String id) {
    return new OutgoingMessage(payload, id, metadata, key, ttl);
  }

  public OutgoingMessage withMetadata(Map<String, String> values) {
    return new OutgoingMessage(payload, messageId, values, key, ttl);
  }

  public OutgoingMessage withKey(String k) {
    return new OutgoingMessage(payload, messageId, metadata, k, ttl);
  }

  public OutgoingMessage withTtl(Duration t) {
    return new OutgoingMessage(payload, messageId, metadata, key, t);
  }
}
