package io.pulsarproxy.store.valkey;

import io.pulsarproxy.store.MessageTail;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * {@code store.mode: cluster}: a Valkey Cluster discovered from its seeds. Each topic lives on the
 * shard of its hash tag, so appends go one by one to their shard's master, and followers poll each
 * master's streams ({@link ClusterTail}) instead of listening for announcements.
 */
final class ClusterTopology implements Topology {
  private final RedisClusterClient cluster;
  private final JedisClientConfig dedicatedConfig;
  private final ClusterTail.Lanes followerLanes;
  private final String description;

  ClusterTopology(
      ValkeyConnection connection, Set<HostAndPort> seeds, ClusterTail.Lanes followerLanes) {
    this.cluster =
        RedisClusterClient.builder()
            .nodes(seeds)
            .clientConfig(connection.clientConfig())
            .poolConfig(connection.pool())
            .topologyRefreshPeriod(Duration.ofSeconds(5))
            .build();
    this.dedicatedConfig = connection.dedicatedConfig();
    this.followerLanes = followerLanes;
    this.description = "cluster via " + SentinelTopology.join(seeds);
  }

  @Override
  public UnifiedJedis client() {
    return cluster;
  }

  /**
   * PUBLISH reaches every node of a cluster, so any node will do for a listener; each reconnect
   * tries the next one in case this one died.
   */
  @Override
  public Supplier<Jedis> dedicated() {
    return new Supplier<>() {
      private int next;

      @Override
      public synchronized Jedis get() {
        List<String> known = new ArrayList<>(cluster.getClusterNodes().keySet());
        if (known.isEmpty()) {
          throw new JedisConnectionException("no cluster node known");
        }
        next = (next + 1) % known.size();
        return new Jedis(HostAndPort.from(known.get(next)), dedicatedConfig);
      }
    };
  }

  @Override
  public MessageTail openTail(EntryCodec codec, ValkeyThreads threads) {
    return new ClusterTail(cluster, dedicatedConfig, codec, followerLanes, threads.loops());
  }

  @Override
  public Optional<String> announcements() {
    return Optional.empty();
  }

  @Override
  public Appender appender(AppendSettings settings, ValkeyThreads threads) {
    if (settings.replicaAcks() > 0) {
      return ReplicaAckedAppender.cluster(
          settings.script(), settings.replicaAcks(), settings.replicaAckTimeout(), cluster);
    }
    return new DirectAppender(cluster, settings.script());
  }

  @Override
  public String description() {
    return description;
  }
}
