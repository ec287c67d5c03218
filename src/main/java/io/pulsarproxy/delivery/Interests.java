package io.pulsarproxy.delivery;

import io.pulsarproxy.core.TopicName;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Who on this instance wants each topic: its live subscriptions and its waiting long-polls. A topic
 * nobody has wanted for a while is swept, and the follower stops following it.
 */
final class Interests {
  private final Map<TopicName, Interest> topics = new ConcurrentHashMap<>();

  /** A request waiting for a topic's next entries: a long-poll, a group fetch. */
  interface Waiter {
    /** Reads again; answers if there is something now. Never called concurrently with itself. */
    void retry();

    /** New entries arrived: read again on {@code work}. */
    default void wake(Executor work) {
      work.execute(this::retry);
    }
  }

  /** One topic's subscribers and waiters. */
  static final class Interest {
    final Set<Subscription> subscriptions = ConcurrentHashMap.newKeySet();
    final Set<Waiter> waiters = ConcurrentHashMap.newKeySet();
    private volatile long lastWanted = Long.MAX_VALUE;

    void touch(long now) {
      lastWanted = now;
    }

    boolean isIdleSince(long millis) {
      return subscriptions.isEmpty() && waiters.isEmpty() && lastWanted < millis;
    }
  }

  /** Adds to a topic's interest atomically with respect to {@link #sweep}. */
  void register(TopicName topic, Consumer<Interest> add) {
    topics.compute(
        topic,
        (t, interest) -> {
          Interest i = interest == null ? new Interest() : interest;
          add.accept(i);
          return i;
        });
  }

  /** The interest in a topic, or null when nobody here wants it. */
  Interest get(TopicName topic) {
    return topics.get(topic);
  }

  /** Removes from a topic's interest and notes when it was last wanted. */
  void remove(TopicName topic, Consumer<Interest> remove, long now) {
    Interest interest = topics.get(topic);
    if (interest != null) {
      remove.accept(interest);
      interest.touch(now);
    }
  }

  /** Drops every topic idle since {@code idleSince}, telling {@code dropped} of each. */
  void sweep(long idleSince, Predicate<TopicName> dropped) {
    for (TopicName topic : topics.keySet()) {
      topics.computeIfPresent(
          topic,
          (t, interest) -> interest.isIdleSince(idleSince) && dropped.test(t) ? null : interest);
    }
  }
}
