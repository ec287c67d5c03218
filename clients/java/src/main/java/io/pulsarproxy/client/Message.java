package io.pulsarproxy.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * A delivered message: its topic, entry id (the resume point), message id, timestamp, the payload
 * as sent (JSON), metadata, and the key (null when none was sent).
 */
public record Message(
    String topic,
    String id,
    String messageId,
    String timestamp,
    JsonNode payload,
    Map<String, String> metadata,
    String key) {}
