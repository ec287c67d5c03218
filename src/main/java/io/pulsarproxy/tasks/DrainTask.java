package io.pulsarproxy.tasks;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pulsarproxy.delivery.Drain;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code POST /tasks/drain?window=30s&percent=100}: stop taking subscribers, turn readiness red,
 * and close that share of the connections over the window (each told to reconnect elsewhere).
 * Answers when the window is over.
 */
public final class DrainTask extends JsonTask {
  private final Drain drain;

  public DrainTask(Drain drain, ObjectMapper json) {
    super("drain", json, Set.of("window", "percent"));
    this.drain = drain;
  }

  /** The answer. */
  public record Drained(
      boolean draining,
      int closed,
      int remaining,
      @JsonProperty("window_seconds") long windowSeconds,
      int percent) {}

  @Override
  protected Object run(TaskParameters params) throws Exception {
    Duration window = params.duration("window", Duration.ofHours(1), Duration.ofSeconds(30));
    int percent = (int) params.number("percent", 1, 100, 100);
    try {
      Drain.Result r =
          drain.drain(window, percent).get(window.toMillis() + 10_000, TimeUnit.MILLISECONDS);
      return new Drained(true, r.closed(), r.remaining(), window.toSeconds(), percent);
    } catch (TimeoutException e) {
      // Undrained meanwhile: the closes not yet made were cancelled.
      return new Drained(drain.isDraining(), -1, -1, window.toSeconds(), percent);
    }
  }
}
