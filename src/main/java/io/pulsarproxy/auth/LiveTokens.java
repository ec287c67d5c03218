package io.pulsarproxy.auth;

import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes live connections honour their JWT: each one's holder is told {@code expirySoon} the
 * configured warning time before {@code exp} (at once when it is already that close), {@code
 * expired} when the token stops being accepted, and {@code revoked} as soon as a revocation naming
 * it is in force. A refresh renews the watch with the new token. Connections with a configured
 * token are not watched: those never expire.
 */
public final class LiveTokens {
  private static final Logger LOG = LoggerFactory.getLogger(LiveTokens.class);

  /** What a connection does when its token nears its end, reaches it, or is revoked. */
  public interface Holder {
    void expirySoon(Caller caller);

    void expired(Caller caller);

    void revoked(Caller caller);
  }

  private final Clock clock;
  private final ScheduledExecutorService timer;
  private final Duration warning;
  private final Revocations revocations;
  private final Set<Watch> watches = ConcurrentHashMap.newKeySet();

  public LiveTokens(
      Clock clock, ScheduledExecutorService timer, Duration warning, Revocations revocations) {
    this.clock = clock;
    this.timer = timer;
    this.warning = warning;
    this.revocations = revocations;
  }

  /** Watches a connection's token; a no-op watch for a token that never expires. */
  public Watch watch(Caller caller, Holder holder) {
    Watch w = new Watch(holder);
    if (caller.expires()) {
      watches.add(w);
      w.renew(caller);
    }
    return w;
  }

  /** Tells the holders of every revoked token; returns how many there were. */
  public int enforceRevocations() {
    int revoked = 0;
    for (Watch w : watches) {
      Caller c = w.caller;
      if (c != null && revocations.revokes(c)) {
        LOG.info(
            "Closing a connection of sub '{}' (jti '{}'): token revoked",
            c.name(),
            c.lease().jti() == null ? "" : c.lease().jti());
        w.cancel();
        w.holder.revoked(c);
        revoked++;
      }
    }
    return revoked;
  }

  /** Connections watched now. */
  public int watched() {
    return watches.size();
  }

  /** One connection's token under watch. */
  public final class Watch {
    private final Holder holder;
    private volatile Caller caller;
    private ScheduledFuture<?> soon;
    private ScheduledFuture<?> end;

    private Watch(Holder holder) {
      this.holder = holder;
    }

    /** Watches the connection's new token instead (a refresh). */
    public synchronized void renew(Caller next) {
      cancelTimers();
      caller = next;
      if (!next.expires()) {
        return;
      }
      watches.add(this);
      long now = clock.millis();
      long soonAt = next.lease().expiresAt() * 1000 - warning.toMillis();
      soon =
          timer.schedule(() -> fire(next, true), Math.max(0, soonAt - now), TimeUnit.MILLISECONDS);
      end =
          timer.schedule(
              () -> fire(next, false),
              Math.max(0, next.acceptedUntilMillis() - now),
              TimeUnit.MILLISECONDS);
    }

    private void fire(Caller which, boolean warn) {
      synchronized (this) {
        if (caller != which) {
          return; // refreshed meanwhile
        }
        if (!warn) {
          watches.remove(this);
          caller = null;
        }
      }
      try {
        if (warn) {
          holder.expirySoon(which);
        } else {
          holder.expired(which);
        }
      } catch (RuntimeException e) {
        LOG.warn("Token expiry handling failed for sub '{}'", which.name(), e);
      }
    }

    /** Stops watching: the connection has closed. */
    public synchronized void cancel() {
      cancelTimers();
      caller = null;
      watches.remove(this);
    }

    private void cancelTimers() {
      if (soon != null) {
        soon.cancel(false);
      }
      if (end != null) {
        end.cancel(false);
      }
      soon = null;
      end = null;
    }
  }
}
