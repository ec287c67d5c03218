package io.pulsarproxy.store.valkey;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pulsarproxy.core.RetentionPolicy;
import io.pulsarproxy.core.StoreUnavailableException;
import io.pulsarproxy.store.RetentionStorage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Retention overrides in one Valkey hash ({@value #KEY}: field {@code *} for the global override,
 * else a topic name; values are JSON), replaced and announced on {@value #CHANNEL} in one script
 * call. Every instance listens on the channel with a connection of its own.
 */
final class ValkeyRetentionStorage implements RetentionStorage {
  static final String KEY = "pp:retention";
  static final String CHANNEL = "pp:retention:changed";
  private static final String GLOBAL = "*";
  private static final String SAVE =
      "redis.call('DEL', KEYS[1]) "
          + "for i = 1, #ARGV - 1, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end "
          + "redis.call('PUBLISH', '"
          + CHANNEL
          + "', 'changed') return 1";
  private static final Logger LOG = LoggerFactory.getLogger(ValkeyRetentionStorage.class);

  private final UnifiedJedis client;
  private final ObjectMapper json;
  private final ChangeListener listener;

  /**
   * @param loops where the listener for changes announced by other instances runs its loop
   */
  ValkeyRetentionStorage(
      UnifiedJedis client,
      Supplier<Jedis> subscriberConnection,
      ObjectMapper json,
      Executor loops) {
    this.client = client;
    this.json = json;
    this.listener = new ChangeListener(subscriberConnection, CHANNEL, loops);
  }

  @Override
  public RetentionPolicy.Snapshot load() {
    Map<String, String> fields;
    try {
      fields = client.hgetAll(KEY);
    } catch (JedisException e) {
      throw new StoreUnavailableException("reading retention: " + e.getMessage(), e);
    }
    RetentionPolicy.Override global = RetentionPolicy.Override.NONE;
    Map<String, RetentionPolicy.Override> topics = new HashMap<>();
    for (Map.Entry<String, String> e : fields.entrySet()) {
      RetentionPolicy.Override o = decode(e.getValue());
      if (GLOBAL.equals(e.getKey())) {
        global = o;
      } else {
        topics.put(e.getKey(), o);
      }
    }
    return new RetentionPolicy.Snapshot(global, topics);
  }

  @Override
  public void save(RetentionPolicy.Snapshot snapshot) {
    List<String> args = new ArrayList<>();
    if (!snapshot.global().isEmpty()) {
      args.add(GLOBAL);
      args.add(encode(snapshot.global()));
    }
    snapshot
        .topics()
        .forEach(
            (topic, o) -> {
              args.add(topic);
              args.add(encode(o));
            });
    try {
      client.eval(SAVE, List.of(KEY), args);
    } catch (JedisException e) {
      throw new StoreUnavailableException("saving retention: " + e.getMessage(), e);
    }
  }

  @Override
  public void watch(Runnable onChange) {
    listener.start(onChange);
  }

  @Override
  public void close() {
    listener.close();
  }

  private String encode(RetentionPolicy.Override o) {
    ObjectNode node = json.createObjectNode();
    if (o.maxLength() != null) {
      node.put("max_length", o.maxLength());
    }
    if (o.maxAge() != null) {
      node.put("max_age_seconds", o.maxAge().toSeconds());
    }
    if (o.hotWindow() != null) {
      node.put("hot_window_seconds", o.hotWindow().toSeconds());
    }
    return node.toString();
  }

  private RetentionPolicy.Override decode(String text) {
    try {
      JsonNode node = json.readTree(text);
      return new RetentionPolicy.Override(
          node.has("max_length") ? node.get("max_length").asLong() : null,
          node.has("max_age_seconds")
              ? Duration.ofSeconds(node.get("max_age_seconds").asLong())
              : null,
          node.has("hot_window_seconds")
              ? Duration.ofSeconds(node.get("hot_window_seconds").asLong())
              : null);
    } catch (JsonProcessingException e) {
      LOG.warn("Ignoring an unreadable retention override in {}: {}", KEY, e.getOriginalMessage());
      return RetentionPolicy.Override.NONE;
    }
  }
}
