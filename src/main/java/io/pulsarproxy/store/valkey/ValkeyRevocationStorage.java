package io.pulsarproxy.store.valkey;

import io.pulsarproxy.auth.Revocations.Entry;
import io.pulsarproxy.core.StoreUnavailableException;
import io.pulsarproxy.store.RevocationStorage;
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
 * Token revocations in one Valkey hash ({@value #KEY}: field {@code jti:<id>} or {@code
 * sub:<subject>}, value {@code <revoked at ms>:<until ms>}). One script stores an entry, drops the
 * expired ones, sets the key to expire with the last of them, and announces on {@value #CHANNEL};
 * every instance listens there with a connection of its own.
 */
final class ValkeyRevocationStorage implements RevocationStorage {
  static final String KEY = "pp:revocations";
  static final String CHANNEL = "pp:revocations:changed";
  private static final String SAVE =
      "local now = tonumber(ARGV[3]) "
          + "redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) "
          + "local all = redis.call('HGETALL', KEYS[1]) "
          + "local last = 0 "
          + "for i = 1, #all, 2 do "
          + "  local untilMs = tonumber(string.match(all[i + 1], ':(%d+)$')) "
          + "  if untilMs == nil or untilMs <= now then redis.call('HDEL', KEYS[1], all[i]) "
          + "  elseif untilMs > last then last = untilMs end "
          + "end "
          + "if last > 0 then redis.call('PEXPIREAT', KEYS[1], last) end "
          + "redis.call('PUBLISH', '"
          + CHANNEL
          + "', 'changed') return 1";
  private static final Logger LOG = LoggerFactory.getLogger(ValkeyRevocationStorage.class);

  private final UnifiedJedis client;
  private final ChangeListener listener;

  /**
   * @param loops where the listener for revocations announced by other instances runs its loop
   */
  ValkeyRevocationStorage(
      UnifiedJedis client, Supplier<Jedis> subscriberConnection, Executor loops) {
    this.client = client;
    this.listener = new ChangeListener(subscriberConnection, CHANNEL, loops);
  }

  @Override
  public Map<String, Entry> load(long nowMillis) {
    Map<String, String> fields;
    try {
      fields = client.hgetAll(KEY);
    } catch (JedisException e) {
      throw new StoreUnavailableException("reading revocations: " + e.getMessage(), e);
    }
    Map<String, Entry> out = new HashMap<>();
    fields.forEach(
        (key, value) -> {
          Entry e = decode(value);
          if (e != null && e.untilMillis() > nowMillis) {
            out.put(key, e);
          }
        });
    return out;
  }

  @Override
  public void save(String key, Entry entry, long nowMillis) {
    try {
      client.eval(
          SAVE,
          List.of(KEY),
          List.of(
              key, entry.revokedAtMillis() + ":" + entry.untilMillis(), Long.toString(nowMillis)));
    } catch (JedisException e) {
      throw new StoreUnavailableException("saving a revocation: " + e.getMessage(), e);
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

  private static Entry decode(String value) {
    int colon = value.indexOf(':');
    try {
      return new Entry(
          Long.parseLong(value.substring(0, colon)), Long.parseLong(value.substring(colon + 1)));
    } catch (RuntimeException e) {
      LOG.warn("Ignoring an unreadable revocation in {}", KEY);
      return null;
    }
  }
}
