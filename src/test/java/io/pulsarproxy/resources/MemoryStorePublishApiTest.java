package io.pulsarproxy.resources;

import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.pulsarproxy.PulsarProxyConfiguration;
import io.pulsarproxy.testing.TestApps;
import io.pulsarproxy.testing.TestClock;
import java.time.Clock;

/** The publish API contract on the in-memory store. */
class MemoryStorePublishApiTest extends PublishApiContract {
  static final TestClock CLOCK = TestClock.system();
  static final DropwizardAppExtension<PulsarProxyConfiguration> APP = TestApps.memory(CLOCK);

  @Override
  protected DropwizardAppExtension<PulsarProxyConfiguration> app() {
    return APP;
  }

  @Override
  protected TestClock clock() {
    return CLOCK;
  }

  @Override
  protected Clock storeClock() {
    return CLOCK; // the memory store stamps entries with the proxy's clock
  }
}
