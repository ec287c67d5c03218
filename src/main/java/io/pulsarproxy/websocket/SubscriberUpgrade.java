package io.pulsarproxy.websocket;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dropwizard.core.setup.Environment;
import io.pulsarproxy.api.Failure;
import io.pulsarproxy.auth.Caller;
import io.pulsarproxy.auth.PermissionAuthorizer;
import io.pulsarproxy.auth.RequestPolicy;
import io.pulsarproxy.auth.TokenAuthenticator;
import io.pulsarproxy.core.ApiException;
import io.pulsarproxy.core.ErrorWord;
import io.pulsarproxy.core.MessagePackCodec;
import io.pulsarproxy.core.TopicName;
import io.pulsarproxy.delivery.Connections;
import io.pulsarproxy.delivery.Delivery;
import io.pulsarproxy.metrics.ProxyMetrics;
import io.pulsarproxy.resources.JettyErrors;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
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
 *
 * @param tokens watches each socket's JWT (expiry, revocation) and verifies in-band refreshes
 */
public record SubscriberUpgrade(
    RequestPolicy policy,
    Delivery delivery,
    Connections connections,
    ObjectMapper json,
    WebSocketSettings settings,
    ProxyMetrics metrics,
    TokenAuthenticator tokens)
    implements JettyWebSocketCreator {
  public static final String PATH = "/api/v1/ws";
  private static final Logger LOG = LoggerFactory.getLogger(SubscriberUpgrade.class);

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
      Caller caller =
          policy.authenticate(
              request.getHeader("Authorization"),
              request.getParameter(RequestPolicy.ACCESS_TOKEN),
              RequestPolicy.TokenInUrl.ACCEPTED);
      String origin = request.getHeader("Origin");
      if (origin != null
          && !settings.allowedOrigins().isEmpty()
          && !settings.allowedOrigins().contains(origin)) {
        throw ErrorWord.FORBIDDEN.refusal("origin '" + origin + "' is not allowed");
      }
      if (!PermissionAuthorizer.holds(caller, PermissionAuthorizer.SUBSCRIBE)) {
        throw ErrorWord.FORBIDDEN.refusal("token '" + caller.name() + "' may not subscribe");
      }
      List<SubscriberSocket.UrlSubscription> topics = urlTopics(request, caller);
      connections.requireAdmission(caller);
      boolean msgpack = negotiate(upgrade, response);
      return new SubscriberSocket(
          caller, tokens, delivery, connections, json, settings, metrics, topics, msgpack);
    } catch (ApiException e) {
      refuse(request, response, e);
      return null;
    }
  }

  /**
   * The subprotocol: {@code pp.v1.msgpack} when the client offers it, else {@code pp.v1.json} when
   * offered; a client that offers neither gets JSON frames and no subprotocol, as before.
   *
   * @return whether the connection speaks MessagePack
   */
  private static boolean negotiate(
      JettyServerUpgradeRequest upgrade, JettyServerUpgradeResponse response) {
    List<String> offered = upgrade.getSubProtocols();
    if (offered.contains(MessagePackCodec.SUBPROTOCOL)) {
      response.setAcceptedSubProtocol(MessagePackCodec.SUBPROTOCOL);
      return true;
    }
    if (offered.contains(MessagePackCodec.JSON_SUBPROTOCOL)) {
      response.setAcceptedSubProtocol(MessagePackCodec.JSON_SUBPROTOCOL);
    }
    return false;
  }

  private static List<SubscriberSocket.UrlSubscription> urlTopics(
      HttpServletRequest request, Caller caller) {
    String[] names = request.getParameterValues("topic");
    String from = request.getParameter("from");
    List<SubscriberSocket.UrlSubscription> topics = new ArrayList<>();
    if (names == null) {
      if (from != null) {
        throw ErrorWord.INVALID_FROM.refusal("from needs exactly one topic on the URL");
      }
      return topics;
    }
    if (from != null && names.length != 1) {
      throw ErrorWord.INVALID_FROM.refusal("from needs exactly one topic on the URL");
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
    Failure.of(e, "WebSocket upgrade refused: ");
    e.headers().forEach(response::setHeader);
    request.setAttribute(JettyErrors.REFUSAL, e);
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
