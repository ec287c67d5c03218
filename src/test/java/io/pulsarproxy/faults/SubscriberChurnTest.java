package io.pulsarproxy.faults;

import static io.pulsarproxy.testing.Http.PUBLISHER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.pulsarproxy.PulsarProxyConfiguration;
import io.pulsarproxy.testing.AppProbes;
import io.pulsarproxy.testing.FaultSuite;
import io.pulsarproxy.testing.Http;
import io.pulsarproxy.testing.Http.Reply;
import io.pulsarproxy.testing.TestApps;
import io.pulsarproxy.testing.ValkeyTestServer;
import io.pulsarproxy.testing.Waits;
import io.pulsarproxy.testing.WsClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.ClientUpgradeRequest;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * 500 subscribers connect, subscribe, resume with their last id and disconnect (cleanly, by
 * unsubscribing, or by dropping the TCP connection) at random for 60 s while a producer publishes
 * numbered messages. Every subscriber must see every acknowledged message once, in order, across
 * all its connections; afterwards the proxy holds no connection or subscription and its heap is
 * back near where it started.
 *
 * <p>Subscribers are state machines on a few scheduler threads; WebSockets share one Jetty client,
 * SSE streams and long-polls one JDK client, so 500 of them cost no 500 threads.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
@FaultSuite
class SubscriberChurnTest {
  static final int CLIENTS = 500;
  static final Duration CHURN = Duration.ofSeconds(60);
  static final int PUBLISH_PER_SECOND = 30;

  /** Heap after GC may be this much above its start once everything is closed. */
  static final long HEAP_TOLERANCE_BYTES = 32L << 20;

  @RegisterExtension static final ValkeyTestServer VALKEY = new ValkeyTestServer();

  // A gone event-stream client is noticed at the next write: keep-alives every second make that
  // soon after the producer stops.
  static final DropwizardAppExtension<PulsarProxyConfiguration> APP =
      TestApps.valkey(VALKEY, ConfigOverride.config("delivery.sseKeepAlive", "1s"));

  private static final ObjectMapper JSON = new ObjectMapper();

  enum Kind {
    WEBSOCKET,
    SSE,
    LONGPOLL
  }

  private final String topic = "churn." + System.nanoTime();
  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(4);
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
  private final Map<Kind, AtomicInteger> sessions =
      Map.of(
          Kind.WEBSOCKET, new AtomicInteger(),
          Kind.SSE, new AtomicInteger(),
          Kind.LONGPOLL, new AtomicInteger());
  private final AtomicInteger refusedConnects = new AtomicInteger();
  private final ConcurrentLinkedQueue<String> refusals = new ConcurrentLinkedQueue<>();
  private final AtomicLong delivered = new AtomicLong();
  private WebSocketClient ws;
  private volatile boolean churning = true;

  @Test
  void churningSubscribersLoseNothingAndLeakNothing() throws Exception {
    // Jetty's client pools 64 connections per destination by default; upgrades wait in that pool.
    org.eclipse.jetty.client.HttpClient jetty = new org.eclipse.jetty.client.HttpClient();
    jetty.setMaxConnectionsPerDestination(2 * CLIENTS);
    jetty.setMaxRequestsQueuedPerDestination(4 * CLIENTS);
    ws = new WebSocketClient(jetty);
    ws.setIdleTimeout(Duration.ofSeconds(60));
    ws.start();
    int port = APP.getLocalPort();
    List<Client> clients = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      // Mostly WebSockets; one in ten an event stream, one in twenty a long-poll.
      Kind kind = i % 20 == 0 ? Kind.LONGPOLL : i % 10 == 5 ? Kind.SSE : Kind.WEBSOCKET;
      clients.add(new Client(i, kind, port));
    }
    warmUp(port);
    long heapBefore = AppProbes.heapAfterGc();

    Http publisher = new Http(port);
    AtomicInteger acknowledged = new AtomicInteger();
    AtomicInteger publishRetries = new AtomicInteger();
    Thread producer =
        new Thread(
            () -> {
              long start = System.nanoTime();
              long periodNanos = 1_000_000_000L / PUBLISH_PER_SECOND;
              for (int seq = 0; System.nanoTime() - start < CHURN.toNanos(); seq++) {
                // Retried with its message_id until acknowledged: every seq is in the stream once.
                while (true) {
                  Reply r =
                      publisher.postJson(
                          "/api/v1/topics/" + topic + "/messages",
                          PUBLISHER,
                          "{\"payload\":{\"seq\":" + seq + "},\"message_id\":\"s" + seq + "\"}");
                  if (r.status() == 201 || r.status() == 200) {
                    acknowledged.incrementAndGet();
                    break;
                  }
                  publishRetries.incrementAndGet();
                }
                long next = start + (seq + 1) * periodNanos;
                long sleep = next - System.nanoTime();
                if (sleep > 0) {
                  sleepNanos(sleep);
                }
              }
            },
            "churn-producer");
    long churnStart = System.nanoTime();
    producer.start();
    for (Client c : clients) {
      scheduler.schedule(c::startSession, rand(0, 2_000), TimeUnit.MILLISECONDS);
    }
    producer.join(CHURN.toMillis() + 30_000);
    churning = false;
    int total = acknowledged.get();
    // Sessions under way end now, as their timers would have ended them.
    for (Client c : clients) {
      c.endCurrent();
    }
    long churnMillis = (System.nanoTime() - churnStart) / 1_000_000;

