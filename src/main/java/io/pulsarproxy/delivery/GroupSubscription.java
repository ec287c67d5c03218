package io.pulsarproxy.delivery;

import io.pulsarproxy.core.EntryId;
import java.time.Duration;
import java.util.List;

/**
 * A connection's place in a consumer group: the group's messages are pushed to it while fewer than
 * its {@code prefetch} are in flight (delivered, not yet acked or nacked).
 */
public interface GroupSubscription {
  /** Acks messages (any of the group's, not only this connection's); returns how many were. */
  int ack(List<EntryId> ids);

  /** Hands messages back, due again after {@code delay}; returns how many were pending. */
  int nack(List<EntryId> ids, Duration delay);

  /**
   * Stops pushing. With {@code handBack} (the client unsubscribed or closed cleanly) the messages
   * still in flight are due again at once; otherwise they come back after the ack timeout.
   */
  void close(boolean handBack);
}
