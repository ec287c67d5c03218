package io.pulsarproxy.websocket;

import io.pulsarproxy.delivery.Frame;
import io.pulsarproxy.delivery.Outbound;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;

/** Frames out through a Jetty WebSocket session, which queues them in order. */
final class WebSocketOutbound extends Outbound {
  private final Session session;

  WebSocketOutbound(Session session, long limit) {
    super(limit);
    this.session = session;
  }

  @Override
  protected void writeMessage(Frame frame, Runnable written) {
    write(frame.json(), written);
  }

  @Override
  protected void writeControl(String type, String json, Runnable written) {
    write(json, written);
  }

  private void write(String text, Runnable written) {
    session.sendText(
        text,
        Callback.from(
            written,
            failure -> {
              written.run();
              markClosed();
            }));
  }

  /** Keeps idle connections (and the proxies between) alive; a dead peer fails the write. */
  void ping() {
    if (!isClosed() && session.isOpen()) {
      session.sendPing(ByteBuffer.allocate(0), Callback.NOOP);
    }
  }

  @Override
  protected void closeTransport(Close reason) {
    session.close(reason.code, reason.reason, Callback.NOOP);
    if (reason == Close.SLOW_CONSUMER) {
      // Its close frame waits behind the backlog it is not reading: cut it off soon regardless.
      CompletableFuture.delayedExecutor(2, TimeUnit.SECONDS)
          .execute(
              () -> {
                if (session.isOpen()) {
                  session.disconnect();
                }
              });
    }
  }
}
