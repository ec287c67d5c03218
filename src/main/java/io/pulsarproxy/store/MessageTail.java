package io.pulsarproxy.store;

import io.pulsarproxy.core.StoredMessage;
import io.pulsarproxy.core.TopicName;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Follows many topics at once: one blocking read returns the new entries of whichever topics have
 * some. Used by one thread only (the delivery follower); {@link #wakeUp()} may be called from any.
 */
public interface MessageTail extends AutoCloseable {

  /**
   * Waits up to {@code maxWait} for entries after the given positions and returns those found (at
   * most {@code countPerTopic} per topic, oldest first), or an empty map. The caller passes the
   * same map instance for as long as the followed topics stay the same (updating its positions
   * between reads) and a new instance when they change; the tail must not modify it.
   *
   * @throws StoreUnavailableException when the store cannot be read
   */
  Map<TopicName, List<StoredMessage>> read(
      Map<TopicName, io.pulsarproxy.core.EntryId> after, int countPerTopic, Duration maxWait);

  /** Makes a blocked {@link #read} return at once, because the set of followed topics changed. */
  void wakeUp();

  @Override
  void close();
}
