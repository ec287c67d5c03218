package io.pulsarproxy.websocket;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pulsarproxy.api.Failure;
import io.pulsarproxy.auth.Caller;
import io.pulsarproxy.core.ApiException;
import io.pulsarproxy.core.ErrorWord;
import io.pulsarproxy.core.StoreUnavailableException;
import io.pulsarproxy.core.TopicName;
import io.pulsarproxy.delivery.Connections;
import io.pulsarproxy.delivery.Delivery;
import io.pulsarproxy.delivery.FrameEncoder;
import io.pulsarproxy.delivery.Outbound;
import io.pulsarproxy.delivery.Subscription;
import io.pulsarproxy.metrics.ProxyMetrics;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One subscriber's WebSocket: reads the client frames of docs/protocol.md and turns them into
 * delivery subscriptions. Thin on purpose: ordering, replay and backpressure live in delivery.
 * Public only because Jetty binds to listener methods reflectively.
 */
public final class SubscriberSocket implements Session.Listener.AutoDemanding {
  private static final Logger LOG = LoggerFactory.getLogger(SubscriberSocket.class);

  private final Caller caller;
  private final Delivery delivery;
  private final Connections connections;
  private final ObjectMapper json;
  private final FrameEncoder frames;
  private final WebSocketSettings settings;
  private final ProxyMetrics metrics;
  private final List<UrlSubscription> urlSubscriptions;
  private final Map<TopicName, Subscription> subscriptions = new ConcurrentHashMap<>();
  private WebSocketOutbound out;
  private int badFrames;
  private volatile boolean closed;

  /** A topic given on the upgrade URL, with its {@code from}. */
  record UrlSubscription(TopicName topic, String from) {}

  SubscriberSocket(
      Caller caller,
      Delivery delivery,
      Connections connections,
      ObjectMapper json,
      WebSocketSettings settings,
      ProxyMetrics metrics,
      List<UrlSubscription> urlSubscriptions) {
    this.caller = caller;
    this.delivery = delivery;
    this.connections = connections;
    this.json = json;
    this.frames = delivery.encoder();
    this.settings = settings;
    this.metrics = metrics;
    this.urlSubscriptions = urlSubscriptions;
  }

  @Override
  public void onWebSocketOpen(Session session) {
    out =
        new WebSocketOutbound(
            session,
            settings.outboundLimitBytes(),
            new Outbound.Identity(
                Connections.Transport.WEBSOCKET,
                caller.name(),
                String.valueOf(session.getRemoteSocketAddress())),
            metrics,
            settings.idleTimeout());
    try {
      connections.opened(caller, Connections.Transport.WEBSOCKET, out);
    } catch (ApiException e) {
      // Upgrades of one token raced past the check at upgrade; this one came in over the cap.
      out.sendControl("error", frames.error(Failure.unlogged(e).body(), null));
      out.close(Outbound.Close.TOO_MANY_CONNECTIONS);
      return;
    }
    for (UrlSubscription s : urlSubscriptions) {
      subscribe(s.topic().value(), s.from());
    }
  }

  @Override
  public void onWebSocketPong(ByteBuffer payload) {
    out.heard();
  }

  @Override
  public void onWebSocketText(String text) {
    out.heard();
    JsonNode frame;
    try {
      frame = json.readTree(text);
    } catch (JsonProcessingException e) {
      refuse(ErrorWord.INVALID_JSON.refusal("the frame is not valid JSON"), null);
      return;
    }
    JsonNode op = frame == null ? null : frame.get("op");
    if (op == null || !op.isTextual()) {
      refuse(
          ErrorWord.INVALID_FRAME.refusal("a frame must be a JSON object with a string \"op\""),
          null);
      return;
    }
    switch (op.textValue()) {
      case "subscribe" -> {
        JsonNode from = frame.get("from");
        if (from != null && !from.isTextual()) {
          refuse(
              ErrorWord.INVALID_ID.refusal("from must be a string: an id, latest or earliest"),
              null);
        } else {
          subscribe(text(frame, "topic"), text(frame, "from"));
        }
      }
      case "unsubscribe" -> unsubscribe(text(frame, "topic"));
      case "ping" -> out.sendControl("pong", frames.control("pong"));
      default -> refuse(ErrorWord.UNKNOWN_OP.refusal(), null);
    }
  }

  @Override
  public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
    callback.succeed();
    out.heard();
    refuse(ErrorWord.BINARY_NOT_SUPPORTED.refusal(), null);
  }

  @Override
  public void onWebSocketClose(int statusCode, String reason, Callback callback) {
    callback.succeed();
    closed = true;
    subscriptions.values().forEach(delivery::unsubscribe);
    subscriptions.clear();
    if (out != null) {
      out.close(Outbound.Close.SHUTDOWN);
      connections.closed(Connections.Transport.WEBSOCKET, out);
    }
  }

  @Override
  public void onWebSocketError(Throwable cause) {
    LOG.debug("WebSocket error for token '{}': {}", caller.name(), cause.toString());
  }

  private void subscribe(String topicText, String from) {
    TopicName topic;
    try {
      if (topicText == null) {
        throw ErrorWord.INVALID_FRAME.refusal("subscribe needs a string \"topic\"");
      }
      topic = new TopicName(topicText);
      caller.requireSubscribe(topic);
    } catch (ApiException e) {
      refuse(e, topicText);
      return;
    }
    if (subscriptions.containsKey(topic)) {
      refuse(ErrorWord.ALREADY_SUBSCRIBED.refusal(), topic.value());
      return;
    }
    if (subscriptions.size() >= settings.maxTopicsPerConnection()) {
      refuse(
          ErrorWord.TOO_MANY_TOPICS.refusal(
              "at most " + settings.maxTopicsPerConnection() + " topics per connection"),
          topic.value());
      return;
    }
    try {
      Delivery.From start = Delivery.From.parse(from);
      Subscription subscription = delivery.subscribe(out, topic, start);
      subscriptions.put(topic, subscription);
      if (closed && subscriptions.remove(topic) != null) {
        delivery.unsubscribe(subscription); // the socket closed while this was being set up
      }
      badFrames = 0;
    } catch (ApiException e) {
      refuse(e, topic.value());
    } catch (StoreUnavailableException e) {
      // Not a bad frame: the client may send the same subscribe again later.
      Failure failure = Failure.of(e, "Subscribe to " + topic + " failed: ");
      out.sendControl("error", frames.error(failure.body(), topic.value()));
    }
  }

  private void unsubscribe(String topicText) {
    TopicName topic;
    try {
      topic = new TopicName(topicText == null ? "" : topicText);
    } catch (ApiException e) {
      refuse(e, topicText);
      return;
    }
    Subscription s = subscriptions.remove(topic);
    if (s == null) {
      refuse(ErrorWord.NOT_SUBSCRIBED.refusal(), topic.value());
      return;
    }
    delivery.unsubscribe(s);
    out.sendControl("unsubscribed", frames.control("unsubscribed", "topic", topic.value()));
  }

  /** An error frame; the connection stays open unless the client keeps sending garbage. */
  private void refuse(ApiException refusal, String topic) {
    out.sendControl("error", frames.error(Failure.unlogged(refusal).body(), topic));
    if (++badFrames > settings.maxBadFrames()) {
      LOG.info("Closing the WebSocket of token '{}': {} bad frames", caller.name(), badFrames);
      out.close(Outbound.Close.POLICY);
    }
  }

  private static String text(JsonNode frame, String field) {
    JsonNode value = frame.get(field);
    return value != null && value.isTextual() ? value.textValue() : null;
  }
}
