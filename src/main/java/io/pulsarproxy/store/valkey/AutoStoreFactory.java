package io.pulsarproxy.store.valkey;

import com.fasterxml.jackson.annotation.JsonTypeName;
import io.dropwizard.core.setup.Environment;
import io.pulsarproxy.core.RetentionPolicy;
import io.pulsarproxy.store.MessageStore;
import io.pulsarproxy.store.memory.MemoryStoreFactory;
import java.time.Clock;
import java.time.Duration;

/**
 * {@code store: {type: auto}}: the Valkey store when {@code url} is set (the shipped config fills
 * it from {@code VALKEY_URL}) or {@code mode} is sentinel or cluster, else the in-memory store.
 * Lets one config.yml serve both a laptop and production.
 */
@JsonTypeName("auto")
public class AutoStoreFactory extends ValkeyStoreFactory {
  @Override
  public MessageStore build(
      Environment environment, RetentionPolicy retention, Duration dedupWindow) {
    return build(environment, retention, dedupWindow, Clock.systemUTC());
  }

  @Override
  public MessageStore build(
      Environment environment, RetentionPolicy retention, Duration dedupWindow, Clock clock) {
    // Sentinel and cluster modes name their servers elsewhere than in url.
    return getUrl().isEmpty() && getMode() == Mode.STANDALONE
        ? new MemoryStoreFactory().build(environment, retention, dedupWindow, clock)
        : super.build(environment, retention, dedupWindow);
  }
}
