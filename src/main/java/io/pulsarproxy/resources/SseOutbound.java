package io.pulsarproxy.resources;

import io.pulsarproxy.delivery.Frame;
import io.pulsarproxy.delivery.Outbound;
import io.pulsarproxy.metrics.ProxyMetrics;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Frames out as Server-Sent Events. Jersey's sink writes in the calling thread, so writes are
 * queued and made, in order, on a shared pool: the follower never waits on a slow client. The pool
 * grows rather than queues, so a write blocked on a stalled client never delays another stream.
 */
final class SseOutbound extends Outbound {
  private final SseEventSink sink;
  private final Sse sse;
  private final Executor writers;
  private final Queue<Runnable> queue = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean draining = new AtomicBoolean();
  private final Runnable abort;
  private volatile Runnable onGone = () -> {};

  /**
   * @param abort closes the TCP connection at once: the one way to free a writer thread blocked on
   *     a client that stopped reading
   */
  SseOutbound(
      SseEventSink sink,
      Sse sse,
      Executor writers,
      long limit,
      Identity who,
      ProxyMetrics metrics,
      Runnable abort) {
    super(limit, who, metrics);
    this.sink = sink;
    this.sse = sse;
    this.writers = writers;
    this.abort = abort;
  }

  /** What to do once the client has gone or the stream was closed. */
  void onGone(Runnable action) {
    this.onGone = action;
    if (isClosed()) {
      action.run(); // it went before the action was set
    }
  }

  @Override
  protected void writeMessage(Frame frame, Runnable written) {
    write(
        () ->
            sse.newEventBuilder()
                .id(frame.id().toString())
                .name("message")
                .data(frame.json())
                .build(),
        written);
  }

  @Override
  protected void writeControl(String type, String json, Runnable written) {
    write(() -> sse.newEventBuilder().name(type).data(json).build(), written);
  }

  /** A comment line, so that proxies between do not close an idle stream. */
  void keepAlive() {
    if (!isClosed()) {
      write(() -> sse.newEventBuilder().comment("keep-alive").build(), () -> {});
    }
  }

  private void write(Supplier<OutboundSseEvent> event, Runnable written) {
    if (isClosed()) {
      written.run();
      return; // nothing new after a close; what was queued before it still goes out
    }
    queue.add(
        () -> {
          if (sink.isClosed()) {
            written.run();
            gone();
            return;
          }
          sink.send(event.get())
              .whenComplete(
                  (ok, failure) -> {
                    written.run();
                    if (failure != null) {
                      gone();
                    }
                  });
        });
    drain();
  }

  private void drain() {
    if (!draining.compareAndSet(false, true)) {
      return;
    }
    writers.execute(
        () -> {
          try {
            Runnable next;
            while ((next = queue.poll()) != null) {
              next.run();
            }
          } finally {
            draining.set(false);
            if (!queue.isEmpty()) {
              drain();
            }
          }
        });
  }

  private void gone() {
    markClosed();
    queue.clear();
    onGone.run();
  }

  /**
   * Closes after what is already queued (a reconnect hint must reach the client first), except for
   * a slow consumer, whose backlog is dropped.
   */
  @Override
  protected void closeTransport(Close reason) {
    if (reason == Close.SLOW_CONSUMER) {
      // Its writer may be blocked on it: cut the connection, which fails that write.
      queue.clear();
      abort.run();
    }
    queue.add(
        () -> {
          sink.close();
          onGone.run();
        });
    drain();
  }
}
