package io.pulsarproxy.store.memory;

import io.pulsarproxy.auth.Revocations.Entry;
import io.pulsarproxy.store.RevocationStorage;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** Revocations of an instance on the memory store: enforced by this instance only. */
public final class InProcessRevocationStorage implements RevocationStorage {
  private final Map<String, Entry> entries = new HashMap<>();
  private final List<Runnable> watchers = new CopyOnWriteArrayList<>();

  @Override
  public synchronized Map<String, Entry> load(long nowMillis) {
    entries.values().removeIf(e -> e.untilMillis() <= nowMillis);
    return Map.copyOf(entries);
  }

  @Override
  public void save(String key, Entry entry, long nowMillis) {
    synchronized (this) {
      entries.put(key, entry);
      entries.values().removeIf(e -> e.untilMillis() <= nowMillis);
    }
    watchers.forEach(Runnable::run);
  }

  @Override
  public void watch(Runnable onChange) {
    watchers.add(onChange);
  }

  @Override
  public void close() {
    watchers.clear();
  }
}
