package io.pulsarproxy.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
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
 * <pre>{@code
 * Subscriber subscriber = Subscriber.builder(URI.create("http://127.0.0.1:8080")).token("pp-dev-token").build();
 * subscriber.subscribe("orders", "earliest", m -> System.out.println(m.id() + " " + m.payload()));
 * }</pre>
 */
public final class Subscriber implements AutoCloseable {
  private static final Pattern ID = Pattern.compile("[0-9]+(-[0-9]+)?");

  /** A connection event, for logs and tests. */
  public record Event(String type, URI url, int code, String reason, long delayMillis) {}

  /** One topic's subscription. */
  public interface Subscription extends AutoCloseable {
    String topic();

    /** The last id delivered (or the resolved start), the point a reconnect resumes after. */
    String lastId();

    @Override
    void close();
  }

  private final List<URI> bases;
  private final Supplier<String> token;
  private final HttpClient http;
  private final ObjectMapper json;
  private final Backoff backoff;
  private final Consumer<Event> events;
  private final ScheduledExecutorService timer;
  private final Map<String, Sub> subs = new LinkedHashMap<>();

  private WebSocket ws;
  private boolean connecting;
  private ScheduledFuture<?> pending;
  private CompletableFuture<?> sendChain = CompletableFuture.completedFuture(null);
  private int attempt;
  private int next;
  private Long hintMillis;
  private boolean closed;

  private Subscriber(Builder b) {
    this.bases = List.copyOf(b.bases);
    this.token = b.token;
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
   * @param onError the proxy refused this subscription (an {@code error} frame); not retried
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

  @Override
  public synchronized void close() {
    closed = true;
    subs.clear();
    if (pending != null) {
      pending.cancel(false);
    }
    if (ws != null) {
      ws.sendClose(WebSocket.NORMAL_CLOSURE, "client closed");
      ws = null;
    }
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
          send(ws, frame("unsubscribe", topic, null));
        }
      }
    }
  }

  private URI current() {
    return bases.get(Math.floorMod(next, bases.size()));
  }

  private synchronized void ensureConnected() {
    if (ws != null || connecting || pending != null || closed || subs.isEmpty()) {
      return;
    }
    connect();
  }

  private synchronized void connect() {
    pending = null;
    if (closed || subs.isEmpty() || connecting) {
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
                  sendChain = CompletableFuture.completedFuture(null);
                  events.accept(new Event("open", base, 0, null, 0));
                  subs.values().forEach(this::sendSubscribe);
                }
              }
            });
  }

  private synchronized void scheduleReconnect() {
    if (closed || subs.isEmpty() || pending != null || connecting) {
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
    send(ws, frame("subscribe", sub.topic, sub.lastId != null ? sub.lastId : sub.from));
  }

  private String frame(String op, String topic, String from) {
    ObjectNode f = json.createObjectNode().put("op", op).put("topic", topic);
    if (from != null) {
      f.put("from", from);
    }
    return f.toString();
  }

  /** WebSocket sends must not overlap: each waits for the one before. */
  private synchronized void send(WebSocket socket, String text) {
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
      synchronized (Subscriber.this) {
        if (ws != socket) {
          return;
        }
        ws = null;
        events.accept(new Event("close", base, code, reason, 0));
        socket.abort();
        scheduleReconnect();
      }
    }
  }

  private void onFrame(WebSocket socket, JsonNode f) {
    String type = f.path("type").asText();
    String topic = f.path("topic").asText(null);
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
        Map<String, String> metadata = new HashMap<>();
        f.path("metadata")
            .properties()
            .forEach(e -> metadata.put(e.getKey(), e.getValue().asText()));
        sub.onMessage.accept(
            new Message(
                topic,
                id,
                f.path("message_id").asText(null),
                f.path("timestamp").asText(null),
                f.get("payload"),
                Map.copyOf(metadata),
                f.hasNonNull("key") ? f.get("key").asText() : null));
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
      case "error" -> {
        if (sub == null) {
          return;
        }
        if ("store_unavailable".equals(f.path("error").asText())) {
          timer.schedule(
              () -> {
                synchronized (this) {
                  if (subs.get(sub.topic) == sub && ws == socket && !sub.subscribed) {
                    sendSubscribe(sub);
                  }
                }
              },
              backoff.delayMillis(1),
              TimeUnit.MILLISECONDS);
          return;
        }
        if (!"already_subscribed".equals(f.path("error").asText())) {
          synchronized (this) {
            subs.remove(sub.topic);
          }
          sub.onError.accept(f);
        }
      }
      default -> {
        // pong, unsubscribed, disconnected (the close follows), frame types added later
      }
    }
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

    public Builder token(String t) {
      this.token = () -> t;
      return this;
    }

    /** Asked before every connect, for tokens that are refreshed. */
    public Builder tokenSupplier(Supplier<String> supplier) {
      this.token = Objects.requireNonNull(supplier);
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

    /** Connection events: open, close, reconnecting (with its delay), hint, error. */
    public Builder events(Consumer<Event> listener) {
      this.events = Objects.requireNonNull(listener);
      return this;
    }

    public Subscriber build() {
      return new Subscriber(this);
    }
  }
}
