package io.pulsarproxy.delivery;

import io.pulsarproxy.core.EntryId;
import io.pulsarproxy.core.StoredMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Frames for unit tests, of a chosen id and size; their bytes are not JSON anyone reads. */
final class TestFrames {
  private TestFrames() {}

  /** A frame of {@code bytes} bytes with id {@code millis-sequence}. */
  static Frame frame(long millis, long sequence, int bytes) {
    return frame(new EntryId(millis, sequence), bytes, null);
  }

  static Frame frame(EntryId id, int bytes, Long expiresAtMillis) {
    return new Frame(
        new StoredMessage(id, "m-" + id, "1", Map.of(), null, expiresAtMillis), new byte[bytes]);
  }

  /** Frames with ids {@code millis-from} to {@code millis-to}, each of {@code bytes} bytes. */
  static List<Frame> frames(long millis, int from, int to, int bytes) {
    List<Frame> out = new ArrayList<>();
    for (int s = from; s <= to; s++) {
      out.add(frame(millis, s, bytes));
    }
    return out;
  }

  static List<Long> sequences(List<Frame> frames) {
    List<Long> out = new ArrayList<>();
    for (Frame f : frames) {
      out.add(f.id().sequence());
    }
    return out;
  }
}
