package io.pulsarproxy;

import io.dropwizard.configuration.ConfigurationException;
import io.dropwizard.configuration.EnvironmentVariableSubstitutor;
import io.dropwizard.configuration.SubstitutingSourceProvider;
import io.dropwizard.core.Application;
import io.dropwizard.core.cli.CheckCommand;
import io.dropwizard.core.cli.Cli;
import io.dropwizard.core.cli.ServerCommand;
import io.dropwizard.core.server.AbstractServerFactory;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import io.pulsarproxy.auth.JwtSettings;
import io.pulsarproxy.auth.RequestPolicy;
import io.pulsarproxy.auth.TokenAuthenticator;
import io.pulsarproxy.cli.HashTokenCommand;
import io.pulsarproxy.cli.MintTokenCommand;
import io.pulsarproxy.cli.PerfCommand;
import io.pulsarproxy.core.Limits;
import io.pulsarproxy.core.MessageIdGenerator;
import io.pulsarproxy.core.MessageParser;
import io.pulsarproxy.core.RateLimiter;
import io.pulsarproxy.core.RetentionPolicy;
import io.pulsarproxy.delivery.Connections;
import io.pulsarproxy.delivery.Delivery;
import io.pulsarproxy.delivery.Drain;
import io.pulsarproxy.delivery.GracefulShutdown;
import io.pulsarproxy.health.DeliveryHealthChecks;
import io.pulsarproxy.health.DeliveryProbe;
import io.pulsarproxy.health.HealthResource;
import io.pulsarproxy.health.Readiness;
import io.pulsarproxy.health.StoreHealthCheck;
import io.pulsarproxy.metrics.PrometheusExport;
import io.pulsarproxy.metrics.ProxyMetrics;
import io.pulsarproxy.resources.ErrorMapper;
import io.pulsarproxy.resources.EventStreamResource;
import io.pulsarproxy.resources.GroupResource;
import io.pulsarproxy.resources.InlinePublishing;
import io.pulsarproxy.resources.JettyErrors;
import io.pulsarproxy.resources.NoopResource;
import io.pulsarproxy.resources.PublishHandler;
import io.pulsarproxy.resources.PublishRequestLog;
import io.pulsarproxy.resources.TopicResource;
import io.pulsarproxy.resources.UnreadBodyDrainer;
import io.pulsarproxy.store.MessageStore;
import io.pulsarproxy.store.RetentionSync;
import io.pulsarproxy.store.RevocationSync;
import io.pulsarproxy.tasks.AdminGuard;
import io.pulsarproxy.tasks.ConnectionsTask;
import io.pulsarproxy.tasks.DisconnectTask;
import io.pulsarproxy.tasks.DrainTask;
import io.pulsarproxy.tasks.GroupDeleteTask;
import io.pulsarproxy.tasks.GroupResetTask;
import io.pulsarproxy.tasks.RetentionTask;
import io.pulsarproxy.tasks.RevocationsTask;
import io.pulsarproxy.tasks.RevokeTask;
import io.pulsarproxy.tasks.TrimStreamTask;
import io.pulsarproxy.tasks.UndrainTask;
import io.pulsarproxy.web.CorsHandler;
import io.pulsarproxy.web.WebResources;
import io.pulsarproxy.websocket.SubscriberUpgrade;
import jakarta.servlet.DispatcherType;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import net.sourceforge.argparse4j.inf.Namespace;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.component.LifeCycle;

/** Wires Pulsar Proxy together; nothing else lives here. */
public class PulsarProxyApplication extends Application<PulsarProxyConfiguration> {
  private final Clock clock;

  public PulsarProxyApplication() {
    this(Clock.systemUTC());
  }

