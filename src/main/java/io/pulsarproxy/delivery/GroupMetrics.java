package io.pulsarproxy.delivery;

import io.pulsarproxy.core.StoreUnavailableException;
import io.pulsarproxy.core.TopicName;
import io.pulsarproxy.metrics.ProxyMetrics;
import io.pulsarproxy.store.ConsumerGroups;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What consumer groups do, as metrics: counters of deliveries, redeliveries, acks, nacks, dead
 * letters, expired and trimmed pending messages; and the lag and pending count of every group this
 * instance has served, read from the store on the delivery timer (a scrape never waits on it).
 */
final class GroupMetrics {
  private static final Logger LOG = LoggerFactory.getLogger(GroupMetrics.class);

  private record Key(TopicName topic, String group) {}

  private record Seen(long lag, long pending) {}

  private final ConsumerGroups groups;
  private final ProxyMetrics metrics;
  private final Map<Key, Seen> served = new ConcurrentHashMap<>();

  GroupMetrics(ConsumerGroups groups, ProxyMetrics metrics) {
    this.groups = groups;
    this.metrics = metrics;
  }

  void fetched(TopicName topic, String group, ConsumerGroups.Fetched fetched) {
    long redelivered = fetched.messages().stream().filter(d -> d.deliveryCount() > 1).count();
    metrics.meter(ProxyMetrics.GROUP_DELIVERED).mark(fetched.messages().size());
    metrics.meter(ProxyMetrics.GROUP_REDELIVERED).mark(redelivered);
    metrics.meter(ProxyMetrics.GROUP_DEAD_LETTERED).mark(fetched.deadLettered());
    metrics.meter(ProxyMetrics.GROUP_EXPIRED).mark(fetched.expired());
    if (fetched.trimmed() > 0) {
      metrics.meter(ProxyMetrics.GROUP_TRIMMED_PENDING).mark(fetched.trimmed());
      LOG.warn(
          "Group {} of {}: {} pending messages were trimmed by retention before they were acked",
          group,
          topic,
          fetched.trimmed());
    }
    if (served.putIfAbsent(new Key(topic, group), new Seen(0, 0)) == null) {
      String label = label(topic, group);
      metrics.gauge(ProxyMetrics.GROUP_LAG + "." + label, () -> seen(topic, group).lag());
      metrics.gauge(ProxyMetrics.GROUP_PENDING + "." + label, () -> seen(topic, group).pending());
    }
  }

  void acked(int count) {
    metrics.meter(ProxyMetrics.GROUP_ACKED).mark(count);
  }

  void nacked(int count) {
    metrics.meter(ProxyMetrics.GROUP_NACKED).mark(count);
  }

  /** Reads every served group's lag and pending count; a deleted group's gauges go. */
  void refresh() {
    for (Key key : served.keySet()) {
      try {
        groups
            .describe(key.topic(), key.group())
            .ifPresentOrElse(
                state -> served.put(key, new Seen(Math.max(0, state.lag()), state.pending())),
                () -> forget(key));
      } catch (StoreUnavailableException e) {
        LOG.debug("Group metrics wait for the store: {}", e.getMessage());
        return;
      }
    }
  }

  private Seen seen(TopicName topic, String group) {
    return served.getOrDefault(new Key(topic, group), new Seen(0, 0));
  }

  private void forget(Key key) {
    served.remove(key);
    String label = label(key.topic(), key.group());
    metrics.registry().remove(ProxyMetrics.GROUP_LAG + "." + label);
    metrics.registry().remove(ProxyMetrics.GROUP_PENDING + "." + label);
  }

  /** Dots separate Dropwizard name segments: the label value carries them as underscores. */
  private static String label(TopicName topic, String group) {
    return (topic.value() + ":" + group).replace('.', '_');
  }
}
