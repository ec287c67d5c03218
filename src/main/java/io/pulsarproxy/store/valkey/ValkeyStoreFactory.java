package io.pulsarproxy.store.valkey;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonTypeName;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.lifecycle.Managed;
import io.dropwizard.util.Duration;
import io.dropwizard.validation.MinDuration;
import io.pulsarproxy.core.RetentionPolicy;
import io.pulsarproxy.store.MessageStore;
import io.pulsarproxy.store.MessageStoreFactory;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.SslOptions;
import redis.clients.jedis.util.JedisURIHelper;

/**
 * {@code store: {type: valkey}}: Valkey or Redis 7+ through a pooled Jedis client. Connection
 * settings come from {@code url} when it is set (redis:// or rediss://, with user, password and
 * database in it), else from host, port and the other fields.
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
    String userName = user;
    String secret = password;
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
    RedisClient client =
        RedisClient.builder()
            .hostAndPort(address)
            .clientConfig(clientConfig)
            .poolConfig(pool)
            .build();
    // The follower's own connection: its blocking reads may last the block time plus the timeout.
    JedisClientConfig tailConfig =
        DefaultJedisClientConfig.builder()
            .from(clientConfig)
            .clientName(clientName + "-follower")
            .autoNegotiateProtocol(false)
            .resp2()
            .blockingSocketTimeoutMillis((int) (commandTimeout.toMilliseconds() + 5_000))
            .build();
    HostAndPort tailAddress = address;
    String description =
        (ssl ? "rediss://" : "redis://") + address.getHost() + ":" + address.getPort() + "/" + db;
    ValkeyRetentionStorage retentionStorage =
        new ValkeyRetentionStorage(
            client, () -> new Jedis(tailAddress, tailConfig), environment.getObjectMapper());
    PipelinedWriter writer =
        new PipelinedWriter(client, java.time.Duration.ofMillis(commandTimeout.toMilliseconds()));
    ValkeyMessageStore store =
        new ValkeyMessageStore(
            client,
            writer,
            () -> new Jedis(tailAddress, tailConfig),
            environment.getObjectMapper(),
            retention,
            dedupWindow,
            description,
            retentionStorage,
            environment.metrics());
    environment.lifecycle().manage(new ClientLifecycle(client, writer, store));
    LOG.info("Using the Valkey store at {} (pool of {})", description, poolSize);
    return store;
  }

  private static String firstNonEmpty(String a, String b) {
    return a != null && !a.isEmpty() ? a : b == null ? "" : b;
  }

  /** Opens nothing eagerly, so the service starts while Valkey is down, and closes the pool. */
  private record ClientLifecycle(
      RedisClient client, PipelinedWriter writer, ValkeyMessageStore store) implements Managed {
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
      writer.close();
      client.close();
    }
  }
}
