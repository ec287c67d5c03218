package io.pulsarproxy.store;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.jackson.Discoverable;
import io.pulsarproxy.core.RetentionPolicy;
import java.time.Clock;
import java.time.Duration;

/**
 * The {@code store:} section of the configuration, chosen by its {@code type}: {@code memory},
 * {@code valkey}, or {@code auto} (Valkey when a URL is set, memory otherwise).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
public interface MessageStoreFactory extends Discoverable {

  /** Builds the store and registers whatever it holds open with the environment's lifecycle. */
  MessageStore build(Environment environment, RetentionPolicy retention, Duration dedupWindow);

  /**
   * As {@link #build(Environment, RetentionPolicy, Duration)}, with the clock that entry ids,
   * expiry and retention age are reckoned in. Stores whose server keeps the time (Valkey) ignore
   * it.
   */
  default MessageStore build(
      Environment environment, RetentionPolicy retention, Duration dedupWindow, Clock clock) {
    return build(environment, retention, dedupWindow);
  }
}
