package io.pulsarproxy.store.valkey;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonTypeName;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.lifecycle.Managed;
import io.dropwizard.util.Duration;
import io.dropwizard.validation.MinDuration;
import io.pulsarproxy.core.RetentionPolicy;
import io.pulsarproxy.core.StoredMessage;
import io.pulsarproxy.store.MessageStore;
import io.pulsarproxy.store.MessageStoreFactory;
import io.pulsarproxy.store.MessageTail;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.RedisSentinelClient;
import redis.clients.jedis.SslOptions;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.resps.StreamEntry;
import redis.clients.jedis.util.JedisURIHelper;

/**
 * {@code store: {type: valkey}}: Valkey or Redis 7+ through a pooled Jedis client. Connection
 * settings come from {@code url} when it is set (redis:// or rediss://, with user, password and
 * database in it), else from host, port and the other fields.
 *
 * <p>{@code mode} picks how the servers are found: {@code standalone} (one server, the default),
 * {@code sentinel} (the master of {@code masterName} as the {@code sentinels} report it, followed
 * through failovers) or {@code cluster} (a Valkey Cluster discovered from the {@code nodes} seeds).
 * In sentinel and cluster modes the user, password and TLS settings apply to every data node; the
 * host, port and database do not (a url's credentials still do).
 */
@JsonTypeName("valkey")
public class ValkeyStoreFactory implements MessageStoreFactory {
  private static final Logger LOG = LoggerFactory.getLogger(ValkeyStoreFactory.class);

  @JsonProperty private String url = "";
  @JsonProperty @NotEmpty private String host = "127.0.0.1";

  @JsonProperty
  @Min(1)
  @Max(65535)
  private int port = 6379;

  @JsonProperty private String user = "";
  @JsonProperty private String password = "";

  @JsonProperty
  @Min(0)
  private int database = 0;

  @JsonProperty private boolean tls = false;

  @JsonProperty
  @MinDuration(value = 1, unit = TimeUnit.MILLISECONDS)
  private Duration connectTimeout = Duration.seconds(1);

  /** Bounds every command; a request that waits on the store longer than this answers 503. */
  @JsonProperty
  @MinDuration(value = 1, unit = TimeUnit.MILLISECONDS)
  private Duration commandTimeout = Duration.seconds(2);

  @JsonProperty
  @Min(1)
  private int poolSize = 100;

  /** How long a request may wait for a free pooled connection before answering 503. */
  @JsonProperty
  @MinDuration(value = 1, unit = TimeUnit.MILLISECONDS)
  private Duration poolWait = Duration.seconds(2);

  @JsonProperty @NotEmpty private String clientName = "pulsar-proxy";

  /** How the proxy finds its Valkey: one server, a Sentinel-managed master, or a Cluster. */
  public enum Mode {
    @JsonProperty("standalone")
    STANDALONE,
    @JsonProperty("sentinel")
    SENTINEL,
    @JsonProperty("cluster")
    CLUSTER
  }

  @JsonProperty @NotNull private Mode mode = Mode.STANDALONE;

  /** Sentinel: the name the sentinels monitor the master under. */
  @JsonProperty private String masterName = "";

  /** Sentinel: host:port of some sentinels (a list, or one comma-separated string). */
  @JsonProperty
  @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
  private List<String> sentinels = List.of();

  @JsonProperty private String sentinelUser = "";
  @JsonProperty private String sentinelPassword = "";

  /** Cluster: host:port of some nodes to discover the cluster from (seeds). */
  @JsonProperty
  @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
  private List<String> nodes = List.of();

  /** Replicas that must have an append before it is acknowledged (WAIT); 0 = do not wait. */
  @JsonProperty
  @Min(0)
  @Max(16)
  private int replicaAcks = 0;

  @JsonProperty
  @MinDuration(value = 1, unit = TimeUnit.MILLISECONDS)
  private Duration replicaAckTimeout = Duration.seconds(1);

  /** Cluster: blocking follower connections (and threads) per master node. */
  @JsonProperty
  @Min(1)
  @Max(64)
  private int followerConnectionsPerNode = 4;

  /** Cluster: how long a follower connection with several slots blocks on one before sweeping. */
  @JsonProperty
  @MinDuration(value = 1, unit = TimeUnit.MILLISECONDS)
  private Duration followerPollInterval = Duration.milliseconds(10);

  public Mode getMode() {
    return mode;
  }

  public String getUrl() {
    return url;
  }

  public void setUrl(String url) {
    this.url = url == null ? "" : url.trim();
  }

