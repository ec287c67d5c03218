package io.pulsarproxy.delivery;

import io.dropwizard.lifecycle.Managed;
import io.pulsarproxy.core.ApiException;
import io.pulsarproxy.core.EntryId;
import io.pulsarproxy.core.RetentionPolicy;
import io.pulsarproxy.core.StoreUnavailableException;
import io.pulsarproxy.core.StoredMessage;
import io.pulsarproxy.core.TopicName;
import io.pulsarproxy.core.TopicStats;
import io.pulsarproxy.metrics.ProxyMetrics;
import io.pulsarproxy.store.ConsumerGroups;
import io.pulsarproxy.store.MessageStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The delivery core every transport uses. It keeps, per topic, who here wants it ({@link
 * Interests}); follows the topics someone wants ({@link Follower}) and hands what arrives to the
 * live subscriptions ({@link DeliveryLanes}) and waiting long-polls ({@link LongPolls}); replays
 * history to new subscriptions before they join the live feed ({@link Replay}).
 */
public final class Delivery implements Managed {
  private final MessageStore store;
  private final HotTier hotTier;
  private final FrameEncoder encoder;
  private final Follower follower;
  private final Settings settings;
  private final Clock clock;
  private final Interests interests = new Interests();
  private final Replay replay;
  private final LongPolls longPolls;
  private final GroupDelivery groupDelivery;
  private final GroupMetrics groupMetrics;
  private final java.util.concurrent.Executor work;
  private final DeliveryLanes lanes;
  private final ScheduledExecutorService timers;

  /** The knobs of the delivery core, from the {@code delivery:} section. */
  public record Settings(
      long hotTierMaxBytes,
      long subscriberBufferBytes,
      int replayPageSize,
      Duration unfollowAfter,
      int lanes) {}

  /**
   * The threads of the delivery core, each made and stopped by the application's lifecycle.
   *
   * @param work replay pages and long-poll reads
   * @param timers retries, long-poll time-outs, the sweep of unwanted topics
   * @param lanes one thread per delivery lane
   * @param follower the follower's one thread
   */
  public record Threads(
      ExecutorService work,
      ScheduledExecutorService timers,
      ExecutorService lanes,
      ExecutorService follower) {}

  public Delivery(
      MessageStore store,
      RetentionPolicy retention,
      Settings settings,
      Clock clock,
      Threads threads,
      ProxyMetrics metrics) {
    this.store = store;
    this.settings = settings;
    this.clock = clock;
    this.hotTier = new HotTier(retention, settings.hotTierMaxBytes(), clock);
    this.encoder = new FrameEncoder();
    this.timers = threads.timers();
    this.follower =
        new Follower(store, hotTier, encoder, this::deliverLive, clock, threads.follower());
    this.replay =
        new Replay(
            store, hotTier, encoder, settings.replayPageSize(), threads.work(), threads.timers());
    this.longPolls =
        new LongPolls(store, replay, interests, follower::follow, threads.timers(), clock);
    this.groupMetrics = new GroupMetrics(store.groups(), metrics);
    this.groupDelivery =
        new GroupDelivery(
            store.groups(),
            encoder,
            interests,
            follower::follow,
            threads.work(),
            threads.timers(),
            clock,
            groupMetrics);
    this.work = threads.work();
    this.lanes = new DeliveryLanes(settings.lanes(), threads.lanes());
  }

  public FrameEncoder encoder() {
    return encoder;
  }

  // --- subscriptions (WebSocket, SSE) -----------------------------------------------------------

  /** Where a subscription starts: after an id, at the end, or at the oldest retained entry. */
  public sealed interface From permits From.Latest, From.Earliest, From.After {
    record Latest() implements From {}

    record Earliest() implements From {}

    record After(EntryId id) implements From {}

    /**
     * Parses {@code latest} (also when null), {@code earliest} or an entry id.
     *
     * @throws ApiException 400 when it is none of these
     */
    static From parse(String text) {
      if (text == null || text.equals("latest")) {
        return new Latest();
      }
      if (text.equals("earliest")) {
        return new Earliest();
      }
      return new After(EntryId.parse(text, "from"));
    }
  }

  /**
   * Subscribes a connection to a topic: sends {@code subscribed} (and {@code gap} when retention
   * has dropped messages after the requested id), replays what is stored after the start point,
   * then delivers live.
   *
   * @throws StoreUnavailableException when the store cannot say where the topic stands
   */
  public Subscription subscribe(Outbound out, TopicName topic, From from) {
    Subscription s =
        new Subscription(out, lanes.laneOf(out), topic, settings.subscriberBufferBytes(), clock);
    // Registered before anything is read, so nothing published from now on can be missed.
    interests.register(topic, interest -> interest.subscriptions.add(s));
    try {
      follower.follow(topic);
      EntryId start;
      String gapFrame = null;
      Optional<EntryId> followed = hotTier.end(topic);
      if (from instanceof From.Earliest) {
        start = EntryId.ZERO;
      } else if (from instanceof From.Latest && followed.isPresent()) {
        // A busy topic: where the follower stands is "now"; no store call.
        start = followed.get();
      } else if (from instanceof From.After after && hotTier.covers(topic, after.id())) {
        start = after.id(); // everything after it is in the hot tier: no gap possible
      } else {
        TopicStats stats = store.stats(topic);
        if (from instanceof From.After after) {
          start = after.id();
          if (stats.hasGapAfter(start)) {
            // Continue from the first available entry, even if the hot tier has older ones.
            if (stats.firstId() != null) {
              start = stats.firstId().previous();
            }
            gapFrame =
                encoder.control(
                    "gap",
                    "topic",
                    topic.value(),
                    "requested",
                    after.id().toString(),
                    "first_available",
                    stats.firstId() == null ? null : stats.firstId().toString());
          }
        } else {
          start = stats.lastIdOrZero();
        }
      }
      s.startAfter(start);
      out.sendControl(
          "subscribed",
          encoder.control("subscribed", "topic", topic.value(), "from", start.toString()));
      if (gapFrame != null) {
        out.sendControl("gap", gapFrame);
      }
    } catch (RuntimeException e) {
      unsubscribe(s);
      throw e;
    }
    out.topics().add(topic);
    replay.start(s);
    return s;
  }

