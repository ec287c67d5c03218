package io.pulsarproxy.delivery;

import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.pulsarproxy.PulsarProxyApplication;
import io.pulsarproxy.PulsarProxyConfiguration;

/** Delivery on the in-memory store. */
class MemoryDeliveryTest extends DeliveryContract {
  static final DropwizardAppExtension<PulsarProxyConfiguration> APP =
      new DropwizardAppExtension<>(
          PulsarProxyApplication.class,
          ResourceHelpers.resourceFilePath("test-config.yml"),
          ConfigOverride.config("store.type", "memory"));

  @Override
  protected DropwizardAppExtension<PulsarProxyConfiguration> app() {
    return APP;
  }
}