  @Override
  public MessageStore build(
      Environment environment, RetentionPolicy retention, java.time.Duration dedupWindow) {
    DefaultJedisClientConfig.Builder config =
        DefaultJedisClientConfig.builder()
            .connectionTimeoutMillis((int) connectTimeout.toMilliseconds())
            .socketTimeoutMillis((int) commandTimeout.toMilliseconds())
            .clientName(clientName);
    HostAndPort address;
    int db = database;
    boolean ssl = tls;
    String userName = Objects.requireNonNullElse(user, "");
    // An unset ${VALKEY_PASSWORD:-} in the config arrives as null.
    String secret = Objects.requireNonNullElse(password, "");
    if (!url.isEmpty()) {
      URI uri;
      try {
        uri = URI.create(url);
      } catch (IllegalArgumentException e) {
        // The message would quote the URL, password and all.
        throw new IllegalArgumentException(
            "store.url is not a valid URL (left out here: it may hold a password)");
      }
      if (!JedisURIHelper.isValid(uri)) {
        throw new IllegalArgumentException(
            "store.url must look like redis://[user:password@]host:port[/db] or rediss://...");
      }
      address = JedisURIHelper.getHostAndPort(uri);
      db = JedisURIHelper.hasDbIndex(uri) ? JedisURIHelper.getDBIndex(uri) : db;
      ssl = ssl || JedisURIHelper.isRedisSSLScheme(uri);
      userName = firstNonEmpty(JedisURIHelper.getUser(uri), userName);
      secret = firstNonEmpty(JedisURIHelper.getPassword(uri), secret);
    } else {
      address = new HostAndPort(host, port);
    }
    config.database(db);
    if (ssl) {
      // The JVM's trust store, with host name verification.
      config.sslOptions(SslOptions.defaults());
    }
    if (!secret.isEmpty()) {
      config.password(secret);
      if (!userName.isEmpty()) {
        config.user(userName);
      }
    }

    ConnectionPoolConfig pool = new ConnectionPoolConfig();
    pool.setMaxTotal(poolSize);
    pool.setMaxIdle(poolSize);
    pool.setMinIdle(0);
    pool.setMaxWait(java.time.Duration.ofMillis(poolWait.toMilliseconds()));
    // Find connections broken by a server restart before a request does.
    pool.setTestWhileIdle(true);
    pool.setTimeBetweenEvictionRuns(java.time.Duration.ofSeconds(5));

    JedisClientConfig clientConfig = config.build();
    // The follower's own connections: their blocking reads may last the block time plus the
    // timeout. The retention listener uses the same settings.
    JedisClientConfig tailConfig =
        DefaultJedisClientConfig.builder()
            .from(clientConfig)
            .clientName(clientName + "-follower")
            .autoNegotiateProtocol(false)
            .resp2()
            .blockingSocketTimeoutMillis((int) (commandTimeout.toMilliseconds() + 5_000))
            .build();
    java.time.Duration ackTimeout = java.time.Duration.ofMillis(replicaAckTimeout.toMilliseconds());
    UnifiedJedis client;
    Supplier<Jedis> dedicated;
    Function<Function<StreamEntry, StoredMessage>, MessageTail> tails;
    ReplicaAcks acks = null;
    String description;
    String sentinelSecret = Objects.requireNonNullElse(sentinelPassword, "");
    String sentinelUserName = Objects.requireNonNullElse(sentinelUser, "");
    List<String> sentinelList = Objects.requireNonNullElse(sentinels, List.of());
    List<String> nodeList = Objects.requireNonNullElse(nodes, List.of());
    switch (mode) {
      case SENTINEL -> {
        if (masterName == null || masterName.isBlank() || sentinelList.isEmpty()) {
          throw new IllegalArgumentException(
              "store.mode sentinel needs store.masterName and store.sentinels");
        }
        DefaultJedisClientConfig.Builder sentinelConfig =
            DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis((int) connectTimeout.toMilliseconds())
                .socketTimeoutMillis((int) commandTimeout.toMilliseconds())
                .clientName(clientName + "-sentinel");
        if (ssl) {
          sentinelConfig.sslOptions(SslOptions.defaults());
        }
        if (!sentinelSecret.isEmpty()) {
          sentinelConfig.password(sentinelSecret);
          if (!sentinelUserName.isEmpty()) {
            sentinelConfig.user(sentinelUserName);
          }
        }
        RedisSentinelClient sentinel =
            RedisSentinelClient.builder()
                .masterName(masterName)
                .sentinels(addresses("store.sentinels", sentinelList))
                .clientConfig(clientConfig)
                .sentinelClientConfig(sentinelConfig.build())
                .poolConfig(pool)
                .build();
        client = sentinel;
        // Asked again on every reconnect, so the follower and the listener move with failovers.
        dedicated = () -> new Jedis(sentinel.getCurrentMaster(), tailConfig);
        tails = decode -> new ValkeyTail(dedicated, sentinel, decode);
        if (replicaAcks > 0) {
          acks =
              ReplicaAcks.single(
                  replicaAcks,
                  ackTimeout,
                  () -> sentinel.getPrimaryNodesConnectionMap().values().iterator().next());
        }
        description = "sentinel " + masterName + " via " + String.join(",", sentinelList);
      }
      case CLUSTER -> {
        if (nodeList.isEmpty()) {
          throw new IllegalArgumentException("store.mode cluster needs store.nodes");
        }
        if (db != 0) {
          throw new IllegalArgumentException("a Valkey Cluster has database 0 only");
        }
        RedisClusterClient cluster =
            RedisClusterClient.builder()
                .nodes(addresses("store.nodes", nodeList))
                .clientConfig(clientConfig)
                .poolConfig(pool)
                .topologyRefreshPeriod(java.time.Duration.ofSeconds(5))
                .build();
        client = cluster;
        dedicated = new RotatingNodes(cluster, tailConfig);
        int lanes = followerConnectionsPerNode;
        java.time.Duration poll =
            java.time.Duration.ofMillis(followerPollInterval.toMilliseconds());
        tails = decode -> new ClusterTail(cluster, tailConfig, decode, lanes, poll);
        if (replicaAcks > 0) {
          acks = ReplicaAcks.cluster(replicaAcks, ackTimeout, cluster);
        }
        description = "cluster via " + String.join(",", nodeList);
      }
      default -> {
        RedisClient single =
            RedisClient.builder()
                .hostAndPort(address)
                .clientConfig(clientConfig)
                .poolConfig(pool)
                .build();
        client = single;
        HostAndPort tailAddress = address;
        dedicated = () -> new Jedis(tailAddress, tailConfig);
        tails = decode -> new ValkeyTail(dedicated, single, decode);
        if (replicaAcks > 0) {
          acks = ReplicaAcks.single(replicaAcks, ackTimeout, single::getPool);
        }
        description =
            (ssl ? "rediss://" : "redis://")
                + address.getHost()
                + ":"
                + address.getPort()
                + "/"
                + db;
      }
    }
    ValkeyRetentionStorage retentionStorage =
        new ValkeyRetentionStorage(client, dedicated, environment.getObjectMapper());
    // Group commit pipelines concurrent appends on one connection; a cluster's appends go to the
    // shard of their topic instead, one call each.
    PipelinedWriter writer =
        mode == Mode.CLUSTER
            ? null
            : new PipelinedWriter(
                client, java.time.Duration.ofMillis(commandTimeout.toMilliseconds()));
    ValkeyMessageStore store =
        new ValkeyMessageStore(
            client,
            writer,
            tails,
            acks,
            // Cluster followers poll their shards (ClusterTail); announcements would only cross
            // the cluster bus to every node.
            mode == Mode.CLUSTER ? null : ValkeyTail.CHANNEL,
            environment.getObjectMapper(),
            retention,
            dedupWindow,
            description,
            retentionStorage,
            environment.metrics());
    environment.lifecycle().manage(new ClientLifecycle(client, writer, store));
    LOG.info(
        "Using the Valkey store at {} (pool of {}{})",
        description,
        poolSize,
        mode == Mode.CLUSTER ? " per node" : "");
    return store;
  }

