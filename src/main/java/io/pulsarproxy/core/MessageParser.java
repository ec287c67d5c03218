package io.pulsarproxy.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Turns one message object of a publish request into a {@link NewMessage}, or refuses it with a 422
 * (or 413 for size) naming the field and, in a batch, the message's index.
 */
public final class MessageParser {
  private static final Set<String> FIELDS =
      Set.of("payload", "message_id", "ttl", "metadata", "key", "topic");

  private final Limits limits;
  private final MessageIdGenerator ids;
  private final ObjectMapper json;

  public MessageParser(Limits limits, MessageIdGenerator ids, ObjectMapper json) {
    this.limits = limits;
    this.ids = ids;
    this.json = json;
  }

  /**
   * @param topic the topic the message is published to
   * @param where how to name this message in an error: "" for a single message, "messages[3]: " in
   *     a batch
   */
  public NewMessage parse(JsonNode node, TopicName topic, String where) {
    if (node == null || !node.isObject()) {
      throw ErrorWord.INVALID_MESSAGE.refusal(where + "a message must be a JSON object");
    }
    // A message may repeat its topic (clients reuse one shape for every endpoint) but not
    // contradict it.
    JsonNode topicField = node.get("topic");
    if (topicField != null
        && !(topicField.isTextual() && topicField.textValue().equals(topic.value()))) {
      throw ErrorWord.INVALID_MESSAGE.refusal(
          where + "\"topic\" in the message differs from the topic it is published to");
    }
    for (Map.Entry<String, JsonNode> property : node.properties()) {
      String field = property.getKey();
      if (!FIELDS.contains(field)) {
        throw ErrorWord.INVALID_MESSAGE.refusal(
            where + "unknown field '" + abbreviate(field) + "'");
      }
    }
    JsonNode payload = node.get("payload");
    if (payload == null || payload.isNull()) {
      throw ErrorWord.INVALID_MESSAGE.refusal(
          where + "payload is required (any JSON value but null)");
    }
    String payloadJson;
    try {
      payloadJson = json.writeValueAsString(payload);
    } catch (JsonProcessingException e) {
      throw ErrorWord.INVALID_MESSAGE.refusal(where + "payload cannot be encoded");
    }
    if (payloadJson.getBytes(StandardCharsets.UTF_8).length > limits.maxMessageBytes()) {
      throw ErrorWord.PAYLOAD_TOO_LARGE.refusal(
          where + "payload is larger than the limit of " + limits.maxMessageBytes() + " bytes");
    }

    String messageId = optionalString(node, "message_id", limits.maxMessageIdLength(), where);
    String key = optionalString(node, "key", limits.maxKeyLength(), where);
    Long ttl = null;
    JsonNode ttlNode = node.get("ttl");
    if (ttlNode != null && !ttlNode.isNull()) {
      if (!ttlNode.canConvertToExactIntegral()
          || !ttlNode.canConvertToLong()
          || ttlNode.asLong() <= 0
          || ttlNode.asLong() > Integer.MAX_VALUE) {
        throw ErrorWord.INVALID_MESSAGE.refusal(
            where + "ttl must be a whole number of seconds between 1 and " + Integer.MAX_VALUE);
      }
      ttl = ttlNode.asLong();
    }
    Map<String, String> metadata = metadata(node.get("metadata"), where);
    return messageId == null
        ? new NewMessage(ids.next(), false, payloadJson, metadata, key, ttl)
        : new NewMessage(messageId, true, payloadJson, metadata, key, ttl);
  }

  private Map<String, String> metadata(JsonNode node, String where) {
    if (node == null || node.isNull()) {
      return Map.of();
    }
    if (!node.isObject()) {
      throw ErrorWord.INVALID_MESSAGE.refusal(
          where + "metadata must be an object of string values");
    }
    if (node.size() > limits.maxMetadataEntries()) {
      throw ErrorWord.INVALID_MESSAGE.refusal(
          where + "metadata has more than " + limits.maxMetadataEntries() + " entries");
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      if (!e.getValue().isTextual()) {
        throw ErrorWord.INVALID_MESSAGE.refusal(
            where + "metadata['" + abbreviate(e.getKey()) + "'] must be a string");
      }
      out.put(e.getKey(), e.getValue().textValue());
    }
    return out;
  }

  private static String optionalString(JsonNode node, String field, int maxLength, String where) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isTextual() || value.textValue().isEmpty()) {
      throw ErrorWord.INVALID_MESSAGE.refusal(where + field + " must be a non-empty string");
    }
    if (value.textValue().length() > maxLength) {
      throw ErrorWord.INVALID_MESSAGE.refusal(
          where + field + " is longer than " + maxLength + " characters");
    }
    return value.textValue();
  }

  /** Echoes at most 64 characters of client input back in an error message. */
  private static String abbreviate(String s) {
    return s.length() <= 64 ? s : s.substring(0, 64) + "...";
  }
}
