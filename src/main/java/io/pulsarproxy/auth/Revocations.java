package io.pulsarproxy.auth;

import java.time.Clock;
import java.util.Map;

/**
 * The revocations in force on this instance, as last read from the shared store: by {@code jti}
 * (that one token) or by {@code sub} (every token of that subject issued at or before the
 * revocation; tokens without {@code iat} of that subject all). Each holds until its {@code until}.
 * Checked on every request after the verified-token cache, so it costs nothing while there are
 * none.
 */
public final class Revocations {
  public static final String JTI = "jti:";
  public static final String SUB = "sub:";

  /** A revocation: when it was made, and until when it holds (epoch milliseconds). */
  public record Entry(long revokedAtMillis, long untilMillis) {}

  private final Clock clock;
  private volatile Map<String, Entry> entries = Map.of();

  public Revocations(Clock clock) {
    this.clock = clock;
  }

  /** Replaces what is in force with what the store holds. */
  public void replace(Map<String, Entry> loaded) {
    entries = Map.copyOf(loaded);
  }

  public Map<String, Entry> entries() {
    return entries;
  }

  /** Whether a caller's token is revoked now. Configured tokens never are. */
  public boolean revokes(Caller caller) {
    Map<String, Entry> now = entries;
    if (now.isEmpty() || caller.lease() == null) {
      return false;
    }
    long millis = clock.millis();
    Caller.Lease lease = caller.lease();
    if (lease.jti() != null) {
      Entry byId = now.get(JTI + lease.jti());
      if (byId != null && byId.untilMillis() > millis) {
        return true;
      }
    }
    Entry bySub = now.get(SUB + caller.name());
    return bySub != null
        && bySub.untilMillis() > millis
        && (lease.issuedAt() == null || lease.issuedAt() * 1000 <= bySub.revokedAtMillis());
  }
}
