package io.pulsarproxy.auth;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tokens whose signature and claims were checked, with their caller, until they expire: a publisher
 * sending thousands of messages a second with one JWT pays one map lookup per request, not a
 * signature check. Bounded: when full, expired entries go first, then any tenth of the rest. Keyed
 * by the whole token text, so a token differing in a single character is verified anew.
 */
final class VerifiedTokens {
  private final int max;
  private final Map<String, Caller> entries = new ConcurrentHashMap<>();

  VerifiedTokens(int max) {
    this.max = max;
  }

  /** The caller of a verified token still accepted at {@code nowMillis}, or null. */
  Caller get(String token, long nowMillis) {
    Caller caller = entries.get(token);
    if (caller != null && caller.acceptedUntilMillis() <= nowMillis) {
      entries.remove(token, caller);
      return null;
    }
    return caller;
  }

  void put(String token, Caller caller, long nowMillis) {
    if (entries.size() >= max) {
      evict(nowMillis);
    }
    entries.put(token, caller);
  }

  private synchronized void evict(long nowMillis) {
    if (entries.size() < max) {
      return;
    }
    entries.values().removeIf(c -> c.acceptedUntilMillis() <= nowMillis);
    int excess = entries.size() - (max - Math.max(1, max / 10));
    Iterator<String> it = entries.keySet().iterator();
    while (excess-- > 0 && it.hasNext()) {
      it.next();
      it.remove();
    }
  }

  void clear() {
    entries.clear();
  }

  int size() {
    return entries.size();
  }
}
