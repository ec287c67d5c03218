package io.pulsarproxy.delivery;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.eclipse.jetty.util.component.Graceful;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What SIGTERM does, in Jetty's graceful phase (before connectors and the store close): readiness
 * turns red at once, the instance waits for load balancers to notice, then drains its connections
 * over the drain window. {@code server.shutdownGracePeriod} must cover both.
 */
public final class GracefulShutdown extends AbstractLifeCycle implements Graceful {
  private static final Logger LOG = LoggerFactory.getLogger(GracefulShutdown.class);

  private final Drain drain;
  private final Duration readinessDelay;
  private final Duration drainWindow;
  private volatile CompletableFuture<Void> shutdown;

  public GracefulShutdown(Drain drain, Duration readinessDelay, Duration drainWindow) {
    this.drain = drain;
    this.readinessDelay = readinessDelay;
    this.drainWindow = drainWindow;
  }

  @Override
  public synchronized CompletableFuture<Void> shutdown() {
    if (shutdown == null) {
      LOG.info("Shutting down: not ready now, draining in {} over {}", readinessDelay, drainWindow);
      drain.stopAdmitting();
      shutdown =
          CompletableFuture.runAsync(
                  () -> {},
                  CompletableFuture.delayedExecutor(
                      readinessDelay.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS))
              .thenCompose(ignored -> drain.drain(drainWindow, 100))
              .thenAccept(r -> LOG.info("Drained {} connections before stopping", r.closed()));
    }
    return shutdown;
  }

  @Override
  public boolean isShutdown() {
    return shutdown != null && shutdown.isDone();
  }
}
