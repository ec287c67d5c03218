package io.pulsarproxy.tasks;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pulsarproxy.api.Timestamps;
import io.pulsarproxy.auth.Revocations;
import io.pulsarproxy.store.RevocationSync;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code POST /tasks/revocations}: the token revocations in force, newest first. */
public final class RevocationsTask extends JsonTask {
  private final RevocationSync revocations;

  public RevocationsTask(RevocationSync revocations, ObjectMapper json) {
    super("revocations", json, Set.of());
    this.revocations = revocations;
  }

  /** One revocation. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Shown(
      String jti, String sub, @JsonProperty("revoked_at") String revokedAt, String until) {}

  /** The answer. */
  public record Listed(List<Shown> revocations) {}

  @Override
  protected Object run(TaskParameters params) {
    List<Map.Entry<String, Revocations.Entry>> entries =
        new ArrayList<>(revocations.list().entrySet());
    entries.sort(
        Comparator.comparingLong(
                (Map.Entry<String, Revocations.Entry> e) -> e.getValue().revokedAtMillis())
            .reversed());
    List<Shown> shown = new ArrayList<>();
    for (Map.Entry<String, Revocations.Entry> e : entries) {
      String key = e.getKey();
      boolean byId = key.startsWith(Revocations.JTI);
      String value = key.substring(key.indexOf(':') + 1);
      shown.add(
          new Shown(
              byId ? value : null,
              byId ? null : value,
              Timestamps.iso(e.getValue().revokedAtMillis()),
              Timestamps.iso(e.getValue().untilMillis())));
    }
    return new Listed(shown);
  }
}
