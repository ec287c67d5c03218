package io.pulsarproxy.tasks;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.pulsarproxy.core.TopicName;
import io.pulsarproxy.delivery.Connections;
import io.pulsarproxy.delivery.FrameEncoder;
import io.pulsarproxy.delivery.Outbound;
import java.util.Set;

/**
 * {@code POST /tasks/disconnect?token=NAME} (or {@code topic=T}) {@code &reason=...}: closes the
 * connections of one token, or those subscribed to one topic, telling each why.
 */
public final class DisconnectTask extends JsonTask {
  private final Connections connections;
  private final FrameEncoder frames;

  public DisconnectTask(Connections connections, FrameEncoder frames, ObjectMapper json) {
    super("disconnect", json, Set.of("token", "topic", "reason"));
    this.connections = connections;
    this.frames = frames;
  }

  /** The answer. */
  public record Disconnected(int closed, String reason) {}

  @Override
  protected Object run(TaskParameters params) {
    String token = params.string("token");
    TopicName topic = params.topic("topic");
    if ((token == null) == (topic == null)) {
      throw TaskParameters.invalid("token", "or topic: give exactly one of them");
    }
    String reason = params.string("reason");
    if (reason == null || reason.isBlank()) {
      reason = "disconnected by the operator";
    }
    if (reason.length() > 200) {
      throw TaskParameters.invalid("reason", "must be at most 200 characters");
    }
    int closed = 0;
    for (Outbound out : connections.all()) {
      boolean match =
          token != null ? out.identity().token().equals(token) : out.topics().contains(topic);
      if (match && !out.isClosed()) {
        out.sendControl("disconnected", frames.control("disconnected", "reason", reason));
        out.close(Outbound.Close.DISCONNECTED);
        closed++;
      }
    }
    return new Disconnected(closed, reason);
  }
}
