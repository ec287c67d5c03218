package io.pulsarproxy.cli.perf;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The proxy's API as the perf scenarios use it: HTTP publishes and raw WebSocket subscribers. */
final class PerfClient implements AutoCloseable {
  private final URI base;
  private final String token;
  private final HttpClient http;
  private RawSubscribers subscribers;

  PerfClient(URI base, String token) {
    this.base = base;
    this.token = token;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  String token() {
    return token;
  }

  /** Publishes one message; completes with the HTTP status (or fails). */
  CompletableFuture<Integer> publish(String topic, String body) {
    HttpRequest request =
        HttpRequest.newBuilder(base.resolve("/api/v1/topics/" + topic + "/messages"))
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", "application/json")
            .timeout(Duration.ofSeconds(10))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    return http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
        .thenApply(HttpResponse::statusCode);
  }

  /** Starts the subscriber selector threads (closing any earlier ones); frames go to listener. */
  void startSubscribers(RawSubscribers.Listener listener) throws IOException {
    startSubscribers(listener, null);
  }

  /** The same, asking for a WebSocket subprotocol ({@code pp.v1.msgpack}) when not null. */
  void startSubscribers(RawSubscribers.Listener listener, String subprotocol) throws IOException {
    stopSubscribers();
    int port = base.getPort() > 0 ? base.getPort() : 80;
    subscribers =
        new RawSubscribers(
            new InetSocketAddress(base.getHost(), port), token, subprotocol, 2, listener);
  }

  /** Connects a subscriber to its topic, resuming after {@code from} when it is not null. */
  void subscribe(PerfSubscriber subscriber, String from) throws IOException {
    String query = "topic=" + enc(subscriber.topic) + (from == null ? "" : "&from=" + enc(from));
    subscribers.connect(subscriber, "/api/v1/ws?" + query);
  }

  /** Connects a subscriber to another instance of the proxy, resuming after {@code from}. */
  void subscribeAt(URI instance, PerfSubscriber subscriber, String from) throws IOException {
    String query = "topic=" + enc(subscriber.topic) + (from == null ? "" : "&from=" + enc(from));
    int port = instance.getPort() > 0 ? instance.getPort() : 80;
    subscribers.connect(
        subscriber, new InetSocketAddress(instance.getHost(), port), "/api/v1/ws?" + query);
  }

  /** Sends an API request with the token; answers status and body. */
  HttpResponse<String> send(String method, String path, String body) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(base.resolve(path))
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", "application/json")
            .timeout(Duration.ofSeconds(30))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  /** A WebSocket to the proxy through the JDK's client, for the few connections of a group run. */
  java.net.http.WebSocket webSocket(java.net.http.WebSocket.Listener listener) {
    URI ws = URI.create(base.toString().replaceFirst("^http", "ws")).resolve("/api/v1/ws");
    return http.newWebSocketBuilder()
        .header("Authorization", "Bearer " + token)
        .buildAsync(ws, listener)
        .join();
  }

  /** POSTs to an admin task; completes with the answer's body. */
  CompletableFuture<String> adminTask(URI admin, String pathAndQuery) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(admin.resolve(pathAndQuery))
            .timeout(Duration.ofMinutes(2))
            .POST(HttpRequest.BodyPublishers.noBody());
    String adminToken = System.getenv("PP_ADMIN_TOKEN");
    if (adminToken != null && !adminToken.isEmpty()) {
      request.header("Authorization", "Bearer " + adminToken);
    }
    return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString())
        .thenApply(HttpResponse::body);
  }

  /** Drops every subscriber connection at once, as a network failure would. */
  void stopSubscribers() {
    if (subscribers != null) {
      subscribers.close();
      subscribers = null;
    }
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    stopSubscribers(); // java.net.http.HttpClient has no close on Java 17; daemon threads
  }

  static void sleep(long millis) {
    try {
      TimeUnit.MILLISECONDS.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
