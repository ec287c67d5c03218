package io.pulsarproxy.store;

import io.pulsarproxy.auth.LiveTokens;
import io.pulsarproxy.auth.Revocations;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this instance's revocations in step with the shared store: read at start, again whenever
 * any instance announces one (within a second on Valkey: pub/sub), and every {@value
 * Resync#REREAD_SECONDS} s in case an announcement was missed; after each read, live connections
 * holding a revoked token are closed. Revoking goes through here too.
 */
public final class RevocationSync extends Resync {
  private static final Logger LOG = LoggerFactory.getLogger(RevocationSync.class);

  private final Revocations revocations;
  private final RevocationStorage storage;
  private final LiveTokens live;
  private final Clock clock;
  private final Duration defaultHold;

  /**
   * @param defaultHold how long a revocation without {@code until} holds: the longest a token may
   *     still be accepted ({@code maxLifetime} plus the clock skew)
   * @param timer the lifecycle's single-thread executor for reads and revocations
   */
  public RevocationSync(
      Revocations revocations,
      RevocationStorage storage,
      LiveTokens live,
      Clock clock,
      Duration defaultHold,
      ScheduledExecutorService timer) {
    super(storage, timer);
    this.revocations = revocations;
    this.storage = storage;
    this.live = live;
    this.clock = clock;
    this.defaultHold = defaultHold;
  }

  /** How long a revocation holds when the operator gives no {@code until}. */
  public Duration defaultHold() {
    return defaultHold;
  }

  /**
   * Stores a revocation and announces it; enforces it here at once.
   *
   * @param key {@code jti:<id>} or {@code sub:<subject>}
   * @return the entry stored and how many connections of this instance it closed
   */
  public Result revoke(String key, long untilMillis) {
    // On the sync thread, so that the reload the announcement causes comes after and this call
    // counts the connections it closed here.
    Future<Result> done =
        timer.submit(
            () -> {
              long now = clock.millis();
              Revocations.Entry entry = new Revocations.Entry(now, untilMillis);
              storage.save(key, entry, now); // first: if the store refuses, nothing changed
              revocations.replace(storage.load(now));
              int closed = live.enforceRevocations();
              LOG.info(
                  "Revoked {} until {}; closed {} connection(s) here",
                  key,
                  java.time.Instant.ofEpochMilli(untilMillis),
                  closed);
              return new Result(entry, closed);
            });
    try {
      return done.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while revoking", e);
    }
  }

  /** What {@link #revoke} did. */
  public record Result(Revocations.Entry entry, int closedHere) {}

  /** The revocations in force, as the store holds them now. */
  public Map<String, Revocations.Entry> list() {
    Map<String, Revocations.Entry> loaded = storage.load(clock.millis());
    revocations.replace(loaded);
    return loaded;
  }

  @Override
  protected void reload() {
    try {
      Map<String, Revocations.Entry> loaded = storage.load(clock.millis());
      if (!loaded.equals(revocations.entries())) {
        revocations.replace(loaded);
        LOG.info("Revocations in force: {}", loaded.size());
      }
      live.enforceRevocations();
    } catch (RuntimeException e) {
      LOG.debug("Cannot read revocations, keeping what is in force: {}", e.getMessage());
    }
  }
}
