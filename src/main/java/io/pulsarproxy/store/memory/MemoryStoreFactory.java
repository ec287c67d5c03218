package io.pulsarproxy.store.memory;

import com.fasterxml.jackson.annotation.JsonTypeName;
import io.dropwizard.core.setup.Environment;
import io.pulsarproxy.core.RetentionPolicy;
import io.pulsarproxy.store.MessageStore;
import io.pulsarproxy.store.MessageStoreFactory;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code store: {type: memory}}: the embedded store, for development and tests. */
@JsonTypeName("memory")
public class MemoryStoreFactory implements MessageStoreFactory {
  private static final Logger LOG = LoggerFactory.getLogger(MemoryStoreFactory.class);

  @Override
  public MessageStore build(
      Environment environment, RetentionPolicy retention, Duration dedupWindow) {
    return build(environment, retention, dedupWindow, Clock.systemUTC());
  }

  @Override
  public MessageStore build(
      Environment environment, RetentionPolicy retention, Duration dedupWindow, Clock clock) {
    LOG.warn(
        "Using the in-memory store: messages are lost on restart and not shared between"
            + " instances. Set VALKEY_URL (or store.type: valkey) for durable storage.");
    return new MemoryMessageStore(clock, retention, dedupWindow);
  }
}
