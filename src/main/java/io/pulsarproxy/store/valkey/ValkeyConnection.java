package io.pulsarproxy.store.valkey;

import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;

/**
 * How to connect to a data node, whatever the topology: built once from {@code store.url} or the
 * host, port and credential settings.
 *
 * @param address the server of {@code url} or {@code host}/{@code port} (standalone; a cluster's
 *     seed when {@code nodes} is empty)
 * @param clientConfig the pooled connections' settings
 * @param dedicatedConfig connections of their own (the follower's, the listeners'): their blocking
 *     reads may last the block time plus the command timeout
 */
record ValkeyConnection(
    HostAndPort address,
    int database,
    boolean tls,
    JedisClientConfig clientConfig,
    JedisClientConfig dedicatedConfig,
    ConnectionPoolConfig pool) {

  /** {@code redis://host:port/db}: never a password. */
  String describe() {
    return (tls ? "rediss://" : "redis://")
        + address.getHost()
        + ":"
        + address.getPort()
        + "/"
        + database;
  }
}
