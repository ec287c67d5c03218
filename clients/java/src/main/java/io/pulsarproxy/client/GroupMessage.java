package io.pulsarproxy.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * A message of a consumer group: the message, the group, and how many times it has been delivered
 * (1 the first time; higher after a nack, an ack timeout or a dropped connection).
 */
public record GroupMessage(Message message, String group, int deliveryCount) {
  public String topic() {
    return message.topic();
  }

  /** The entry id: what is acked, and the key to deduplicate by. */
  public String id() {
    return message.id();
  }

  public String messageId() {
    return message.messageId();
  }

  public String timestamp() {
    return message.timestamp();
  }

  public JsonNode payload() {
    return message.payload();
  }

  public Map<String, String> metadata() {
    return message.metadata();
  }

  public String key() {
    return message.key();
  }
}
