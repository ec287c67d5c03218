package io.pulsarproxy.delivery;

import io.pulsarproxy.core.TopicName;
import io.pulsarproxy.store.ConsumerGroups;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Fetches from a consumer group that wait, like long-polls, without holding a thread: a fetch that
 * finds nothing waits for the topic's next entries (the follower's hand-overs wake it) and, for
 * messages that become due again (an ack timeout ran out, a nack's delay passed), fetches again
 * every {@link #RECHECK} until its wait runs out.
 */
final class GroupFetches {
  /** How often a waiting fetch looks for messages due again; new ones wake it at once. */
  static final Duration RECHECK = Duration.ofMillis(500);

  private final ConsumerGroups groups;
  private final Interests interests;
  private final Consumer<TopicName> follow;
  private final Executor work;
  private final ScheduledExecutorService timers;
  private final Clock clock;
  private final GroupMetrics metrics;

  GroupFetches(
      ConsumerGroups groups,
      Interests interests,
      Consumer<TopicName> follow,
      Executor work,
      ScheduledExecutorService timers,
      Clock clock,
      GroupMetrics metrics) {
    this.groups = groups;
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
}
