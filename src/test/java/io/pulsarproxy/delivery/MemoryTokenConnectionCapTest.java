package io.pulsarproxy.delivery;

import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.pulsarproxy.PulsarProxyConfiguration;
import io.pulsarproxy.testing.TestApps;

/** Per-token connection caps on the in-memory store. */
class MemoryTokenConnectionCapTest extends TokenConnectionCapContract {
  static final DropwizardAppExtension<PulsarProxyConfiguration> APP = TestApps.memory(overrides());

  @Override
  protected DropwizardAppExtension<PulsarProxyConfiguration> app() {
    return APP;
  }
}
