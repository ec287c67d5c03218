package io.pulsarproxy.health;

import com.codahale.metrics.health.HealthCheck;
import io.pulsarproxy.core.StoreUnavailableException;
import io.pulsarproxy.store.MessageStore;

/** Healthy when the store answers a PING within its command timeout. */
public final class StoreHealthCheck extends HealthCheck {
  private final MessageStore store;

  public StoreHealthCheck(MessageStore store) {
    this.store = store;
  }

  @Override
  protected Result check() {
    try {
      store.ping();
      return Result.healthy(store.describe());
    } catch (StoreUnavailableException e) {
      return Result.unhealthy(e.getMessage());
    }
  }
}
