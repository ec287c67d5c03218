package io.pulsarproxy.resources;

import com.codahale.metrics.Timer;
import io.pulsarproxy.api.ErrorBody;
import io.pulsarproxy.metrics.ProxyMetrics;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.container.DynamicFeature;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.FeatureContext;
import java.security.Principal;
import java.util.Set;

/**
 * Counts every publish request: messages accepted, refusals by reason, refusals by the rate limit
 * per token, and the latency of the whole request (from before authentication to the answer).
 */
public final class PublishMetrics implements DynamicFeature {
  static final String ACCEPTED = "pulsar.accepted";
  static final String TOPIC = "pulsar.topic";
  private static final String STARTED = "pulsar.started";

  private final ProxyMetrics metrics;
  private final Set<String> labelledTopics;

  /**
   * @param labelledTopics topics that get a metric of their own (ops list them in config)
   */
  public PublishMetrics(ProxyMetrics metrics, Set<String> labelledTopics) {
    this.metrics = metrics;
    this.labelledTopics = labelledTopics;
  }

  @Override
  public void configure(ResourceInfo resource, FeatureContext context) {
    if (resource.getResourceClass() == PublishResource.class) {
      context.register(new Filter(), Priorities.AUTHENTICATION - 100);
    }
  }

  @Priority(Priorities.AUTHENTICATION - 100)
  private final class Filter implements ContainerRequestFilter, ContainerResponseFilter {
    private final Timer latency = metrics.timer(ProxyMetrics.PUBLISH_LATENCY);

    @Override
    public void filter(ContainerRequestContext request) {
      request.setProperty(STARTED, System.nanoTime());
    }

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
      Object started = request.getProperty(STARTED);
      if (started instanceof Long t) {
        latency.update(System.nanoTime() - t, java.util.concurrent.TimeUnit.NANOSECONDS);
      }
      if (response.getEntity() instanceof ErrorBody error) {
        metrics.meter(ProxyMetrics.PUBLISH_REJECTED, error.error()).mark();
        Principal caller = request.getSecurityContext().getUserPrincipal();
        if ("rate_limited".equals(error.error()) && caller != null) {
          metrics.meter(ProxyMetrics.RATE_LIMITED, caller.getName()).mark();
        }
        return;
      }
      if (request.getProperty(ACCEPTED) instanceof Integer n) {
        metrics.meter(ProxyMetrics.PUBLISH_ACCEPTED).mark(n);
        if (request.getProperty(TOPIC) instanceof String topic && labelledTopics.contains(topic)) {
          // Dots separate name segments; the label value carries them as underscores.
          metrics.meter(ProxyMetrics.TOPIC_PUBLISHED, topic.replace('.', '_')).mark(n);
        }
      }
    }
  }
}
