package io.pulsarproxy.websocket;

import io.pulsarproxy.core.MessagePackCodec;
import io.pulsarproxy.delivery.Frame;
import io.pulsarproxy.delivery.Outbound;
import io.pulsarproxy.metrics.ProxyMetrics;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.common.WebSocketSession;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.OpCode;

/**
 * Frames out through a Jetty WebSocket session, which queues them in order. Message frames go
 * through Jetty's core session in batch mode with the shared bytes of the frame: the messages of
 * one hand-over leave in as few writes as possible, and nothing is encoded per subscriber.
 */
final class WebSocketOutbound extends Outbound {
  private final Session session;
  private final CoreSession core;
  private final long idleTimeoutNanos;
  private final boolean msgpack;
  private volatile long lastHeardNanos = System.nanoTime();

  /**
   * @param msgpack the connection speaks {@code pp.v1.msgpack}: every frame goes out as the same
   *     value in binary MessagePack (message frames converted once and shared, as the JSON is)
   */
  WebSocketOutbound(
      Session session,
      long limit,
      Identity who,
      ProxyMetrics metrics,
      Duration idleTimeout,
      boolean msgpack) {
    super(limit, who, metrics);
    this.msgpack = msgpack;
    this.session = session;
    this.core = ((WebSocketSession) session).getCoreSession();
    this.idleTimeoutNanos = idleTimeout.toNanos();
  }

  /** The client sent something (a frame or a pong): it is alive. */
  void heard() {
    lastHeardNanos = System.nanoTime();
  }

  @Override
  protected void writeMessage(Frame frame, Runnable written) {
    writeMessage(frame, written, false);
  }

  /** Flushing with the last frame (not batched) writes the batch and it in one go. */
  @Override
  protected void writeMessage(Frame frame, Runnable written, boolean flush) {
    core.sendFrame(
        msgpack
            ? new org.eclipse.jetty.websocket.core.Frame(
                OpCode.BINARY, ByteBuffer.wrap(frame.msgpack()))
            : new org.eclipse.jetty.websocket.core.Frame(
                OpCode.TEXT, ByteBuffer.wrap(frame.utf8())),
        org.eclipse.jetty.util.Callback.from(
            written,
            failure -> {
              written.run();
              markClosed();
            }),
        !flush);
  }

  @Override
  protected void flushTransport() {
    core.flush(org.eclipse.jetty.util.Callback.NOOP);
  }

  @Override
  protected void writeControl(String type, String json, Runnable written) {
    Callback callback =
        Callback.from(
            written,
            failure -> {
              written.run();
              markClosed();
            });
    if (msgpack) {
      session.sendBinary(
          ByteBuffer.wrap(MessagePackCodec.fromJson(json.getBytes(StandardCharsets.UTF_8))),
          callback);
    } else {
      session.sendText(json, callback);
    }
  }

  /**
   * Pings, so that idle connections (and the proxies between) stay open; closes a connection that
   * has not answered anything for the idle timeout. Pings alone cannot find a dead peer: writing
   * them succeeds until the kernel's buffers fill.
   */
  void ping() {
    if (isClosed() || !session.isOpen()) {
      return;
    }
    if (System.nanoTime() - lastHeardNanos > idleTimeoutNanos) {
      close(Close.IDLE);
      return;
    }
    session.sendPing(ByteBuffer.allocate(0), Callback.NOOP);
  }

  @Override
  protected void closeTransport(Close reason) {
    session.close(reason.code, reason.reason, Callback.NOOP);
    if (reason == Close.SLOW_CONSUMER || reason == Close.IDLE) {
      // Its close frame may wait behind a backlog it is not reading: cut it off soon regardless.
      // Not "if isOpen()": that turns false as soon as the close frame is queued, and the
      // connection would then linger, counted and holding its backlog, until the idle timeout.
      CompletableFuture.delayedExecutor(2, TimeUnit.SECONDS).execute(session::disconnect);
    }
  }
}
