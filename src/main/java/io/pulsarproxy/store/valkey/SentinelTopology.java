package io.pulsarproxy.store.valkey;

import io.pulsarproxy.store.MessageTail;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisSentinelClient;
import redis.clients.jedis.UnifiedJedis;

/**
 * {@code store.mode: sentinel}: the master of {@code masterName} as the sentinels report it,
 * followed through failovers; connections of their own ask for the current master on every
 * reconnect, so the follower and the listeners move with it.
 */
final class SentinelTopology implements Topology {
  private final RedisSentinelClient sentinel;
  private final JedisClientConfig dedicatedConfig;
  private final String description;

  SentinelTopology(
      ValkeyConnection connection,
      String masterName,
      Set<HostAndPort> sentinels,
      JedisClientConfig sentinelConfig) {
    this.sentinel =
        RedisSentinelClient.builder()
            .masterName(masterName)
            .sentinels(sentinels)
            .clientConfig(connection.clientConfig())
            .sentinelClientConfig(sentinelConfig)
            .poolConfig(connection.pool())
            .build();
    this.dedicatedConfig = connection.dedicatedConfig();
    this.description = "sentinel " + masterName + " via " + join(sentinels);
  }

  @Override
  public UnifiedJedis client() {
    return sentinel;
  }

  @Override
  public Supplier<Jedis> dedicated() {
    return () -> new Jedis(sentinel.getCurrentMaster(), dedicatedConfig);
  }

  @Override
  public MessageTail openTail(EntryCodec codec, ValkeyThreads threads) {
    return new ValkeyTail(dedicated(), sentinel, codec, threads.loops());
  }

  @Override
  public Optional<String> announcements() {
    return Optional.of(ValkeyTail.CHANNEL);
  }

  @Override
  public Appender appender(AppendSettings settings, ValkeyThreads threads) {
    return Topology.onOneMaster(
        sentinel,
        () -> sentinel.getPrimaryNodesConnectionMap().values().iterator().next(),
        settings,
        threads);
  }

  @Override
  public String description() {
    return description;
  }

  static String join(Set<HostAndPort> addresses) {
    return String.join(",", addresses.stream().map(HostAndPort::toString).toList());
  }
}
