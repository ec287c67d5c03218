package io.pulsarproxy.delivery;

import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.pulsarproxy.PulsarProxyConfiguration;
import io.pulsarproxy.testing.TestApps;
import io.pulsarproxy.testing.ValkeyTestServer;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Per-token connection caps on a real valkey-server/redis-server. */
class ValkeyTokenConnectionCapTest extends TokenConnectionCapContract {
  @RegisterExtension static final ValkeyTestServer VALKEY = new ValkeyTestServer();

  static final DropwizardAppExtension<PulsarProxyConfiguration> APP =
      TestApps.valkey(VALKEY, overrides());

  @Override
  protected DropwizardAppExtension<PulsarProxyConfiguration> app() {
    return APP;
  }
}
