package io.pulsarproxy.store.valkey;

import io.pulsarproxy.core.EntryId;
import io.pulsarproxy.core.StoredMessage;
import io.pulsarproxy.core.TopicName;
import io.pulsarproxy.store.MessageTail;
import io.pulsarproxy.store.StoreUnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import redis.clients.jedis.BuilderFactory;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.CommandObject;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.XReadParams;
import redis.clients.jedis.resps.StreamEntry;

/**
 * Follows topics with {@code XREAD BLOCK} over all their streams at once, on one dedicated
 * connection: the number of followed topics does not change the number of Valkey connections. A
 * change of the topic set interrupts the blocked read with {@code CLIENT UNBLOCK} from the pool.
 */
final class ValkeyTail implements MessageTail {
  private final Supplier<Jedis> connect;
  private final UnifiedJedis pool;
  private final Function<StreamEntry, StoredMessage> decode;
  private Jedis connection;
  private volatile long clientId = -1;

  ValkeyTail(
      Supplier<Jedis> connect, UnifiedJedis pool, Function<StreamEntry, StoredMessage> decode) {
    this.connect = connect;
    this.pool = pool;
    this.decode = decode;
  }

  @Override
  public Map<TopicName, List<StoredMessage>> read(
      Map<TopicName, EntryId> after, int countPerTopic, Duration maxWait) {
    Map<String, StreamEntryID> streams = new HashMap<>();
    Map<String, TopicName> topics = new HashMap<>();
    after.forEach(
        (topic, position) -> {
          String key = ValkeyKeys.stream(topic);
          streams.put(key, new StreamEntryID(position.millis(), position.sequence()));
          topics.put(key, topic);
        });
    try {
      if (connection == null) {
        connection = connect.get();
        clientId = connection.clientId();
      }
      List<Map.Entry<String, List<StreamEntry>>> reply =
          connection.xread(
              XReadParams.xReadParams()
                  .count(countPerTopic)
                  .block((int) Math.max(1, maxWait.toMillis())),
              streams);
      Map<TopicName, List<StoredMessage>> found = new HashMap<>();
      if (reply != null) {
        for (Map.Entry<String, List<StreamEntry>> stream : reply) {
          List<StoredMessage> messages = new ArrayList<>(stream.getValue().size());
          for (StreamEntry entry : stream.getValue()) {
            messages.add(decode.apply(entry));
          }
          found.put(topics.get(stream.getKey()), messages);
        }
      }
      return found;
    } catch (JedisException e) {
      closeConnection();
      throw new StoreUnavailableException("following streams: " + e.getMessage(), e);
    }
  }

  @Override
  public void wakeUp() {
    long id = clientId;
    if (id >= 0) {
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
    wakeUp();
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
}
