package io.pulsarproxy.store;

import io.pulsarproxy.auth.Revocations.Entry;
import java.util.Map;

/**
 * Where token revocations are kept so that every instance enforces them: the Valkey store shares
 * them through Valkey and announces each one, the memory store keeps them in process. Keys are
 * {@code jti:<id>} or {@code sub:<subject>}; an entry is dropped once its {@code until} has passed.
 */
public interface RevocationStorage extends Watched {
  /** The entries whose {@code until} is after {@code nowMillis}. */
  Map<String, Entry> load(long nowMillis);

  /** Stores one entry (replacing one of the same key), drops expired ones, announces it. */
  void save(String key, Entry entry, long nowMillis);
}
