package io.pulsarproxy.delivery;

import io.dropwizard.lifecycle.Managed;
import io.pulsarproxy.core.ApiException;
import io.pulsarproxy.core.EntryId;
import io.pulsarproxy.core.StoreUnavailableException;
import io.pulsarproxy.core.StoredMessage;
import io.pulsarproxy.core.TopicName;
import io.pulsarproxy.core.TopicStats;
import io.pulsarproxy.store.MessageStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery core every transport uses. It keeps, per topic, the local subscriptions and
 * long-poll waiters; follows the topics someone here is interested in; replays history to new
 * subscriptions (hot tier first, then the store) before joining them to the live feed.
 */
public final class Delivery implements Managed {
  private static final Logger LOG = LoggerFactory.getLogger(Delivery.class);

  private final MessageStore store;
  private final HotTier hotTier;
  private final FrameEncoder encoder;
  private final Follower follower;
  private final Settings settings;
  private final Clock clock;
  private final Map<TopicName, Interest> topics = new ConcurrentHashMap<>();
  private final ExecutorService replays;
  private final DeliveryLanes lanes;
  private final ScheduledExecutorService timers;

  /** The knobs of the delivery core, from the {@code delivery:} section. */
  public record Settings(
      long subscriberBufferBytes, int replayPageSize, Duration unfollowAfter, int lanes) {}

  public Delivery(
      MessageStore store, HotTier hotTier, FrameEncoder encoder, Settings settings, Clock clock) {
    this.store = store;
    this.hotTier = hotTier;
    this.encoder = encoder;
    this.settings = settings;
    this.clock = clock;
    this.follower = new Follower(store, hotTier, encoder, this::deliverLive, clock);
    this.replays =
        Executors.newFixedThreadPool(
            Math.max(2, Runtime.getRuntime().availableProcessors()), daemon("delivery-replay"));
    this.lanes = new DeliveryLanes(settings.lanes());
    this.timers = Executors.newScheduledThreadPool(1, daemon("delivery-timer"));
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
    register(topic, interest -> interest.subscriptions.add(s));
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
    replays.execute(() -> replayStepSafely(s));
    return s;
  }

  public void unsubscribe(Subscription s) {
    s.close();
    s.outbound().topics().remove(s.topic());
    Interest interest = topics.get(s.topic());
    if (interest != null) {
      interest.subscriptions.remove(s);
      interest.touch(clock.millis());
    }
  }

  /** One page of replay, then the next on the executor, so replays share the threads fairly. */
  private void replayStep(Subscription s) {
    if (s.isClosed()) {
      return;
    }
    if (!s.outbound().hasRoomForReplay()) {
      timers.schedule(() -> replays.execute(() -> replayStepSafely(s)), 20, TimeUnit.MILLISECONDS);
      return;
    }
    List<Frame> page;
    try {
      page = frames(s.topic(), s.lastSent(), settings.replayPageSize());
    } catch (StoreUnavailableException e) {
      LOG.debug("Replay of {} waits for the store: {}", s.topic(), e.getMessage());
      timers.schedule(() -> replays.execute(() -> replayStepSafely(s)), 500, TimeUnit.MILLISECONDS);
      return;
    }
    if (page.isEmpty()) {
      if (s.goLive()) {
        return;
      }
    } else {
      s.replayed(page);
    }
    replays.execute(() -> replayStepSafely(s));
  }

  /** A replay step that failed unexpectedly is retried, never dropped silently. */
  private void replayStepSafely(Subscription s) {
    try {
      replayStep(s);
    } catch (StoreUnavailableException e) {
      throw e;
    } catch (RuntimeException e) {
      LOG.error("Replay of {} failed; retrying", s.topic(), e);
      timers.schedule(() -> replays.execute(() -> replayStepSafely(s)), 1, TimeUnit.SECONDS);
    }
  }

