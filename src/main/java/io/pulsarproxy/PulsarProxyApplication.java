package io.pulsarproxy;

import com.codahale.metrics.Gauge;
import io.dropwizard.configuration.EnvironmentVariableSubstitutor;
import io.dropwizard.configuration.SubstitutingSourceProvider;
import io.dropwizard.core.Application;
import io.dropwizard.core.server.AbstractServerFactory;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import io.pulsarproxy.auth.TokenAuthenticator;
import io.pulsarproxy.cli.HashTokenCommand;
import io.pulsarproxy.cli.PerfCommand;
import io.pulsarproxy.core.Limits;
import io.pulsarproxy.core.MessageIdGenerator;
import io.pulsarproxy.core.MessageParser;
import io.pulsarproxy.core.RateLimiter;
import io.pulsarproxy.delivery.Connections;
import io.pulsarproxy.delivery.Delivery;
import io.pulsarproxy.delivery.DeliveryFactory;
import io.pulsarproxy.health.StoreHealthCheck;
import io.pulsarproxy.resources.ErrorMapper;
import io.pulsarproxy.resources.EventStreamResource;
import io.pulsarproxy.resources.PublishResource;
import io.pulsarproxy.resources.TopicResource;
import io.pulsarproxy.resources.UnreadBodyDrainer;
import io.pulsarproxy.store.MessageStore;
import io.pulsarproxy.websocket.SubscriberUpgrade;
import java.time.Clock;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/** Wires Pulsar Proxy together; nothing else lives here. */
public class PulsarProxyApplication extends Application<PulsarProxyConfiguration> {

  public static void main(String[] args) throws Exception {
    new PulsarProxyApplication().run(args);
  }

  @Override
  public String getName() {
    return "pulsar-proxy";
  }

  @Override
  public void initialize(Bootstrap<PulsarProxyConfiguration> bootstrap) {
    // ${VAR:-default} in config.yml; undefined variables without a default fail the start.
    bootstrap.setConfigurationSourceProvider(
        new SubstitutingSourceProvider(
            bootstrap.getConfigurationSourceProvider(), new EnvironmentVariableSubstitutor(true)));
    bootstrap.addCommand(new HashTokenCommand());
    bootstrap.addCommand(new PerfCommand());
  }

  @Override
  public void run(PulsarProxyConfiguration config, Environment environment) {
    if (config.getServerFactory() instanceof AbstractServerFactory server) {
      // ErrorMapper answers every failure in the proxy's one JSON error shape.
      server.setRegisterDefaultExceptionMappers(false);
    }
    Clock clock = Clock.systemUTC();

    MessageStore store =
        config
            .getStore()
            .build(environment, config.getRetention().build(), config.getRetention().dedupWindow());
    environment.healthChecks().register("store", new StoreHealthCheck(store));

    TokenAuthenticator authenticator = config.getAuth().build(environment);
    Limits limits = config.getLimits().build();
    MessageParser parser =
        new MessageParser(limits, new MessageIdGenerator(clock), environment.getObjectMapper());
    RateLimiter rateLimiter = new RateLimiter(System::nanoTime);

    DeliveryFactory deliveryConfig = config.getDelivery();
    Delivery delivery = deliveryConfig.build(environment, store);
    Connections connections = deliveryConfig.connections();
    for (Connections.Transport transport : Connections.Transport.values()) {
      environment
          .metrics()
          .register(
              "pulsar.connections." + transport.name().toLowerCase(Locale.ROOT),
              (Gauge<Integer>) () -> connections.open(transport).size());
    }
    environment
        .metrics()
        .register("pulsar.delivery.followed-topics", (Gauge<Integer>) delivery::followedTopics);
    environment
        .metrics()
        .register("pulsar.delivery.hot-tier-bytes", (Gauge<Long>) delivery::hotTierBytes);

    environment.jersey().register(new ErrorMapper());
    environment.jersey().register(new UnreadBodyDrainer(limits.maxBatchBytes()));
    environment
        .jersey()
        .register(
            new PublishResource(store, parser, rateLimiter, limits, environment.getObjectMapper()));
    environment
        .jersey()
        .register(new TopicResource(store, delivery, limits, deliveryConfig.longPoll()));

    new SubscriberUpgrade(
            authenticator,
            delivery,
            connections,
            environment.getObjectMapper(),
            deliveryConfig.webSocket())
        .register(environment);

    EventStreamResource events =
        new EventStreamResource(
            delivery,
            connections,
            environment
                .lifecycle()
                .executorService("sse-writer")
                .minThreads(4)
                .maxThreads(4)
                .build(),
            deliveryConfig.outboundQueueBytes());
    environment.jersey().register(events);
    long keepAliveMillis = deliveryConfig.sseKeepAlive().toMillis();
    environment
        .lifecycle()
        .scheduledExecutorService("sse-keepalive")
        .build()
        .scheduleWithFixedDelay(
            events::keepAlive, keepAliveMillis, keepAliveMillis, TimeUnit.MILLISECONDS);
  }
}
