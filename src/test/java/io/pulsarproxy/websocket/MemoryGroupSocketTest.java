package io.pulsarproxy.websocket;

import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.pulsarproxy.PulsarProxyConfiguration;
import io.pulsarproxy.testing.TestApps;

/** Consumer groups over WebSocket on the in-memory store. */
class MemoryGroupSocketTest extends GroupSocketContract {
  static final DropwizardAppExtension<PulsarProxyConfiguration> APP = TestApps.memory();

  @Override
  protected DropwizardAppExtension<PulsarProxyConfiguration> app() {
    return APP;
  }
}
