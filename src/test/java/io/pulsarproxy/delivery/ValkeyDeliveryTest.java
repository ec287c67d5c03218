package io.pulsarproxy.delivery;

import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.pulsarproxy.PulsarProxyConfiguration;
import io.pulsarproxy.testing.TestApps;
import io.pulsarproxy.testing.TestClock;
import io.pulsarproxy.testing.ValkeyTestServer;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Delivery on a real valkey-server/redis-server. */
class ValkeyDeliveryTest extends DeliveryContract {
  @RegisterExtension static final ValkeyTestServer VALKEY = new ValkeyTestServer();

  static final TestClock CLOCK = TestClock.system();
  static final DropwizardAppExtension<PulsarProxyConfiguration> APP =
      TestApps.valkey(VALKEY, CLOCK);

  @Override
  protected DropwizardAppExtension<PulsarProxyConfiguration> app() {
    return APP;
  }

  @Override
  protected TestClock clock() {
    return CLOCK;
  }
}
