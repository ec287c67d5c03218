package io.pulsarproxy.metrics;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.SlidingTimeWindowArrayReservoir;
import com.codahale.metrics.Timer;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Every metric of the proxy, by name, in one place. Names are dotted Dropwizard names; the last
 * segment of the families marked "labelled" becomes a Prometheus label (see {@link
 * PrometheusExport}). Topic names are never part of a name, except for the topics ops list in
 * {@code metrics.topics}.
 */
public final class ProxyMetrics {
  public static final String PUBLISH_ACCEPTED = "pulsar.publish.accepted";

  /** Labelled: reason. */
  public static final String PUBLISH_REJECTED = "pulsar.publish.rejected";

  public static final String PUBLISH_LATENCY = "pulsar.publish.latency";

  /** Labelled: transport. */
  public static final String DELIVERED = "pulsar.delivery.delivered";

  public static final String DELIVERY_LATENCY = "pulsar.delivery.latency-ms";
  public static final String SLOW_CONSUMER_CLOSES = "pulsar.delivery.slow-consumer-closes";

  /** Labelled: transport. */
  public static final String CONNECTIONS = "pulsar.connections";

  public static final String CONNECTIONS_MAX = "pulsar.connections-max";

  /** Labelled: transport. */
  public static final String SUBSCRIPTIONS = "pulsar.subscriptions";

  /** Labelled: token. */
  public static final String RATE_LIMITED = "pulsar.ratelimit.rejected";

  /** Labelled: token. WebSocket and SSE connections refused at the token's maxConnections. */
  public static final String TOKEN_CONNECTIONS_REFUSED = "pulsar.token-connections-refused";

  /** Labelled: token. WebSocket and SSE connections the token holds. */
  public static final String TOKEN_CONNECTIONS = "pulsar.token-connections";

  public static final String HOT_TIER_BYTES = "pulsar.hot-tier.bytes";
  public static final String HOT_TIER_ENTRIES = "pulsar.hot-tier.entries";
  public static final String STORE_COMMANDS = "pulsar.store.commands";
  public static final String STORE_ERRORS = "pulsar.store.errors";
  public static final String FOLLOWER_LAG = "pulsar.follower.lag-seconds";
  public static final String FOLLOWER_TOPICS = "pulsar.follower.topics";
  public static final String PROBE_HEALTHY = "pulsar.probe.healthy";
  public static final String PROBE_FAILURES = "pulsar.probe.failures";
  public static final String PROBE_LATENCY = "pulsar.probe.latency";
  public static final String DRAINING = "pulsar.draining";

  /** Consumer groups: messages handed to consumers, and of those the ones delivered again. */
  public static final String GROUP_DELIVERED = "pulsar.groups.delivered";

  public static final String GROUP_REDELIVERED = "pulsar.groups.redelivered";
  public static final String GROUP_ACKED = "pulsar.groups.acked";
  public static final String GROUP_NACKED = "pulsar.groups.nacked";
  public static final String GROUP_DEAD_LETTERED = "pulsar.groups.dead-lettered";
  public static final String GROUP_EXPIRED = "pulsar.groups.expired";

  /** Pending messages retention trimmed away before anyone acked them: they were never done. */
  public static final String GROUP_TRIMMED_PENDING = "pulsar.groups.trimmed-pending";

  /**
   * Labelled: group ({@code <topic>:<group>}, dots as underscores). Groups this instance serves.
   */
  public static final String GROUP_LAG = "pulsar.group.lag";

  /** Labelled: group, as {@link #GROUP_LAG}. */
  public static final String GROUP_PENDING = "pulsar.group.pending";

  /** Labelled: topic (only topics in {@code metrics.topics}). */
  public static final String TOPIC_PUBLISHED = "pulsar.topic.published";

  private final MetricRegistry registry;
  private final Histogram deliveryLatency;

  public ProxyMetrics(MetricRegistry registry) {
    this.registry = registry;
    // A sliding window, lock-free on update: it is fed from the delivery hot path.
    this.deliveryLatency =
        registry.histogram(
            DELIVERY_LATENCY,
            () -> new Histogram(new SlidingTimeWindowArrayReservoir(1, TimeUnit.MINUTES)));
    // Registered now, so that alert rules find a series (at 0) before the first event.
    for (String meter :
        new String[] {
          PUBLISH_ACCEPTED,
          SLOW_CONSUMER_CLOSES,
          STORE_ERRORS,
          PROBE_FAILURES,
          GROUP_DELIVERED,
          GROUP_REDELIVERED,
          GROUP_ACKED,
          GROUP_NACKED,
          GROUP_DEAD_LETTERED,
          GROUP_EXPIRED,
          GROUP_TRIMMED_PENDING
        }) {
      registry.meter(meter);
    }
    registry.timer(PUBLISH_LATENCY);
    registry.timer(STORE_COMMANDS);
  }

  public MetricRegistry registry() {
    return registry;
  }

  public Meter meter(String name) {
    return registry.meter(name);
  }

  /** A meter of a labelled family: {@code family.value}. */
  public Meter meter(String family, String labelValue) {
    return registry.meter(family + "." + labelValue);
  }

  public Timer timer(String name) {
    return registry.timer(name);
  }

  public Histogram deliveryLatency() {
    return deliveryLatency;
  }

  public <T> void gauge(String name, Supplier<T> value) {
    registry.gauge(name, () -> (Gauge<T>) value::get);
  }
}
