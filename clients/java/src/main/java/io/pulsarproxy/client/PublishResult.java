package io.pulsarproxy.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The answer to one published message; {@code duplicate} is true when its {@code message_id} was
 * already stored (nothing new was stored; {@code id} is the original's).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record PublishResult(
    String id,
    @JsonProperty("message_id") String messageId,
    String topic,
    String timestamp,
    boolean duplicate) {}
