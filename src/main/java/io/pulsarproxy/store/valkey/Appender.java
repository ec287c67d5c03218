package io.pulsarproxy.store.valkey;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import redis.clients.jedis.UnifiedJedis;

/**
 * How an append reaches Valkey: the append script's keys and arguments in, its raw reply out. One
 * of three strategies, chosen by the configuration: {@link PipelinedAppender} (group commit on one
 * connection), {@link DirectAppender} (one call on the connection of the topic's shard: a cluster)
 * or {@link ReplicaAckedAppender} (each append waits for its replicas).
 */
interface Appender extends AutoCloseable {
  /** Runs the script and waits for its reply. */
  Object append(List<String> keys, List<String> args);

  /**
   * Runs the script without holding the calling thread where the strategy can (see {@link
   * #asynchronous()}); otherwise the future is complete when this returns.
   */
  default CompletableFuture<Object> appendAsync(List<String> keys, List<String> args) {
    try {
      return CompletableFuture.completedFuture(append(keys, args));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Whether {@link #appendAsync} returns before the reply: no thread waits for Valkey. */
  default boolean asynchronous() {
    return false;
  }

  @Override
  default void close() {}

  /** Plain EVALSHA (EVAL after a flushed cache) through the client's own routing. */
  static Object direct(
      UnifiedJedis client, AppendScript script, List<String> keys, List<String> args) {
    return script.call(
        call ->
            call.bySha()
                ? client.evalsha(call.scriptOrSha(), keys, args)
                : client.eval(call.scriptOrSha(), keys, args));
  }
}
