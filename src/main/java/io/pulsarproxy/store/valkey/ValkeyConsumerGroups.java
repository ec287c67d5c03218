package io.pulsarproxy.store.valkey;

import io.pulsarproxy.core.EntryId;
import io.pulsarproxy.core.StoredMessage;
import io.pulsarproxy.core.TopicName;
import io.pulsarproxy.store.ConsumerGroups;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import redis.clients.jedis.BuilderFactory;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.CommandObject;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.XClaimParams;
import redis.clients.jedis.params.XPendingParams;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.resps.StreamConsumerInfo;
import redis.clients.jedis.resps.StreamEntry;
import redis.clients.jedis.resps.StreamGroupInfo;
import redis.clients.jedis.resps.StreamPendingEntry;
import redis.clients.jedis.util.SafeEncoder;

/**
 * Consumer groups on Valkey's own: XREADGROUP hands out new entries, XAUTOCLAIM takes back those
 * whose ack timeout ran out (raising their delivery count, and dropping entries retention trimmed
 * away), XACK acks, XCLAIM with an idle time makes a nacked entry due after its delay. A group's
 * settings (ack timeout, max deliveries) are a hash beside its stream, in the same slot.
 */
final class ValkeyConsumerGroups implements ConsumerGroups {
  private static final String ACK_TIMEOUT = "ack_timeout_ms";
  private static final String MAX_DELIVERIES = "max_deliveries";

  private final ValkeyMessageStore store;
  private final UnifiedJedis client;
  private final EntryCodec codec;

  ValkeyConsumerGroups(ValkeyMessageStore store, UnifiedJedis client, EntryCodec codec) {
    this.store = store;
    this.client = client;
    this.codec = codec;
  }

  @Override
  public boolean put(TopicName topic, String group, Settings settings, Start start) {
    boolean created = store.call(() -> create(topic, group, start));
    store.call(() -> client.hset(ValkeyKeys.group(topic, group), encode(settings)));
    return created;
  }

  @Override
  public Optional<State> describe(TopicName topic, String group) {
    String key = ValkeyKeys.stream(topic);
    return store.call(
        () -> {
          List<StreamGroupInfo> infos;
          try {
            infos = client.xinfoGroups(key);
          } catch (JedisDataException e) {
            if (String.valueOf(e.getMessage()).contains("no such key")) {
              return Optional.empty();
            }
            throw e;
          }
          for (StreamGroupInfo info : infos) {
            if (info.getName().equals(group)) {
              List<Consumer> consumers = new ArrayList<>();
              for (StreamConsumerInfo c : client.xinfoConsumers2(key, group)) {
                consumers.add(new Consumer(c.getName(), c.getPending(), c.getIdle()));
              }
              Object lag = info.getGroupInfo().get("lag");
              return Optional.of(
                  new State(
                      group,
                      settings(topic, group),
                      EntryId.ofStored(info.getLastDeliveredId().toString()),
                      info.getPending(),
                      lag instanceof Long l ? l : -1,
                      List.copyOf(consumers)));
            }
          }
          return Optional.empty();
        });
  }

  @Override
  public boolean delete(TopicName topic, String group) {
    return store.call(
        () -> {
          client.del(ValkeyKeys.group(topic, group));
          try {
            return client.xgroupDestroy(ValkeyKeys.stream(topic), group) > 0;
          } catch (JedisDataException e) {
            return false; // no stream: no group
          }
        });
  }

  @Override
  public void reset(TopicName topic, String group, Start start) {
    store.call(
        () -> {
          if (!create(topic, group, start)) {
            client.xgroupSetID(ValkeyKeys.stream(topic), group, startId(start));
          }
          return null;
        });
  }

  @Override
  public Fetched fetch(TopicName topic, String group, String consumer, int max) {
    return store.call(() -> fetchNow(topic, group, consumer, max));
  }

  private Fetched fetchNow(TopicName topic, String group, String consumer, int max) {
    String key = ValkeyKeys.stream(topic);
    Settings settings = settings(topic, group);
    Claimed claimed;
    try {
      claimed = autoclaim(key, group, consumer, settings.ackTimeout(), max);
    } catch (JedisDataException e) {
      if (!String.valueOf(e.getMessage()).startsWith("NOGROUP")) {
        throw e;
      }
      // Consuming from a group that does not exist creates it, from the latest message.
      create(topic, group, new Start.Latest());
      claimed = new Claimed(List.of(), 0);
    }
    long now = System.currentTimeMillis();
    List<Delivery> out = new ArrayList<>();
    List<StreamEntryID> done = new ArrayList<>();
    int deadLettered = 0;
    int expired = 0;
    Map<String, Long> counts = deliveryCounts(key, group, consumer, claimed.entries());
    for (StreamEntry e : claimed.entries()) {
      StoredMessage m = codec.decode(e);
      long count = counts.getOrDefault(e.getID().toString(), 1L);
      if (m.expiredAt(now)) {
        expired++;
        done.add(e.getID());
      } else if (count > settings.maxDeliveries()) {
        store.append(
            ConsumerGroups.deadLetterTopic(topic),
            List.of(ConsumerGroups.deadLetter(m, group, "max_deliveries")));
        deadLettered++;
        done.add(e.getID());
      } else {
        out.add(new Delivery(m, count));
      }
    }
    if (out.size() < max) {
      var read =
          client.xreadGroup(
              group,
              consumer,
              XReadGroupParams.xReadGroupParams().count(max - out.size()),
              Map.of(key, StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY));
      if (read != null) {
        for (var stream : read) {
          for (StreamEntry e : stream.getValue()) {
            StoredMessage m = codec.decode(e);
            if (m.expiredAt(now)) {
              expired++;
              done.add(e.getID());
            } else {
              out.add(new Delivery(m, 1));
            }
          }
        }
      }
    }
    if (!done.isEmpty()) {
      client.xack(key, group, done.toArray(new StreamEntryID[0]));
    }
    return new Fetched(out, deadLettered, expired, claimed.trimmed());
  }

