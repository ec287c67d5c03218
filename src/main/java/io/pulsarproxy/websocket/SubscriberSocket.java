package io.pulsarproxy.websocket;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pulsarproxy.api.Failure;
import io.pulsarproxy.auth.Caller;
import io.pulsarproxy.auth.LiveTokens;
import io.pulsarproxy.auth.TokenAuthenticator;
import io.pulsarproxy.core.ApiException;
import io.pulsarproxy.core.EntryId;
import io.pulsarproxy.core.ErrorWord;
import io.pulsarproxy.core.GroupRules;
import io.pulsarproxy.core.MessagePackCodec;
import io.pulsarproxy.core.StoreUnavailableException;
import io.pulsarproxy.core.TopicName;
import io.pulsarproxy.delivery.Connections;
import io.pulsarproxy.delivery.Delivery;
import io.pulsarproxy.delivery.FrameEncoder;
import io.pulsarproxy.delivery.GroupSubscription;
import io.pulsarproxy.delivery.Outbound;
import io.pulsarproxy.delivery.Subscription;
import io.pulsarproxy.metrics.ProxyMetrics;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
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
  private static final int DEFAULT_PREFETCH = 100;
  private static final int MAX_PREFETCH = 1_000;

  private volatile Caller caller;
  private final TokenAuthenticator authenticator;
  private final Delivery delivery;
  private final Connections connections;
  private final ObjectMapper json;
  private final FrameEncoder frames;
  private final WebSocketSettings settings;
  private final ProxyMetrics metrics;
  private final List<UrlSubscription> urlSubscriptions;
  private final boolean msgpack;
  private final Map<TopicName, Subscription> subscriptions = new ConcurrentHashMap<>();
  private final Map<GroupKey, GroupSubscription> groups = new ConcurrentHashMap<>();
  private WebSocketOutbound out;
  private LiveTokens.Watch watch;
  private int badFrames;
  private volatile boolean closed;

  /** A connection's place in a consumer group of a topic. */
  private record GroupKey(TopicName topic, String group) {}

  /** A topic given on the upgrade URL, with its {@code from}. */
  record UrlSubscription(TopicName topic, String from) {}

  SubscriberSocket(
      Caller caller,
      TokenAuthenticator authenticator,
      Delivery delivery,
      Connections connections,
      ObjectMapper json,
      WebSocketSettings settings,
      ProxyMetrics metrics,
      List<UrlSubscription> urlSubscriptions,
      boolean msgpack) {
    this.msgpack = msgpack;
    this.caller = caller;
    this.authenticator = authenticator;
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
            settings.idleTimeout(),
            msgpack);
    try {
      connections.opened(caller, Connections.Transport.WEBSOCKET, out);
    } catch (ApiException e) {
      // Upgrades of one token raced past the check at upgrade; this one came in over the cap.
      out.sendControl("error", frames.error(Failure.unlogged(e).body(), null));
      out.close(Outbound.Close.TOO_MANY_CONNECTIONS);
      return;
    }
    watch = authenticator.live().watch(caller, new TokenHolder());
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
        if (frame.has("group")) {
          subscribeGroup(frame);
        } else if (from != null && !from.isTextual()) {
          refuse(
              ErrorWord.INVALID_ID.refusal("from must be a string: an id, latest or earliest"),
              null);
        } else {
          subscribe(text(frame, "topic"), text(frame, "from"));
        }
      }
      case "unsubscribe" -> {
        if (frame.has("group")) {
          unsubscribeGroup(frame);
        } else {
          unsubscribe(text(frame, "topic"));
        }
      }
      case "ack", "nack" -> settle(frame, op.textValue());
      case "ping" -> out.sendControl("pong", frames.control("pong"));
      case "refresh" -> refresh(text(frame, "token"));
      default -> refuse(ErrorWord.UNKNOWN_OP.refusal(), null);
    }
  }

  @Override
  public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
    callback.succeed();
    out.heard();
    if (!msgpack) {
      refuse(ErrorWord.BINARY_NOT_SUPPORTED.refusal(), null);
      return;
    }
    // pp.v1.msgpack: the client's frames are MessagePack too; read as their JSON equivalent.
    byte[] bytes = new byte[payload.remaining()];
    payload.get(bytes);
    JsonNode frame;
    try {
      frame = MessagePackCodec.read(bytes);
    } catch (ApiException e) {
      refuse(ErrorWord.INVALID_JSON.refusal("the frame is not valid MessagePack"), null);
      return;
    }
    onWebSocketText(frame.toString());
  }

  @Override
  public void onWebSocketClose(int statusCode, String reason, Callback callback) {
    callback.succeed();
    closed = true;
    if (watch != null) {
      watch.cancel();
    }
    subscriptions.values().forEach(delivery::unsubscribe);
    subscriptions.clear();
    // A clean close hands the group messages still in flight back at once; a dropped
    // connection leaves them to come back after the ack timeout.
    boolean clean = statusCode == 1000 || statusCode == 1001;
    groups.values().forEach(g -> g.close(clean));
    groups.clear();
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
    if (subscriptions.size() + groups.size() >= settings.maxTopicsPerConnection()) {
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

  /**
   * {@code {"op":"subscribe","topic":"t","group":"g","consumer":"c1","prefetch":100}}: the group's
   * messages are pushed here, at most {@code prefetch} not yet acked at a time. Checks, in order:
   * topic, permission, group and consumer names, already subscribed, too many topics, prefetch,
   * store.
   */
  private void subscribeGroup(JsonNode frame) {
    String topicText = text(frame, "topic");
    GroupKey key;
    String consumer;
    int prefetch;
    try {
      key = groupKey(frame);
      consumer = GroupRules.name(text(frame, "consumer"), ErrorWord.INVALID_CONSUMER, "consumer");
      if (groups.containsKey(key)) {
        throw ErrorWord.ALREADY_SUBSCRIBED.refusal("already consuming this topic in this group");
      }
      if (subscriptions.size() + groups.size() >= settings.maxTopicsPerConnection()) {
        throw ErrorWord.TOO_MANY_TOPICS.refusal(
            "at most " + settings.maxTopicsPerConnection() + " topics per connection");
      }
      JsonNode p = frame.get("prefetch");
      prefetch = p == null ? DEFAULT_PREFETCH : p.asInt(-1);
      if (p != null
          && (!p.canConvertToExactIntegral() || prefetch < 1 || prefetch > MAX_PREFETCH)) {
        throw ErrorWord.INVALID_FRAME.refusal(
            "prefetch must be a whole number from 1 to " + MAX_PREFETCH);
      }
    } catch (ApiException e) {
      refuse(e, topicText, text(frame, "group"));
      return;
    }
    try {
      GroupSubscription g =
          delivery.subscribeGroup(out, key.topic(), key.group(), consumer, prefetch);
      groups.put(key, g);
      if (closed && groups.remove(key) != null) {
        g.close(false); // the socket closed while this was being set up
      }
      badFrames = 0; // the subscribed frame went out before the first messages
    } catch (StoreUnavailableException e) {
      Failure failure = Failure.of(e, "Subscribe to " + key.topic() + " failed: ");
      out.sendControl("error", frames.error(failure.body(), key.topic().value(), key.group()));
    }
  }

  private void unsubscribeGroup(JsonNode frame) {
    GroupKey key;
    try {
      key = groupKey(frame);
    } catch (ApiException e) {
      refuse(e, text(frame, "topic"), text(frame, "group"));
      return;
    }
    GroupSubscription g = groups.remove(key);
    if (g == null) {
      refuse(ErrorWord.NOT_SUBSCRIBED.refusal(), key.topic().value(), key.group());
      return;
    }
    g.close(true);
    out.sendControl(
        "unsubscribed",
        frames.control("unsubscribed", "topic", key.topic().value(), "group", key.group()));
  }

  /**
   * {@code {"op":"ack","topic":"t","group":"g","ids":[...]}} and {@code nack} (with an optional
   * {@code "delay":"5s"}): answered by {@code acked} / {@code nacked} with the count that were
   * pending. Acking through another connection than the one a message came on works too.
   */
  private void settle(JsonNode frame, String op) {
    String topicText = text(frame, "topic");
    try {
      GroupKey key = groupKey(frame);
      List<EntryId> ids = ids(frame);
      Duration delay =
          frame.has("delay") ? GroupRules.duration(text(frame, "delay"), "delay") : Duration.ZERO;
      GroupSubscription g = groups.get(key);
      int count;
      if (op.equals("ack")) {
        count = g != null ? g.ack(ids) : delivery.ack(key.topic(), key.group(), ids);
      } else {
        count =
            g != null
                ? g.nack(ids, delay)
                : delivery.nack(key.topic(), key.group(), "nack", ids, delay);
      }
      String answer = op.equals("ack") ? "acked" : "nacked";
      out.sendControl(
          answer,
          frames.control(
              answer,
              "topic",
              key.topic().value(),
              "group",
              key.group(),
              "count",
              Integer.toString(count)));
    } catch (ApiException e) {
      refuse(e, topicText, text(frame, "group"));
    } catch (StoreUnavailableException e) {
      Failure failure = Failure.of(e, "A group " + op + " failed: ");
      out.sendControl("error", frames.error(failure.body(), topicText, text(frame, "group")));
    }
  }

  /** The topic (with permission) and group a group frame names. */
  private GroupKey groupKey(JsonNode frame) {
    String topicText = text(frame, "topic");
    if (topicText == null) {
      throw ErrorWord.INVALID_FRAME.refusal("a group frame needs a string \"topic\"");
    }
    TopicName topic = new TopicName(topicText);
    caller.requireSubscribe(topic);
    return new GroupKey(
        topic, GroupRules.name(text(frame, "group"), ErrorWord.INVALID_GROUP, "group"));
  }

  private static List<EntryId> ids(JsonNode frame) {
    JsonNode ids = frame.get("ids");
    if (ids == null || !ids.isArray() || ids.isEmpty() || ids.size() > MAX_PREFETCH) {
      throw ErrorWord.INVALID_FRAME.refusal(
          "ids must be a non-empty array of at most " + MAX_PREFETCH + " entry ids");
    }
    List<EntryId> out = new ArrayList<>(ids.size());
    for (JsonNode id : ids) {
      out.add(EntryId.parse(id.isTextual() ? id.textValue() : "", "ids"));
    }
    return out;
  }

  /**
   * {@code {"op":"refresh","token":...}}: a new JWT of the same {@code sub} takes the connection
   * over. Its permissions apply from now on: a subscribed topic it does not allow gets an error
   * frame and is unsubscribed; the others go on untouched, so nothing is missed or sent twice.
   */
  private void refresh(String token) {
    if (token == null || token.isBlank()) {
      refuse(ErrorWord.INVALID_FRAME.refusal("refresh needs a string \"token\""), null);
      return;
    }
    Caller current = caller;
    if (!current.expires()) {
      refuse(ErrorWord.NOT_REFRESHABLE.refusal(), null);
      return;
    }
    Caller next;
    try {
      next =
          authenticator
              .authenticate(token.strip())
              .orElseThrow(() -> ErrorWord.UNAUTHORIZED.refusal("the token is not known"));
    } catch (ApiException e) {
      refuse(e, null);
      return;
    }
    if (!next.expires() || !next.name().equals(current.name())) {
      refuse(ErrorWord.SUB_MISMATCH.refusal(), null);
      return;
    }
    caller = next;
    watch.renew(next);
    out.sendControl(
        "refreshed",
        json.createObjectNode()
            .put("type", "refreshed")
            .put("exp", next.lease().expiresAt())
            .toString());
    for (Map.Entry<TopicName, Subscription> e : subscriptions.entrySet()) {
      TopicName topic = e.getKey();
      if (!next.subscribe().matches(topic) && subscriptions.remove(topic, e.getValue())) {
        delivery.unsubscribe(e.getValue());
        out.sendControl(
            "error",
            frames.error(
                Failure.unlogged(
                        ErrorWord.FORBIDDEN.refusal(
                            "the refreshed token may not subscribe to this topic; unsubscribed"))
                    .body(),
                topic.value()));
      }
    }
    for (Map.Entry<GroupKey, GroupSubscription> e : groups.entrySet()) {
      TopicName topic = e.getKey().topic();
      if (!next.subscribe().matches(topic) && groups.remove(e.getKey(), e.getValue())) {
        e.getValue().close(true); // its messages in flight go back to the group at once
        out.sendControl(
            "error",
            frames.error(
                Failure.unlogged(
                        ErrorWord.FORBIDDEN.refusal(
                            "the refreshed token may not subscribe to this topic; unsubscribed"))
                    .body(),
                topic.value(),
                e.getKey().group()));
      }
    }
  }

  /** Expiry and revocation of the connection's JWT. */
  private final class TokenHolder implements LiveTokens.Holder {
    @Override
    public void expirySoon(Caller c) {
      out.sendControl(
          "token_expiring",
          json.createObjectNode()
              .put("type", "token_expiring")
              .put("exp", c.lease().expiresAt())
              .toString());
    }

    @Override
    public void expired(Caller c) {
      LOG.info("Closing the WebSocket of sub '{}': token expired", c.name());
      out.close(Outbound.Close.TOKEN_EXPIRED);
    }

    @Override
    public void revoked(Caller c) {
      out.close(Outbound.Close.TOKEN_REVOKED);
    }
  }

  /** An error frame; the connection stays open unless the client keeps sending garbage. */
  private void refuse(ApiException refusal, String topic) {
    refuse(refusal, topic, null);
  }

  /** The same, for a group frame: the error names the group too. */
  private void refuse(ApiException refusal, String topic, String group) {
    out.sendControl("error", frames.error(Failure.unlogged(refusal).body(), topic, group));
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
