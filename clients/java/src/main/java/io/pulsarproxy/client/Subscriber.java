package io.pulsarproxy.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Subscribes to Pulsar Proxy topics over one WebSocket, and keeps them going: after any drop (a
 * drain, a kill, a network cut, an operator's disconnect) it reconnects and subscribes again from
 * the last id it delivered per topic, so nothing is lost while retention keeps it, and nothing is
 * delivered twice. Between attempts it backs off exponentially with full jitter; a draining
 * instance's {@code reconnect} hint ({@code after_ms}) replaces the backoff. Handlers run on the
 * WebSocket's thread, one message at a time, in id order per topic.
 *
 * <p>With a token supplier, a {@code token_expiring} frame makes it ask the supplier again and send
 * the new token in a {@code refresh}: the connection stays open. Consumer groups ({@link
 * #subscribeGroup}) share a topic's messages between consumers, each acked when its handler
 * returns.
 *
 * <pre>{@code
 * Subscriber subscriber = Subscriber.builder(URI.create("http://127.0.0.1:8080")).token("pp-dev-token").build();
 * subscriber.subscribe("orders", "earliest", m -> System.out.println(m.id() + " " + m.payload()));
 * }</pre>
 */
public final class Subscriber implements AutoCloseable {
  private static final Pattern ID = Pattern.compile("[0-9]+(-[0-9]+)?");

  /**
   * A connection event, for logs and tests: {@code open}, {@code close} (with its code and reason),
   * {@code reconnecting} (with its delay), {@code hint}, {@code refreshed} (the reason holds the
   * new {@code exp}), {@code error} (a failed connect, a bad frame, a handler's exception, or an
   * {@code error} frame without a topic, such as a refused refresh: its code and word).
   */
  public record Event(String type, URI url, int code, String reason, long delayMillis) {}

  /** One topic's subscription. */
  public interface Subscription extends AutoCloseable {
    String topic();

    /** The last id delivered (or the resolved start), the point a reconnect resumes after. */
    String lastId();

    @Override
    void close();
  }

  /** One topic's subscription in a consumer group. */
  public interface GroupSubscription extends AutoCloseable {
    String topic();

    String group();

    String consumer();

    /** Whether the proxy has answered {@code subscribed} on the current connection. */
    boolean subscribed();

    /** Sends the acks still queued, then unsubscribes: the messages in flight go back at once. */
    @Override
    void close();
  }

  private final List<URI> bases;
  private final Supplier<String> token;
  private final boolean fixedToken;
  private final HttpClient http;
  private final ObjectMapper json;
  private final Backoff backoff;
  private final Consumer<Event> events;
  private final ScheduledExecutorService timer;
  private final Map<String, Sub> subs = new LinkedHashMap<>();
  private final Map<String, Group> groups = new LinkedHashMap<>();

  private WebSocket ws;
  private URI wsBase;
  private boolean connecting;
  private ScheduledFuture<?> pending;
  private CompletableFuture<?> sendChain = CompletableFuture.completedFuture(null);
  private int attempt;
  private int next;
  private Long hintMillis;
  private boolean closed;
  private String tokenInUse;
  private String refreshing;
  private boolean flushQueued;

  private Subscriber(Builder b) {
    this.bases = List.copyOf(b.bases);
    this.token = b.token;
    this.fixedToken = b.fixedToken;
    this.http = b.http != null ? b.http : HttpClient.newHttpClient();
    this.json = b.json;
    this.backoff = b.backoff;
    this.events = b.events;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "pulsar-proxy-subscriber");
              t.setDaemon(true);
              return t;
            });
  }

  /** A base URL ({@code http://} or {@code https://}), normally your load balancer's. */
  public static Builder builder(URI base) {
    return new Builder(List.of(base));
  }

  /** Several base URLs, tried in turn, one per reconnect. */
  public static Builder builder(List<URI> bases) {
    return new Builder(bases);
  }

  public Subscription subscribe(String topic, String from, Consumer<Message> onMessage) {
    return subscribe(topic, from, onMessage, gap -> {}, error -> {});
  }

  /**
   * @param from {@code latest}, {@code earliest}, or the last id you handled
   * @param onGap retention removed messages after {@code from}: the {@code gap} frame
   * @param onError the proxy refused this subscription (an {@code error} frame), or closed a
   *     connection made with a fixed token at its expiry or revocation ({@code token_expired},
   *     {@code token_revoked}); not retried
   */
  public synchronized Subscription subscribe(
      String topic,
      String from,
      Consumer<Message> onMessage,
      Consumer<JsonNode> onGap,
      Consumer<JsonNode> onError) {
    if (closed) {
      throw new IllegalStateException("closed");
    }
    if (subs.containsKey(topic)) {
      throw new IllegalStateException("already subscribed to " + topic);
    }
    Sub sub = new Sub(topic, from == null ? "latest" : from, onMessage, onGap, onError);
    subs.put(topic, sub);
    if (ws != null) {
      sendSubscribe(sub);
    } else {
      ensureConnected();
    }
    return sub;
  }

  /** A group subscription with the consumer name and prefetch given, nacks due again at once. */
  public GroupSubscription subscribeGroup(
      String topic, String group, String consumer, int prefetch, GroupHandler handler) {
    return subscribeGroup(
        topic, group, GroupOptions.consumer(consumer).prefetch(prefetch), handler);
  }

  /**
   * Takes part in the consumer group {@code group} of {@code topic} (created from the latest
   * message if it does not exist): the group's messages are shared among its consumers. The
   * handler's return acks a message (acks are sent coalesced); its exception nacks it. The
   * subscription is made again on every reconnect, with the same consumer name. A message can come
   * again (after a nack, an ack timeout, a drop): {@link GroupMessage#deliveryCount()} says so.
   */
  public synchronized GroupSubscription subscribeGroup(
      String topic, String group, GroupOptions options, GroupHandler handler) {
    if (closed) {
      throw new IllegalStateException("closed");
    }
    Group g = new Group(topic, group, options, handler, this::closeGroup);
    if (groups.containsKey(g.key())) {
      throw new IllegalStateException("already in group " + group + " of " + topic);
    }
    groups.put(g.key(), g);
    if (ws != null) {
      sendSubscribe(g);
    } else {
      ensureConnected();
    }
    return g;
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (pending != null) {
      pending.cancel(false);
    }
    if (ws != null) {
      groups.values().forEach(this::sendAcks);
      WebSocket socket = ws;
      sendChain =
          sendChain
              .handle((x, e) -> null)
              .thenCompose(x -> socket.sendClose(WebSocket.NORMAL_CLOSURE, "client closed"));
      ws = null;
    }
    subs.clear();
    groups.clear();
    timer.shutdownNow();
  }

  private final class Sub implements Subscription {
    final String topic;
    final String from;
    final Consumer<Message> onMessage;
    final Consumer<JsonNode> onGap;
    final Consumer<JsonNode> onError;
    volatile String lastId;
    boolean subscribed;

    Sub(
        String topic,
        String from,
        Consumer<Message> onMessage,
        Consumer<JsonNode> onGap,
        Consumer<JsonNode> onError) {
      this.topic = Objects.requireNonNull(topic, "topic");
      this.from = from;
      this.onMessage = Objects.requireNonNull(onMessage, "onMessage");
      this.onGap = onGap;
      this.onError = onError;
      this.lastId = ID.matcher(from).matches() ? from : null;
    }

    @Override
    public String topic() {
      return topic;
    }

    @Override
    public String lastId() {
      return lastId;
    }

    @Override
    public void close() {
      synchronized (Subscriber.this) {
        if (subs.remove(topic) == this && ws != null) {
          send(ws, json.createObjectNode().put("op", "unsubscribe").put("topic", topic));
        }
      }
    }
  }

  private synchronized void closeGroup(Group g) {
    if (groups.remove(g.key()) == g && ws != null) {
      sendAcks(g);
      send(ws, groupFrame("unsubscribe", g));
    }
  }

  private URI current() {
    return bases.get(Math.floorMod(next, bases.size()));
  }

  private boolean idle() {
    return subs.isEmpty() && groups.isEmpty();
  }

  private synchronized void ensureConnected() {
    if (ws != null || connecting || pending != null || closed || idle()) {
      return;
    }
    connect();
  }

  private synchronized void connect() {
    pending = null;
    if (closed || idle() || connecting) {
      return;
    }
    connecting = true;
    URI base = current();
    String scheme = "https".equals(base.getScheme()) ? "wss" : "ws";
    URI url = URI.create(scheme + "://" + base.getRawAuthority() + "/api/v1/ws");
    WebSocket.Builder builder = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
    String t;
    try {
      t = token.get(); // asked on every connect: a refreshed token is picked up here
    } catch (RuntimeException e) {
      connecting = false;
      events.accept(new Event("error", base, 0, String.valueOf(e.getMessage()), 0));
      scheduleReconnect();
      return;
    }
    if (t != null) {
      builder.header("Authorization", "Bearer " + t);
    }
    builder
        .buildAsync(url, new Listener(base))
        .whenComplete(
            (socket, failure) -> {
              synchronized (Subscriber.this) {
                connecting = false;
                if (failure != null) {
                  events.accept(new Event("error", base, 0, String.valueOf(failure), 0));
                  scheduleReconnect();
                } else if (closed) {
                  socket.sendClose(WebSocket.NORMAL_CLOSURE, "client closed");
                } else {
                  ws = socket;
                  wsBase = base;
                  tokenInUse = t;
                  refreshing = null;
                  sendChain = CompletableFuture.completedFuture(null);
                  events.accept(new Event("open", base, 0, null, 0));
                  subs.values().forEach(this::sendSubscribe);
                  groups.values().forEach(this::sendSubscribe);
                  groups.values().forEach(this::sendAcks); // those a drop kept from going out
                }
              }
            });
  }

  private synchronized void scheduleReconnect() {
    if (closed || idle() || pending != null || connecting) {
      return;
    }
    long delay = hintMillis != null ? hintMillis : backoff.delayMillis(attempt);
    hintMillis = null;
    attempt++;
    if (bases.size() > 1) {
      next++;
    }
    events.accept(new Event("reconnecting", current(), 0, null, delay));
    pending = timer.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
  }

  private void sendSubscribe(Sub sub) {
    sub.subscribed = false;
    send(
        ws,
        json.createObjectNode()
            .put("op", "subscribe")
            .put("topic", sub.topic)
            .put("from", sub.lastId != null ? sub.lastId : sub.from));
  }

  private void sendSubscribe(Group g) {
    g.subscribed = false;
    send(
        ws,
        groupFrame("subscribe", g)
            .put("consumer", g.options.consumer())
            .put("prefetch", g.options.prefetch()));
  }

  private ObjectNode groupFrame(String op, Group g) {
    return json.createObjectNode().put("op", op).put("topic", g.topic).put("group", g.group);
  }

  /** Sends a group's queued acks, in frames of at most 1000 ids; kept queued while offline. */
  private synchronized void sendAcks(Group g) {
    if (ws == null) {
      return;
    }
    for (List<String> ids = g.takeAcks(); !ids.isEmpty(); ids = g.takeAcks()) {
      ObjectNode f = groupFrame("ack", g);
      ids.forEach(f.putArray("ids")::add);
      send(ws, f);
    }
  }

  /**
   * Acks are coalesced: the first one queued asks the timer thread to send; those queued until it
   * runs (the handlers of the frames processed meanwhile) go out in the same frame.
   */
  private synchronized void queueFlush() {
    if (!flushQueued && !closed) {
      flushQueued = true;
      timer.execute(
          () -> {
            synchronized (this) {
              flushQueued = false;
              groups.values().forEach(this::sendAcks);
            }
          });
    }
  }

  private synchronized void sendNack(WebSocket socket, Group g, String id) {
    if (ws != socket) {
      return; // the message comes back after the group's ack timeout anyway
    }
    ObjectNode f = groupFrame("nack", g);
    f.putArray("ids").add(id);
    Duration delay = g.options.nackDelay();
    if (delay != null) {
      f.put("delay", delay.toMillis() + "ms");
    }
    send(socket, f);
  }

  /** WebSocket sends must not overlap: each waits for the one before. */
  private synchronized void send(WebSocket socket, ObjectNode frame) {
    String text = frame.toString();
    sendChain = sendChain.handle((x, e) -> null).thenCompose(x -> socket.sendText(text, true));
  }

  private final class Listener implements WebSocket.Listener {
    private final URI base;
    private final StringBuilder text = new StringBuilder();

    Listener(URI base) {
      this.base = base;
    }

    @Override
    public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
      text.append(data);
      if (last) {
        String whole = text.toString();
        text.setLength(0);
        try {
          onFrame(socket, json.readTree(whole));
        } catch (Exception e) {
          events.accept(new Event("error", base, 0, "bad frame or handler: " + e, 0));
        }
      }
      socket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket socket, int code, String reason) {
      dropped(socket, code, reason);
      return null;
    }

    @Override
    public void onError(WebSocket socket, Throwable error) {
      dropped(socket, 1006, String.valueOf(error));
    }

    private void dropped(WebSocket socket, int code, String reason) {
      List<Consumer<JsonNode>> refused = new ArrayList<>();
      JsonNode frame;
      synchronized (Subscriber.this) {
        if (ws != socket) {
          return;
        }
        ws = null;
        refreshing = null;
        events.accept(new Event("close", base, code, reason, 0));
        socket.abort();
        if (!fixedToken || (code != 4001 && code != 4003)) {
          scheduleReconnect();
          return;
        }
        // A fixed token that expired or was revoked would only be refused again: give up.
        subs.values().forEach(s -> refused.add(s.onError));
        groups.values().forEach(g -> refused.add(g.options.onError()));
        subs.clear();
        groups.clear();
        closed = true; // later subscribes fail at once instead of retrying the dead token
        timer.shutdown();
        frame =
            json.createObjectNode()
                .put("type", "error")
                .put("code", 401)
                .put("error", code == 4001 ? "token_expired" : "token_revoked")
                .put("message", reason);
      }
      refused.forEach(onError -> onError.accept(frame));
    }
  }

  private void onFrame(WebSocket socket, JsonNode f) {
    String type = f.path("type").asText();
    String topic = f.path("topic").asText(null);
    String groupName = f.path("group").asText(null);
    if (groupName != null && topic != null) {
      Group g;
      synchronized (this) {
        g = groups.get(Group.key(topic, groupName));
      }
      if (g != null && type.equals("error")) {
        onGroupError(socket, g, f);
      } else if (g != null) {
        onGroupFrame(socket, g, type, f);
      }
      return;
    }
    Sub sub;
    synchronized (this) {
      sub = topic == null ? null : subs.get(topic);
    }
    switch (type) {
      case "message" -> {
        if (sub == null) {
          return;
        }
        String id = f.path("id").asText();
        if (sub.lastId != null && compareIds(id, sub.lastId) <= 0) {
          return; // delivered before the reconnect: not again
        }
        sub.lastId = id;
        sub.onMessage.accept(message(topic, f));
      }
      case "subscribed" -> {
        synchronized (this) {
          attempt = 0;
        }
        if (sub != null) {
          sub.subscribed = true;
          String from = f.path("from").asText();
          if (sub.lastId == null && ID.matcher(from).matches()) {
            sub.lastId = from;
          }
        }
      }
      case "gap" -> {
        if (sub != null) {
          sub.onGap.accept(f);
        }
      }
      case "reconnect" -> {
        synchronized (this) {
          hintMillis = Math.max(0, f.path("after_ms").asLong(0));
          events.accept(new Event("hint", current(), 0, null, hintMillis));
        }
      }
      case "token_expiring" -> timer.execute(() -> refresh(socket));
      case "refreshed" -> {
        synchronized (this) {
          if (ws == socket && refreshing != null) {
            tokenInUse = refreshing;
          }
          refreshing = null;
          events.accept(new Event("refreshed", wsBase, 0, f.path("exp").asText(), 0));
        }
      }
      case "error" -> {
        if (topic == null) {
          // A refused refresh (the close at exp follows, then a reconnect) or a bad frame.
          synchronized (this) {
            refreshing = null;
            events.accept(
                new Event("error", wsBase, f.path("code").asInt(), f.path("error").asText(), 0));
          }
        } else {
          onTopicError(socket, topic, f);
        }
      }
      default -> {
        // pong, unsubscribed, disconnected (the close follows), frame types added later
      }
    }
  }

  private void onGroupFrame(WebSocket socket, Group g, String type, JsonNode f) {
    switch (type) {
      case "message" -> {
        GroupMessage m =
            new GroupMessage(message(g.topic, f), g.group, f.path("delivery_count").asInt(1));
        Group.Outcome outcome =
            g.deliver(
                m, e -> events.accept(new Event("error", wsBase, 0, "group handler: " + e, 0)));
        if (outcome == Group.Outcome.ACK) {
          queueFlush();
        } else {
          sendNack(socket, g, m.id());
        }
      }
      case "subscribed" -> {
        synchronized (this) {
          attempt = 0;
        }
        g.subscribed = true;
      }
      default -> {
        // acked, nacked, unsubscribed
      }
    }
  }

  /** An {@code error} frame naming a topic and no group: it is for the plain subscription. */
  private void onTopicError(WebSocket socket, String topic, JsonNode f) {
    String word = f.path("error").asText();
    Sub sub;
    synchronized (this) {
      sub = subs.get(topic);
    }
    if (sub == null || "already_subscribed".equals(word)) {
      return;
    }
    if ("store_unavailable".equals(word)) {
      events.accept(new Event("error", wsBase, f.path("code").asInt(), word, 0));
      if (!sub.subscribed) {
        subscribeAgainLater(socket, () -> sendSubscribe(sub));
      }
      return;
    }
    synchronized (this) {
      if (!subs.remove(topic, sub)) {
        return;
      }
    }
    sub.onError.accept(f); // refused (invalid_topic, forbidden, ...) or ended by a refresh
  }

  /** An {@code error} frame naming a topic and a group: it is for that group subscription. */
  private void onGroupError(WebSocket socket, Group g, JsonNode f) {
    String word = f.path("error").asText();
    if ("already_subscribed".equals(word)) {
      return;
    }
    if ("store_unavailable".equals(word)) {
      events.accept(new Event("error", wsBase, f.path("code").asInt(), word, 0));
      if (!g.subscribed) {
        subscribeAgainLater(socket, () -> sendSubscribe(g));
      }
      return; // else an ack the store missed: the message comes again, and is acked again
    }
    if (g.subscribed && !"forbidden".equals(word)) {
      // A refused ack or nack of a running subscription: reported, the subscription goes on.
      events.accept(new Event("error", wsBase, f.path("code").asInt(), word, 0));
      return;
    }
    synchronized (this) {
      if (!groups.remove(g.key(), g)) {
        return;
      }
    }
    g.options.onError().accept(f); // refused, or ended by a refresh (forbidden)
  }

  /** A subscribe the store could not serve is sent again after a backoff, on the same socket. */
  private void subscribeAgainLater(WebSocket socket, Runnable send) {
    synchronized (this) {
      if (closed) {
        return;
      }
      timer.schedule(
          () -> {
            synchronized (this) {
              if (ws == socket) {
                send.run();
              }
            }
          },
          backoff.delayMillis(1),
          TimeUnit.MILLISECONDS);
    }
  }

  /**
   * On {@code token_expiring}: asks the supplier again and, when the token is a new one, sends it
   * in a {@code refresh} (one at a time). Runs on the timer thread: a slow supplier holds no
   * delivery.
   */
  private void refresh(WebSocket socket) {
    synchronized (this) {
      if (ws != socket || refreshing != null || closed) {
        return;
      }
    }
    String t;
    try {
      t = token.get();
    } catch (RuntimeException e) {
      events.accept(new Event("error", wsBase, 0, "token supplier: " + e.getMessage(), 0));
      return;
    }
    synchronized (this) {
      if (ws != socket || refreshing != null || t == null || t.equals(tokenInUse)) {
        return;
      }
      refreshing = t;
      send(socket, json.createObjectNode().put("op", "refresh").put("token", t));
    }
  }

  private static Message message(String topic, JsonNode f) {
    Map<String, String> metadata = new HashMap<>();
    f.path("metadata").properties().forEach(e -> metadata.put(e.getKey(), e.getValue().asText()));
    return new Message(
        topic,
        f.path("id").asText(),
        f.path("message_id").asText(null),
        f.path("timestamp").asText(null),
        f.get("payload"),
        Map.copyOf(metadata),
        f.hasNonNull("key") ? f.get("key").asText() : null);
  }

  /** Compares entry ids {@code ms-seq} as numbers. */
  static int compareIds(String a, String b) {
    String[] x = a.split("-", 2);
    String[] y = b.split("-", 2);
    int c = Long.compare(Long.parseLong(x[0]), Long.parseLong(y[0]));
    if (c != 0) {
      return c;
    }
    return Long.compare(
        x.length > 1 ? Long.parseLong(x[1]) : 0, y.length > 1 ? Long.parseLong(y[1]) : 0);
  }

  /** Settings; only the base URL and a token are needed. */
  public static final class Builder {
    private final List<URI> bases;
    private Supplier<String> token = () -> null;
    private boolean fixedToken = true;
    private HttpClient http;
    private ObjectMapper json = new ObjectMapper();
    private Backoff backoff = Backoff.DEFAULT;
    private Consumer<Event> events = e -> {};

    private Builder(List<URI> bases) {
      if (bases.isEmpty()) {
        throw new IllegalArgumentException("need a base URL");
      }
      this.bases = List.copyOf(bases);
    }

    /**
     * A token that does not change. A connection the proxy closes at its expiry (4001) or
     * revocation (4003) is not made again: each subscription's {@code onError} gets {@code
     * token_expired} or {@code token_revoked}.
     */
    public Builder token(String t) {
      this.token = () -> t;
      this.fixedToken = true;
      return this;
    }

    /**
     * Asked before every connect, and on every {@code token_expiring}: a token that differs from
     * the one in use is sent in a {@code refresh}, and the connection stays open.
     */
    public Builder tokenSupplier(Supplier<String> supplier) {
      this.token = Objects.requireNonNull(supplier);
      this.fixedToken = false;
      return this;
    }

    public Builder httpClient(HttpClient client) {
      this.http = client;
      return this;
    }

    public Builder objectMapper(ObjectMapper mapper) {
      this.json = mapper;
      return this;
    }

    public Builder backoff(Backoff b) {
      this.backoff = b;
      return this;
    }

    /** Connection events: see {@link Event}. */
    public Builder events(Consumer<Event> listener) {
      this.events = Objects.requireNonNull(listener);
      return this;
    }

    public Subscriber build() {
      return new Subscriber(this);
    }
  }
}