  @Override
  public int ack(TopicName topic, String group, List<EntryId> ids) {
    if (ids.isEmpty()) {
      return 0;
    }
    return store.call(
        () -> {
          try {
            return (int) client.xack(ValkeyKeys.stream(topic), group, streamIds(ids));
          } catch (JedisDataException e) {
            return 0; // no such group: nothing was pending
          }
        });
  }

  @Override
  public int nack(
      TopicName topic, String group, String consumer, List<EntryId> ids, Duration delay) {
    if (ids.isEmpty()) {
      return 0;
    }
    Settings settings = store.call(() -> settings(topic, group));
    // Due once idle for the ack timeout: make it look idle for all of it but the delay.
    long idle = Math.max(0, settings.ackTimeout().toMillis() - delay.toMillis());
    return store.call(
        () -> {
          try {
            return client
                .xclaimJustId(
                    ValkeyKeys.stream(topic),
                    group,
                    consumer,
                    0,
                    XClaimParams.xClaimParams().idle(idle),
                    streamIds(ids))
                .size();
          } catch (JedisDataException e) {
            return 0;
          }
        });
  }

  /** Creates the group at {@code start}; false when it exists already. */
  private boolean create(TopicName topic, String group, Start start) {
    try {
      client.xgroupCreate(ValkeyKeys.stream(topic), group, startId(start), true);
      return true;
    } catch (JedisDataException e) {
      if (String.valueOf(e.getMessage()).startsWith("BUSYGROUP")) {
        return false;
      }
      throw e;
    }
  }

  private static StreamEntryID startId(Start start) {
    if (start instanceof Start.After after) {
      return new StreamEntryID(after.id().millis(), after.id().sequence());
    }
    return start instanceof Start.Earliest
        ? new StreamEntryID(0, 0)
        : StreamEntryID.XGROUP_LAST_ENTRY;
  }

  private Settings settings(TopicName topic, String group) {
    Map<String, String> stored = client.hgetAll(ValkeyKeys.group(topic, group));
    Settings d = Settings.DEFAULTS;
    return new Settings(
        stored.containsKey(ACK_TIMEOUT)
            ? Duration.ofMillis(Long.parseLong(stored.get(ACK_TIMEOUT)))
            : d.ackTimeout(),
        stored.containsKey(MAX_DELIVERIES)
            ? Integer.parseInt(stored.get(MAX_DELIVERIES))
            : d.maxDeliveries());
  }

  private static Map<String, String> encode(Settings settings) {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put(ACK_TIMEOUT, Long.toString(settings.ackTimeout().toMillis()));
    fields.put(MAX_DELIVERIES, Integer.toString(settings.maxDeliveries()));
    return fields;
  }

  /** Entries claimed back, and how many pending ones retention had trimmed away. */
  private record Claimed(List<StreamEntry> entries, int trimmed) {}

  /**
   * XAUTOCLAIM from the start of the pending list: Jedis's own reply type leaves out the third part
   * of the reply, the ids of pending entries that no longer exist, which is what counts trimming.
   */
  private Claimed autoclaim(
      String key, String group, String consumer, Duration minIdle, int count) {
    CommandArguments args =
        new CommandArguments(Protocol.Command.XAUTOCLAIM)
            .key(key)
            .add(group)
            .add(consumer)
            .add(minIdle.toMillis())
            .add("0-0")
            .add("COUNT")
            .add(count);
    List<?> reply =
        (List<?>) client.executeCommand(new CommandObject<>(args, BuilderFactory.RAW_OBJECT));
    List<StreamEntry> entries = new ArrayList<>();
    for (Object raw : (List<?>) reply.get(1)) {
      List<?> entry = (List<?>) raw;
      if (entry == null || entry.get(1) == null) {
        continue; // Redis 6.2 reports a trimmed entry this way
      }
      List<?> fields = (List<?>) entry.get(1);
      Map<String, String> map = new HashMap<>();
      for (int i = 0; i + 1 < fields.size(); i += 2) {
        map.put(
            SafeEncoder.encode((byte[]) fields.get(i)),
            SafeEncoder.encode((byte[]) fields.get(i + 1)));
      }
      entries.add(
          new StreamEntry(new StreamEntryID(SafeEncoder.encode((byte[]) entry.get(0))), map));
    }
    int trimmed = reply.size() > 2 ? ((List<?>) reply.get(2)).size() : 0;
    return new Claimed(entries, trimmed);
  }

  /** The delivery counts of entries just claimed by {@code consumer}, by id. */
  private Map<String, Long> deliveryCounts(
      String key, String group, String consumer, List<StreamEntry> claimed) {
    Map<String, Long> counts = new HashMap<>();
    if (claimed.isEmpty()) {
      return counts;
    }
    List<StreamPendingEntry> pending =
        client.xpending(
            key,
            group,
            XPendingParams.xPendingParams(
                    claimed.get(0).getID(),
                    claimed.get(claimed.size() - 1).getID(),
                    claimed.size() + 1_000)
                .consumer(consumer));
    for (StreamPendingEntry p : pending) {
      counts.put(p.getID().toString(), p.getDeliveredTimes());
    }
    return counts;
  }

  private static StreamEntryID[] streamIds(List<EntryId> ids) {
    StreamEntryID[] out = new StreamEntryID[ids.size()];
    for (int i = 0; i < ids.size(); i++) {
      out[i] = new StreamEntryID(ids.get(i).millis(), ids.get(i).sequence());
    }
    return out;
  }
}
