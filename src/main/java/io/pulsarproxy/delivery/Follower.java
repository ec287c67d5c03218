package io.pulsarproxy.delivery;

import io.pulsarproxy.core.EntryId;
import io.pulsarproxy.core.StoreUnavailableException;
import io.pulsarproxy.core.StoredMessage;
import io.pulsarproxy.core.TopicName;
import io.pulsarproxy.store.MessageStore;
import io.pulsarproxy.store.MessageTail;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread per instance that reads new entries of every followed topic from the store (one
 * blocking multi-topic read at a time), puts them in the hot tier and hands them, in order, to the
 * local subscribers. Publishers never talk to subscribers: a message published through any instance
 * reaches this instance's subscribers through here.
 */
final class Follower {
  private static final Logger LOG = LoggerFactory.getLogger(Follower.class);
  private static final Duration BLOCK = Duration.ofSeconds(1);
  private static final int COUNT_PER_TOPIC = 1000;

  private final MessageStore store;
  private final HotTier hotTier;
  private final FrameEncoder encoder;
  private final BiConsumer<TopicName, List<Frame>> deliver;
  private final Clock clock;
  private final Map<TopicName, EntryId> positions = new ConcurrentHashMap<>();
  private final Object topicsChanged = new Object();
  private boolean topicSetChanged = true; // guarded by topicsChanged

  /**
   * The positions as the follower thread passes them to the tail: the same map for as long as the
   * followed topics stay the same (the tail then compares nothing per topic), a new one when they
   * change. Only the follower thread touches it.
   */
  private Map<TopicName, EntryId> snapshot = Map.of();

  private volatile MessageTail tail;
  private volatile boolean running;
  private volatile long lastReadMillis;
  private final ExecutorService thread;
  private Future<?> loop;

  Follower(
      MessageStore store,
      HotTier hotTier,
      FrameEncoder encoder,
      BiConsumer<TopicName, List<Frame>> deliver,
      Clock clock,
      ExecutorService thread) {
    this.store = store;
    this.thread = thread;
    this.hotTier = hotTier;
    this.encoder = encoder;
    this.deliver = deliver;
    this.clock = clock;
  }

  /**
   * Starts following a topic from its current end, unless already followed. Synchronous: once it
   * returns, every entry appended later reaches {@code deliver}.
   *
   * @throws StoreUnavailableException when the topic's end cannot be read
   */
  void follow(TopicName topic) {
    if (positions.containsKey(topic)) {
      return;
    }
    // Read outside the lock: a slow store must not hold up the follower's hand-overs.
    EntryId end = store.stats(topic).lastIdOrZero();
    synchronized (topicsChanged) {
      if (positions.containsKey(topic)) {
        return;
      }
      hotTier.startCovering(topic, end);
      positions.put(topic, end);
      topicSetChanged = true;
      topicsChanged.notifyAll();
    }
    MessageTail t = tail;
    if (t != null) {
      t.wakeUp();
    }
  }

  void unfollow(TopicName topic) {
    synchronized (topicsChanged) {
      if (positions.remove(topic) != null) {
        topicSetChanged = true;
      }
      hotTier.drop(topic);
    }
  }

  int followedTopics() {
    return positions.size();
  }

  /** Millis of the last successful read, for health: a stuck follower stops moving it. */
  long lastReadMillis() {
    return lastReadMillis;
  }

  void start() {
    tail = store.openTail();
    running = true;
    lastReadMillis = clock.millis();
    loop = thread.submit(this::run);
  }

  void stop() throws InterruptedException {
    running = false;
    synchronized (topicsChanged) {
      topicsChanged.notifyAll();
    }
    tail.close();
    try {
      loop.get(BLOCK.toMillis() + 5_000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      LOG.warn("The follower did not stop cleanly: {}", e.toString());
      loop.cancel(true);
    }
  }

  private void run() {
    boolean failing = false;
    while (running) {
      synchronized (topicsChanged) {
        while (running && positions.isEmpty()) {
          lastReadMillis = clock.millis();
          try {
            topicsChanged.wait(BLOCK.toMillis());
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
        }
        if (topicSetChanged) {
          snapshot = new HashMap<>(positions);
          topicSetChanged = false;
        }
      }
      if (!running) {
        return;
      }
      try {
        Map<TopicName, List<StoredMessage>> read = tail.read(snapshot, COUNT_PER_TOPIC, BLOCK);
        lastReadMillis = clock.millis();
        if (failing) {
          LOG.info("Following streams again after a store outage");
          failing = false;
        }
        read.forEach(this::handOver);
      } catch (StoreUnavailableException e) {
        if (!failing) {
          LOG.warn("Cannot follow streams, retrying: {}", e.getMessage());
          failing = true;
        }
        pause(Duration.ofMillis(500));
      } catch (RuntimeException e) {
        LOG.error("Follower failed to hand over entries; continuing", e);
        pause(Duration.ofMillis(500));
      }
    }
  }

  private void handOver(TopicName topic, List<StoredMessage> messages) {
    if (messages.isEmpty()) {
      return;
    }
    List<Frame> frames = new ArrayList<>(messages.size());
    for (StoredMessage m : messages) {
      frames.add(encoder.message(topic, m));
    }
    EntryId last = frames.get(frames.size() - 1).id();
    synchronized (topicsChanged) {
      // Skip a topic unfollowed while the read was under way.
      if (positions.replace(topic, last) == null) {
        return;
      }
      snapshot.replace(topic, last);
      try {
        hotTier.append(topic, frames);
      } catch (RuntimeException e) {
        LOG.error("Hot tier refused entries of {}; delivering them anyway", topic, e);
      }
    }
    deliver.accept(topic, frames);
  }

  private static void pause(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
