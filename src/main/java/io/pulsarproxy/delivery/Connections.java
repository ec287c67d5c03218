package io.pulsarproxy.delivery;

import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** The subscriber connections of this instance, by transport, and the one cap on their number. */
public final class Connections {
  /** How a subscriber is connected. */
  public enum Transport {
    WEBSOCKET,
    SSE
  }

  private final int max;
  private final Map<Transport, Set<Outbound>> open = new EnumMap<>(Transport.class);
  private final AtomicInteger total = new AtomicInteger();

  public Connections(int max) {
    this.max = max;
    for (Transport t : Transport.values()) {
      open.put(t, ConcurrentHashMap.newKeySet());
    }
  }

  /** False when the instance is at its cap: the caller answers 503. */
  public boolean hasRoom() {
    return total.get() < max;
  }

  public void opened(Transport transport, Outbound out) {
    if (open.get(transport).add(out)) {
      total.incrementAndGet();
    }
  }

  public void closed(Transport transport, Outbound out) {
    if (open.get(transport).remove(out)) {
      total.decrementAndGet();
    }
  }

  public Set<Outbound> open(Transport transport) {
    return open.get(transport);
  }

  public int count() {
    return total.get();
  }
}
