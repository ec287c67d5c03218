package io.pulsarproxy.store;

import io.dropwizard.lifecycle.Managed;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Keeps this instance's copy of state shared through the store current: read at start, again on
 * every announced change, and every {@value #REREAD_SECONDS} s as a safety net for a missed
 * announcement, all on one timer thread of the lifecycle's.
 */
public abstract class Resync implements Managed {
  public static final int REREAD_SECONDS = 10;

  private final Watched storage;
  protected final ScheduledExecutorService timer;
  private ScheduledFuture<?> schedule;

  protected Resync(Watched storage, ScheduledExecutorService timer) {
    this.storage = storage;
    this.timer = timer;
  }

  @Override
  public void start() {
    reload();
    storage.watch(() -> timer.execute(this::reload));
    schedule =
        timer.scheduleWithFixedDelay(
            this::reload, REREAD_SECONDS, REREAD_SECONDS, TimeUnit.SECONDS);
  }

  @Override
  public void stop() {
    storage.close();
    if (schedule != null) {
      schedule.cancel(false);
    }
  }

  /** Reads the shared state and applies it; never throws (a failed read waits for the next). */
  protected abstract void reload();
}
