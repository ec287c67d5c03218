package io.pulsarproxy.websocket;

import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.pulsarproxy.PulsarProxyConfiguration;
import io.pulsarproxy.testing.TestApps;
import io.pulsarproxy.testing.ValkeyTestServer;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Consumer groups over WebSocket on a real valkey-server/redis-server. */
class ValkeyGroupSocketTest extends GroupSocketContract {
  @RegisterExtension static final ValkeyTestServer VALKEY = new ValkeyTestServer();

  static final DropwizardAppExtension<PulsarProxyConfiguration> APP = TestApps.valkey(VALKEY);

  @Override
  protected DropwizardAppExtension<PulsarProxyConfiguration> app() {
    return APP;
  }
}
