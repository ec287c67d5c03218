package io.pulsarproxy.store.memory;

import io.pulsarproxy.core.RetentionPolicy;
import io.pulsarproxy.store.RetentionStorage;
import java.util.Map;

/** Retention changes of an instance on the memory store: nothing to share, lost on restart. */
public final class InProcessRetentionStorage implements RetentionStorage {
  private volatile RetentionPolicy.Snapshot saved =
      new RetentionPolicy.Snapshot(RetentionPolicy.Override.NONE, Map.of());

  @Override
  public RetentionPolicy.Snapshot load() {
    return saved;
  }

  @Override
  public void save(RetentionPolicy.Snapshot snapshot) {
    saved = snapshot;
  }

  @Override
  public void watch(Runnable onChange) {
    // Only this instance changes it; the caller applies its own changes.
  }

  @Override
  public void close() {}
}
