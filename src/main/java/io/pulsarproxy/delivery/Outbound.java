package io.pulsarproxy.delivery;

import com.codahale.metrics.Histogram;
import com.codahale.metrics.Meter;
import io.pulsarproxy.core.TopicName;
import io.pulsarproxy.metrics.ProxyMetrics;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One subscriber connection's way out, whatever its transport. Frames are handed to the transport
 * at once (it queues them in order); this counts the bytes not yet written, and a connection whose
 * backlog passes its limit while its socket takes nothing, or passes four times the limit, is
 * closed as a slow consumer, so memory stays bounded (four times the limit plus one hand-over)
 * whatever the client does. It can resume from its last id.
 */
public abstract class Outbound {
  public static final String SLOW_CONSUMER = "slow_consumer";

  private static final Logger LOG = LoggerFactory.getLogger(Outbound.class);

  /**
   * A backlog past the limit cuts a connection only once its socket has taken nothing for this
   * long: a client that reads as fast as its socket allows, but falls behind while the machine is
   * overloaded (a proxy just started, its JIT still compiling), keeps up again and is not cut.
   */
  static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(3);

  /** Past this many times the limit a connection is cut however it drains: memory stays bounded. */
  static final int HARD_LIMIT_FACTOR = 4;

  private final long limit;
  private final Identity who;
  private final Meter delivered;
  private final Meter slowConsumerCloses;
  private final Histogram deliveryLatency;
  private int sendsSinceSample;
  private final AtomicLong pendingBytes = new AtomicLong();
  private final LongSupplier nanoTime;

  /** When the socket last took bytes, or when a backlog began: how long it has been stalled. */
  private volatile long progressNanos;

  private final Set<TopicName> topics = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  /**
   * Who is at the other end: for log lines, the admin tasks and metrics; never a secret.
   *
   * @param peer the client's address, or a description where there is none
   */
  public record Identity(Connections.Transport transport, String token, String peer) {
    @Override
    public String toString() {
      return transport.name().toLowerCase(Locale.ROOT) + " of token '" + token + "' from " + peer;
    }
  }

  protected Outbound(long limit, Identity who, ProxyMetrics metrics) {
    this(limit, who, metrics, System::nanoTime);
  }

  /**
   * @param nanoTime what stalls are measured with: {@link System#nanoTime()} but in tests
   */
  Outbound(long limit, Identity who, ProxyMetrics metrics, LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
    this.progressNanos = nanoTime.getAsLong();
    this.limit = limit;
    this.who = who;
    this.delivered = metrics.meter(ProxyMetrics.DELIVERED, who.transport().label());
    this.slowConsumerCloses = metrics.meter(ProxyMetrics.SLOW_CONSUMER_CLOSES);
    this.deliveryLatency = metrics.deliveryLatency();
  }

  public Identity identity() {
    return who;
  }

  /** The topics this connection is subscribed to. */
  public Set<TopicName> topics() {
    return topics;
  }

  /**
   * Sends a message frame; unless {@code flush}, the transport may hold it until {@link #flush()}.
   *
   * @param backlog the bytes not yet written when the hand-over this frame is part of began
   * @param flush true for the last frame of a hand-over: it goes out with those held before it
   */
  final void send(Frame frame, long backlog, boolean flush) {
    int size = frame.utf8().length;
    enqueue(size, backlog, () -> writeMessage(frame, written(size), flush));
    delivered.mark();
    // One sample in 64: the histogram sees every subscriber without costing every send.
    if ((sendsSinceSample++ & 63) == 0) {
      deliveryLatency.update(Math.max(0, System.currentTimeMillis() - frame.id().millis()));
    }
  }

  /** Writes out what {@link #send} let the transport batch. */
  final void flush() {
    if (!closed) {
      flushTransport();
    }
  }

  /** Sends a control frame ({@code subscribed}, {@code gap}, {@code error}, ...). */
  public final void sendControl(String type, String json) {
    enqueue(
        json.length(), pendingBytes.get(), () -> writeControl(type, json, written(json.length())));
  }

  /**
   * A hand-over (the frames the follower read in one go, or one frame) always fits, however large:
   * only a backlog left from earlier hand-overs makes a slow consumer. Counting the hand-over too
   * would cut healthy clients on every burst, above all event streams, whose writes start on
   * another thread only after the whole hand-over is queued. The backlog is what the socket has
   * refused so far (the transport writes at once); past the limit it cuts a connection whose socket
   * has stalled, and past the hard limit any connection.
   */
  private void enqueue(long size, long backlog, Runnable write) {
    if (closed) {
      return;
    }
    if (backlog > limit && (backlog > HARD_LIMIT_FACTOR * limit || stalled())) {
      LOG.info(
          "Closing slow consumer {}: {} bytes not yet written (limit {})", who, backlog, limit);
      slowConsumerCloses.mark();
      close(Close.SLOW_CONSUMER);
      return;
    }
    if (pendingBytes.getAndAdd(size) == 0) {
      progressNanos = nanoTime.getAsLong(); // a backlog begins: it has stalled from now on, if ever
    }
    write.run();
  }

  private boolean stalled() {
    return nanoTime.getAsLong() - progressNanos > STALL_NANOS;
  }

  private Runnable written(long size) {
    return () -> {
      pendingBytes.addAndGet(-size);
      progressNanos = nanoTime.getAsLong();
    };
  }

  public final long pendingBytes() {
    return pendingBytes.get();
  }

  final boolean hasRoomForReplay() {
    return pendingBytes.get() < limit / 2;
  }

  public final boolean isClosed() {
    return closed;
  }

  /** Closes the connection once; later calls do nothing. */
  public final void close(Close reason) {
    if (!closed) {
      closed = true;
      closeTransport(reason);
    }
  }

  /** Marks the connection closed without writing to it: the peer has gone. */
  protected final void markClosed() {
    closed = true;
  }

  /** Writes a message frame; calls {@code written} once the bytes are out (or failed). */
  protected abstract void writeMessage(Frame frame, Runnable written);

  /**
   * Writes a message frame and, if {@code flush}, what the transport held before it. A transport
   * that batches overrides this to do both in one step.
   */
  protected void writeMessage(Frame frame, Runnable written, boolean flush) {
    writeMessage(frame, written);
    if (flush) {
      flushTransport();
    }
  }

  /** Writes a control frame; calls {@code written} once the bytes are out (or failed). */
  protected abstract void writeControl(String type, String json, Runnable written);

  protected abstract void closeTransport(Close reason);

  /** Flushes frames the transport batched; nothing to do for transports that do not batch. */
  protected void flushTransport() {}

  /** Why the proxy closes a connection, with the WebSocket close code it uses. */
  public enum Close {
    SLOW_CONSUMER(1008, "slow_consumer"),
    POLICY(1008, "policy_violation"),
    IDLE(1001, "idle_timeout"),
    DRAIN(1001, "draining"),
    DISCONNECTED(1008, "disconnected_by_operator"),
    TOO_MANY_CONNECTIONS(1013, "too_many_connections"),
    TOKEN_EXPIRED(4001, "token_expired"),
    TOKEN_REVOKED(4003, "token_revoked"),
    SHUTDOWN(1001, "going_away");

    public final int code;
    public final String reason;

    Close(int code, String reason) {
      this.code = code;
      this.reason = reason;
    }
  }
}
