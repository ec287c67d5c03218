package io.pulsarproxy.client;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * One group subscription's state: the handler, the acks not yet sent, and the ids acked lately (so
 * that a redelivery of an acked id, whose ack was lost in a drop, is acked again without running
 * the handler).
 */
final class Group implements Subscriber.GroupSubscription {
  static final int REMEMBERED = 10_000;

  /** What to answer for a delivered message. */
  enum Outcome {
    ACK,
    NACK
  }

  final String topic;
  final String group;
  final GroupOptions options;
  private final GroupHandler handler;
  private final Consumer<Group> closer;
  private final List<String> toAck = new ArrayList<>();
  private final Map<String, Boolean> acked =
      new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
          return size() > REMEMBERED;
        }
      };
  volatile boolean subscribed;

  Group(
      String topic,
      String group,
      GroupOptions options,
      GroupHandler handler,
      Consumer<Group> closer) {
    this.topic = Objects.requireNonNull(topic, "topic");
    this.group = Objects.requireNonNull(group, "group");
    this.options = Objects.requireNonNull(options, "options");
    this.handler = Objects.requireNonNull(handler, "handler");
    this.closer = closer;
  }

  static String key(String topic, String group) {
    return topic + '\u0000' + group;
  }

  String key() {
    return key(topic, group);
  }

  /**
   * Runs the handler, unless the id was acked before. An ack is queued (taken by {@link
   * #takeAcks}); a nack is for the caller to send. A handler's exception goes to {@code failed}.
   */
  Outcome deliver(GroupMessage m, Consumer<Exception> failed) {
    synchronized (this) {
      if (acked.containsKey(m.id())) {
        toAck.add(m.id());
        return Outcome.ACK;
      }
    }
    try {
      handler.handle(m);
    } catch (Exception e) {
      failed.accept(e);
      return Outcome.NACK;
    }
    synchronized (this) {
      acked.put(m.id(), Boolean.TRUE);
      toAck.add(m.id());
    }
    return Outcome.ACK;
  }

  /** The ids to ack now, at most 1000 (a frame's limit); the rest stay queued. */
  synchronized List<String> takeAcks() {
    List<String> batch = List.copyOf(toAck.subList(0, Math.min(1000, toAck.size())));
    toAck.subList(0, batch.size()).clear();
    return batch;
  }

  synchronized boolean hasAcks() {
    return !toAck.isEmpty();
  }

  @Override
  public String topic() {
    return topic;
  }

  @Override
  public String group() {
    return group;
  }

  @Override
  public String consumer() {
    return options.consumer();
  }

  @Override
  public boolean subscribed() {
    return subscribed;
  }

  @Override
  public void close() {
    closer.accept(this);
  }
}
