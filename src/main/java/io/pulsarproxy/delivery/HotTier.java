package io.pulsarproxy.delivery;

import io.pulsarproxy.core.EntryId;
import io.pulsarproxy.core.RetentionPolicy;
import io.pulsarproxy.core.TopicName;
import io.pulsarproxy.store.Trim;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The last minutes of every followed topic, in memory, so that resuming subscribers are served
 * without reading Valkey. For each topic it knows the id after which it holds everything up to what
 * the follower has read ({@code coveredAfter}); a replay starting before that goes to the store.
 * Bounded by age and by a byte budget shared by all topics, oldest evicted first.
 */
public final class HotTier {
  private final RetentionPolicy retention;
  private final long maxBytes;
  private final Clock clock;
  private final Map<TopicName, Window> topics = new HashMap<>();
  private final ArrayDeque<TopicName> insertionOrder = new ArrayDeque<>();
  private long bytes;

  public HotTier(RetentionPolicy retention, long maxBytes, Clock clock) {
    this.retention = retention;
    this.maxBytes = maxBytes;
    this.clock = clock;
  }

  /** The follower starts reading the topic after {@code position}: everything later lands here. */
  synchronized void startCovering(TopicName topic, EntryId position) {
    topics.computeIfAbsent(topic, t -> new Window(position));
  }

  /** The follower stopped following the topic: forget it. */
  synchronized void drop(TopicName topic) {
    Window w = topics.remove(topic);
    if (w != null) {
      for (Frame f : w.frames.values()) {
        bytes -= f.size();
      }
      insertionOrder.removeIf(topic::equals);
    }
  }

  /** Frames the follower read, in order, right after the topic's previous ones. */
  synchronized void append(TopicName topic, List<Frame> frames) {
    Window w = topics.get(topic);
    if (w == null) {
      return;
    }
    for (Frame f : frames) {
      w.frames.put(f.id(), f);
      bytes += f.size();
      insertionOrder.addLast(topic);
    }
    evict();
  }

  /**
   * Up to {@code limit} frames after {@code after}, if this tier holds everything after it; empty
   * when the store must be read instead.
   */
  synchronized Optional<List<Frame>> after(TopicName topic, EntryId after, int limit) {
    evict();
    Window w = topics.get(topic);
    if (w == null || after.compareTo(w.coveredAfter) < 0) {
      return Optional.empty();
    }
    List<Frame> out = new ArrayList<>(Math.min(limit, w.frames.size()));
    for (Frame f : w.frames.tailMap(after, false).values()) {
      if (out.size() == limit) {
        break;
      }
      out.add(f);
    }
    return Optional.of(out);
  }

  /**
   * The newest id the tier knows for a followed topic (what the follower has read up to), or empty
   * when the topic is not followed.
   */
  synchronized Optional<EntryId> end(TopicName topic) {
    Window w = topics.get(topic);
    if (w == null) {
      return Optional.empty();
    }
    return Optional.of(w.frames.isEmpty() ? w.coveredAfter : w.frames.lastKey());
  }

  /** Whether everything after {@code after} that the follower has read is held here. */
  synchronized boolean covers(TopicName topic, EntryId after) {
    evict();
    Window w = topics.get(topic);
    return w != null && after.compareTo(w.coveredAfter) >= 0;
  }

  synchronized long bytes() {
    return bytes;
  }

  /** Removes what an operator's trim removed from the store, so replays agree with it. */
  synchronized void trim(TopicName topic, Trim trim) {
    Window w = topics.get(topic);
    if (w == null) {
      return;
    }
    while (!w.frames.isEmpty()
        && (trim.maxLength() != null
            ? w.frames.size() > trim.maxLength()
            : w.frames.firstKey().compareTo(trim.minId()) < 0)) {
      Map.Entry<EntryId, Frame> gone = w.frames.pollFirstEntry();
      w.coveredAfter = gone.getKey();
      bytes -= gone.getValue().size();
    }
    // insertionOrder may now name frames that are gone; evict() skips such entries.
  }

  synchronized int entries() {
    int n = 0;
    for (Window w : topics.values()) {
      n += w.frames.size();
    }
    return n;
  }

  private void evict() {
    long now = clock.millis();
    while (!insertionOrder.isEmpty()) {
      TopicName topic = insertionOrder.peekFirst();
      Window w = topics.get(topic);
      Map.Entry<EntryId, Frame> oldest = w == null ? null : w.frames.firstEntry();
      if (oldest == null) {
        insertionOrder.pollFirst();
        continue;
      }
      long oldestAllowed = now - retention.forTopic(topic).hotWindow().toMillis();
      if (bytes <= maxBytes && oldest.getKey().millis() >= oldestAllowed) {
        return;
      }
      insertionOrder.pollFirst();
      w.frames.pollFirstEntry();
      w.coveredAfter = oldest.getKey();
      bytes -= oldest.getValue().size();
    }
  }

  private static final class Window {
    final TreeMap<EntryId, Frame> frames = new TreeMap<>();
    EntryId coveredAfter;

    Window(EntryId coveredAfter) {
      this.coveredAfter = coveredAfter;
    }
  }
}