  private static Set<HostAndPort> addresses(String setting, List<String> entries) {
    Set<HostAndPort> out = new LinkedHashSet<>();
    for (String entry : entries) {
      for (String one : entry.split(",")) {
        String trimmed = one.trim();
        if (trimmed.isEmpty()) {
          continue;
        }
        int colon = trimmed.lastIndexOf(':');
        try {
          out.add(
              new HostAndPort(
                  trimmed.substring(0, colon), Integer.parseInt(trimmed.substring(colon + 1))));
        } catch (RuntimeException e) {
          throw new IllegalArgumentException(
              setting + " entries must look like host:port, not " + trimmed);
        }
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException(setting + " is empty");
    }
    return out;
  }

  /**
   * Connections for the retention listener in a cluster: PUBLISH reaches every node of a cluster,
   * so any node will do, and each reconnect tries the next one in case this one died.
   */
  private static final class RotatingNodes implements Supplier<Jedis> {
    private final RedisClusterClient cluster;
    private final JedisClientConfig config;
    private int next;

    RotatingNodes(RedisClusterClient cluster, JedisClientConfig config) {
      this.cluster = cluster;
      this.config = config;
    }

    @Override
    public synchronized Jedis get() {
      List<String> known = new ArrayList<>(cluster.getClusterNodes().keySet());
      if (known.isEmpty()) {
        throw new JedisConnectionException("no cluster node known");
      }
      next = (next + 1) % known.size();
      return new Jedis(HostAndPort.from(known.get(next)), config);
    }
  }

  private static String firstNonEmpty(String a, String b) {
    return a != null && !a.isEmpty() ? a : b == null ? "" : b;
  }

  /** Opens nothing eagerly, so the service starts while Valkey is down, and closes the pool. */
  private record ClientLifecycle(
      UnifiedJedis client, PipelinedWriter writer, ValkeyMessageStore store) implements Managed {
    @Override
    public void start() {
      try {
        store.loadScripts();
      } catch (RuntimeException e) {
        LOG.warn(
            "Valkey at {} is not reachable at start; publishing answers 503 until it is: {}",
            store.describe(),
            e.getMessage());
      }
    }

    @Override
    public void stop() {
      if (writer != null) {
        writer.close();
      }
      client.close();
    }
  }
}