    // The last resume: every client comes back with its last id and must catch up to the end.
    for (Client c : clients) {
      c.finalSession();
    }
    List<Client> behind = new ArrayList<>(clients);
    Waits.within(
        Duration.ofSeconds(30),
        Duration.ofMillis(50),
        () -> {
          behind.removeIf(c -> c.received() >= total);
          return behind.isEmpty();
        });
    for (Client c : clients) {
      c.endCurrent();
    }
    scheduler.shutdown();
    assertTrue(scheduler.awaitTermination(10, TimeUnit.SECONDS));

    int resumedClients = 0;
    for (Client c : clients) {
      if (c.sessionCount > 1) {
        resumedClients++;
      }
    }
    System.out.printf(
        "churn: %d clients (%s sessions: ws %d, sse %d, long-poll %d), %d refused connects,"
            + " %d messages acknowledged in %d ms (%d publish retries), %d deliveries checked,"
            + " %d clients resumed, %d behind%n",
        CLIENTS,
        sessions.values().stream().mapToInt(AtomicInteger::get).sum(),
        sessions.get(Kind.WEBSOCKET).get(),
        sessions.get(Kind.SSE).get(),
        sessions.get(Kind.LONGPOLL).get(),
        refusedConnects.get(),
        total,
        churnMillis,
        publishRetries.get(),
        delivered.get(),
        resumedClients,
        behind.size());
    refusals.forEach(r -> System.out.println("churn: failed connection: " + r));
    assertTrue(errors.isEmpty(), errors.size() + " stream errors, first: " + errors.peek());
    assertEquals(List.of(), behind.stream().map(c -> c.describe(total)).toList());
    assertTrue(resumedClients > CLIENTS * 9 / 10, resumedClients + " clients resumed");
    // The producer waits for each 201; on a loaded 2-core machine it gets well below its rate,
    // but messages must have flowed throughout for the resumes to mean anything.
    assertTrue(total >= 30, total + " messages only");

