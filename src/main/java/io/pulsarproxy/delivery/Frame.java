package io.pulsarproxy.delivery;

import io.pulsarproxy.core.EntryId;
import io.pulsarproxy.core.StoredMessage;
import java.nio.charset.StandardCharsets;

/**
 * One message encoded once, as the UTF-8 JSON every WebSocket and SSE subscriber of its topic on
 * this instance receives, with the message itself for readers that need its fields. The bytes are
 * shared by every send and never modified.
 */
public record Frame(StoredMessage message, byte[] utf8) {
  public EntryId id() {
    return message.id();
  }

  /** The frame as text, for transports that want a String (SSE). */
  public String json() {
    return new String(utf8, StandardCharsets.UTF_8);
  }

  /** What the frame costs in memory, roughly: its bytes and the message it was made from. */
  public long size() {
    return utf8.length + 2L * message.payload().length() + 128;
  }

  public boolean expiredAt(long nowMillis) {
    return message.expiredAt(nowMillis);
  }
}
