package io.pulsarproxy.store;

import io.pulsarproxy.core.EntryId;
import io.pulsarproxy.core.NewMessage;
import io.pulsarproxy.core.StoreUnavailableException;
import io.pulsarproxy.core.StoredMessage;
import io.pulsarproxy.core.TopicName;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Consumer groups of topics: each message after a group's start goes to one consumer of the group
 * at a time and stays pending until that consumer acks it; one not acked within the group's ack
 * timeout, or nacked, goes out again (to any consumer of the group) with its delivery count raised;
 * after {@code maxDeliveries} it moves to the dead-letter topic {@code <topic>.dlq}. Every method
 * throws {@link StoreUnavailableException} when the store cannot answer.
 */
public interface ConsumerGroups {
  /** The suffix of a topic's dead-letter topic. */
  String DEAD_LETTER_SUFFIX = ".dlq";

  /** A group's settings. */
  record Settings(Duration ackTimeout, int maxDeliveries) {
    public static final Settings DEFAULTS = new Settings(Duration.ofSeconds(30), 5);
  }

  /** Where a new group starts, or where {@code group-reset} moves one. */
  sealed interface Start permits Start.Earliest, Start.Latest, Start.After {
    record Earliest() implements Start {}

    record Latest() implements Start {}

    /** After this id: the next message delivered is the first one after it. */
    record After(EntryId id) implements Start {}
  }

  /** A consumer of a group as the store knows it. */
  record Consumer(String name, long pending, long idleMillis) {}

  /**
   * A group's state.
   *
   * @param position the last id delivered to the group
   * @param lag entries after the position not yet delivered, or -1 when the store cannot tell
   */
  record State(
      String name,
      Settings settings,
      EntryId position,
      long pending,
      long lag,
      List<Consumer> consumers) {}

  /** A message handed to a consumer, and how often it has been (this time included). */
  record Delivery(StoredMessage message, long deliveryCount) {}

  /**
   * What a fetch did besides delivering.
   *
   * @param deadLettered messages moved to the dead-letter topic (their delivery count passed {@code
   *     maxDeliveries})
   * @param expired messages past their ttl, acked without delivery
   * @param trimmed pending messages retention had trimmed away, dropped from the group
   */
  record Fetched(List<Delivery> messages, int deadLettered, int expired, int trimmed) {}

  /** The dead-letter topic of a topic. */
  static TopicName deadLetterTopic(TopicName topic) {
    return new TopicName(topic.value() + DEAD_LETTER_SUFFIX);
  }

  /**
   * A message as it goes to the dead-letter topic: the same payload and key, its metadata plus the
   * original id, the group and the reason. Its message id makes a second move of the same message
   * by the same group (after a crash between the move and the ack) a duplicate, not a copy.
   */
  static NewMessage deadLetter(StoredMessage m, String group, String reason) {
    Map<String, String> metadata = new LinkedHashMap<>(m.metadata());
    metadata.put("original_id", m.id().toString());
    metadata.put("original_message_id", m.messageId());
    metadata.put("group", group);
    metadata.put("reason", reason);
    return new NewMessage(group + ":" + m.id(), true, m.payload(), metadata, m.key(), null);
  }

  /** Creates the group (true) or, when it exists, changes its settings only (false). */
  boolean put(TopicName topic, String group, Settings settings, Start start);

  Optional<State> describe(TopicName topic, String group);

  /** Removes the group and its pending messages; false when there was none. */
  boolean delete(TopicName topic, String group);

  /** Moves the group's position; its pending messages stay pending. */
  void reset(TopicName topic, String group, Start start);

  /**
   * Hands up to {@code max} messages to {@code consumer}: first those whose ack timeout has run out
   * (or that were nacked and are due), then new ones. A group that does not exist is created with
   * the defaults, from the latest message.
   */
  Fetched fetch(TopicName topic, String group, String consumer, int max);

  /** Acks messages of the group; returns how many were pending. */
  int ack(TopicName topic, String group, List<EntryId> ids);

  /**
   * Makes pending messages due again after {@code delay} (at once for zero) instead of after the
   * ack timeout; returns how many were pending.
   */
  int nack(TopicName topic, String group, String consumer, List<EntryId> ids, Duration delay);
}
