package io.pulsarproxy.store;

import io.dropwizard.lifecycle.Managed;
import io.pulsarproxy.core.RetentionPolicy;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this instance's retention in step with the shared copy: read at start, re-read whenever any
 * instance announces a change, and every {@value #REREAD_SECONDS} s as a safety net for a missed
 * announcement.
 */
public final class RetentionSync implements Managed {
  static final int REREAD_SECONDS = 10;
  private static final Logger LOG = LoggerFactory.getLogger(RetentionSync.class);

  private final RetentionPolicy policy;
  private final RetentionStorage storage;
  private final ScheduledExecutorService timer;
  private ScheduledFuture<?> schedule;

  /**
   * @param timer the lifecycle's executor for the periodic and announced re-reads
   */
  public RetentionSync(
      RetentionPolicy policy, RetentionStorage storage, ScheduledExecutorService timer) {
    this.timer = timer;
    this.policy = policy;
    this.storage = storage;
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
    schedule.cancel(false);
  }

  private void reload() {
    try {
      RetentionPolicy.Snapshot loaded = storage.load();
      if (!loaded.equals(policy.snapshot())) {
        policy.replace(loaded);
        LOG.info("Retention now: {}", loaded);
      }
    } catch (RuntimeException e) {
      LOG.debug("Cannot read retention, keeping what is in force: {}", e.getMessage());
    }
  }
}
