package io.pulsarproxy.tasks;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pulsarproxy.api.Timestamps;
import io.pulsarproxy.auth.Revocations;
import io.pulsarproxy.store.RevocationSync;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Set;

/**
 * {@code POST /tasks/revoke?jti=ID} (one token) or {@code ?sub=SUBJECT} (every token of that
 * subject issued up to now), with an optional {@code until} (an instant, epoch seconds, or a
 * duration from now such as {@code 2h}; by default the longest a token may live). Stored in the
 * shared store and announced: every instance closes the live connections holding such a token (4003
 * {@code token_revoked}) and refuses it with 401 {@code token_revoked} within a second.
 */
public final class RevokeTask extends JsonTask {
  private static final Duration LONGEST = Duration.ofDays(3650);
  private static final int MAX_VALUE_LENGTH = 256;

  private final RevocationSync revocations;
  private final Clock clock;

  public RevokeTask(RevocationSync revocations, Clock clock, ObjectMapper json) {
    super("revoke", json, Set.of("jti", "sub", "until"));
    this.revocations = revocations;
    this.clock = clock;
  }

  /** The answer. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Revoked(
      String jti,
      String sub,
      @JsonProperty("revoked_at") String revokedAt,
      String until,
      @JsonProperty("closed_here") int closedHere) {}

  @Override
  protected Object run(TaskParameters params) {
    String jti = value(params, "jti");
    String sub = value(params, "sub");
    if ((jti == null) == (sub == null)) {
      throw TaskParameters.invalid("jti", "or sub: give exactly one of them");
    }
    long now = clock.millis();
    long until = until(params.string("until"), now);
    RevocationSync.Result result =
        revocations.revoke(jti != null ? Revocations.JTI + jti : Revocations.SUB + sub, until);
    return new Revoked(
        jti,
        sub,
        Timestamps.iso(result.entry().revokedAtMillis()),
        Timestamps.iso(result.entry().untilMillis()),
        result.closedHere());
  }

  private static String value(TaskParameters params, String name) {
    String v = params.string(name);
    if (v == null) {
      return null;
    }
    if (v.isEmpty() || v.length() > MAX_VALUE_LENGTH) {
      throw TaskParameters.invalid(name, "must be 1 to " + MAX_VALUE_LENGTH + " characters");
    }
    return v;
  }

  private long until(String text, long now) {
    if (text == null || text.isBlank()) {
      return now + revocations.defaultHold().toMillis();
    }
    String t = text.strip();
    long until;
    try {
      if (t.matches("\\d{9,}")) {
        until = Long.parseLong(t) * 1000; // epoch seconds
      } else if (t.matches("\\d+\\s*[a-zA-Z]+")) {
        until = now + io.dropwizard.util.Duration.parse(t).toMilliseconds();
      } else {
        until = Instant.parse(t).toEpochMilli();
      }
    } catch (IllegalArgumentException | DateTimeParseException | ArithmeticException e) {
      throw TaskParameters.invalid(
          "until", "must be an instant (2026-12-24T18:00:00Z), epoch seconds or a duration (2h)");
    }
    if (until <= now || until - now > LONGEST.toMillis()) {
      throw TaskParameters.invalid("until", "must lie in the future, at most 10 years away");
    }
    return until;
  }
}
