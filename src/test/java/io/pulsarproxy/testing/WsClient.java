package io.pulsarproxy.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.exceptions.UpgradeException;
import org.eclipse.jetty.websocket.client.ClientUpgradeRequest;
import org.eclipse.jetty.websocket.client.WebSocketClient;

/**
 * A real WebSocket subscriber for tests (Jetty's client): connects, sends JSON text frames, and
 * collects every frame the server sends, in order.
 */
public final class WsClient implements Session.Listener.AutoDemanding, AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final WebSocketClient client;
  private final BlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
  private final CompletableFuture<int[]> closed = new CompletableFuture<>();
  private volatile String closeReason;
  private volatile Session session;

  private WsClient(WebSocketClient client) {
    this.client = client;
  }

  /** Connects; throws {@link UpgradeException} (with the HTTP status) when refused. */
  public static WsClient connect(WebSocketClient client, URI uri, String token, String origin)
      throws Exception {
    WsClient ws = new WsClient(client);
    ClientUpgradeRequest request = new ClientUpgradeRequest(uri);
    if (token != null) {
      request.setHeader("Authorization", "Bearer " + token);
    }
    if (origin != null) {
      request.setHeader("Origin", origin);
    }
    try {
      ws.session = client.connect(ws, request).get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UpgradeException u) {
        throw u;
      }
      throw e;
    }
    return ws;
  }

  /** The HTTP status of a refused upgrade. */
  public static int refusalStatus(WebSocketClient client, URI uri, String token, String origin)
      throws Exception {
    try {
      connect(client, uri, token, origin).close();
      return 101;
    } catch (UpgradeException e) {
      return e.getResponseStatusCode();
    }
  }

  public void send(String text) {
    session.sendText(text, Callback.NOOP);
  }

  public void sendBinary(byte[] bytes) {
    session.sendBinary(ByteBuffer.wrap(bytes), Callback.NOOP);
  }

  /** The next frame, or null after the timeout. */
  public JsonNode poll(Duration timeout) throws InterruptedException {
    return frames.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The next frame, or an assertion failure after the timeout. */
  public JsonNode next(Duration timeout) throws InterruptedException {
    JsonNode frame = frames.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (frame == null) {
      throw new AssertionError("no frame within " + timeout);
    }
    return frame;
  }

  /** Skips frames until one matches; fails after the timeout. */
  public JsonNode nextMatching(Predicate<JsonNode> match, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      JsonNode frame = left > 0 ? frames.poll(left, TimeUnit.NANOSECONDS) : null;
      if (frame == null) {
        throw new AssertionError("no matching frame within " + timeout);
      }
      if (match.test(frame)) {
        return frame;
      }
    }
  }

  public JsonNode nextOfType(String type, Duration timeout) throws InterruptedException {
    return nextMatching(f -> type.equals(f.path("type").asText()), timeout);
  }

  /** Collects {@code count} message frames (skipping control frames). */
  public List<JsonNode> messages(int count, Duration timeout) throws InterruptedException {
    List<JsonNode> out = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (out.size() < count) {
      long left = deadline - System.nanoTime();
      JsonNode frame = left > 0 ? frames.poll(left, TimeUnit.NANOSECONDS) : null;
      if (frame == null) {
        throw new AssertionError("got " + out.size() + " of " + count + " messages: " + out);
      }
      if ("message".equals(frame.path("type").asText())) {
        out.add(frame);
      }
    }
    return out;
  }

  /** Frames received so far and not yet taken. */
  public List<JsonNode> drain() {
    List<JsonNode> out = new ArrayList<>();
    frames.drainTo(out);
    return out;
  }

  /** The close code the server sent, waiting up to the timeout. */
  public int awaitClose(Duration timeout) throws Exception {
    try {
      return closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS)[0];
    } catch (TimeoutException e) {
      throw new AssertionError("not closed within " + timeout, e);
    }
  }

  public String closeReason() {
    return closeReason;
  }

  public boolean isOpen() {
    return session != null && session.isOpen() && !closed.isDone();
  }

  @Override
  public void onWebSocketText(String message) {
    try {
      frames.add(JSON.readTree(message));
    } catch (IOException e) {
      throw new AssertionError("server sent invalid JSON: " + message, e);
    }
  }

  @Override
  public void onWebSocketClose(int statusCode, String reason, Callback callback) {
    closeReason = reason;
    closed.complete(new int[] {statusCode});
    callback.succeed();
  }

  @Override
  public void close() {
    if (session != null && session.isOpen()) {
      session.close(1000, "bye", Callback.NOOP);
    }
  }

  /** Closes the TCP connection without a close handshake, as a crashed client would. */
  public void abort() {
    if (session != null) {
      session.disconnect();
    }
  }

  /** A started client; stop it after the test. */
  public static WebSocketClient startClient() throws Exception {
    WebSocketClient client = new WebSocketClient();
    client.setIdleTimeout(Duration.ofSeconds(60));
    client.start();
    return client;
  }

  public static URI uri(int port, String query) {
    return URI.create("ws://127.0.0.1:" + port + "/api/v1/ws" + (query == null ? "" : "?" + query));
  }
}
