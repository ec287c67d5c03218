package io.pulsarproxy.resources;

import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.pulsarproxy.PulsarProxyConfiguration;
import io.pulsarproxy.testing.TestApps;

/** The publish API contract on the in-memory store. */
class MemoryStorePublishApiTest extends PublishApiContract {
  static final DropwizardAppExtension<PulsarProxyConfiguration> APP = TestApps.memory();

  @Override
  protected DropwizardAppExtension<PulsarProxyConfiguration> app() {
    return APP;
  }
}