  /**
   * @param clock the time TTL expiry, retention age and the hot window are reckoned in; tests pass
   *     one they can move forward
   */
  public PulsarProxyApplication(Clock clock) {
    this.clock = clock;
  }

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
    bootstrap.addCommand(new MintTokenCommand<>(this, PulsarProxyConfiguration::getAuth));
    bootstrap.addCommand(new PerfCommand());
  }

  /**
   * The server command reports a configuration mistake as Dropwizard's check command does: the
   * file, and one line per broken setting saying what to set, without a stack trace.
   */
  @Override
  protected void addDefaultCommands(Bootstrap<PulsarProxyConfiguration> bootstrap) {
    bootstrap.addCommand(
        new ServerCommand<>(this) {
          @Override
          public void onError(Cli cli, Namespace namespace, Throwable e) {
            if (e instanceof ConfigurationException) {
              cli.getStdErr().println(e.getMessage());
            } else {
              super.onError(cli, namespace, e);
            }
          }
        });
    bootstrap.addCommand(new CheckCommand<>(this));
  }

  @Override
  public void run(PulsarProxyConfiguration config, Environment environment) {
    if (config.getServerFactory() instanceof AbstractServerFactory server) {
      // ErrorMapper answers every failure in the proxy's one JSON error shape.
      server.setRegisterDefaultExceptionMappers(false);
    }
    ProxyMetrics metrics = new ProxyMetrics(environment.metrics());
    OperationsFactory operations = config.getOperations();

    // The store: first up, last down.
    RetentionPolicy retention = config.getRetention().build();
    MessageStore store =
        config.getStore().build(environment, retention, config.getRetention().dedupWindow(), clock);
    environment
        .lifecycle()
        .manage(
            new RetentionSync(
                retention,
                store.retentionStorage(),
                environment.lifecycle().scheduledExecutorService("retention-sync").build()));
    environment.healthChecks().register("store", new StoreHealthCheck(store));

    // Publishing.
    Limits limits = config.getLimits().build();
    RequestPolicy policy = config.getAuth().build(environment, limits, clock);
    TokenAuthenticator authenticator = config.getAuth().authenticator();
    // Revocations of JWTs: shared through the store, enforced on requests and live connections.
    JwtSettings jwt = config.getAuth().jwt().settings();
    RevocationSync revocations =
        new RevocationSync(
            authenticator.revocations(),
            store.revocationStorage(),
            authenticator.live(),
            clock,
            jwt.maxLifetime().plus(jwt.clockSkew()),
            environment.lifecycle().scheduledExecutorService("revocation-sync").build());
    environment.lifecycle().manage(revocations);
    // One rate-limit series per configured token from the start (token names are bounded).
    policy.tokenNames().forEach(name -> metrics.meter(ProxyMetrics.RATE_LIMITED, name));
    policy
        .tokenNames()
        .forEach(name -> metrics.meter(ProxyMetrics.TOKEN_CONNECTIONS_REFUSED, name));
    MessageIdGenerator ids = new MessageIdGenerator(clock);
    MessageParser parser = new MessageParser(limits, ids, environment.getObjectMapper());
    RateLimiter rateLimiter = new RateLimiter(System::nanoTime);
    environment.jersey().register(new ErrorMapper());
    // Errors Jetty answers itself, before a servlet (the server's) or in one (the context's).
    JettyErrors jettyErrors = new JettyErrors(environment.getObjectMapper());
    environment.getApplicationContext().setErrorHandler(jettyErrors.handler());
    environment
        .lifecycle()
        .addServerLifecycleListener(server -> server.setErrorHandler(jettyErrors.handler()));
    // Bodies refused unread are drained up to a bound, so clients see the answer.
    environment.jersey().register(new UnreadBodyDrainer(policy.drainLimit()));
    PublishHandler publish =
        new PublishHandler(
            store,
            parser,
            rateLimiter,
            limits,
            policy,
            environment.getObjectMapper(),
            metrics,
            Set.copyOf(operations.metricTopics()));
    // Ahead of the servlets in the application context: publishing never enters the servlet
    // layer. At the top of the server: publishes run on the selector thread that read them,
    // everything else on the pool. The request log keeps the publishes the policy asks for.
    environment.getApplicationContext().insertHandler(publish);
    InlinePublishing inline = new InlinePublishing(store.appendsAsynchronously());
    // CORS above everything on the application port, the inline publishes and errors included.
    CorsHandler cors =
        new CorsHandler(
            config.getDelivery().webSocket().allowedOrigins(), environment.getObjectMapper());
    PublishRequestLog.Policy logPolicy = operations.publishRequestLog();
    environment
        .lifecycle()
        .addEventListener(
            new LifeCycle.Listener() {
              @Override
              public void lifeCycleStarting(LifeCycle event) {
                if (event instanceof Server server) {
                  server.insertHandler(inline);
                  server.insertHandler(cors);
                  if (server.getRequestLog() != null) {
                    server.setRequestLog(new PublishRequestLog(server.getRequestLog(), logPolicy));
                  }
                }
              }
            });
    // The API description, Swagger UI at /docs, the JavaScript client at /client/pulsar-proxy.js.
    for (Object resource : new WebResources(environment.getObjectMapper()).resources()) {
      environment.jersey().register(resource);
    }
    if (operations.noopEndpoint()) {
      environment.jersey().register(new NoopResource());
    }

    // Delivery: the core, then every transport on it.
    DeliveryFactory deliveryConfig = config.getDelivery();
    Delivery delivery = deliveryConfig.build(environment, store, retention, metrics, clock);
    Connections connections = deliveryConfig.connections(metrics);
    environment
        .jersey()
        .register(
            new TopicResource(
                store, delivery, connections, limits, deliveryConfig.longPoll(), metrics));
    new SubscriberUpgrade(
            policy,
            delivery,
            connections,
            environment.getObjectMapper(),
            deliveryConfig.webSocket(),
            metrics,
            authenticator)
        .register(environment);
    environment
        .jersey()
        .register(
            new GroupResource(
                store.groups(),
                delivery,
                environment.getObjectMapper(),
                deliveryConfig.longPoll()));
    EventStreamResource events =
        new EventStreamResource(
            delivery,
            connections,
            // Elastic: a write blocked on a client that stopped reading holds its thread until
            // the client is cut off (its backlog passes outboundQueue) or Jetty's idle timeout
            // fails the write, and other streams must not wait for it. A stream has at most one
            // write under way, so the threads are bounded by the open streams.
            environment
                .lifecycle()
                .executorService("sse-writer")
                .minThreads(4)
                .maxThreads(Integer.MAX_VALUE)
                .workQueue(new SynchronousQueue<>())
                .keepAliveTime(io.dropwizard.util.Duration.seconds(60))
                .build(),
            deliveryConfig.outboundQueueBytes(),
            metrics,
            authenticator.live());
    environment.jersey().register(events);
    long keepAliveMillis = deliveryConfig.sseKeepAlive().toMillis();
    environment
        .lifecycle()
        .scheduledExecutorService("sse-keepalive")
        .build()
        .scheduleWithFixedDelay(
            events::keepAlive, keepAliveMillis, keepAliveMillis, TimeUnit.MILLISECONDS);

    // Operations: drain and shutdown, probe and readiness, admin tasks, metrics.
    Drain drain =
        new Drain(
            connections,
            delivery.encoder(),
            environment.lifecycle().scheduledExecutorService("drain").build());
    environment
        .lifecycle()
        .addServerLifecycleListener(
            new GracefulShutdown(drain, operations.readinessDelay(), operations.drainWindow()));
    DeliveryProbe probe =
        new DeliveryProbe(
            store,
            delivery,
            instanceId(),
            operations.probeInterval(),
            operations.probeDeadline(),
            ids,
            metrics,
            environment.lifecycle().scheduledExecutorService("delivery-probe").build());
    environment.lifecycle().manage(probe);
    Readiness readiness =
        new Readiness(drain, store, delivery, probe, operations.followerStuckSeconds());
    environment.jersey().register(new HealthResource(readiness));
    environment
        .healthChecks()
        .register(
            "follower", DeliveryHealthChecks.follower(delivery, operations.followerStuckSeconds()));
    environment.healthChecks().register("delivery-probe", DeliveryHealthChecks.probe(probe));

    environment
        .admin()
        .addFilter("admin-guard", new AdminGuard(operations.adminTokenSha256()))
        .addMappingForUrlPatterns(EnumSet.allOf(DispatcherType.class), true, "/*");
    var json = environment.getObjectMapper();
    environment.admin().addTask(new DrainTask(drain, json));
    environment.admin().addTask(new UndrainTask(drain, connections, json));
    environment.admin().addTask(new TrimStreamTask(store, delivery, clock, json));
    environment.admin().addTask(new RetentionTask(retention, store.retentionStorage(), json));
    environment.admin().addTask(new DisconnectTask(connections, delivery.encoder(), json));
    environment.admin().addTask(new ConnectionsTask(connections, json));
    environment.admin().addTask(new GroupResetTask(store.groups(), json));
    environment.admin().addTask(new GroupDeleteTask(store.groups(), json));
    environment.admin().addTask(new RevokeTask(revocations, clock, json));
    environment.admin().addTask(new RevocationsTask(revocations, json));

    registerGauges(metrics, connections, delivery, probe, drain);
    policy
        .tokenNames()
        .forEach(
            name ->
                metrics.gauge(
                    ProxyMetrics.TOKEN_CONNECTIONS + "." + name, () -> connections.held(name)));
    PrometheusExport.register(environment);
  }

  private static void registerGauges(
      ProxyMetrics metrics,
      Connections connections,
      Delivery delivery,
      DeliveryProbe probe,
      Drain drain) {
    for (Connections.Transport t :
        Set.of(Connections.Transport.WEBSOCKET, Connections.Transport.SSE)) {
      metrics.gauge(ProxyMetrics.CONNECTIONS + "." + t.label(), () -> connections.open(t).size());
      metrics.gauge(
          ProxyMetrics.SUBSCRIPTIONS + "." + t.label(),
          () -> connections.open(t).stream().mapToInt(o -> o.topics().size()).sum());
    }
    metrics.gauge(ProxyMetrics.CONNECTIONS_MAX, connections::max);
    metrics.gauge(ProxyMetrics.HOT_TIER_BYTES, delivery::hotTierBytes);
    metrics.gauge(ProxyMetrics.HOT_TIER_ENTRIES, delivery::hotTierEntries);
    metrics.gauge(ProxyMetrics.FOLLOWER_LAG, delivery::followerLagSeconds);
    metrics.gauge(ProxyMetrics.FOLLOWER_TOPICS, delivery::followedTopics);
    metrics.gauge(ProxyMetrics.PROBE_HEALTHY, () -> probe.isHealthy() ? 1 : 0);
    metrics.gauge(ProxyMetrics.DRAINING, () -> drain.isDraining() ? 1 : 0);
  }

  /**
   * A name for this instance: its host name, stable across restarts so that probe topics do not
   * pile up. Processes on one host share the probe topic; each waits for its own message only.
   */
  private static String instanceId() {
    try {
      return InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9_-]", "-");
    } catch (UnknownHostException e) {
      return "host";
    }
  }
}
