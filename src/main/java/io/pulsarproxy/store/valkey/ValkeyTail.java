package io.pulsarproxy.store.valkey;

import io.pulsarproxy.core.EntryId;
import io.pulsarproxy.core.StoreUnavailableException;
import io.pulsarproxy.core.StoredMessage;
import io.pulsarproxy.core.TopicName;
import io.pulsarproxy.store.MessageTail;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.BuilderFactory;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.CommandObject;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.XReadParams;
import redis.clients.jedis.resps.StreamEntry;

/**
 * Follows topics on two dedicated connections, whatever their number.
 *
 * <p>The append script announces each append's topic on {@value #CHANNEL}; a listener collects the
 * announced topics, and a read fetches only the streams that changed, with one non-blocking {@code
 * XREAD}. A blocking {@code XREAD} over every followed stream would cost Valkey work for every
 * stream on every call, and send every key each time: at 5,000 topics one such call took 6 ms of
 * the server's time, which bounded both latency and throughput.
 *
 * <p>An announcement can be missed (the listener reconnecting, an entry some other writer added),
 * so every followed stream is read in full once a second, after every failure, and whenever the
 * listener is not subscribed; a missed announcement costs latency, never a message. While the
 * listener is down, reads fall back to a blocking {@code XREAD} over every stream, interrupted by
 * {@code CLIENT UNBLOCK} when the topic set changes.
 */
final class ValkeyTail implements MessageTail {
  /** Where append.lua announces the topic of each append. */
  static final String CHANNEL = "pp:appended";

