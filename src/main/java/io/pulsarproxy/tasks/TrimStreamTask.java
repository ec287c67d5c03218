package io.pulsarproxy.tasks;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.pulsarproxy.core.ApiException;
import io.pulsarproxy.core.EntryId;
import io.pulsarproxy.core.ErrorWord;
import io.pulsarproxy.core.TopicName;
import io.pulsarproxy.core.TopicStats;
import io.pulsarproxy.delivery.Delivery;
import io.pulsarproxy.store.MessageStore;
import io.pulsarproxy.store.Trim;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;

/**
 * {@code POST /tasks/trim-stream?topic=T&maxlen=N} (or {@code minid=ID}, or {@code older_than=1h}):
 * trims the topic's stream and hot tier exactly, unlike the approximate trimming on append, and
 * answers how many entries went.
 */
public final class TrimStreamTask extends JsonTask {
  private final MessageStore store;
  private final Delivery delivery;
  private final Clock clock;

  public TrimStreamTask(MessageStore store, Delivery delivery, Clock clock, ObjectMapper json) {
    super("trim-stream", json, Set.of("topic", "maxlen", "minid", "older_than"));
    this.store = store;
    this.delivery = delivery;
    this.clock = clock;
  }

  /** The answer. */
  public record Trimmed(String topic, long removed, long length) {}

  @Override
  protected Object run(TaskParameters params) {
    TopicName topic = params.topic("topic");
    if (topic == null) {
      throw TaskParameters.invalid("topic", "is required");
    }
    int given =
        (params.has("maxlen") ? 1 : 0)
            + (params.has("minid") ? 1 : 0)
            + (params.has("older_than") ? 1 : 0);
    if (given != 1) {
      throw TaskParameters.invalid("maxlen", "or minid or older_than: give exactly one of them");
    }
    Trim trim;
    if (params.has("maxlen")) {
      trim = Trim.toLength(params.number("maxlen", 0, Long.MAX_VALUE, 0));
    } else if (params.has("minid")) {
      try {
        trim = Trim.before(EntryId.parse(params.string("minid"), "minid"));
      } catch (ApiException e) {
        throw TaskParameters.invalid("minid", "must be a stream entry id such as 1700000000000-0");
      }
    } else {
      Duration age = params.duration("older_than", Duration.ofDays(3650), Duration.ZERO);
      trim = Trim.before(new EntryId(Math.max(0, clock.millis() - age.toMillis()), 0));
    }
    TopicStats before = store.stats(topic);
    if (before.length() == 0 && before.lastId() == null) {
      throw ErrorWord.UNKNOWN_TOPIC.refusal(
          "topic '" + topic + "' has no stream; nothing was trimmed");
    }
    long removed = delivery.trim(topic, trim);
    return new Trimmed(topic.value(), removed, store.stats(topic).length());
  }
}