  /** Frames after an id: from the hot tier when it covers them, else encoded from the store. */
  private List<Frame> frames(TopicName topic, EntryId after, int limit) {
    Optional<List<Frame>> hot = hotTier.after(topic, after, limit);
    if (hot.isPresent()) {
      return hot.get();
    }
    List<StoredMessage> stored = store.read(topic, after, limit);
    List<Frame> frames = new ArrayList<>(stored.size());
    for (StoredMessage m : stored) {
      frames.add(encoder.message(topic, m));
    }
    return frames;
  }

  // --- reads and long-polling -------------------------------------------------------------------

  /** Stored messages after an id (expired ones included), hot tier first. */
  public List<StoredMessage> read(TopicName topic, EntryId after, int limit) {
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
    Waiter waiter = new Waiter(topic, after, limit, answer, fail);
    if (wait.isZero()) {
      // A plain read: straight from the store, nothing to follow.
      waiter.retry();
      waiter.complete();
      return;
    }
    // Set before the waiter can be found: a wake-up may answer it at once.
    waiter.onDone =
        () -> {
          Interest interest = topics.get(topic); // cannot be swept while the waiter is in it
          if (interest != null) {
            interest.waiters.remove(waiter);
            interest.touch(clock.millis());
          }
        };
    register(topic, i -> i.waiters.add(waiter));
    try {
      follower.follow(topic);
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

  // --- the live feed ----------------------------------------------------------------------------

  private void deliverLive(TopicName topic, List<Frame> frames) {
    Interest interest = topics.get(topic);
    if (interest == null) {
      return;
    }
    lanes.deliver(interest.subscriptions, frames);
    for (Waiter w : interest.waiters) {
      replays.execute(w::retry);
    }
  }

  /** Adds to a topic's interest atomically with respect to {@link #sweep()}. */
  private Interest register(TopicName topic, Consumer<Interest> add) {
    return topics.compute(
        topic,
        (t, interest) -> {
          Interest i = interest == null ? new Interest() : interest;
          add.accept(i);
          return i;
        });
  }

  /** Unfollows topics nobody here has wanted for {@code unfollowAfter}. */
  private void sweep() {
    long idleSince = clock.millis() - settings.unfollowAfter().toMillis();
    for (TopicName topic : topics.keySet()) {
      topics.computeIfPresent(
          topic,
          (t, interest) -> {
            if (!interest.isIdleSince(idleSince)) {
              return interest;
            }
            follower.unfollow(t);
            return null;
          });
    }
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
  }

  @Override
  public void stop() throws InterruptedException {
    follower.stop();
    timers.shutdownNow();
    replays.shutdownNow();
    lanes.stop();
  }

  /** Who on this instance wants a topic. */
  private static final class Interest {
    final Set<Subscription> subscriptions = ConcurrentHashMap.newKeySet();
    final Set<Waiter> waiters = ConcurrentHashMap.newKeySet();
    volatile long lastWanted = Long.MAX_VALUE;

    void touch(long now) {
      lastWanted = now;
    }

    boolean isIdleSince(long millis) {
      return subscriptions.isEmpty() && waiters.isEmpty() && lastWanted < millis;
    }
  }

  /**
   * One long-poll request waiting for messages; answers exactly once. Its cursor moves past expired
   * messages, so they never hold back newer ones.
   */
  private final class Waiter {
    private final TopicName topic;
    private final int limit;
    private final Consumer<Page> answer;
    private final Consumer<RuntimeException> failure;
    private final AtomicBoolean done = new AtomicBoolean();
    private volatile EntryId cursor;
    private boolean readStore = true;
    volatile Runnable onDone = () -> {};

    Waiter(
        TopicName topic,
        EntryId after,
        int limit,
        Consumer<Page> answer,
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
    synchronized void retry() {
      try {
        while (!done.get()) {
          List<StoredMessage> raw =
              readStore ? store.read(topic, cursor, limit) : read(topic, cursor, limit);
          readStore = false;
          if (raw.isEmpty()) {
            return;
          }
          EntryId last = raw.get(raw.size() - 1).id();
          List<StoredMessage> found = liveOnly(raw);
          if (!found.isEmpty()) {
            finish(() -> answer.accept(new Page(found, last)));
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
      finish(() -> answer.accept(new Page(List.of(), next)));
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

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
