package io.pulsarproxy.delivery;

import io.dropwizard.lifecycle.ServerLifecycleListener;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.Server;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What SIGTERM does: readiness turns red at once, the instance waits for load balancers to notice,
 * drains its connections over the drain window, and only then stops the server (the store closes
 * last). It replaces Jetty's own stop-at-shutdown hook, which would close every WebSocket at once
 * with no reconnect hint. {@code server.shutdownGracePeriod} bounds what comes after.
 */
public final class GracefulShutdown implements ServerLifecycleListener {
  private static final Logger LOG = LoggerFactory.getLogger(GracefulShutdown.class);

  private final Drain drain;
  private final Duration readinessDelay;
  private final Duration drainWindow;

  public GracefulShutdown(Drain drain, Duration readinessDelay, Duration drainWindow) {
    this.drain = drain;
    this.readinessDelay = readinessDelay;
    this.drainWindow = drainWindow;
  }

  @Override
  public void serverStarted(Server server) {
    server.setStopAtShutdown(false);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(server), "graceful-shutdown"));
  }

  private void stop(Server server) {
    LOG.info("Shutting down: not ready now, draining in {} over {}", readinessDelay, drainWindow);
    drain.stopAdmitting();
    try {
      Thread.sleep(readinessDelay.toMillis());
      Drain.Result result =
          drain.drain(drainWindow, 100).get(drainWindow.toMillis() + 5_000, TimeUnit.MILLISECONDS);
      LOG.info("Drained {} connections before stopping", result.closed());
    } catch (Exception e) {
      LOG.warn("Drain before stopping did not finish: {}", e.toString());
    }
    try {
      server.stop();
    } catch (Exception e) {
      LOG.error("Stopping the server failed", e);
    }
  }
}
