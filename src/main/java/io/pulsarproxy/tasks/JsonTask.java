package io.pulsarproxy.tasks;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dropwizard.servlets.tasks.Task;
import io.pulsarproxy.api.Failure;
import io.pulsarproxy.core.ApiException;
import io.pulsarproxy.core.StoreUnavailableException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An admin task that answers JSON: its result, or the proxy's error body for a bad parameter (400
 * naming it) or an unavailable store (503). Parameters are checked before anything is changed, so a
 * task never half-applies. {@link AdminGuard} turns the error body's code into the HTTP status.
 */
abstract class JsonTask extends Task {
  private static final Logger LOG = LoggerFactory.getLogger(JsonTask.class);

  private final ObjectMapper json;
  private final Set<String> accepted;

  protected JsonTask(String name, ObjectMapper json, Set<String> accepted) {
    super(name);
    this.json = json;
    this.accepted = accepted;
  }

  @Override
  public Optional<String> getResponseContentType() {
    return Optional.of("application/json");
  }

  @Override
  public final void execute(Map<String, List<String>> parameters, PrintWriter output)
      throws Exception {
    Object answer;
    try {
      TaskParameters params = new TaskParameters(parameters, accepted);
      answer = run(params);
      LOG.info("Task {} done: {}", getName(), parameters);
    } catch (ApiException | StoreUnavailableException e) {
      answer = Failure.of(e, "Task " + getName() + " refused: ").body();
    }
    output.print(json.writeValueAsString(answer));
  }

  /** Does the task; throws {@link ApiException} for bad parameters before changing anything. */
  protected abstract Object run(TaskParameters params) throws Exception;
}
