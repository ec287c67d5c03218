package io.pulsarproxy.store;

import io.pulsarproxy.core.AppendResult;
import io.pulsarproxy.core.EntryId;
import io.pulsarproxy.core.NewMessage;
import io.pulsarproxy.core.Retention;
import io.pulsarproxy.core.StoredMessage;
import io.pulsarproxy.core.TopicName;
import io.pulsarproxy.core.TopicStats;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where messages live: one append-only log per topic with retention, deduplication by producer
 * message id, and reads by id range. Every method throws {@link StoreUnavailableException} when the
 * backing server cannot answer within its timeout.
 */
public interface MessageStore {

  /**
   * Appends messages to a topic, in order, as one atomic step: all are stored (or recognised as
   * duplicates) or, on an exception, the caller must treat the outcome as unknown.
   */
  List<AppendResult> append(TopicName topic, List<NewMessage> messages);

  /**
   * {@link #append} without holding the caller's thread where the store can: the future completes
   * once the store has accepted the messages (or fails as {@code append} would throw). Its
   * completions may run on a store thread and must not block.
   */
  default CompletableFuture<List<AppendResult>> appendAsync(
      TopicName topic, List<NewMessage> messages) {
    try {
      return CompletableFuture.completedFuture(append(topic, messages));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Whether {@link #appendAsync} never waits on I/O, so that a selector thread may call it; false
   * when it does the blocking {@link #append} in place.
   */
  default boolean appendsAsynchronously() {
    return false;
  }

  /**
   * Reads up to {@code limit} entries with ids greater than {@code after}, oldest first, including
   * expired ones (the caller decides what to deliver).
   */
  List<StoredMessage> read(TopicName topic, EntryId after, int limit);

  TopicStats stats(TopicName topic);

  /** The retention in force for a topic. */
  Retention retention(TopicName topic);

  /** Trims a topic exactly; returns how many entries were removed. */
  long trim(TopicName topic, Trim trim);

  /** Where live retention changes are shared between instances. */
  RetentionStorage retentionStorage();

  /** Where token revocations are shared between instances. */
  RevocationStorage revocationStorage();

  /** Opens a tail that follows topics with blocking reads; the caller closes it. */
  MessageTail openTail();

  /** The consumer groups of this store's topics. */
  ConsumerGroups groups();

  /** Checks the store answers; throws {@link StoreUnavailableException} when it does not. */
  void ping();

  /** A one-line description for logs and health details, never containing credentials. */
  String describe();
}
