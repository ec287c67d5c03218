package io.pulsarproxy;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.lifecycle.setup.LifecycleEnvironment;
import io.dropwizard.util.DataSize;
import io.dropwizard.util.Duration;
import io.dropwizard.validation.MinDataSize;
import io.dropwizard.validation.MinDuration;
import io.dropwizard.validation.ValidationMethod;
import io.pulsarproxy.core.RetentionPolicy;
import io.pulsarproxy.delivery.Connections;
import io.pulsarproxy.delivery.Delivery;
import io.pulsarproxy.metrics.ProxyMetrics;
import io.pulsarproxy.resources.TopicResource;
import io.pulsarproxy.store.MessageStore;
import io.pulsarproxy.websocket.WebSocketSettings;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/** The {@code delivery:} section: subscribers, their limits, and the hot tier. */
public class DeliveryFactory {
  @JsonProperty
  @MinDataSize(0)
  private DataSize hotMaxSize = DataSize.mebibytes(256);

  @JsonProperty
  @MinDataSize(1024)
  private DataSize outboundQueue = DataSize.mebibytes(1);

  @JsonProperty
  @Min(1)
  private int maxConnections = 10_000;

  @JsonProperty
  @Min(1)
  private int maxTopicsPerConnection = 100;

  @JsonProperty
  @MinDataSize(64)
  private DataSize maxFrameSize = DataSize.kibibytes(64);

  @JsonProperty
  @MinDuration(value = 1, unit = TimeUnit.SECONDS)
  private Duration idleTimeout = Duration.seconds(60);

  @JsonProperty
  @MinDuration(value = 100, unit = TimeUnit.MILLISECONDS)
  private Duration pingInterval = Duration.seconds(25);

  @JsonProperty
  @MinDuration(value = 100, unit = TimeUnit.MILLISECONDS)
  private Duration sseKeepAlive = Duration.seconds(15);

  @JsonProperty @NotNull private Duration longPollDefaultWait = Duration.seconds(30);

  @JsonProperty
  @MinDuration(value = 1, unit = TimeUnit.SECONDS)
  private Duration longPollMaxWait = Duration.seconds(60);

  @JsonProperty
  @MinDuration(value = 1, unit = TimeUnit.SECONDS)
  private Duration unfollowAfter = Duration.minutes(2);

  @JsonProperty @NotNull private List<String> allowedOrigins = List.of();

  @JsonProperty
  @Min(1)
  private int maxBadFrames = 20;

  @JsonProperty
  @Min(1)
  private int replayPageSize = 500;

  /** Threads that write live frames to subscribers; 0 means one per core. */
  @JsonProperty
  @Min(0)
  @Max(64)
  private int lanes = 0;

  @ValidationMethod(message = "longPollDefaultWait must not be longer than longPollMaxWait")
  @JsonIgnore
  public boolean isLongPollDefaultWithinMax() {
    return longPollDefaultWait.toNanoseconds() <= longPollMaxWait.toNanoseconds();
  }

  @ValidationMethod(message = "pingInterval must be shorter than idleTimeout")
  @JsonIgnore
  public boolean isPingIntervalBelowIdleTimeout() {
    return pingInterval.toNanoseconds() < idleTimeout.toNanoseconds();
  }

  /**
   * Builds the delivery core with its threads, each made by the lifecycle, and registers the core
   * after them: at shutdown it stops first (its loops end), then its executors.
   *
   * @param clock what TTL expiry and the hot window are checked against
   */
  public Delivery build(
      Environment environment,
      MessageStore store,
      RetentionPolicy retention,
      ProxyMetrics metrics,
      Clock clock) {
    int laneCount = lanes > 0 ? lanes : Runtime.getRuntime().availableProcessors();
    LifecycleEnvironment lifecycle = environment.lifecycle();
    Delivery.Threads threads =
        new Delivery.Threads(
            fixed(
                lifecycle,
                "delivery-work-%d",
                Math.max(2, Runtime.getRuntime().availableProcessors())),
            lifecycle.scheduledExecutorService("delivery-timer-%d").threads(1).build(),
            fixed(lifecycle, "delivery-lane-%d", laneCount),
            fixed(lifecycle, "delivery-follower-%d", 1));
    Delivery delivery =
        new Delivery(
            store,
            retention,
            new Delivery.Settings(
                hotMaxSize.toBytes(),
                outboundQueue.toBytes(),
                replayPageSize,
                unfollowAfter.toJavaDuration(),
                laneCount),
            clock,
            threads,
            metrics);
    lifecycle.manage(delivery);
    return delivery;
  }

  private static ExecutorService fixed(LifecycleEnvironment lifecycle, String name, int threads) {
    return lifecycle.executorService(name).minThreads(threads).maxThreads(threads).build();
  }

  public Connections connections(ProxyMetrics metrics) {
    return new Connections(maxConnections, metrics);
  }

  public WebSocketSettings webSocket() {
    return new WebSocketSettings(
        outboundQueue.toBytes(),
        maxTopicsPerConnection,
        maxFrameSize.toBytes(),
        idleTimeout.toJavaDuration(),
        pingInterval.toJavaDuration(),
        Set.copyOf(allowedOrigins),
        maxBadFrames);
  }

  public TopicResource.LongPoll longPoll() {
    return new TopicResource.LongPoll(
        longPollDefaultWait.toJavaDuration(), longPollMaxWait.toJavaDuration());
  }

  public long outboundQueueBytes() {
    return outboundQueue.toBytes();
  }

  public java.time.Duration sseKeepAlive() {
    return sseKeepAlive.toJavaDuration();
  }
}
