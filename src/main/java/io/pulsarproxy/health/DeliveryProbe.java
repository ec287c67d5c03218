package io.pulsarproxy.health;

import com.codahale.metrics.Meter;
import com.codahale.metrics.Timer;
import io.dropwizard.lifecycle.Managed;
import io.pulsarproxy.core.MessageIdGenerator;
import io.pulsarproxy.core.NewMessage;
import io.pulsarproxy.core.TopicName;
import io.pulsarproxy.delivery.Connections;
import io.pulsarproxy.delivery.Delivery;
import io.pulsarproxy.delivery.Frame;
import io.pulsarproxy.delivery.Outbound;
import io.pulsarproxy.metrics.ProxyMetrics;
import io.pulsarproxy.store.MessageStore;
import io.pulsarproxy.store.Trim;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Proves delivery end to end, every few seconds: publishes a probe message to this instance's
 * private topic through the store and waits for it to come back through the follower and a
 * subscription, like any subscriber's message. A store that accepts writes while the follower is
 * stuck (after a failover, say) fails the probe, and readiness with it.
 */
public final class DeliveryProbe implements Managed {
  private static final Logger LOG = LoggerFactory.getLogger(DeliveryProbe.class);
  private static final int KEEP = 100;

  private final MessageStore store;
  private final Delivery delivery;
  private final TopicName topic;
  private final Duration interval;
  private final Duration deadline;
  private final MessageIdGenerator ids;
  private final Timer latency;
  private final Meter failures;
  private final ProxyMetrics metrics;
  private final Map<String, CountDownLatch> waiting = new ConcurrentHashMap<>();
  private final ScheduledExecutorService timer;
  private volatile boolean healthy;
  private volatile String lastProblem = "not run yet";
  private int runs;
  private ScheduledFuture<?> schedule;

  public DeliveryProbe(
      MessageStore store,
      Delivery delivery,
      String instanceId,
      Duration interval,
      Duration deadline,
      MessageIdGenerator ids,
      ProxyMetrics metrics,
      ScheduledExecutorService timer) {
    this.store = store;
    this.timer = timer;
    this.delivery = delivery;
    this.topic = new TopicName("pp.probe." + instanceId);
    this.interval = interval;
    this.deadline = deadline;
    this.ids = ids;
    this.metrics = metrics;
    this.latency = metrics.timer(ProxyMetrics.PROBE_LATENCY);
    this.failures = metrics.meter(ProxyMetrics.PROBE_FAILURES);
  }

  public boolean isHealthy() {
    return healthy;
  }

  /** Why the last probe failed, or how long the last one took. */
  public String detail() {
    return lastProblem;
  }

  @Override
  public void start() {
    schedule =
        timer.scheduleWithFixedDelay(
            this::probeSafely, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void stop() {
    schedule.cancel(true);
  }

  private void probeSafely() {
    try {
      probe();
    } catch (RuntimeException e) {
      fail("probe failed: " + e.getMessage());
    }
  }

  private final class ProbeOutbound extends Outbound {
    ProbeOutbound() {
      super(1 << 20, new Identity(Connections.Transport.PROBE, "probe", "this instance"), metrics);
    }

    @Override
    protected void writeMessage(Frame frame, Runnable written) {
      written.run();
      CountDownLatch latch = waiting.remove(frame.message().messageId());
      if (latch != null) {
        latch.countDown();
      }
    }

    @Override
    protected void writeControl(String type, String json, Runnable written) {
      written.run();
    }

    @Override
    protected void closeTransport(Close reason) {}
  }

  private io.pulsarproxy.delivery.Subscription subscription;

  private void probe() throws RuntimeException {
    if (subscription == null) {
      subscription = delivery.subscribe(new ProbeOutbound(), topic, new Delivery.From.Latest());
    }
    String id = ids.next();
    CountDownLatch arrived = new CountDownLatch(1);
    waiting.put(id, arrived);
    long start = System.nanoTime();
    try {
      store.append(topic, List.of(new NewMessage(id, false, "\"probe\"", Map.of(), null, 60L)));
      if (!arrived.await(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
        fail("the probe message did not come back within " + deadline);
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    } finally {
      waiting.remove(id);
    }
    long nanos = System.nanoTime() - start;
    latency.update(nanos, TimeUnit.NANOSECONDS);
    if (!healthy) {
      LOG.info("Delivery probe healthy again");
    }
    healthy = true;
    lastProblem = "round trip " + TimeUnit.NANOSECONDS.toMillis(nanos) + " ms";
    if (++runs % 20 == 0) {
      delivery.trim(topic, Trim.toLength(KEEP));
    }
  }

  private void fail(String problem) {
    failures.mark();
    if (healthy || !problem.equals(lastProblem)) {
      LOG.warn("Delivery probe failing: {}", problem);
    }
    healthy = false;
    lastProblem = problem;
  }
}
