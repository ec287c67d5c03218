package io.pulsarproxy.store.valkey;

import io.pulsarproxy.store.MessageTail;
import java.util.Optional;
import java.util.function.Supplier;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;

/** {@code store.mode: standalone}: one server at a fixed address. */
final class StandaloneTopology implements Topology {
  private final RedisClient client;
  private final HostAndPort address;
  private final JedisClientConfig dedicatedConfig;
  private final String description;

  StandaloneTopology(ValkeyConnection connection) {
    this.address = connection.address();
    this.client =
        RedisClient.builder()
            .hostAndPort(address)
            .clientConfig(connection.clientConfig())
            .poolConfig(connection.pool())
            .build();
    this.dedicatedConfig = connection.dedicatedConfig();
    this.description = connection.describe();
  }

  @Override
  public UnifiedJedis client() {
    return client;
  }

  @Override
  public Supplier<Jedis> dedicated() {
    return () -> new Jedis(address, dedicatedConfig);
  }

  @Override
  public MessageTail openTail(EntryCodec codec, ValkeyThreads threads) {
    return new ValkeyTail(dedicated(), client, codec, threads.loops());
  }

  @Override
  public Optional<String> announcements() {
    return Optional.of(ValkeyTail.CHANNEL);
  }

  @Override
  public Appender appender(AppendSettings settings, ValkeyThreads threads) {
    return Topology.onOneMaster(client, client::getPool, settings, threads);
  }

  @Override
  public String description() {
    return description;
  }
}
