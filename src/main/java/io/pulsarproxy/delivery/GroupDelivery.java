package io.pulsarproxy.delivery;

import io.pulsarproxy.core.EntryId;
import io.pulsarproxy.core.TopicName;
import io.pulsarproxy.store.ConsumerGroups;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumer groups on the delivery core, two ways. A fetch (HTTP) that finds nothing waits, like a
 * long-poll, without holding a thread; a push subscription (WebSocket) is fed whenever it has room
 * under its prefetch. Both wait for the topic's next entries (the follower's hand-overs wake them)
 * and, for messages that become due again (an ack timeout ran out, a nack's delay passed), look
 * again every {@link #RECHECK}.
 */
final class GroupDelivery {
  private static final Logger LOG = LoggerFactory.getLogger(GroupDelivery.class);

  /** How often a waiting fetch looks for messages due again; new ones wake it at once. */
  static final Duration RECHECK = Duration.ofMillis(500);

  private final ConsumerGroups groups;
  private final Interests interests;
  private final Consumer<TopicName> follow;
  private final Executor work;
  private final ScheduledExecutorService timers;
  private final Clock clock;
  private final GroupMetrics metrics;
  private final FrameEncoder encoder;

  GroupDelivery(
      ConsumerGroups groups,
      FrameEncoder encoder,
      Interests interests,
      Consumer<TopicName> follow,
      Executor work,
      ScheduledExecutorService timers,
      Clock clock,
      GroupMetrics metrics) {
    this.groups = groups;
    this.encoder = encoder;
    this.interests = interests;
    this.follow = follow;
    this.work = work;
    this.timers = timers;
    this.clock = clock;
    this.metrics = metrics;
  }

  /** What a fetch asks for. */
  record Request(TopicName topic, String group, String consumer, int max, Duration waitFor) {}

  /** See {@link Delivery#fetch}. */
  void fetch(
      Request request, Consumer<ConsumerGroups.Fetched> answer, Consumer<RuntimeException> fail) {
    Waiter waiter = new Waiter(request, answer, fail);
    if (request.waitFor().isZero()) {
      waiter.retry();
      waiter.complete();
      return;
    }
    interests.register(request.topic(), i -> i.waiters.add(waiter));
    try {
      follow.accept(request.topic());
    } catch (RuntimeException e) {
      waiter.fail(e);
      return;
    }
    waiter.retry();
    long every = Math.min(RECHECK.toMillis(), request.waitFor().toMillis());
    waiter.recheck =
        timers.scheduleWithFixedDelay(
            () -> work.execute(waiter::retry), every, every, TimeUnit.MILLISECONDS);
    timers.schedule(
        () -> work.execute(waiter::complete), request.waitFor().toMillis(), TimeUnit.MILLISECONDS);
  }

  /** One waiting fetch; answers exactly once, and never claims messages after it has. */
  private final class Waiter implements Interests.Waiter {
    private final Request request;
    private final Consumer<ConsumerGroups.Fetched> answer;
    private final Consumer<RuntimeException> failure;
    private boolean done;
    private volatile ScheduledFuture<?> recheck;

    Waiter(
        Request request,
        Consumer<ConsumerGroups.Fetched> answer,
        Consumer<RuntimeException> failure) {
      this.request = request;
      this.answer = answer;
      this.failure = failure;
    }

    @Override
    public synchronized void retry() {
      if (done) {
        return;
      }
      ConsumerGroups.Fetched fetched;
      try {
        fetched = groups.fetch(request.topic(), request.group(), request.consumer(), request.max());
      } catch (RuntimeException e) {
        fail(e);
        return;
      }
      metrics.fetched(request.topic(), request.group(), fetched);
      if (!fetched.messages().isEmpty()) {
        finish();
        answer.accept(fetched);
      }
    }

    /** The wait ran out: an empty answer. */
    synchronized void complete() {
      if (!done) {
        finish();
        answer.accept(new ConsumerGroups.Fetched(List.of(), 0, 0, 0));
      }
    }

    synchronized void fail(RuntimeException e) {
      if (!done) {
        finish();
        failure.accept(e);
      }
    }

    private void finish() {
      done = true;
      ScheduledFuture<?> r = recheck;
      if (r != null) {
        r.cancel(false);
      }
      interests.remove(request.topic(), i -> i.waiters.remove(this), clock.millis());
    }
  }

  /**
   * Starts pushing a group's messages to a connection, up to {@code prefetch} in flight.
   *
   * @throws RuntimeException when the store cannot be asked for the first messages
   */
  GroupSubscription push(
      Outbound out, TopicName topic, String group, String consumer, int prefetch) {
    Push push = new Push(out, topic, group, consumer, prefetch);
    interests.register(topic, i -> i.waiters.add(push));
    try {
      follow.accept(topic);
      // The first messages follow the subscribed frame, which follows their fetch: a store that
      // cannot answer refuses the subscribe before anything is sent.
      push.pump(
          () ->
              out.sendControl(
                  "subscribed",
                  encoder.control(
                      "subscribed", "topic", topic.value(), "group", group, "consumer", consumer)));
    } catch (RuntimeException e) {
      push.close(false);
      throw e;
    }
    push.recheck =
        timers.scheduleWithFixedDelay(
            () -> push.wake(work), RECHECK.toMillis(), RECHECK.toMillis(), TimeUnit.MILLISECONDS);
    return push;
  }

  /** One connection's push subscription to a group. */
  private final class Push implements GroupSubscription, Interests.Waiter {
    private final Outbound out;
    private final TopicName topic;
    private final String group;
    private final String consumer;
    private final int prefetch;
    private final Set<EntryId> inFlight = new HashSet<>();
    private boolean closed;
    private volatile ScheduledFuture<?> recheck;

    /** A fetch is queued: further wake-ups until it runs add nothing, it will see their entries. */
    private final AtomicBoolean queued = new AtomicBoolean();

    Push(Outbound out, TopicName topic, String group, String consumer, int prefetch) {
      this.out = out;
      this.topic = topic;
      this.group = group;
      this.consumer = consumer;
      this.prefetch = prefetch;
    }

    /** New entries, or the recheck: fill the room under the prefetch, once per burst of them. */
    @Override
    public void wake(Executor executor) {
      if (queued.compareAndSet(false, true)) {
        executor.execute(
            () -> {
              queued.set(false);
              retry();
            });
      }
    }

    @Override
    public void retry() {
      try {
        pump(() -> {});
      } catch (RuntimeException e) {
        LOG.debug("Group {} of {} waits for the store: {}", group, topic, e.getMessage());
      }
    }

    /** Fetches what fits under the prefetch, runs {@code first}, then sends the messages. */
    private synchronized void pump(Runnable first) {
      if (closed || out.isClosed()) {
        return;
      }
      int room = prefetch - inFlight.size();
      ConsumerGroups.Fetched fetched =
          room > 0
              ? groups.fetch(topic, group, consumer, room)
              : new ConsumerGroups.Fetched(List.of(), 0, 0, 0);
      metrics.fetched(topic, group, fetched);
      first.run();
      for (ConsumerGroups.Delivery d : fetched.messages()) {
        inFlight.add(d.message().id());
        out.sendControl(
            "message", encoder.groupMessage(topic, group, d.message(), d.deliveryCount()));
      }
    }

    @Override
    public int ack(List<EntryId> ids) {
      int acked = groups.ack(topic, group, ids);
      metrics.acked(acked);
      done(ids);
      return acked;
    }

    @Override
    public int nack(List<EntryId> ids, Duration delay) {
      int nacked = groups.nack(topic, group, consumer, ids, delay);
      metrics.nacked(nacked);
      done(ids);
      return nacked;
    }

    /** Room under the prefetch again: fetch more, off the caller's thread. */
    private void done(List<EntryId> ids) {
      synchronized (this) {
        ids.forEach(inFlight::remove);
      }
      wake(work);
    }

    @Override
    public void close(boolean handBack) {
      List<EntryId> unacked;
      synchronized (this) {
        if (closed) {
          return;
        }
        closed = true;
        unacked = List.copyOf(inFlight);
        inFlight.clear();
      }
      ScheduledFuture<?> r = recheck;
      if (r != null) {
        r.cancel(false);
      }
      interests.remove(topic, i -> i.waiters.remove(this), clock.millis());
      if (handBack && !unacked.isEmpty()) {
        work.execute(
            () -> {
              try {
                groups.nack(topic, group, consumer, unacked, Duration.ZERO);
              } catch (RuntimeException e) {
                LOG.debug(
                    "Handing back {} messages of group {} failed: {}",
                    unacked.size(),
                    group,
                    e.getMessage());
              }
            });
      }
    }
  }
}
