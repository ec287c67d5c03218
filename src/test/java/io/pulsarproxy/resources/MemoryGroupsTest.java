package io.pulsarproxy.resources;

import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.pulsarproxy.PulsarProxyConfiguration;
import io.pulsarproxy.testing.TestApps;

/** Consumer groups on the in-memory store. */
class MemoryGroupsTest extends GroupsContract {
  static final DropwizardAppExtension<PulsarProxyConfiguration> APP = TestApps.memory();

  @Override
  protected DropwizardAppExtension<PulsarProxyConfiguration> app() {
    return APP;
  }
}
