package io.pulsarproxy.resources;

import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.pulsarproxy.PulsarProxyConfiguration;
import io.pulsarproxy.testing.TestApps;
import io.pulsarproxy.testing.TestClock;
import io.pulsarproxy.testing.ValkeyTestServer;
import java.time.Clock;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The publish API contract on a real valkey-server/redis-server started for this class. */
class ValkeyStorePublishApiTest extends PublishApiContract {
  @RegisterExtension static final ValkeyTestServer VALKEY = new ValkeyTestServer();

  static final TestClock CLOCK = TestClock.system();

  static final DropwizardAppExtension<PulsarProxyConfiguration> APP =
      TestApps.valkey(
          VALKEY,
          CLOCK,
          ConfigOverride.config("store.commandTimeout", "1s"),
          ConfigOverride.config("store.poolWait", "1s"));

  @Override
  protected DropwizardAppExtension<PulsarProxyConfiguration> app() {
    return APP;
  }

  @Override
  protected TestClock clock() {
    return CLOCK;
  }

  @Override
  protected Clock storeClock() {
    return Clock.systemUTC(); // Valkey stamps entries with its own time, on this machine
  }
}
