package io.pulsarproxy.websocket;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dropwizard.core.setup.Environment;
import io.pulsarproxy.auth.Caller;
import io.pulsarproxy.auth.TokenAuthenticator;
import io.pulsarproxy.core.ApiException;
import io.pulsarproxy.core.TopicName;
import io.pulsarproxy.delivery.Connections;
import io.pulsarproxy.delivery.Delivery;
import io.pulsarproxy.metrics.ProxyMetrics;
import io.pulsarproxy.resources.JettyErrors;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.eclipse.jetty.ee10.websocket.server.JettyServerUpgradeRequest;
import org.eclipse.jetty.ee10.websocket.server.JettyServerUpgradeResponse;
import org.eclipse.jetty.ee10.websocket.server.JettyWebSocketCreator;
import org.eclipse.jetty.ee10.websocket.server.config.JettyWebSocketServletContainerInitializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides every upgrade on {@value #PATH} before a WebSocket exists: token (header, or {@code
 * access_token} for browsers), Origin, topics on the URL, and the connection cap. Jersey's auth
 * filter never sees upgrades, so the same authenticator is used here.
 */
public final class SubscriberUpgrade implements JettyWebSocketCreator {
  public static final String PATH = "/api/v1/ws";
  private static final Logger LOG = LoggerFactory.getLogger(SubscriberUpgrade.class);

  private final TokenAuthenticator authenticator;
  private final Delivery delivery;
  private final Connections connections;
  private final ObjectMapper json;
  private final WebSocketSettings settings;
  private final ProxyMetrics metrics;

  public SubscriberUpgrade(
      TokenAuthenticator authenticator,
      Delivery delivery,
      Connections connections,
      ObjectMapper json,
      WebSocketSettings settings,
      ProxyMetrics metrics) {
    this.authenticator = authenticator;
    this.delivery = delivery;
    this.connections = connections;
    this.json = json;
    this.settings = settings;
    this.metrics = metrics;
  }

  /** Maps the endpoint on the application port and schedules the server pings. */
  public void register(Environment environment) {
    JettyWebSocketServletContainerInitializer.configure(
        environment.getApplicationContext(),
        (context, container) -> {
          container.setIdleTimeout(settings.idleTimeout());
          container.setMaxTextMessageSize(settings.maxFrameBytes());
          container.setMaxBinaryMessageSize(settings.maxFrameBytes());
          container.addMapping(PATH, this);
        });
    environment
        .lifecycle()
        .scheduledExecutorService("websocket-ping")
        .threads(1)
        .build()
        .scheduleWithFixedDelay(
            this::pingAll,
            settings.pingInterval().toMillis(),
            settings.pingInterval().toMillis(),
            java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  @Override
  public Object createWebSocket(
      JettyServerUpgradeRequest upgrade, JettyServerUpgradeResponse response) {
    HttpServletRequest request = upgrade.getHttpServletRequest();
    try {
      Caller caller = authenticate(request);
      String origin = request.getHeader("Origin");
      if (origin != null
          && !settings.allowedOrigins().isEmpty()
          && !settings.allowedOrigins().contains(origin)) {
        throw ApiException.forbidden("origin '" + origin + "' is not allowed");
      }
      if (caller.subscribe().isEmpty()) {
        throw ApiException.forbidden("token '" + caller.name() + "' may not subscribe");
      }
      List<SubscriberSocket.UrlSubscription> topics = urlTopics(request, caller);
      connections.requireAdmission(caller);
      return new SubscriberSocket(caller, delivery, connections, json, settings, metrics, topics);
    } catch (ApiException e) {
      refuse(request, response, e);
      return null;
    }
  }

  private Caller authenticate(HttpServletRequest request) {
    String header = request.getHeader("Authorization");
    String token = null;
    if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      token = header.substring(7).trim();
    } else if (header == null) {
      token = request.getParameter("access_token");
    }
    Optional<Caller> caller =
        token == null || token.isEmpty() ? Optional.empty() : authenticator.authenticate(token);
    return caller.orElseThrow(
        () ->
            new ApiException(
                401,
                "unauthorized",
                "a valid bearer token is required (Authorization header or access_token)",
                java.util.Map.of("WWW-Authenticate", "Bearer realm=\"pulsar-proxy\"")));
  }

  private static List<SubscriberSocket.UrlSubscription> urlTopics(
      HttpServletRequest request, Caller caller) {
    String[] names = request.getParameterValues("topic");
    String from = request.getParameter("from");
    List<SubscriberSocket.UrlSubscription> topics = new ArrayList<>();
    if (names == null) {
      if (from != null) {
        throw ApiException.badRequest("invalid_from", "from needs exactly one topic on the URL");
      }
      return topics;
    }
    if (from != null && names.length != 1) {
      throw ApiException.badRequest("invalid_from", "from needs exactly one topic on the URL");
    }
    for (String name : names) {
      TopicName topic = new TopicName(name);
      caller.requireSubscribe(topic);
      topics.add(new SubscriberSocket.UrlSubscription(topic, from));
    }
    if (from != null) {
      Delivery.From.parse(from);
    }
    return topics;
  }

  private static void refuse(
      HttpServletRequest request, JettyServerUpgradeResponse response, ApiException e) {
    LOG.info("WebSocket upgrade refused: {} {}: {}", e.status(), e.error(), e.getMessage());
    e.headers().forEach(response::setHeader);
    request.setAttribute(JettyErrors.ERROR_WORD, e.error());
    try {
      response.sendError(e.status(), e.getMessage());
    } catch (IOException io) {
      LOG.debug("Could not send the refusal: {}", io.toString());
    }
  }

  private void pingAll() {
    for (var out : connections.open(Connections.Transport.WEBSOCKET)) {
      if (out instanceof WebSocketOutbound ws) {
        ws.ping();
      }
    }
  }
}
