package io.pulsarproxy.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The answer to one published message. {@code duplicate} appears (as true) only when the message id
 * was already stored within the dedup window; {@code id} is then the original entry's.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PublishResult(
    String id,
    @JsonProperty("message_id") String messageId,
    String topic,
    String timestamp,
    Boolean duplicate) {}
