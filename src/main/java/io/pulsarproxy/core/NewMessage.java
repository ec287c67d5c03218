package io.pulsarproxy.core;

import java.util.Map;

/**
 * A validated message on its way into the store.
 *
 * @param messageId the producer's id, or a generated one
 * @param deduplicate true when the producer chose the id, so a repeat within the window is dropped
 * @param payload the payload as compact JSON text
 * @param ttlSeconds seconds after which the message must not be delivered, or null for never
 */
public record NewMessage(
    String messageId,
    boolean deduplicate,
    String payload,
    Map<String, String> metadata,
    String key,
    Long ttlSeconds) {
  public NewMessage {
    metadata = Map.copyOf(metadata);
  }
}
