package io.pulsarproxy.delivery;

import io.pulsarproxy.core.EntryId;
import io.pulsarproxy.core.StoreUnavailableException;
import io.pulsarproxy.core.StoredMessage;
import io.pulsarproxy.core.TopicName;
import io.pulsarproxy.store.MessageStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * History for a new subscription, page by page (hot tier first, then the store), until it has
 * caught up and joins the live feed; and reads after an id for long-polls and plain reads.
 */
record Replay(
    MessageStore store,
    HotTier hotTier,
    FrameEncoder encoder,
    int pageSize,
    Executor replays,
    ScheduledExecutorService timers) {
  private static final Logger LOG = LoggerFactory.getLogger(Replay.class);

  /** Starts replaying to a subscription whose start point is set. */
  void start(Subscription s) {
    replays.execute(() -> stepSafely(s));
  }

  /** Stored messages after an id (expired ones included), hot tier first. */
  List<StoredMessage> read(TopicName topic, EntryId after, int limit) {
    Optional<List<Frame>> hot = hotTier.after(topic, after, limit);
    if (hot.isEmpty()) {
      return store.read(topic, after, limit);
    }
    List<StoredMessage> out = new ArrayList<>(hot.get().size());
    for (Frame f : hot.get()) {
      out.add(f.message());
    }
    return out;
  }

  /** One page of replay, then the next on the executor, so replays share the threads fairly. */
  private void step(Subscription s) {
    if (s.isClosed()) {
      return;
    }
    if (!s.outbound().hasRoomForReplay()) {
      later(s, 20);
      return;
    }
    List<Frame> page;
    try {
      page = frames(s.topic(), s.lastSent());
    } catch (StoreUnavailableException e) {
      LOG.debug("Replay of {} waits for the store: {}", s.topic(), e.getMessage());
      later(s, 500);
      return;
    }
    if (page.isEmpty()) {
      if (s.goLive()) {
        return;
      }
    } else {
      s.replayed(page);
    }
    replays.execute(() -> stepSafely(s));
  }

  /** A replay step that failed unexpectedly is retried, never dropped silently. */
  private void stepSafely(Subscription s) {
    try {
      step(s);
    } catch (RuntimeException e) {
      LOG.error("Replay of {} failed; retrying", s.topic(), e);
      later(s, 1_000);
    }
  }

  private void later(Subscription s, long millis) {
    timers.schedule(() -> replays.execute(() -> stepSafely(s)), millis, TimeUnit.MILLISECONDS);
  }

  /** Frames after an id: from the hot tier when it covers them, else encoded from the store. */
  private List<Frame> frames(TopicName topic, EntryId after) {
    Optional<List<Frame>> hot = hotTier.after(topic, after, pageSize);
    if (hot.isPresent()) {
      return hot.get();
    }
    List<StoredMessage> stored = store.read(topic, after, pageSize);
    List<Frame> frames = new ArrayList<>(stored.size());
    for (StoredMessage m : stored) {
      frames.add(encoder.message(topic, m));
    }
    return frames;
  }
}
