package io.pulsarproxy.delivery;

import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.pulsarproxy.PulsarProxyConfiguration;
import io.pulsarproxy.testing.TestApps;

/** Delivery on the in-memory store. */
class MemoryDeliveryTest extends DeliveryContract {
  static final DropwizardAppExtension<PulsarProxyConfiguration> APP = TestApps.memory();

  @Override
  protected DropwizardAppExtension<PulsarProxyConfiguration> app() {
    return APP;
  }
}
