package io.pulsarproxy.delivery;

import io.pulsarproxy.core.EntryId;
import io.pulsarproxy.core.StoredMessage;

/**
 * One message encoded once, as the JSON text every WebSocket and SSE subscriber of its topic on
 * this instance receives, with the message itself for readers that need its fields.
 */
public record Frame(StoredMessage message, String json) {
  public EntryId id() {
    return message.id();
  }

  /** What the frame costs in memory, roughly: the JSON text and the payload it repeats. */
  public long size() {
    return 2L * (json.length() + message.payload().length()) + 64;
  }

  public boolean expiredAt(long nowMillis) {
    return message.expiredAt(nowMillis);
  }
}
