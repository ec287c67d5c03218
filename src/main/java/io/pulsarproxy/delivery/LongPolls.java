package io.pulsarproxy.delivery;

import io.pulsarproxy.core.EntryId;
import io.pulsarproxy.core.StoredMessage;
import io.pulsarproxy.core.TopicName;
import io.pulsarproxy.store.MessageStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Long-polls and plain reads: a waiter answers with the unexpired messages after its cursor as soon
 * as there are some, or with an empty page when its wait runs out, and holds no thread while it
 * waits. The follower's hand-overs wake the waiters of their topic.
 */
final class LongPolls {
  private final MessageStore store;
  private final Replay reads;
  private final Interests interests;
  private final Consumer<TopicName> follow;
  private final ScheduledExecutorService timers;
  private final Clock clock;

  LongPolls(
      MessageStore store,
      Replay reads,
      Interests interests,
      Consumer<TopicName> follow,
      ScheduledExecutorService timers,
      Clock clock) {
    this.store = store;
    this.reads = reads;
    this.interests = interests;
    this.follow = follow;
    this.timers = timers;
    this.clock = clock;
  }

  /** See {@link Delivery#poll}. */
  void poll(
      TopicName topic,
      EntryId after,
      int limit,
      Duration wait,
      Consumer<Delivery.Page> answer,
      Consumer<RuntimeException> fail) {
    Waiter waiter = new Waiter(topic, after, limit, answer, fail);
    if (wait.isZero()) {
      // A plain read: straight from the store, nothing to follow.
      waiter.retry();
      waiter.complete();
      return;
    }
    // Set before the waiter can be found: a wake-up may answer it at once.
    waiter.onDone = () -> interests.remove(topic, i -> i.waiters.remove(waiter), clock.millis());
    interests.register(topic, i -> i.waiters.add(waiter));
    try {
      follow.accept(topic);
    } catch (RuntimeException e) {
      waiter.fail(e);
      return;
    }
    waiter.retry();
    timers.schedule(waiter::complete, wait.toMillis(), TimeUnit.MILLISECONDS);
  }

  private List<StoredMessage> liveOnly(List<StoredMessage> messages) {
    long now = clock.millis();
    List<StoredMessage> out = new ArrayList<>(messages.size());
    for (StoredMessage m : messages) {
      if (!m.expiredAt(now)) {
        out.add(m);
      }
    }
    return out;
  }

  /**
   * One long-poll request waiting for messages; answers exactly once. Its cursor moves past expired
   * messages, so they never hold back newer ones.
   */
  final class Waiter implements Interests.Waiter {
    private final TopicName topic;
    private final int limit;
    private final Consumer<Delivery.Page> answer;
    private final Consumer<RuntimeException> failure;
    private final AtomicBoolean done = new AtomicBoolean();
    private volatile EntryId cursor;
    private boolean readStore = true;
    private volatile Runnable onDone = () -> {};

    Waiter(
        TopicName topic,
        EntryId after,
        int limit,
        Consumer<Delivery.Page> answer,
        Consumer<RuntimeException> failure) {
      this.topic = topic;
      this.cursor = after;
      this.limit = limit;
      this.answer = answer;
      this.failure = failure;
    }

    /**
     * Reads after the cursor; answers if anything unexpired is there. The first read goes to the
     * store, which may be ahead of the follower (and so of the hot tier); wake-ups come from the
     * follower, so the hot tier has what they announce.
     */
    @Override
    public synchronized void retry() {
      try {
        while (!done.get()) {
          List<StoredMessage> raw =
              readStore ? store.read(topic, cursor, limit) : reads.read(topic, cursor, limit);
          readStore = false;
          if (raw.isEmpty()) {
            return;
          }
          EntryId last = raw.get(raw.size() - 1).id();
          List<StoredMessage> found = liveOnly(raw);
          if (!found.isEmpty()) {
            finish(() -> answer.accept(new Delivery.Page(found, last)));
            return;
          }
          // Only expired messages: move past them. The cursor never passes an unanswered one,
          // so a time-out answering concurrently cannot skip anything.
          cursor = last;
        }
      } catch (RuntimeException e) {
        fail(e);
      }
    }

    /** Answers with what there is: nothing, when the wait ran out. Never waits for a read. */
    void complete() {
      EntryId next = cursor;
      finish(() -> answer.accept(new Delivery.Page(List.of(), next)));
    }

    void fail(RuntimeException e) {
      finish(() -> failure.accept(e));
    }

    private void finish(Runnable reply) {
      if (done.compareAndSet(false, true)) {
        onDone.run();
        reply.run();
      }
    }
  }
}
