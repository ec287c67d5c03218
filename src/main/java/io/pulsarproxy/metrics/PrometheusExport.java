package io.pulsarproxy.metrics;

import com.codahale.metrics.Counting;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Metric;
import com.codahale.metrics.MetricRegistry;
import io.dropwizard.core.setup.Environment;
import io.prometheus.metrics.exporter.servlet.jakarta.PrometheusMetricsServlet;
import io.prometheus.metrics.instrumentation.dropwizard.DropwizardExports;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.PrometheusNaming;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Serves every Dropwizard metric (the proxy's, the JVM's, Jetty's) in Prometheus text format at
 * {@value #PATH} on the admin port. The labelled families of {@link ProxyMetrics} ({@code
 * family.value} in Dropwizard) become one Prometheus metric each, with the value as a label; the
 * Dropwizard bridge cannot merge several metrics into one family, so they are collected here.
 */
public final class PrometheusExport {
  public static final String PATH = "/prometheus";

  private static final Map<String, String> LABELLED =
      Map.of(
          ProxyMetrics.PUBLISH_REJECTED, "reason",
          ProxyMetrics.DELIVERED, "transport",
          ProxyMetrics.CONNECTIONS, "transport",
          ProxyMetrics.SUBSCRIPTIONS, "transport",
          ProxyMetrics.RATE_LIMITED, "token",
          ProxyMetrics.TOKEN_CONNECTIONS_REFUSED, "token",
          ProxyMetrics.TOKEN_CONNECTIONS, "token",
          ProxyMetrics.TOPIC_PUBLISHED, "topic",
          ProxyMetrics.GROUP_LAG, "group",
          ProxyMetrics.GROUP_PENDING, "group");

  private PrometheusExport() {}

  public static void register(Environment environment) {
    MetricRegistry registry = environment.metrics();
    PrometheusRegistry prometheus = new PrometheusRegistry();
    DropwizardExports.builder()
        .dropwizardRegistry(registry)
        // Prometheus drops a trailing "_total" from names, so a timer "x" and a meter "x.total"
        // would collide and fail the whole scrape: such names are not exported.
        .metricFilter(
            (name, metric) ->
                !name.endsWith(".total") && !name.endsWith("_total") && family(name) == null)
        .register(prometheus);
    prometheus.register(new LabelledFamilies(registry));
    environment
        .admin()
        .addServlet("prometheus", new PrometheusMetricsServlet(prometheus))
        .addMapping(PATH);
  }

  private static String family(String name) {
    int dot = name.lastIndexOf('.');
    return dot < 0 || !LABELLED.containsKey(name.substring(0, dot)) ? null : name.substring(0, dot);
  }

  /** One Prometheus metric per labelled family: counters for meters, gauges for gauges. */
  private static final class LabelledFamilies implements MultiCollector {
    private final MetricRegistry registry;

    LabelledFamilies(MetricRegistry registry) {
      this.registry = registry;
    }

    @Override
    public MetricSnapshots collect() {
      List<MetricSnapshot> snapshots = new ArrayList<>();
      for (Map.Entry<String, String> family : LABELLED.entrySet()) {
        String prefix = family.getKey() + ".";
        String name = PrometheusNaming.sanitizeMetricName(family.getKey());
        CounterSnapshot.Builder counter = CounterSnapshot.builder().name(name);
        GaugeSnapshot.Builder gauge = GaugeSnapshot.builder().name(name);
        boolean counters = false;
        boolean gauges = false;
        for (Map.Entry<String, Metric> m : registry.getMetrics().entrySet()) {
          if (!m.getKey().startsWith(prefix)) {
            continue;
          }
          Labels labels = Labels.of(family.getValue(), m.getKey().substring(prefix.length()));
          if (m.getValue() instanceof Counting c) {
            counter.dataPoint(
                CounterSnapshot.CounterDataPointSnapshot.builder()
                    .labels(labels)
                    .value(c.getCount())
                    .build());
            counters = true;
          } else if (m.getValue() instanceof Gauge<?> g && g.getValue() instanceof Number n) {
            gauge.dataPoint(
                GaugeSnapshot.GaugeDataPointSnapshot.builder()
                    .labels(labels)
                    .value(n.doubleValue())
                    .build());
            gauges = true;
          }
        }
        if (counters) {
          snapshots.add(counter.build());
        } else if (gauges) {
          snapshots.add(gauge.build());
        }
      }
      return new MetricSnapshots(snapshots);
    }
  }
}
