package io.pulsarproxy.store;

import io.pulsarproxy.core.RetentionPolicy;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this instance's retention in step with the shared copy: read at start, re-read whenever any
 * instance announces a change, and every {@value Resync#REREAD_SECONDS} s as a safety net for a
 * missed announcement.
 */
public final class RetentionSync extends Resync {
  private static final Logger LOG = LoggerFactory.getLogger(RetentionSync.class);

  private final RetentionPolicy policy;
  private final RetentionStorage storage;

  /**
   * @param timer the lifecycle's executor for the periodic and announced re-reads
   */
  public RetentionSync(
      RetentionPolicy policy, RetentionStorage storage, ScheduledExecutorService timer) {
    super(storage, timer);
    this.policy = policy;
    this.storage = storage;
  }

  @Override
  protected void reload() {
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
