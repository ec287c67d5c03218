package io.pulsarproxy.delivery;

import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.pulsarproxy.PulsarProxyConfiguration;
import io.pulsarproxy.testing.TestApps;
import io.pulsarproxy.testing.TestClock;

/** Delivery on the in-memory store. */
class MemoryDeliveryTest extends DeliveryContract {
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
}
