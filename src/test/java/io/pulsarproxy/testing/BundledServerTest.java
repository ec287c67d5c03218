package io.pulsarproxy.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.StreamEntryID;

/**
 * The fallback a fresh machine uses when neither valkey-server nor redis-server is installed: the
 * binary bundled in the embedded-redis test dependency starts, answers, and supports the commands
 * the store relies on.
 */
class BundledServerTest {
  @Test
  void theBundledServerRunsStreamsAndScripts() {
    try (ValkeyTestServer server = ValkeyTestServer.bundled();
        RedisClient redis = RedisClient.create(server.url())) {
      assertEquals("PONG", redis.ping());
      redis.xadd("s", StreamEntryID.NEW_ENTRY, Map.of("f", "v"));
      assertEquals(1L, redis.eval("return redis.call('XLEN', KEYS[1])", List.of("s"), List.of()));
      assertEquals(1, redis.xrange("s", "-", "+").size());
    }
  }
}
