package io.pulsarproxy.health;

import io.pulsarproxy.core.StoreUnavailableException;
import io.pulsarproxy.delivery.Delivery;
import io.pulsarproxy.delivery.Drain;
import io.pulsarproxy.store.MessageStore;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether a load balancer should send this instance traffic: not while draining, not while the
 * store is unreachable, not while the follower is stuck, not while the delivery probe fails.
 */
public final class Readiness {
  private final Drain drain;
  private final MessageStore store;
  private final Delivery delivery;
  private final DeliveryProbe probe;
  private final long followerStuckSeconds;

  public Readiness(
      Drain drain,
      MessageStore store,
      Delivery delivery,
      DeliveryProbe probe,
      long followerStuckSeconds) {
    this.drain = drain;
    this.store = store;
    this.delivery = delivery;
    this.probe = probe;
    this.followerStuckSeconds = followerStuckSeconds;
  }

  /** The reasons this instance is not ready; empty when it is. */
  public List<String> problems() {
    List<String> problems = new ArrayList<>();
    if (drain.isDraining()) {
      problems.add("draining");
    }
    try {
      store.ping();
    } catch (StoreUnavailableException e) {
      problems.add("store unreachable");
    }
    if (delivery.followerLagSeconds() > followerStuckSeconds) {
      problems.add("follower stuck for " + delivery.followerLagSeconds() + " s");
    }
    if (!probe.isHealthy()) {
      problems.add("delivery probe: " + probe.detail());
    }
    return problems;
  }
}
