package io.pulsarproxy.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonRawValue;
import java.util.List;
import java.util.Map;

/** The answer of a group fetch: {@code {"messages": [...]}}. */
public record GroupMessages(List<Message> messages) {
  /** A message as a group consumer gets it: the message view plus its delivery count. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Message(
      String id,
      @JsonProperty("message_id") String messageId,
      String topic,
      String group,
      String timestamp,
      @JsonRawValue String payload,
      Map<String, String> metadata,
      String key,
      @JsonProperty("delivery_count") long deliveryCount) {}
}
