package io.pulsarproxy.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What the store holds for a topic and the retention in force; ids are null when it is empty. */
public record TopicInfo(
    String topic,
    long length,
    @JsonProperty("first_id") String firstId,
    @JsonProperty("last_id") String lastId,
    RetentionView retention) {

  /** Retention as the wire shows it. */
  public record RetentionView(
      @JsonProperty("max_length") long maxLength,
      @JsonProperty("max_age_seconds") long maxAgeSeconds) {}
}
