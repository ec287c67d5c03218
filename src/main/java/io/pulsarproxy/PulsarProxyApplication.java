package io.pulsarproxy;

import io.dropwizard.configuration.EnvironmentVariableSubstitutor;
import io.dropwizard.configuration.SubstitutingSourceProvider;
import io.dropwizard.core.Application;
import io.dropwizard.core.server.AbstractServerFactory;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import io.pulsarproxy.cli.HashTokenCommand;
import io.pulsarproxy.core.Limits;
import io.pulsarproxy.core.MessageIdGenerator;
import io.pulsarproxy.core.MessageParser;
import io.pulsarproxy.core.RateLimiter;
import io.pulsarproxy.health.StoreHealthCheck;
import io.pulsarproxy.resources.ErrorMapper;
import io.pulsarproxy.resources.PublishResource;
import io.pulsarproxy.resources.TopicResource;
import io.pulsarproxy.resources.UnreadBodyDrainer;
import io.pulsarproxy.store.MessageStore;
import java.time.Clock;

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

    config.getAuth().build(environment);
    Limits limits = config.getLimits().build();
    MessageParser parser =
        new MessageParser(limits, new MessageIdGenerator(clock), environment.getObjectMapper());
    RateLimiter rateLimiter = new RateLimiter(System::nanoTime);

    environment.jersey().register(new ErrorMapper());
    environment.jersey().register(new UnreadBodyDrainer(limits.maxBatchBytes()));
    environment
        .jersey()
        .register(
            new PublishResource(store, parser, rateLimiter, limits, environment.getObjectMapper()));
    environment.jersey().register(new TopicResource(store, limits, clock));
  }
}
