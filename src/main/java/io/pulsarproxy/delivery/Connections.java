package io.pulsarproxy.delivery;

import io.pulsarproxy.auth.Caller;
import io.pulsarproxy.core.ApiException;
import io.pulsarproxy.core.ErrorWord;
import io.pulsarproxy.metrics.ProxyMetrics;
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
 * a new one is admitted: not while draining, not past the instance's cap (503), not past its
 * token's cap (429). Long-polls hold no slot.
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
  private final ProxyMetrics metrics;
  private final Map<Transport, Set<Outbound>> open = new EnumMap<>(Transport.class);
  private final AtomicInteger total = new AtomicInteger();
  private final Map<String, AtomicInteger> byToken = new ConcurrentHashMap<>();
  private volatile boolean draining;

  public Connections(int max, ProxyMetrics metrics) {
    this.max = max;
    this.metrics = metrics;
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
   * Checked before a connection is set up, so that a refusal is a plain HTTP answer.
   *
   * @throws ApiException 503 with {@code Retry-After} when this instance takes no new subscriber,
   *     429 when the caller's token already holds its {@code maxConnections}
   */
  public void requireAdmission(Caller caller) {
    switch (admission()) {
      case DRAINING -> throw ErrorWord.DRAINING.refusal(null, Map.of("Retry-After", "5"));
      case FULL ->
          throw ErrorWord.INSTANCE_CONNECTIONS_FULL.refusal(null, Map.of("Retry-After", "5"));
      case OK -> {}
    }
    if (held(caller.name()) >= caller.maxConnections()) {
      throw tokenFull(caller);
    }
  }

  private ApiException tokenFull(Caller caller) {
    metrics.meter(ProxyMetrics.TOKEN_CONNECTIONS_REFUSED, caller.name()).mark();
    return ErrorWord.TOKEN_CONNECTIONS_FULL.refusal(
        "token '"
            + caller.name()
            + "' holds its limit of "
            + caller.maxConnections()
            + " connections; close one or retry later",
        Map.of("Retry-After", "5"));
  }

  /** WebSocket and SSE connections the token holds now. */
  public int held(String token) {
    AtomicInteger held = byToken.get(token);
    return held == null ? 0 : held.get();
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

  /**
   * Registers an admitted connection of the caller's token; {@code out}'s identity names that
   * token. The token's count is taken atomically here, so that upgrades racing past {@link
   * #requireAdmission} cannot together pass the cap.
   *
   * @throws ApiException 429 when the token's cap was reached meanwhile; nothing is registered
   */
  public void opened(Caller caller, Transport transport, Outbound out) {
    AtomicInteger held = byToken.computeIfAbsent(caller.name(), name -> new AtomicInteger());
    if (held.incrementAndGet() > caller.maxConnections()) {
      held.decrementAndGet();
      throw tokenFull(caller);
    }
    if (open.get(transport).add(out)) {
      total.incrementAndGet();
    } else {
      held.decrementAndGet();
    }
  }

  /** Frees the connection's slots; does nothing for one that was never registered. */
  public void closed(Transport transport, Outbound out) {
    if (open.get(transport).remove(out)) {
      total.decrementAndGet();
      byToken.get(out.identity().token()).decrementAndGet();
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