    // No leak: every gauge back to zero once the clients are gone, heap back near its start.
    ws.stop();
    for (String gauge :
        List.of(
            "pulsar.connections.websocket",
            "pulsar.connections.sse",
            "pulsar.subscriptions.websocket",
            "pulsar.subscriptions.sse")) {
      AppProbes.awaitGauge(APP, gauge, 0, Duration.ofSeconds(15));
    }
    long heapAfter = AppProbes.heapAfterGc();
    System.out.printf(
        "churn: heap after GC %d MiB before, %d MiB after (tolerance %d MiB)%n",
        heapBefore >> 20, heapAfter >> 20, HEAP_TOLERANCE_BYTES >> 20);
    assertTrue(
        heapAfter - heapBefore < HEAP_TOLERANCE_BYTES,
        "heap grew from " + (heapBefore >> 20) + " to " + (heapAfter >> 20) + " MiB");
  }

  /** Every path once, so that class loading and first-use caches do not count as heap growth. */
  private void warmUp(int port) throws Exception {
    WsClient probe =
        WsClient.connect(ws, WsClient.uri(port, "topic=warm&from=earliest"), PUBLISHER, null);
    probe.nextOfType("subscribed", Duration.ofSeconds(10));
    probe.close();
    http.send(
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/api/v1/topics/warm/messages?wait=0"))
            .header("Authorization", "Bearer " + PUBLISHER)
            .build(),
        HttpResponse.BodyHandlers.discarding());
  }

  /**
   * One subscriber across all its connections. It checks that message seqs arrive consecutively
   * from 0, whichever connection brings them, and resumes each new connection after the last id it
   * took. Frames that arrive on a connection it has decided to leave are ignored, as a real client
   * that stopped reading would never see them.
   */
  final class Client {
    final int index;
    final Kind kind;
    final int port;
    int generation;
    int nextSeq;
    String lastId;
    int sessionCount;
    Runnable closer;

    Client(int index, Kind kind, int port) {
      this.index = index;
      this.kind = kind;
      this.port = port;
    }

    synchronized int received() {
      return nextSeq;
    }

    String describe(int total) {
      return "client " + index + " (" + kind + ") got " + received() + " of " + total;
    }

    void startSession() {
      if (!churning) {
        return;
      }
      int gen = begin();
      scheduler.schedule(() -> endSession(gen), rand(1_000, 8_000), TimeUnit.MILLISECONDS);
    }

    /** The last resume: no timer ends it; {@link #endCurrent} does. */
    void finalSession() {
      begin();
    }

    private int begin() {
      int gen;
      String from;
      synchronized (this) {
        gen = ++generation;
        from = lastId;
        sessionCount++;
      }
      sessions.get(kind).incrementAndGet();
      switch (kind) {
        case WEBSOCKET -> connectWebSocket(gen, from);
        case SSE -> connectEventStream(gen, from);
        case LONGPOLL -> poll(gen, from == null ? "0-0" : from);
      }
      return gen;
    }

    void endSession(int gen) {
      Runnable close;
      synchronized (this) {
        if (generation != gen) {
          return; // ended already, when the churn stopped
        }
        close = retire(gen);
      }
      if (close != null) {
        close.run();
      }
      if (churning) {
        scheduler.schedule(this::startSession, rand(0, 2_000), TimeUnit.MILLISECONDS);
      }
    }

    void endCurrent() {
      Runnable close;
      synchronized (this) {
        close = retire(generation);
      }
      if (close != null) {
        close.run();
      }
    }

    private synchronized Runnable retire(int gen) {
      if (generation != gen) {
        return null;
      }
      generation++;
      Runnable close = closer;
      closer = null;
      return close;
    }

    /** Hands a connection its close action, or closes it at once if its session is over. */
    private void opened(int gen, Runnable close) {
      synchronized (this) {
        if (generation == gen) {
          closer = close;
          return;
        }
      }
      close.run();
    }

    synchronized void message(int gen, String id, int seq) {
      if (gen != generation) {
        return;
      }
      delivered.incrementAndGet();
      if (seq != nextSeq) {
        errors.add(
            "client "
                + index
                + " ("
                + kind
                + ", session "
                + sessionCount
                + ") expected seq "
                + nextSeq
                + " but got "
                + seq
                + " (id "
                + id
                + ", resumed after "
                + lastId
                + ")");
      }
      nextSeq = seq + 1;
      lastId = id;
    }

    synchronized void control(int gen, JsonNode frame) {
      String type = frame.path("type").asText();
      if (gen == generation && !type.equals("subscribed") && !type.equals("unsubscribed")) {
        errors.add("client " + index + " got " + frame);
      }
    }

    private String base() {
      return "http://127.0.0.1:" + port;
    }

    private void connectWebSocket(int gen, String from) {
      String start = from == null ? "earliest" : from;
      // Half subscribe on the URL, half with a subscribe frame after connecting.
      boolean onUrl = ThreadLocalRandom.current().nextBoolean();
      ClientUpgradeRequest request =
          new ClientUpgradeRequest(
              WsClient.uri(port, onUrl ? "topic=" + topic + "&from=" + start : null));
      request.setHeader("Authorization", "Bearer " + PUBLISHER);
      CompletableFuture<Session> connecting;
      try {
        connecting = ws.connect(new Listener(this, gen), request);
      } catch (IOException e) {
        refused("websocket", e);
        return;
      }
      connecting.whenComplete(
          (session, failure) -> {
            if (failure != null) {
              refused("websocket", failure);
              return;
            }
            if (!onUrl) {
              session.sendText(
                  "{\"op\":\"subscribe\",\"topic\":\"" + topic + "\",\"from\":\"" + start + "\"}",
                  Callback.NOOP);
            }
            opened(gen, () -> leave(session));
          });
    }

    /** A clean close, an unsubscribe then close, or a dropped TCP connection. */
    private void leave(Session session) {
      int how = ThreadLocalRandom.current().nextInt(3);
      if (how == 0) {
        session.disconnect();
      } else if (how == 1) {
        session.sendText(
            "{\"op\":\"unsubscribe\",\"topic\":\"" + topic + "\"}",
            Callback.from(() -> session.close(1000, "bye", Callback.NOOP), f -> {}));
      } else {
        session.close(1000, "bye", Callback.NOOP);
      }
    }

    private void connectEventStream(int gen, String from) {
      HttpRequest.Builder request =
          HttpRequest.newBuilder(
                  URI.create(
                      base()
                          + "/api/v1/topics/"
                          + topic
                          + "/events"
                          + (from == null ? "?from=earliest" : "")))
              .header("Authorization", "Bearer " + PUBLISHER)
              .header("Accept", "text/event-stream");
      if (from != null) {
        request.header("Last-Event-ID", from);
      }
      SseLines lines = new SseLines(this, gen);
      http.sendAsync(request.build(), HttpResponse.BodyHandlers.fromLineSubscriber(lines))
          .whenComplete(
              (response, failure) -> {
                if (failure != null) {
                  refused("sse", failure);
                } else if (response.statusCode() != 200) {
                  refused("sse", new IOException("status " + response.statusCode()));
                }
              });
      opened(gen, lines::cancel);
    }

    private void poll(int gen, String after) {
      synchronized (this) {
        if (gen != generation) {
          return;
        }
      }
      http.sendAsync(
              HttpRequest.newBuilder(
                      URI.create(
                          base()
                              + "/api/v1/topics/"
                              + topic
                              + "/messages?limit=1000&wait=1&after="
                              + after))
                  .header("Authorization", "Bearer " + PUBLISHER)
                  .build(),
              HttpResponse.BodyHandlers.ofString())
          .whenComplete(
              (response, failure) -> {
                if (failure != null || response.statusCode() != 200) {
                  refused(
                      "long-poll",
                      failure != null ? failure : new IOException(response.toString()));
                  scheduler.schedule(() -> poll(gen, after), 200, TimeUnit.MILLISECONDS);
                  return;
                }
                try {
                  JsonNode page = JSON.readTree(response.body());
                  for (JsonNode m : page.get("messages")) {
                    message(gen, m.get("id").asText(), m.get("payload").get("seq").asInt());
                  }
                  poll(gen, page.get("next").asText());
                } catch (IOException e) {
                  errors.add("client " + index + ": bad page " + response.body());
                }
              });
    }
  }

  /** A WebSocket connection of a client: frames go to the client with their session's number. */
  public static final class Listener implements Session.Listener.AutoDemanding {
    private final Client client;
    private final int gen;

    Listener(Client client, int gen) {
      this.client = client;
      this.gen = gen;
    }

    @Override
    public void onWebSocketError(Throwable cause) {
      // A connection the client dropped itself; what matters is what it received.
    }

    @Override
    public void onWebSocketText(String text) {
      try {
        JsonNode frame = JSON.readTree(text);
        if ("message".equals(frame.path("type").asText())) {
          client.message(gen, frame.get("id").asText(), frame.get("payload").get("seq").asInt());
        } else {
          client.control(gen, frame);
        }
      } catch (IOException e) {
        client.control(gen, JSON.createObjectNode().put("invalid", text));
      }
    }
  }

  /** An event stream of a client, line by line, without a thread of its own. */
  static final class SseLines implements Flow.Subscriber<String> {
    private final Client client;
    private final int gen;
    private volatile Flow.Subscription subscription;
    private volatile boolean cancelled;
    private String id;
    private String event;
    private String data;

    SseLines(Client client, int gen) {
      this.client = client;
      this.gen = gen;
    }

    void cancel() {
      cancelled = true;
      Flow.Subscription s = subscription;
      if (s != null) {
        s.cancel();
      }
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      if (cancelled) {
        s.cancel();
      } else {
        s.request(Long.MAX_VALUE);
      }
    }

    @Override
    public void onNext(String line) {
      if (line.isEmpty()) {
        if ("message".equals(event)) {
          try {
            client.message(gen, id, JSON.readTree(data).get("payload").get("seq").asInt());
          } catch (IOException e) {
            client.control(gen, JSON.createObjectNode().put("invalid", data));
          }
        } else if (event != null) {
          try {
            client.control(gen, JSON.readTree(data));
          } catch (IOException e) {
            client.control(gen, JSON.createObjectNode().put("invalid", data));
          }
        }
        id = event = data = null;
      } else if (line.startsWith("id:")) {
        id = line.substring(3).trim();
      } else if (line.startsWith("event:")) {
        event = line.substring(6).trim();
      } else if (line.startsWith("data:")) {
        data = line.substring(5).trim();
      }
    }

    @Override
    public void onError(Throwable failure) {}

    @Override
    public void onComplete() {}
  }

  /** A connection that failed: counted, and the first few reasons kept for the report. */
  private void refused(String transport, Throwable failure) {
    if (refusedConnects.incrementAndGet() <= 5) {
      refusals.add(transport + ": " + failure);
    }
  }

  private static long rand(long from, long to) {
    return ThreadLocalRandom.current().nextLong(from, to);
  }

  private static void sleepNanos(long nanos) {
    try {
      TimeUnit.NANOSECONDS.sleep(nanos);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
