package io.pulsarproxy.cli.perf;

import java.util.LinkedHashMap;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** A scenario's results: named figures in a fixed order, printed for people or as one JSON line. */
final class Report {
  private final String scenario;
  private final Map<String, Object> figures = new LinkedHashMap<>();

  Report(String scenario) {
    this.scenario = scenario;
  }

  Report put(String name, Object value) {
    figures.put(name, value);
    return this;
  }

  /** p50, p95, p99, p99.9 and max of a histogram of microseconds, in milliseconds. */
  Report latency(String prefix, Histogram micros) {
    put(prefix + "_p50_ms", ms(micros.getValueAtPercentile(50)));
    put(prefix + "_p95_ms", ms(micros.getValueAtPercentile(95)));
    put(prefix + "_p99_ms", ms(micros.getValueAtPercentile(99)));
    put(prefix + "_p999_ms", ms(micros.getValueAtPercentile(99.9)));
    put(prefix + "_max_ms", ms(micros.getMaxValue()));
    return this;
  }

  private static double ms(long micros) {
    return Math.round(micros / 10.0) / 100.0;
  }

  Map<String, Object> asMap() {
    Map<String, Object> all = new LinkedHashMap<>();
    all.put("scenario", scenario);
    all.putAll(figures);
    return all;
  }

  String text() {
    StringBuilder out = new StringBuilder(scenario).append('\n');
    figures.forEach((k, v) -> out.append(String.format("  %-28s %s%n", k, v)));
    return out.toString();
  }
}
