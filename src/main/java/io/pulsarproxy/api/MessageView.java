package io.pulsarproxy.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonRawValue;
import java.util.Map;

/** A stored message as readers see it; {@code payload} is the producer's JSON, verbatim. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MessageView(
    String id,
    @JsonProperty("message_id") String messageId,
    String timestamp,
    @JsonRawValue String payload,
    Map<String, String> metadata,
    String key) {}