  public void unsubscribe(Subscription s) {
    s.close();
    s.outbound().topics().remove(s.topic());
    interests.remove(s.topic(), interest -> interest.subscriptions.remove(s), clock.millis());
  }

  // --- reads and long-polling -------------------------------------------------------------------

  /** Stored messages after an id (expired ones included), hot tier first. */
  public List<StoredMessage> read(TopicName topic, EntryId after, int limit) {
    return replay.read(topic, after, limit);
  }

  /** Messages that have not expired, and the id to read after next time. */
  public record Page(List<StoredMessage> messages, EntryId next) {}

  /**
   * Answers with the unexpired messages after {@code after} as soon as there are some, or with an
   * empty page after {@code wait}. Holds no thread while waiting.
   */
  public void poll(
      TopicName topic,
      EntryId after,
      int limit,
      Duration wait,
      Consumer<Page> answer,
      Consumer<RuntimeException> fail) {
    longPolls.poll(topic, after, limit, wait, answer, fail);
  }

  // --- consumer groups --------------------------------------------------------------------------

  /**
   * Hands up to {@code max} messages of a consumer group to {@code consumer} as soon as there are
   * some (new ones, or ones due again), or answers an empty fetch after {@code wait}. Holds no
   * thread while waiting.
   */
  public void fetch(
      TopicName topic,
      String group,
      String consumer,
      int max,
      Duration wait,
      Consumer<ConsumerGroups.Fetched> answer,
      Consumer<RuntimeException> fail) {
    groupDelivery.fetch(new GroupDelivery.Request(topic, group, consumer, max, wait), answer, fail);
  }

  /**
   * Pushes a consumer group's messages to a connection (a WebSocket), up to {@code prefetch} not
   * yet acked at a time.
   *
   * @throws StoreUnavailableException when the store cannot be asked
   */
  public GroupSubscription subscribeGroup(
      Outbound out, TopicName topic, String group, String consumer, int prefetch) {
    return groupDelivery.push(out, topic, group, consumer, prefetch);
  }

  /** Acks messages of a group; returns how many were pending. */
  public int ack(TopicName topic, String group, List<EntryId> ids) {
    int acked = store.groups().ack(topic, group, ids);
    groupMetrics.acked(acked);
    return acked;
  }

  /** Makes pending messages of a group due again after {@code delay}; returns how many. */
  public int nack(
      TopicName topic, String group, String consumer, List<EntryId> ids, Duration delay) {
    int nacked = store.groups().nack(topic, group, consumer, ids, delay);
    groupMetrics.nacked(nacked);
    return nacked;
  }

  // --- the live feed ----------------------------------------------------------------------------

  private void deliverLive(TopicName topic, List<Frame> frames) {
    Interests.Interest interest = interests.get(topic);
    if (interest == null) {
      return;
    }
    lanes.deliver(interest.subscriptions, frames);
    for (Interests.Waiter w : interest.waiters) {
      w.wake(work);
    }
  }

  /** Unfollows topics nobody here has wanted for {@code unfollowAfter}. */
  private void sweep() {
    interests.sweep(
        clock.millis() - settings.unfollowAfter().toMillis(),
        topic -> {
          follower.unfollow(topic);
          return true;
        });
  }

  public int followedTopics() {
    return follower.followedTopics();
  }

  public long hotTierBytes() {
    return hotTier.bytes();
  }

  public int hotTierEntries() {
    return hotTier.entries();
  }

  /** Trims the store and the hot tier exactly; returns the entries removed from the store. */
  public long trim(TopicName topic, io.pulsarproxy.store.Trim trim) {
    long removed = store.trim(topic, trim);
    hotTier.trim(topic, trim);
    return removed;
  }

  /** Seconds since the follower last read, or 0 when it follows nothing (nothing to lag on). */
  public long followerLagSeconds() {
    return follower.followedTopics() == 0
        ? 0
        : Math.max(0, (clock.millis() - follower.lastReadMillis()) / 1000);
  }

  public long followerLastReadMillis() {
    return follower.lastReadMillis();
  }

  @Override
  public void start() {
    follower.start();
    long every = Math.max(1_000, settings.unfollowAfter().toMillis() / 4);
    timers.scheduleWithFixedDelay(this::sweep, every, every, TimeUnit.MILLISECONDS);
    timers.scheduleWithFixedDelay(groupMetrics::refresh, 10, 10, TimeUnit.SECONDS);
  }

  @Override
  public void stop() throws InterruptedException {
    follower.stop();
    lanes.stop();
  }
}
