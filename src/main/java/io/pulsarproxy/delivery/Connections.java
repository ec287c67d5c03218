package io.pulsarproxy.delivery;

import io.pulsarproxy.core.ApiException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The subscriber connections of this instance, by transport, and the one place that decides whether
 * a new one is admitted: not while draining, not past the cap.
 */
public final class Connections {
  /**
   * How a subscriber is connected. Long-polls and the delivery probe are counted in metrics, never
   * held here.
   */
  public enum Transport {
    WEBSOCKET,
    SSE,
    LONGPOLL,
    PROBE;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Whether a new subscriber may come in, and if not why. */
  public enum Admission {
    OK,
    FULL,
    DRAINING
  }

  private final int max;
  private final Map<Transport, Set<Outbound>> open = new EnumMap<>(Transport.class);
  private final AtomicInteger total = new AtomicInteger();
  private volatile boolean draining;

  public Connections(int max) {
    this.max = max;
    for (Transport t : Transport.values()) {
      open.put(t, ConcurrentHashMap.newKeySet());
    }
  }

  public Admission admission() {
    if (draining) {
      return Admission.DRAINING;
    }
    return total.get() < max ? Admission.OK : Admission.FULL;
  }

  /**
   * @throws ApiException 503 with {@code Retry-After} when no new subscriber may come in
   */
  public void requireAdmission() {
    switch (admission()) {
      case DRAINING ->
          throw new ApiException(
              503,
              "draining",
              "this instance is draining; connect to another",
              Map.of("Retry-After", "5"));
      case FULL ->
          throw new ApiException(
              503,
              "too_many_connections",
              "this instance is at its connection limit; retry on another",
              Map.of("Retry-After", "5"));
      case OK -> {}
    }
  }

  public int max() {
    return max;
  }

  void setDraining(boolean draining) {
    this.draining = draining;
  }

  public boolean isDraining() {
    return draining;
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

  /** Every open connection, whatever its transport. */
  public List<Outbound> all() {
    List<Outbound> all = new ArrayList<>();
    open.values().forEach(all::addAll);
    return all;
  }

  public int count() {
    return total.get();
  }
}
