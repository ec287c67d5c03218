package io.pulsarproxy.delivery;

import com.codahale.metrics.MetricRegistry;
import io.pulsarproxy.metrics.ProxyMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A transport for unit tests: it records what it was asked to write and takes the bytes only when
 * the test says so ({@link #socketTakesAll()}), so a backlog builds up exactly as the test wants.
 * Its nanosecond clock moves only by {@link #advance}.
 */
final class FakeOutbound extends Outbound {
  /** One write the transport was handed: a message frame or a control frame. */
  record Write(String type, Frame frame, boolean flush) {}

  final MetricRegistry registry;
  final AtomicLong nanos;
  final List<Write> writes = new ArrayList<>();
  private final List<Runnable> unwritten = new ArrayList<>();
  final List<Close> closes = new ArrayList<>();
  int flushes;

  static FakeOutbound withLimit(long limit) {
    return new FakeOutbound(limit, new MetricRegistry(), new AtomicLong(1_000_000_000L));
  }

  private FakeOutbound(long limit, MetricRegistry registry, AtomicLong nanos) {
    super(
        limit,
        new Identity(Connections.Transport.WEBSOCKET, "test", "a unit test"),
        new ProxyMetrics(registry),
        nanos::get);
    this.registry = registry;
    this.nanos = nanos;
  }

  void advance(java.time.Duration by) {
    nanos.addAndGet(by.toNanos());
  }

  /** The socket takes every byte handed to it so far. */
  void socketTakesAll() {
    List<Runnable> done = new ArrayList<>(unwritten);
    unwritten.clear();
    done.forEach(Runnable::run);
  }

  /** The socket takes the oldest write it holds. */
  void socketTakesOne() {
    unwritten.remove(0).run();
  }

  List<Frame> messages() {
    List<Frame> out = new ArrayList<>();
    for (Write w : writes) {
      if (w.frame() != null) {
        out.add(w.frame());
      }
    }
    return out;
  }

  long slowConsumerCloses() {
    return registry.meter(ProxyMetrics.SLOW_CONSUMER_CLOSES).getCount();
  }

  @Override
  protected void writeMessage(Frame frame, Runnable written) {
    writeMessage(frame, written, false);
  }

  @Override
  protected void writeMessage(Frame frame, Runnable written, boolean flush) {
    writes.add(new Write("message", frame, flush));
    unwritten.add(written);
  }

  @Override
  protected void writeControl(String type, String json, Runnable written) {
    writes.add(new Write(type, null, false));
    unwritten.add(written);
  }

  @Override
  protected void closeTransport(Close reason) {
    closes.add(reason);
  }

  @Override
  protected void flushTransport() {
    flushes++;
  }
}
