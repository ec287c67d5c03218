package io.pulsarproxy.core;

import java.util.Map;

/**
 * A message as the store holds it.
 *
 * @param expiresAtMillis epoch millis after which it must not be delivered, or null for never
 */
public record StoredMessage(
    EntryId id,
    String messageId,
    String payload,
    Map<String, String> metadata,
    String key,
    Long expiresAtMillis) {
  public StoredMessage {
    metadata = Map.copyOf(metadata);
  }

  public boolean expiredAt(long nowMillis) {
    return expiresAtMillis != null && expiresAtMillis <= nowMillis;
  }
}
