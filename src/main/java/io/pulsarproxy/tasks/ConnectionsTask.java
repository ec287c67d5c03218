package io.pulsarproxy.tasks;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pulsarproxy.core.TopicName;
import io.pulsarproxy.delivery.Connections;
import io.pulsarproxy.delivery.Outbound;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code POST /tasks/connections}: this instance's connections by transport and by token, and its
 * busiest topics by subscriber count.
 */
public final class ConnectionsTask extends JsonTask {
  private static final int BUSIEST = 10;

  private final Connections connections;

  public ConnectionsTask(Connections connections, ObjectMapper json) {
    super("connections", json, Set.of());
    this.connections = connections;
  }

  /** One of the busiest topics. */
  public record TopicCount(String topic, int subscribers) {}

  /** The answer. */
  public record Counts(
      int total,
      int max,
      boolean draining,
      @JsonProperty("by_transport") Map<String, Integer> byTransport,
      @JsonProperty("by_token") Map<String, Integer> byToken,
      @JsonProperty("busiest_topics") List<TopicCount> busiestTopics) {}

  @Override
  protected Object run(TaskParameters params) {
    Map<String, Integer> byTransport = new TreeMap<>();
    Map<String, Integer> byToken = new TreeMap<>();
    Map<TopicName, Integer> byTopic = new HashMap<>();
    for (Connections.Transport t :
        List.of(Connections.Transport.WEBSOCKET, Connections.Transport.SSE)) {
      byTransport.put(t.label(), connections.open(t).size());
    }
    for (Outbound out : connections.all()) {
      byToken.merge(out.identity().token(), 1, Integer::sum);
      for (TopicName topic : out.topics()) {
        byTopic.merge(topic, 1, Integer::sum);
      }
    }
    List<TopicCount> busiest =
        byTopic.entrySet().stream()
            .sorted(Map.Entry.<TopicName, Integer>comparingByValue(Comparator.reverseOrder()))
            .limit(BUSIEST)
            .map(e -> new TopicCount(e.getKey().value(), e.getValue()))
            .toList();
    return new Counts(
        connections.count(),
        connections.max(),
        connections.isDraining(),
        byTransport,
        byToken,
        busiest);
  }
}
