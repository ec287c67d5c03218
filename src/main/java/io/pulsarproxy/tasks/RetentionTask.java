package io.pulsarproxy.tasks;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pulsarproxy.core.ErrorWord;
import io.pulsarproxy.core.Retention;
import io.pulsarproxy.core.RetentionPolicy;
import io.pulsarproxy.core.TopicName;
import io.pulsarproxy.store.RetentionStorage;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code POST /tasks/retention}: shows the retention in force; with {@code hot_window}, {@code
 * max_age} or {@code max_length} changes it globally, or for one {@code topic}; {@code clear=true}
 * drops a topic's override. Changes are stored in Valkey and announced, so every instance applies
 * them within seconds and they survive restarts.
 */
public final class RetentionTask extends JsonTask {
  private final RetentionPolicy policy;
  private final RetentionStorage storage;

  public RetentionTask(RetentionPolicy policy, RetentionStorage storage, ObjectMapper json) {
    super("retention", json, Set.of("topic", "hot_window", "max_age", "max_length", "clear"));
    this.policy = policy;
    this.storage = storage;
  }

  /** Retention settings as the answer shows them; absent fields are not overridden. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Settings(
      @JsonProperty("max_length") Long maxLength,
      @JsonProperty("max_age") String maxAge,
      @JsonProperty("hot_window") String hotWindow) {
    static Settings of(Retention r) {
      return new Settings(r.maxLength(), text(r.maxAge()), text(r.hotWindow()));
    }

    static Settings of(RetentionPolicy.Override o) {
      return new Settings(
          o.maxLength(),
          o.maxAge() == null ? null : text(o.maxAge()),
          o.hotWindow() == null ? null : text(o.hotWindow()));
    }

    private static String text(Duration d) {
      return d.toSeconds() + "s";
    }
  }

  /** The answer: what is in force globally, the per-topic overrides, and one topic's if asked. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Shown(
      Settings global,
      Map<String, Settings> overrides,
      String topic,
      @JsonProperty("topic_effective") Settings topicEffective) {}

  @Override
  protected Object run(TaskParameters params) {
    TopicName topic = params.topic("topic");
    boolean clear = params.flag("clear");
    RetentionPolicy.Override change =
        new RetentionPolicy.Override(
            params.has("max_length") ? params.number("max_length", 1, Long.MAX_VALUE, 1) : null,
            params.has("max_age")
                ? positive("max_age", params.duration("max_age", Duration.ofDays(3650), null))
                : null,
            params.has("hot_window")
                ? Duration.ofSeconds(
                    params.duration("hot_window", Duration.ofDays(1), null).toSeconds())
                : null);
    if (clear && topic == null) {
      throw TaskParameters.invalid("clear", "needs a topic: only topic overrides can be cleared");
    }
    if (clear && !change.isEmpty()) {
      throw TaskParameters.invalid("clear", "cannot be combined with new values");
    }
    if (clear || !change.isEmpty()) {
      RetentionPolicy.Snapshot now = policy.snapshot();
      RetentionPolicy.Override global = now.global();
      Map<String, RetentionPolicy.Override> topics = policy.topicsCopy();
      if (topic == null) {
        global = global.with(change);
      } else if (clear) {
        topics.remove(topic.value());
      } else {
        topics.put(
            topic.value(),
            topics.getOrDefault(topic.value(), RetentionPolicy.Override.NONE).with(change));
      }
      RetentionPolicy.Snapshot next = new RetentionPolicy.Snapshot(global, topics);
      try {
        policy.validate(next);
      } catch (IllegalArgumentException e) {
        throw ErrorWord.INVALID_PARAMETER.refusal(e.getMessage());
      }
      storage.save(next); // first: if the store refuses, nothing changed anywhere
      policy.replace(next);
    }
    Map<String, Settings> overrides = new LinkedHashMap<>();
    policy.sortedTopics().forEach((t, o) -> overrides.put(t, Settings.of(o)));
    return new Shown(
        Settings.of(policy.global()),
        overrides,
        topic == null ? null : topic.value(),
        topic == null ? null : Settings.of(policy.forTopic(topic)));
  }

  /** Retention is kept in whole seconds: anything shorter than one would be stored as zero. */
  private static Duration positive(String name, Duration d) {
    if (d.toSeconds() < 1) {
      throw ErrorWord.INVALID_PARAMETER.refusal("parameter '" + name + "' must be at least 1s");
    }
    return Duration.ofSeconds(d.toSeconds());
  }
}
