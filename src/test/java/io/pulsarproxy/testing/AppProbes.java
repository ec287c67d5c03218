package io.pulsarproxy.testing;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.codahale.metrics.Gauge;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import java.lang.management.ManagementFactory;
import java.time.Duration;

/** What leak checks read from an app running in the test's JVM: its gauges and the heap. */
public final class AppProbes {
  private AppProbes() {}

  public static int gauge(DropwizardAppExtension<?> app, String name) {
    Gauge<?> g = app.getEnvironment().metrics().getGauges().get(name);
    return ((Number) g.getValue()).intValue();
  }

  /** Waits up to {@code within} for a gauge to read {@code expected}, then asserts it does. */
  public static void awaitGauge(
      DropwizardAppExtension<?> app, String name, int expected, Duration within) {
    await()
        .atMost(within)
        .pollInterval(Duration.ofMillis(20))
        .untilAsserted(() -> assertEquals(expected, gauge(app, name), name));
  }

  /** Heap in use after a few collections: a baseline to compare against, not an exact size. */
  public static long heapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200); // time for reference processing and cleaners after the collection
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
