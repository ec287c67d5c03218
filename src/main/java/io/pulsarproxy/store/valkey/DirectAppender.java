package io.pulsarproxy.store.valkey;

import java.util.List;
import redis.clients.jedis.UnifiedJedis;

/**
 * One script call per append, routed by the client to the topic's shard: a cluster's appends go to
 * many masters, so one pipeline cannot carry them.
 */
final class DirectAppender implements Appender {
  private final UnifiedJedis client;
  private final AppendScript script;

  DirectAppender(UnifiedJedis client, AppendScript script) {
    this.client = client;
    this.script = script;
  }

  @Override
  public Object append(List<String> keys, List<String> args) {
    return Appender.direct(client, script, keys, args);
  }
}
