package io.pulsarproxy.tasks;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pulsarproxy.delivery.Connections;
import io.pulsarproxy.delivery.Drain;
import java.util.Set;

/** {@code POST /tasks/undrain}: take subscribers again; readiness follows. */
public final class UndrainTask extends JsonTask {
  private final Drain drain;
  private final Connections connections;

  public UndrainTask(Drain drain, Connections connections, ObjectMapper json) {
    super("undrain", json, Set.of());
    this.drain = drain;
    this.connections = connections;
  }

  /** The answer. */
  public record Undrained(boolean draining, @JsonProperty("open_connections") int open) {}

  @Override
  protected Object run(TaskParameters params) {
    drain.undrain();
    return new Undrained(drain.isDraining(), connections.count());
  }
}
