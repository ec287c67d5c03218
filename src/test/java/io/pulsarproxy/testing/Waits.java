package io.pulsarproxy.testing;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.Callable;
import org.awaitility.core.ConditionTimeoutException;

/** Waits that report instead of failing, for tests that assert (or measure) afterwards. */
public final class Waits {
  private Waits() {}

  /**
   * Polls the condition every {@code pollInterval} until it holds or {@code atMost} has passed.
   *
   * @return whether it held
   */
  public static boolean within(
      Duration atMost, Duration pollInterval, Callable<Boolean> condition) {
    try {
      await().atMost(atMost).pollDelay(Duration.ZERO).pollInterval(pollInterval).until(condition);
      return true;
    } catch (ConditionTimeoutException e) {
      return false;
    }
  }
}