  private static final Logger LOG = LoggerFactory.getLogger(ValkeyTail.class);
  private static final long FULL_READ_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);

  /**
   * The follower reads at least once a second while it follows anything; a listener that has seen
   * no read for this long stops listening until the next one, so that an instance with no
   * subscribers pays nothing for the announcements of every publish.
   */
  private static final long IDLE_AFTER_NANOS = TimeUnit.SECONDS.toNanos(3);

  private final Supplier<Jedis> connect;
  private final UnifiedJedis pool;
  private final EntryCodec codec;
  private final Set<String> changed = new HashSet<>(); // guarded by itself
  private volatile boolean subscribed;
  private volatile boolean woken;
  private volatile boolean running = true;
  private volatile Jedis listenerConnection;
  private Jedis connection;
  private volatile long clientId = -1;
  private Set<TopicName> lastFollowed = Set.of();
  private Map<TopicName, EntryId> lastAfter;
  private Set<TopicName> newlyFollowed = Set.of();

  /** The topics followed, as announced: announcements of any other topic are dropped unread. */
  private volatile Set<String> followedNames = Set.of();

  private volatile long lastReadNanos = System.nanoTime();
  private final Object listenerGate = new Object();
  private boolean fullReadDue = true;
  private long nextFullRead;

  /**
   * @param loops where the announcement listener runs its loop until {@link #close()}
   */
  ValkeyTail(Supplier<Jedis> connect, UnifiedJedis pool, EntryCodec codec, Executor loops) {
    this.connect = connect;
    this.pool = pool;
    this.codec = codec;
    loops.execute(this::listen);
  }

  @Override
  public Map<TopicName, List<StoredMessage>> read(
      Map<TopicName, EntryId> after, int countPerTopic, Duration maxWait) {
    try {
      noteFollowed(after);
      Map<TopicName, List<StoredMessage>> found =
          subscribed
              ? readChanged(after, countPerTopic, maxWait)
              : xread(after, after.keySet(), countPerTopic, maxWait);
      lastFollowed = after.keySet();
      newlyFollowed = Set.of();
      return found;
    } catch (JedisException e) {
      fullReadDue = true;
      closeConnection();
      throw new StoreUnavailableException("following streams: " + e.getMessage(), e);
    }
  }

  /**
   * The follower passes the same map for as long as the followed topics stay the same; only a new
   * one is compared with the last, so a read with thousands of followed topics costs nothing per
   * topic that did not change. Runs before the read, so no announcement after it is dropped.
   */
  private void noteFollowed(Map<TopicName, EntryId> after) {
    lastReadNanos = System.nanoTime();
    if (after != lastAfter) {
      Set<TopicName> added = new HashSet<>();
      Set<String> names = new HashSet<>();
      for (TopicName t : after.keySet()) {
        names.add(t.value());
        if (!lastFollowed.contains(t)) {
          added.add(t); // an announcement may have come before it was followed
        }
      }
      newlyFollowed = added;
      followedNames = names;
      lastAfter = after;
    }
    synchronized (listenerGate) {
      listenerGate.notifyAll(); // a listener that went idle listens again
    }
  }

  /** Reads the streams announced since the last read, topics newly followed, or all of them. */
  private Map<TopicName, List<StoredMessage>> readChanged(
      Map<TopicName, EntryId> after, int countPerTopic, Duration maxWait) {
    woken = false;
    long now = System.nanoTime();
    Set<TopicName> due = new HashSet<>();
    if (fullReadDue || now - nextFullRead >= 0) {
      fullReadDue = false;
      nextFullRead = now + FULL_READ_EVERY_NANOS;
      due.addAll(after.keySet());
      takeChanged(); // this read covers them
    } else {
      due.addAll(newlyFollowed);
      long waitNanos = Math.min(maxWait.toNanos(), nextFullRead - now);
      for (String topic : due.isEmpty() ? awaitChanged(waitNanos) : takeChanged()) {
        TopicName t = new TopicName(topic);
        if (after.containsKey(t)) {
          due.add(t);
        }
      }
    }
    if (due.isEmpty()) {
      return Map.of();
    }
    Map<TopicName, List<StoredMessage>> found = xread(after, due, countPerTopic, null);
    found.forEach(
        (topic, messages) -> {
          if (messages.size() == countPerTopic) {
            markChanged(topic.value()); // more may wait behind this page
          }
        });
    return found;
  }

  /** One XREAD over the given streams; blocking for {@code block} when it is not null. */
  private Map<TopicName, List<StoredMessage>> xread(
      Map<TopicName, EntryId> after, Set<TopicName> which, int countPerTopic, Duration block) {
    Map<String, StreamEntryID> streams = new HashMap<>();
    Map<String, TopicName> topics = new HashMap<>();
    for (TopicName topic : which) {
      EntryId position = after.get(topic);
      String key = ValkeyKeys.stream(topic);
      streams.put(key, new StreamEntryID(position.millis(), position.sequence()));
      topics.put(key, topic);
    }
    if (connection == null) {
      connection = connect.get();
      clientId = connection.clientId();
    }
    XReadParams params = XReadParams.xReadParams().count(countPerTopic);
    if (block != null) {
      params.block((int) Math.max(1, block.toMillis()));
    }
    List<Map.Entry<String, List<StreamEntry>>> reply = connection.xread(params, streams);
    Map<TopicName, List<StoredMessage>> found = new HashMap<>();
    if (reply != null) {
      for (Map.Entry<String, List<StreamEntry>> stream : reply) {
        List<StoredMessage> messages = new ArrayList<>(stream.getValue().size());
        for (StreamEntry entry : stream.getValue()) {
          messages.add(codec.decode(entry));
        }
        found.put(topics.get(stream.getKey()), messages);
      }
    }
    return found;
  }

  private void markChanged(String topic) {
    synchronized (changed) {
      changed.add(topic);
      changed.notifyAll();
    }
  }

  private List<String> takeChanged() {
    synchronized (changed) {
      List<String> taken = new ArrayList<>(changed);
      changed.clear();
      return taken;
    }
  }

  /** Waits up to {@code nanos} for an announcement (or a wake-up), then takes what came. */
  private List<String> awaitChanged(long nanos) {
    synchronized (changed) {
      long deadline = System.nanoTime() + nanos;
      long left = nanos;
      while (changed.isEmpty() && left > 0 && running) {
        try {
          TimeUnit.NANOSECONDS.timedWait(changed, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
        if (fullReadDue || woken) {
          break; // the topic set changed, or the listener resubscribed
        }
        left = deadline - System.nanoTime();
      }
      return takeChanged();
    }
  }

  /**
   * The listener: subscribes, collects announced topics of followed topics, and resubscribes after
   * a failure; while the follower reads nothing, it unsubscribes and waits for the next read.
   */
  private void listen() {
    while (running) {
      awaitReads();
      if (!running) {
        return;
      }
      boolean idle = false;
      try (Jedis c = connect.get()) {
        listenerConnection = c;
        c.subscribe(
            new JedisPubSub() {
              @Override
              public void onSubscribe(String channel, int count) {
                // Announcements made while away are lost: read everything once.
                fullReadDue = true;
                subscribed = true;
                wakeUp();
              }

              @Override
              public void onMessage(String channel, String topic) {
                if (followedNames.contains(topic)) {
                  markChanged(topic);
                } else if (System.nanoTime() - lastReadNanos > IDLE_AFTER_NANOS) {
                  unsubscribe(); // nothing followed here: stop receiving every append
                }
              }
            },
            CHANNEL);
        idle = running;
      } catch (RuntimeException e) {
        if (running) {
          LOG.debug("Announcement listener reconnecting: {}", e.getMessage());
        }
      } finally {
        subscribed = false;
        listenerConnection = null;
      }
      if (running && !idle) {
        wakeUp(); // a read waiting for announcements must fall back to blocking reads
        sleep(Duration.ofMillis(500));
      }
    }
  }

  /** Waits while the follower reads nothing (it follows no topic). */
  private void awaitReads() {
    synchronized (listenerGate) {
      while (running && System.nanoTime() - lastReadNanos > IDLE_AFTER_NANOS) {
        try {
          listenerGate.wait(1000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  @Override
  public void wakeUp() {
    woken = true;
    synchronized (changed) {
      changed.notifyAll();
    }
    long id = clientId;
    if (id >= 0 && !subscribed) {
      try {
        pool.executeCommand(
            new CommandObject<>(
                new CommandArguments(Protocol.Command.CLIENT).add("UNBLOCK").add(id),
                BuilderFactory.LONG));
      } catch (JedisException e) {
        // The store is down; the blocked read fails on its own.
      }
    }
  }

  @Override
  public void close() {
    running = false;
    wakeUp();
    synchronized (listenerGate) {
      listenerGate.notifyAll();
    }
    Jedis l = listenerConnection;
    if (l != null) {
      try {
        l.disconnect();
      } catch (RuntimeException e) {
        // closing anyway
      }
    }
    closeConnection();
  }

  private synchronized void closeConnection() {
    clientId = -1;
    if (connection != null) {
      try {
        connection.close();
      } catch (RuntimeException e) {
        // already broken
      }
      connection = null;
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
