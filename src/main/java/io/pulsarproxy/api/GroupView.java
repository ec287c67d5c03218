package io.pulsarproxy.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * A consumer group as {@code GET /api/v1/topics/{topic}/groups/{group}} shows it.
 *
 * @param position the last id delivered to the group
 * @param lag entries after the position not yet delivered (-1 when the store cannot tell)
 */
public record GroupView(
    String topic,
    String group,
    String position,
    long pending,
    long lag,
    @JsonProperty("ack_timeout") String ackTimeout,
    @JsonProperty("max_deliveries") int maxDeliveries,
    List<ConsumerView> consumers) {

  /** One consumer: its pending messages, and how long since it last fetched. */
  public record ConsumerView(String name, long pending, @JsonProperty("idle_ms") long idleMillis) {}
}
