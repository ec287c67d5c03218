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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.BuilderFactory;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.CommandObject;
import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPool;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.Response;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisRedirectionException;
import redis.clients.jedis.params.XReadParams;
import redis.clients.jedis.resps.StreamEntry;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * Follows topics on a Valkey Cluster. A multi-key {@code XREAD} must name keys of one slot only
 * (else CROSSSLOT), and every topic has a slot of its own hash tag, so the topics are grouped by
 * slot, the slots by the master that owns them, and each master's slots are spread over a fixed
 * number of <em>lanes</em> ({@code slot % lanesPerNode}): one thread and one blocking connection
 * each. The number of connections per proxy is {@code masters × lanesPerNode}, whatever the number
 * of topics.
 *
 * <p>A lane with topics of one slot blocks on them with one {@code XREAD BLOCK}, like the
 * standalone tail. A lane with several slots sweeps them with one pipelined round trip of
 * non-blocking XREADs (one per slot) and, when nothing was new, blocks for {@code pollInterval} on
 * the slot that last had entries: its busiest slot is served at once, a quiet one within about one
 * poll interval.
 *
 * <p>Lanes run ahead of the delivery follower and queue batches stamped with the position they were
 * read after. {@link #read} accepts a batch only when it continues exactly where the topic's
 * accepted entries end; any other batch (a topic that moved to another lane after a MOVED, one
 * re-followed from a new end) is dropped and its lane restarted from the accepted position. So a
 * resharding or failover can delay entries but neither lose nor repeat them.
 */
final class ClusterTail implements MessageTail {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterTail.class);
  private static final Duration SINGLE_SLOT_BLOCK = Duration.ofSeconds(1);
  private static final Duration RETRY_PAUSE = Duration.ofMillis(200);

  private final RedisClusterClient cluster;
  private final JedisClientConfig blockingConfig;
  private final EntryCodec codec;
  private final Executor loops;
  private final int lanesPerNode;
  private final Duration pollInterval;
  private final LinkedBlockingQueue<Batch> batches = new LinkedBlockingQueue<>();
  private final AtomicBoolean topologyChanged = new AtomicBoolean();
  private final Map<LaneKey, Lane> lanes = new ConcurrentHashMap<>();
  private volatile Map<TopicName, EntryId> wanted = Map.of();
  private volatile int countPerTopic = 100;
  private volatile boolean closed;
  private Set<TopicName> assigned = Set.of();

  /**
   * How the follower's reads spread over each master.
   *
   * @param perNode blocking connections (and threads) per master node
   * @param pollInterval how long a lane with several slots blocks on one before sweeping
   */
  record Lanes(int perNode, Duration pollInterval) {}

  ClusterTail(
      RedisClusterClient cluster,
      JedisClientConfig blockingConfig,
      EntryCodec codec,
      Lanes lanes,
      Executor loops) {
    this.cluster = cluster;
    this.blockingConfig = blockingConfig;
    this.codec = codec;
    this.lanesPerNode = lanes.perNode();
    this.pollInterval = lanes.pollInterval();
    this.loops = loops;
  }

  private record LaneKey(HostAndPort node, int index) {}

  /** Entries of one topic read after {@code from}; {@code lane == null} only for a wake-up. */
  private record Batch(
      Lane lane, TopicName topic, EntryId from, List<StoredMessage> messages, long generation) {}

  @Override
  public Map<TopicName, List<StoredMessage>> read(
      Map<TopicName, EntryId> after, int countPerTopic, Duration maxWait) {
    if (closed) {
      return Map.of();
    }
    this.countPerTopic = countPerTopic;
    this.wanted = Map.copyOf(after);
    boolean refresh = topologyChanged.getAndSet(false);
    if (refresh) {
      try {
        cluster.refreshClusterTopology();
      } catch (JedisException e) {
        topologyChanged.set(true);
        throw new StoreUnavailableException("refreshing the cluster topology: " + e, e);
      }
    }
    if (refresh || !after.keySet().equals(assigned)) {
      assign(after.keySet());
    }
    List<Batch> drained = new ArrayList<>();
    try {
      Batch first = batches.poll(maxWait.toMillis(), TimeUnit.MILLISECONDS);
      if (first != null) {
        drained.add(first);
        batches.drainTo(drained);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Map.of();
    }
    Map<TopicName, EntryId> expected = new HashMap<>(after);
    Map<TopicName, List<StoredMessage>> found = new LinkedHashMap<>();
    Map<TopicName, Lane> restart = new HashMap<>();
    for (Batch b : drained) {
      if (b.lane() == null) {
        continue; // a wake-up
      }
      EntryId position = expected.get(b.topic());
      if (position == null || b.generation() != b.lane().generation(b.topic())) {
        continue; // no longer followed, or read before its lane was restarted
      }
      if (!b.from().equals(position)) {
        restart.put(b.topic(), b.lane());
        continue;
      }
      found.computeIfAbsent(b.topic(), t -> new ArrayList<>()).addAll(b.messages());
      expected.put(b.topic(), b.messages().get(b.messages().size() - 1).id());
    }
    restart.forEach((topic, lane) -> lane.restart(topic, expected.get(topic)));
    if (found.isEmpty()) {
      for (Lane lane : lanes.values()) {
        Exception failure = lane.failure;
        if (failure != null) {
          throw new StoreUnavailableException(
              "following streams on " + lane.key.node() + ": " + failure.getMessage(), failure);
        }
      }
    }
    return found;
  }

  /** Spreads the followed topics over the lanes of the masters owning their slots. */
  private void assign(Set<TopicName> topics) {
    Map<Integer, HostAndPort> owners = new HashMap<>();
    Map<LaneKey, Map<Integer, List<TopicName>>> plan = new HashMap<>();
    for (TopicName topic : topics) {
      String key = ValkeyKeys.stream(topic);
      int slot = JedisClusterCRC16.getSlot(key);
      HostAndPort owner = owners.computeIfAbsent(slot, this::ownerOf);
      if (owner == null) {
        topologyChanged.set(true);
        continue;
      }
      plan.computeIfAbsent(new LaneKey(owner, slot % lanesPerNode), k -> new TreeMap<>())
          .computeIfAbsent(slot, s -> new ArrayList<>())
          .add(topic);
    }
    for (Map.Entry<LaneKey, Lane> e : lanes.entrySet()) {
      if (!plan.containsKey(e.getKey())) {
        lanes.remove(e.getKey());
        e.getValue().stop();
      }
    }
    plan.forEach(
        (key, slots) -> {
          Lane lane = lanes.get(key);
          if (lane == null) {
            lane = new Lane(key, slots);
            lanes.put(key, lane);
            lane.start();
          } else if (!lane.slots.equals(slots)) {
            lane.slots = slots;
            unblock(lane);
          }
        });
    assigned = new HashSet<>(topics);
  }

  private HostAndPort ownerOf(int slot) {
    try (Connection c = cluster.getConnectionFromSlot(slot)) {
      return c.getHostAndPort();
    } catch (JedisException e) {
      LOG.debug("No owner known for slot {}: {}", slot, e.getMessage());
      return null;
    }
  }

  /** Ends a lane's blocked read with CLIENT UNBLOCK, sent from the pool of the lane's node. */
  private void unblock(Lane lane) {
    long id = lane.clientId;
    if (id < 0) {
      return;
    }
    ConnectionPool pool = cluster.getClusterNodes().get(lane.key.node().toString());
    if (pool == null) {
      return;
    }
    try (Connection c = pool.getResource()) {
      c.executeCommand(
          new CommandObject<>(
              new CommandArguments(Protocol.Command.CLIENT).add("UNBLOCK").add(id),
              BuilderFactory.LONG));
    } catch (JedisException e) {
      // The node is down; the lane's read fails on its own.
    }
  }

  @Override
  public void wakeUp() {
    batches.add(new Batch(null, null, null, List.of(), 0));
  }

  @Override
  public void close() {
    closed = true;
    for (Lane lane : lanes.values()) {
      lane.stop();
    }
    lanes.clear();
    wakeUp();
  }

  /** One thread and one blocking connection to one master, for some of its slots. */
  private final class Lane implements Runnable {
    private final LaneKey key;
    private final Map<TopicName, EntryId> positions = new HashMap<>();
    private final Map<TopicName, EntryId> restarts = new ConcurrentHashMap<>();
    private final Map<TopicName, Long> generations = new ConcurrentHashMap<>();
    private volatile Map<Integer, List<TopicName>> slots;
    private volatile boolean running = true;
    private volatile long clientId = -1;
    private volatile Exception failure;
    private volatile Jedis connection;
    private int hotSlot = -1;
    private int turn;

    Lane(LaneKey key, Map<Integer, List<TopicName>> slots) {
      this.key = key;
      this.slots = slots;
    }

    void start() {
      loops.execute(this);
    }

    void stop() {
      running = false;
      unblock(this);
      Jedis c = connection;
      if (c != null) {
        try {
          c.disconnect();
        } catch (RuntimeException e) {
          // closing anyway
        }
      }
    }

    long generation(TopicName topic) {
      return generations.getOrDefault(topic, 0L);
    }

    /** Makes the lane read {@code topic} after {@code position} again, dropping queued reads. */
    void restart(TopicName topic, EntryId position) {
      generations.merge(topic, 1L, Long::sum);
      restarts.put(topic, position);
    }

    @Override
    public void run() {
      while (running && !closed) {
        Map<Integer, List<TopicName>> current = slots;
        settlePositions(current);
        try {
          if (connection == null) {
            connection = new Jedis(key.node(), blockingConfig);
            clientId = connection.clientId();
          }
          if (current.size() == 1) {
            int slot = current.keySet().iterator().next();
            readBlocking(slot, current.get(slot), SINGLE_SLOT_BLOCK);
          } else if (!sweep(current)) {
            int slot = current.containsKey(hotSlot) ? hotSlot : nextSlot(current);
            readBlocking(slot, current.get(slot), pollInterval);
          }
          failure = null;
        } catch (JedisRedirectionException e) {
          // MOVED or ASK: a slot changed hands. Regroup; the positions stay as accepted.
          LOG.info(
              "Slot {} moved to {}; regrouping followed topics", e.getSlot(), e.getTargetNode());
          dropConnection();
          topologyChanged.set(true);
          wakeUp();
          pause();
        } catch (JedisException e) {
          if (running) {
            failure = e;
            dropConnection();
            topologyChanged.set(true);
            wakeUp();
            pause();
          }
        } catch (RuntimeException e) {
          LOG.error("Cluster follower lane failed; restarting it", e);
          dropConnection();
          pause();
        }
      }
      dropConnection();
    }

    private void settlePositions(Map<Integer, List<TopicName>> current) {
      Set<TopicName> mine = new HashSet<>();
      current.values().forEach(mine::addAll);
      positions.keySet().retainAll(mine);
      restarts.forEach(
          (topic, position) -> {
            restarts.remove(topic, position);
            if (mine.contains(topic) && position != null) {
              positions.put(topic, position);
            }
          });
      Map<TopicName, EntryId> w = wanted;
      for (TopicName topic : mine) {
        EntryId start = w.get(topic);
        if (start != null) {
          positions.putIfAbsent(topic, start);
        }
      }
    }

    private int nextSlot(Map<Integer, List<TopicName>> current) {
      List<Integer> all = new ArrayList<>(current.keySet());
      turn = (turn + 1) % all.size();
      return all.get(turn);
    }

    private Map<String, StreamEntryID> streams(List<TopicName> topics) {
      Map<String, StreamEntryID> streams = new HashMap<>();
      for (TopicName topic : topics) {
        EntryId p = positions.get(topic);
        if (p != null) {
          streams.put(ValkeyKeys.stream(topic), new StreamEntryID(p.millis(), p.sequence()));
        }
      }
      return streams;
    }

    private void readBlocking(int slot, List<TopicName> topics, Duration block) {
      Map<String, StreamEntryID> streams = streams(topics);
      if (streams.isEmpty()) {
        pause();
        return;
      }
      List<Map.Entry<String, List<StreamEntry>>> reply =
          connection.xread(
              XReadParams.xReadParams()
                  .count(countPerTopic)
                  .block((int) Math.max(1, block.toMillis())),
              streams);
      if (publish(topics, reply)) {
        hotSlot = slot;
      }
    }

    /** One pipelined round trip of non-blocking XREADs, one per slot; true when any had entries. */
    private boolean sweep(Map<Integer, List<TopicName>> current) {
      Map<Integer, Response<List<Map.Entry<String, List<StreamEntry>>>>> replies =
          new LinkedHashMap<>();
      Pipeline pipeline = connection.pipelined();
      for (Map.Entry<Integer, List<TopicName>> e : current.entrySet()) {
        Map<String, StreamEntryID> streams = streams(e.getValue());
        if (!streams.isEmpty()) {
          replies.put(
              e.getKey(), pipeline.xread(XReadParams.xReadParams().count(countPerTopic), streams));
        }
      }
      pipeline.sync();
      boolean any = false;
      for (Map.Entry<Integer, Response<List<Map.Entry<String, List<StreamEntry>>>>> e :
          replies.entrySet()) {
        if (publish(current.get(e.getKey()), e.getValue().get())) {
          hotSlot = e.getKey();
          any = true;
        }
      }
      return any;
    }

    private boolean publish(
        List<TopicName> topics, List<Map.Entry<String, List<StreamEntry>>> reply) {
      if (reply == null) {
        return false;
      }
      Map<String, TopicName> byKey = new HashMap<>();
      for (TopicName t : topics) {
        byKey.put(ValkeyKeys.stream(t), t);
      }
      boolean any = false;
      for (Map.Entry<String, List<StreamEntry>> stream : reply) {
        TopicName topic = byKey.get(stream.getKey());
        if (topic == null || stream.getValue().isEmpty()) {
          continue;
        }
        List<StoredMessage> messages = new ArrayList<>(stream.getValue().size());
        for (StreamEntry entry : stream.getValue()) {
          messages.add(codec.decode(entry));
        }
        EntryId from = positions.get(topic);
        positions.put(topic, messages.get(messages.size() - 1).id());
        batches.add(new Batch(this, topic, from, messages, generation(topic)));
        any = true;
      }
      return any;
    }

    private void dropConnection() {
      clientId = -1;
      Jedis c = connection;
      connection = null;
      if (c != null) {
        try {
          c.close();
        } catch (RuntimeException e) {
          // already broken
        }
      }
    }

    private void pause() {
      try {
        Thread.sleep(RETRY_PAUSE.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        running = false;
      }
    }
  }
}
