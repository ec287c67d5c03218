package io.pulsarproxy.delivery;

import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.pulsarproxy.PulsarProxyApplication;
import io.pulsarproxy.PulsarProxyConfiguration;
import io.pulsarproxy.testing.ValkeyTestServer;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Delivery on a real valkey-server/redis-server. */
class ValkeyDeliveryTest extends DeliveryContract {
  @RegisterExtension static final ValkeyTestServer VALKEY = new ValkeyTestServer();

  static final DropwizardAppExtension<PulsarProxyConfiguration> APP =
      new DropwizardAppExtension<>(
          PulsarProxyApplication.class,
          ResourceHelpers.resourceFilePath("test-config.yml"),
          ConfigOverride.config("store.type", "valkey"),
          ConfigOverride.config("store.url", VALKEY::url));

  @Override
  protected DropwizardAppExtension<PulsarProxyConfiguration> app() {
    return APP;
  }
}
