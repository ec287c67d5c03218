package io.pulsarproxy.store;

import io.pulsarproxy.core.RetentionPolicy;

/**
 * Where live retention changes are kept so that every instance applies them and they survive
 * restarts. The Valkey store shares them through Valkey; the memory store keeps them in process.
 */
public interface RetentionStorage extends Watched {
  /** The stored overrides; an empty snapshot when none were ever saved. */
  RetentionPolicy.Snapshot load();

  /** Stores the whole snapshot and announces the change to every instance. */
  void save(RetentionPolicy.Snapshot snapshot);
}
