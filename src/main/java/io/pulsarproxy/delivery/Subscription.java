package io.pulsarproxy.delivery;

import io.pulsarproxy.core.EntryId;
import io.pulsarproxy.core.TopicName;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * One topic of one subscriber connection. It first replays history, while live frames wait in a
 * bounded buffer; then it goes live. Every frame is sent only if its id is greater than the last
 * one sent, which makes the seam between replay and live free of gaps and duplicates.
 */
public final class Subscription {
  private final Outbound out;
  private final int lane;
  private final TopicName topic;
  private final long bufferLimit;
  private final Clock clock;
  // The last id sent, as two longs: a reference stored here for every frame would dirty a card of
  // the old generation per subscriber and message, and G1's refinement of those cards cost a fifth
  // of the CPU of a large fan-out.
  private long lastSentMillis;
  private long lastSentSequence;
  private boolean live;
  private List<Frame> pending = new ArrayList<>();
  private long pendingBytes;
  private boolean overflowed;
  private volatile boolean closed;

  Subscription(Outbound out, int lane, TopicName topic, long bufferLimit, Clock clock) {
    this.out = out;
    this.lane = lane;
    this.topic = topic;
    this.bufferLimit = bufferLimit;
    this.clock = clock;
  }

  public TopicName topic() {
    return topic;
  }

  Outbound outbound() {
    return out;
  }

  /** The delivery lane of its connection. */
  int lane() {
    return lane;
  }

  synchronized void startAfter(EntryId id) {
    lastSentMillis = id.millis();
    lastSentSequence = id.sequence();
  }

  synchronized EntryId lastSent() {
    return new EntryId(lastSentMillis, lastSentSequence);
  }

  /**
   * Frames the follower read. Buffered while replaying; dropped if the buffer overflows.
   *
   * @param flush false when the caller flushes the connection itself once it has offered all it had
   * @return true when frames were sent (and, unless {@code flush}, the connection needs a flush)
   */
  synchronized boolean offerLive(List<Frame> frames, boolean flush) {
    if (closed) {
      return false;
    }
    if (live) {
      return send(frames, false, flush);
    }
    if (overflowed) {
      return false;
    }
    for (Frame f : frames) {
      pending.add(f);
      pendingBytes += f.size();
    }
    if (pendingBytes > bufferLimit) {
      // Replay will read these from the hot tier or the store instead.
      pending.clear();
      pendingBytes = 0;
      overflowed = true;
    }
    return false;
  }

  /**
   * Sends replayed frames while the connection has room; the rest is read again on the next step,
   * so a replay of large messages never overflows a healthy client's queue.
   */
  synchronized void replayed(List<Frame> frames) {
    send(frames, true, true);
  }

  /**
   * Replay found nothing newer: flush the buffer and go live. Returns false when the buffer
   * overflowed meanwhile, so replay must go on from the last id sent.
   */
  synchronized boolean goLive() {
    if (overflowed) {
      overflowed = false;
      return false;
    }
    send(pending, false, true);
    pending = null;
    pendingBytes = 0;
    live = true;
    return true;
  }

  /**
   * Sends the frames newer than the last one sent, batched, then flushes once if asked. A replay
   * stops where the connection's queue is half full; the rest is read again on its next step.
   *
   * @return whether anything was sent
   */
  private boolean send(List<Frame> frames, boolean replay, boolean flush) {
    if (closed) {
      return false;
    }
    long now = clock.millis();
    long backlog = out.pendingBytes();
    // Each frame is sent once the next is found, so the last can carry the flush.
    Frame held = null;
    for (Frame f : frames) {
      if (replay && !out.hasRoomForReplay()) {
        break;
      }
      EntryId id = f.id();
      if (id.millis() > lastSentMillis
          || (id.millis() == lastSentMillis && id.sequence() > lastSentSequence)) {
        lastSentMillis = id.millis();
        lastSentSequence = id.sequence();
        if (!f.expiredAt(now)) {
          if (held != null) {
            out.send(held, backlog, false);
          }
          held = f;
        }
      }
    }
    if (held != null) {
      out.send(held, backlog, flush);
    }
    return held != null;
  }

  boolean isClosed() {
    return closed || out.isClosed();
  }

  /** Waits for a send under way, so nothing of this subscription follows its unsubscribe. */
  synchronized void close() {
    closed = true;
  }
}
