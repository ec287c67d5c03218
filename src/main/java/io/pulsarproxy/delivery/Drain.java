package io.pulsarproxy.delivery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Draining: the instance takes no new subscribers and closes its open connections spread over a
 * window, each after a {@code reconnect} frame with a jittered delay, so clients resume elsewhere
 * from their last id without arriving all at once.
 */
public final class Drain {
  private static final Logger LOG = LoggerFactory.getLogger(Drain.class);

  private final Connections connections;
  private final FrameEncoder frames;
  private final ScheduledExecutorService timer;
  private final List<ScheduledFuture<?>> scheduled =
      Collections.synchronizedList(new ArrayList<>());

  /** What a drain did: connections it closed, and those still open. */
  public record Result(int closed, int remaining) {}

  /**
   * @param timer the lifecycle's executor on which the connections close over the window
   */
  public Drain(Connections connections, FrameEncoder frames, ScheduledExecutorService timer) {
    this.connections = connections;
    this.frames = frames;
    this.timer = timer;
  }

  public boolean isDraining() {
    return connections.isDraining();
  }

  /** Refuses new subscribers from now on (readiness turns red) without closing anything. */
  public void stopAdmitting() {
    connections.setDraining(true);
  }

  /**
   * Stops admitting and closes {@code percent} of the open connections, evenly over {@code window};
   * completes when the last of them is closed.
   */
  public CompletableFuture<Result> drain(Duration window, int percent) {
    stopAdmitting();
    List<Outbound> open = connections.all();
    Collections.shuffle(open);
    int toClose = (int) Math.ceil(open.size() * percent / 100.0);
    LOG.info("Draining: closing {} of {} connections over {}", toClose, open.size(), window);
    CompletableFuture<Result> done = new CompletableFuture<>();
    if (toClose == 0) {
      done.complete(new Result(0, stillOpen()));
      return done;
    }
    AtomicInteger closed = new AtomicInteger();
    AtomicInteger left = new AtomicInteger(toClose);
    long windowMillis = window.toMillis();
    for (int i = 0; i < toClose; i++) {
      Outbound out = open.get(i);
      long at = windowMillis * i / toClose;
      scheduled.add(
          timer.schedule(
              () -> {
                if (!out.isClosed()) {
                  // Clients wait a random share of the window before reconnecting elsewhere.
                  long after = ThreadLocalRandom.current().nextLong(Math.max(1, windowMillis / 2));
                  out.sendControl("reconnect", frames.reconnect(after));
                  out.close(Outbound.Close.DRAIN);
                  closed.incrementAndGet();
                }
                if (left.decrementAndGet() == 0) {
                  done.complete(new Result(closed.get(), stillOpen()));
                }
              },
              at,
              TimeUnit.MILLISECONDS));
    }
    return done;
  }

  /** Connections not closed: those being closed are still counted until their close completes. */
  private int stillOpen() {
    return (int) connections.all().stream().filter(o -> !o.isClosed()).count();
  }

  /** Takes subscribers again and cancels the closes not yet made. */
  public void undrain() {
    synchronized (scheduled) {
      scheduled.forEach(f -> f.cancel(false));
      scheduled.clear();
    }
    connections.setDraining(false);
    LOG.info("Undrained: taking new subscribers again");
  }
}
