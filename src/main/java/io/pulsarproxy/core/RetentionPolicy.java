package io.pulsarproxy.core;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The retention in force, changeable while running: defaults (from config, possibly overridden
 * globally by an operator) and per-topic overrides of any of the three settings. Read on every
 * append, so lookups are lock-free reads of an immutable snapshot.
 */
public final class RetentionPolicy {
  /** Some or all of the three settings; null means "not overridden here". */
  public record Override(Long maxLength, Duration maxAge, Duration hotWindow) {
    public static final Override NONE = new Override(null, null, null);

    public boolean isEmpty() {
      return maxLength == null && maxAge == null && hotWindow == null;
    }

    /** This override with the other's non-null settings laid over it. */
    public Override with(Override other) {
      return new Override(
          other.maxLength != null ? other.maxLength : maxLength,
          other.maxAge != null ? other.maxAge : maxAge,
          other.hotWindow != null ? other.hotWindow : hotWindow);
    }

    Retention over(Retention base) {
      return new Retention(
          maxLength != null ? maxLength : base.maxLength(),
          maxAge != null ? maxAge : base.maxAge(),
          hotWindow != null ? hotWindow : base.hotWindow());
    }
  }

  /** Everything in force: the global override and the per-topic ones. */
  public record Snapshot(Override global, Map<String, Override> topics) {
    public Snapshot {
      topics = Map.copyOf(topics);
    }
  }

  private final Retention configured;
  private volatile Snapshot snapshot = new Snapshot(Override.NONE, Map.of());

  public RetentionPolicy(Retention configured) {
    this.configured = configured;
  }

  public Retention forTopic(TopicName topic) {
    Snapshot s = snapshot;
    Retention global = s.global().over(configured);
    Override own = s.topics().get(topic.value());
    return own == null ? global : own.over(global);
  }

  public Retention global() {
    return snapshot.global().over(configured);
  }

  public Snapshot snapshot() {
    return snapshot;
  }

  /** Replaces everything, e.g. after reading the shared copy from the store. */
  public void replace(Snapshot next) {
    validate(next); // a bad shared value must never reach appends or the hot tier
    snapshot = next;
  }

  /**
   * @throws IllegalArgumentException naming the setting that is out of range
   */
  public void validate(Snapshot next) {
    Retention global = next.global().over(configured);
    next.topics().values().forEach(o -> o.over(global));
  }

  /** The overrides sorted by topic, for answers people read. */
  public Map<String, Override> sortedTopics() {
    return new TreeMap<>(snapshot.topics());
  }

  /** A copy of the per-topic overrides, to build the next snapshot from. */
  public Map<String, Override> topicsCopy() {
    return new HashMap<>(snapshot.topics());
  }
}
