package io.pulsarproxy.store.valkey;

import io.pulsarproxy.core.TopicName;

/**
 * The key layout. Every key of a topic carries the topic as its hash tag ({@code pp:{orders}:...})
 * so that one topic's keys live in one Valkey Cluster slot and a script may touch them together.
 */
final class ValkeyKeys {
  private ValkeyKeys() {}

  static String stream(TopicName topic) {
    return "pp:{" + topic.value() + "}:stream";
  }

  /** A consumer group's settings (Valkey keeps its position and pending entries itself). */
  static String group(TopicName topic, String group) {
    return "pp:{" + topic.value() + "}:group:" + group;
  }

  static String dedup(TopicName topic, String messageId) {
    return "pp:{" + topic.value() + "}:dedup:" + messageId;
  }
}
