package io.pulsarproxy.store.valkey;

import io.pulsarproxy.store.MessageTail;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.UnifiedJedis;

/**
 * How the Valkey servers are found and reached, one class per {@code store.mode}: {@link
 * StandaloneTopology}, {@link SentinelTopology}, {@link ClusterTopology}. Each hands out the pooled
 * client, connections of their own for listeners, the follower's tail and the append strategy that
 * fits it.
 */
interface Topology {
  /** The pooled client every command goes through. */
  UnifiedJedis client();

  /** A new connection outside the pool, asked again on every reconnect (it may move). */
  Supplier<Jedis> dedicated();

  /** The follower's tail: what it reads new entries with. */
  MessageTail openTail(EntryCodec codec, ValkeyThreads threads);

  /**
   * The channel the append script announces each append's topic on, so followers read only what
   * changed; empty where followers poll instead (a cluster: announcements would cross its bus).
   */
  Optional<String> announcements();

  /** How appends reach Valkey here. */
  Appender appender(AppendSettings settings, ValkeyThreads threads);

  /** Where the store is, for logs and the health check; never a password. */
  String description();

  /** What the append strategies need to know. */
  record AppendSettings(
      AppendScript script, int replicaAcks, Duration replicaAckTimeout, Duration commandTimeout) {}

  /**
   * One master (standalone, sentinel): appends are pipelined on one connection, or with replica
   * acks each waits on a pooled connection of the current master.
   */
  static Appender onOneMaster(
      UnifiedJedis client,
      ReplicaAckedAppender.MasterPool master,
      AppendSettings settings,
      ValkeyThreads threads) {
    if (settings.replicaAcks() > 0) {
      return ReplicaAckedAppender.single(
          settings.script(), settings.replicaAcks(), settings.replicaAckTimeout(), master);
    }
    return new PipelinedAppender(
        new PipelinedWriter(client, settings.commandTimeout(), threads), client, settings.script());
  }
}
