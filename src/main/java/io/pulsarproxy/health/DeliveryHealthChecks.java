package io.pulsarproxy.health;

import com.codahale.metrics.health.HealthCheck;
import io.pulsarproxy.delivery.Delivery;

/** The delivery side of the admin {@code /healthcheck}: the follower and the probe. */
public final class DeliveryHealthChecks {
  private DeliveryHealthChecks() {}

  public static HealthCheck follower(Delivery delivery, long stuckSeconds) {
    return new HealthCheck() {
      @Override
      protected Result check() {
        long lag = delivery.followerLagSeconds();
        String detail =
            "following " + delivery.followedTopics() + " topics; last read " + lag + " s ago";
        return lag > stuckSeconds ? Result.unhealthy("stuck: " + detail) : Result.healthy(detail);
      }
    };
  }

  public static HealthCheck probe(DeliveryProbe probe) {
    return new HealthCheck() {
      @Override
      protected Result check() {
        return probe.isHealthy()
            ? Result.healthy(probe.detail())
            : Result.unhealthy(probe.detail());
      }
    };
  }
}
