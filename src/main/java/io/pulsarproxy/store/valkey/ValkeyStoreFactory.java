package io.pulsarproxy.store.valkey;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonTypeName;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.lifecycle.Managed;
import io.dropwizard.util.Duration;
import io.dropwizard.validation.MinDuration;
import io.dropwizard.validation.ValidationMethod;
import io.pulsarproxy.core.RetentionPolicy;
import io.pulsarproxy.store.MessageStore;
import io.pulsarproxy.store.MessageStoreFactory;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.SslOptions;
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

  @ValidationMethod(
      message =
          "store.mode sentinel needs store.masterName (VALKEY_MASTER_NAME) and store.sentinels"
              + " (VALKEY_SENTINELS, host:port,...)")
  @JsonIgnore
  public boolean isSentinelNamed() {
    return mode != Mode.SENTINEL
        || (masterName != null && !masterName.isBlank() && !entries(sentinels).isEmpty());
  }

  @ValidationMethod(
      message =
          "store.mode cluster needs store.nodes (VALKEY_NODES, host:port,...) or store.url"
              + " (VALKEY_URL) to discover the cluster from")
  @JsonIgnore
  public boolean isClusterSeeded() {
    return mode != Mode.CLUSTER || !entries(nodes).isEmpty() || !url.isEmpty();
  }

  @ValidationMethod(
      message =
          "store.url must look like redis://[user:password@]host:port[/db] or rediss://..."
              + " (left out here: it may hold a password)")
  @JsonIgnore
  public boolean isUrlValid() {
    return url.isEmpty() || parsedUrl() != null;
  }

  @ValidationMethod(message = "store.sentinels and store.nodes entries must look like host:port")
  @JsonIgnore
  public boolean isEveryAddressHostAndPort() {
    return addresses(entries(sentinels)) != null && addresses(entries(nodes)) != null;
  }

  @ValidationMethod(message = "store.mode cluster: a Valkey Cluster has database 0 only")
  @JsonIgnore
  public boolean isClusterOnDatabaseZero() {
    URI uri = parsedUrl();
    int db =
        uri != null && JedisURIHelper.hasDbIndex(uri) ? JedisURIHelper.getDBIndex(uri) : database;
    return mode != Mode.CLUSTER || db == 0;
  }

  /**
   * Builds the store on the topology {@code mode} names, its append strategy and its threads, and
   * registers them with the lifecycle: the threads first, so that at shutdown the store closes (its
   * loops end) before their executors stop.
   */
  @Override
  public MessageStore build(
      Environment environment, RetentionPolicy retention, java.time.Duration dedupWindow) {
    ValkeyConnection connection = connection();
    Topology topology =
        switch (mode) {
          case SENTINEL ->
              new SentinelTopology(
                  connection,
                  masterName,
                  addresses(entries(sentinels)),
                  sentinelConfig(connection.tls()));
          case CLUSTER ->
              new ClusterTopology(
                  connection,
                  entries(nodes).isEmpty()
                      ? Set.of(connection.address()) // the seed from store.url
                      : addresses(entries(nodes)),
                  new ClusterTail.Lanes(
                      followerConnectionsPerNode, followerPollInterval.toJavaDuration()));
          case STANDALONE -> new StandaloneTopology(connection);
        };
    ValkeyThreads threads = ValkeyThreads.of(environment.lifecycle());
    AppendScript script = AppendScript.load();
    Appender appender =
        topology.appender(
            new Topology.AppendSettings(
                script,
                replicaAcks,
                replicaAckTimeout.toJavaDuration(),
                commandTimeout.toJavaDuration()),
            threads);
    ValkeyMessageStore store =
        new ValkeyMessageStore(
            topology,
            appender,
            new EntryCodec(environment.getObjectMapper()),
            retention,
            dedupWindow,
            new ValkeyRetentionStorage(
                topology.client(),
                topology.dedicated(),
                environment.getObjectMapper(),
                threads.loops()),
            threads,
            new ValkeyRevocationStorage(topology.client(), topology.dedicated(), threads.loops()),
            environment.metrics());
    environment.lifecycle().manage(new ClientLifecycle(topology, appender, script));
    LOG.info(
        "Using the Valkey store at {} (pool of {}{})",
        topology.description(),
        poolSize,
        mode == Mode.CLUSTER ? " per node" : "");
    return store;
  }

  /** The data nodes' connection settings, from {@code url} or the separate fields. */
  private ValkeyConnection connection() {
    HostAndPort address = new HostAndPort(host, port);
    int db = database;
    boolean ssl = tls;
    String userName = Objects.requireNonNullElse(user, "");
    // An unset ${VALKEY_PASSWORD:-} in the config arrives as null.
    String secret = Objects.requireNonNullElse(password, "");
    URI uri = parsedUrl();
    if (uri != null) {
      address = JedisURIHelper.getHostAndPort(uri);
      db = JedisURIHelper.hasDbIndex(uri) ? JedisURIHelper.getDBIndex(uri) : db;
      ssl = ssl || JedisURIHelper.isRedisSSLScheme(uri);
      userName = firstNonEmpty(JedisURIHelper.getUser(uri), userName);
      secret = firstNonEmpty(JedisURIHelper.getPassword(uri), secret);
    }
    DefaultJedisClientConfig.Builder config =
        timeouts(DefaultJedisClientConfig.builder(), clientName).database(db);
    if (ssl) {
      // The JVM's trust store, with host name verification.
      config.sslOptions(SslOptions.defaults());
    }
    credentials(config, userName, secret);
    JedisClientConfig clientConfig = config.build();
    JedisClientConfig dedicatedConfig =
        DefaultJedisClientConfig.builder()
            .from(clientConfig)
            .clientName(clientName + "-follower")
            .autoNegotiateProtocol(false)
            .resp2()
            .blockingSocketTimeoutMillis((int) (commandTimeout.toMilliseconds() + 5_000))
            .build();
    ConnectionPoolConfig pool = new ConnectionPoolConfig();
    pool.setMaxTotal(poolSize);
    pool.setMaxIdle(poolSize);
    pool.setMinIdle(0);
    pool.setMaxWait(poolWait.toJavaDuration());
    // Find connections broken by a server restart before a request does.
    pool.setTestWhileIdle(true);
    pool.setTimeBetweenEvictionRuns(java.time.Duration.ofSeconds(5));
    return new ValkeyConnection(address, db, ssl, clientConfig, dedicatedConfig, pool);
  }

  /** The sentinels' own connections: their timeouts, TLS, and their own credentials. */
  private JedisClientConfig sentinelConfig(boolean ssl) {
    DefaultJedisClientConfig.Builder config =
        timeouts(DefaultJedisClientConfig.builder(), clientName + "-sentinel");
    if (ssl) {
      config.sslOptions(SslOptions.defaults());
    }
    credentials(
        config,
        Objects.requireNonNullElse(sentinelUser, ""),
        Objects.requireNonNullElse(sentinelPassword, ""));
    return config.build();
  }

  private DefaultJedisClientConfig.Builder timeouts(
      DefaultJedisClientConfig.Builder config, String name) {
    return config
        .connectionTimeoutMillis((int) connectTimeout.toMilliseconds())
        .socketTimeoutMillis((int) commandTimeout.toMilliseconds())
        .clientName(name);
  }

  private static void credentials(
      DefaultJedisClientConfig.Builder config, String userName, String secret) {
    if (!secret.isEmpty()) {
      config.password(secret);
      if (!userName.isEmpty()) {
        config.user(userName);
      }
    }
  }

  /** {@code url} as a URI, or null when it is empty or not a valid Valkey URL. */
  private URI parsedUrl() {
    if (url.isEmpty()) {
      return null;
    }
    try {
      URI uri = URI.create(url);
      return JedisURIHelper.isValid(uri) ? uri : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** The non-blank entries of a list setting, each of which may be "a,b,c". */
  private static List<String> entries(List<String> setting) {
    List<String> out = new ArrayList<>();
    for (String entry : Objects.requireNonNullElse(setting, List.<String>of())) {
      for (String one : Objects.requireNonNullElse(entry, "").split(",")) {
        if (!one.isBlank()) {
          out.add(one.strip());
        }
      }
    }
    return out;
  }

  /** host:port entries as addresses, or null when one is not host:port. */
  private static Set<HostAndPort> addresses(List<String> entries) {
    Set<HostAndPort> out = new LinkedHashSet<>();
    for (String entry : entries) {
      int colon = entry.lastIndexOf(':');
      try {
        out.add(
            new HostAndPort(
                entry.substring(0, colon), Integer.parseInt(entry.substring(colon + 1))));
      } catch (RuntimeException e) {
        return null;
      }
    }
    return out;
  }

  private static String firstNonEmpty(String a, String b) {
    return a != null && !a.isEmpty() ? a : b == null ? "" : b;
  }

  /**
   * Opens nothing eagerly, so the service starts while Valkey is down: the script is only loaded
   * into the server's cache if it answers. Closes the append strategy and the pool.
   */
  private record ClientLifecycle(Topology topology, Appender appender, AppendScript script)
      implements Managed {
    @Override
    public void start() {
      try {
        topology.client().scriptLoad(script.text());
      } catch (RuntimeException e) {
        LOG.warn(
            "Valkey at {} is not reachable at start; publishing answers 503 until it is: {}",
            topology.description(),
            e.getMessage());
      }
    }

    @Override
    public void stop() {
      appender.close();
      topology.client().close();
    }
  }
}
