package io.pulsarproxy.delivery;

import io.pulsarproxy.core.EntryId;
import io.pulsarproxy.core.MessagePackCodec;
import io.pulsarproxy.core.StoredMessage;
import java.nio.charset.StandardCharsets;

/**
 * One message encoded once, as the UTF-8 JSON every WebSocket and SSE subscriber of its topic on
 * this instance receives, with the message itself for readers that need its fields. The bytes are
 * shared by every send and never modified; so is the MessagePack spelling, made by the first {@code
 * pp.v1.msgpack} connection that sends the frame.
 */
public final class Frame {
  private final StoredMessage message;
  private final byte[] utf8;
  // Made at most a few times when connections race for it; every result is the same bytes.
  private volatile byte[] msgpack;

  public Frame(StoredMessage message, byte[] utf8) {
    this.message = message;
    this.utf8 = utf8;
  }

  public StoredMessage message() {
    return message;
  }

  public byte[] utf8() {
    return utf8;
  }

  /** The same frame as MessagePack, converted once for all MessagePack subscribers. */
  public byte[] msgpack() {
    byte[] bytes = msgpack;
    if (bytes == null) {
      bytes = MessagePackCodec.fromJson(utf8);
      msgpack = bytes;
    }
    return bytes;
  }

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
