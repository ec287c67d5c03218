package io.pulsarproxy.cli.perf;

/**
 * One perf subscriber's tally. A message whose entry id is not greater than the last one is a
 * duplicate (equal) or out of order (smaller). Updated by one selector thread, read at the end.
 */
final class PerfSubscriber {
  final String topic;
  private long lastMs = -1;
  private long lastSeq = -1;
  private long received;
  private long duplicated;
  private long outOfOrder;
  private boolean subscribed;
  private boolean closed;
  private long hintedAt;
  private long closedAt;
  private long resubscribedAt;

  PerfSubscriber(String topic) {
    this.topic = topic;
  }

  synchronized void message(long ms, long seq) {
    int order = ms != lastMs ? Long.compare(ms, lastMs) : Long.compare(seq, lastSeq);
    if (order > 0) {
      lastMs = ms;
      lastSeq = seq;
      received++;
    } else if (order == 0) {
      duplicated++;
    } else {
      outOfOrder++;
    }
  }

  /** Returns true the first time. */
  synchronized boolean markSubscribed() {
    boolean first = !subscribed;
    subscribed = true;
    return first;
  }

  synchronized boolean isSubscribed() {
    return subscribed;
  }

  synchronized void markClosed() {
    closed = true;
  }

  synchronized boolean isClosed() {
    return closed;
  }

  synchronized long received() {
    return received;
  }

  synchronized long duplicated() {
    return duplicated;
  }

  synchronized long outOfOrder() {
    return outOfOrder;
  }

  /** The server said to go elsewhere; returns true the first time. */
  synchronized boolean hinted(long nanos) {
    boolean first = hintedAt == 0;
    if (first) {
      hintedAt = nanos;
    }
    return first;
  }

  synchronized boolean wasHinted() {
    return hintedAt != 0;
  }

  /** The drained connection closed; returns true the first time (then reconnect). */
  synchronized boolean closedForFailover(long nanos) {
    boolean first = closedAt == 0 && hintedAt != 0;
    if (first) {
      closedAt = nanos;
    }
    return first;
  }

  synchronized void resubscribed(long nanos) {
    if (closedAt != 0 && resubscribedAt == 0) {
      resubscribedAt = nanos;
    }
  }

  /** Nanoseconds from the drained connection's close to subscribed elsewhere, or -1. */
  synchronized long failoverNanos() {
    return resubscribedAt == 0 ? -1 : resubscribedAt - closedAt;
  }

  /** The last id received, to resume from. */
  synchronized String lastId() {
    return lastMs < 0 ? null : lastMs + "-" + lastSeq;
  }
}
