package io.pulsarproxy.testing;

import io.dropwizard.core.Application;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.DropwizardTestSupport;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.pulsarproxy.PulsarProxyApplication;
import io.pulsarproxy.PulsarProxyConfiguration;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/** Proxies for end-to-end tests: test-config.yml on the memory store or a test Valkey. */
public final class TestApps {
  private static final String CONFIG = ResourceHelpers.resourceFilePath("test-config.yml");

  private TestApps() {}

  public static DropwizardAppExtension<PulsarProxyConfiguration> memory(
      ConfigOverride... overrides) {
    return memory(Clock.systemUTC(), overrides);
  }

  /** On the memory store, with time the test moves forward ({@link TestClock}). */
  public static DropwizardAppExtension<PulsarProxyConfiguration> memory(
      Clock clock, ConfigOverride... overrides) {
    List<ConfigOverride> all =
        new ArrayList<>(List.of(ConfigOverride.config("store.type", "memory")));
    all.addAll(List.of(overrides));
    return withClock(clock, CONFIG, all.toArray(ConfigOverride[]::new));
  }

  public static DropwizardAppExtension<PulsarProxyConfiguration> valkey(
      ValkeyTestServer valkey, ConfigOverride... overrides) {
    return valkey(valkey, Clock.systemUTC(), overrides);
  }

  /** On Valkey, with time the test moves forward (Valkey's own time does not move with it). */
  public static DropwizardAppExtension<PulsarProxyConfiguration> valkey(
      ValkeyTestServer valkey, Clock clock, ConfigOverride... overrides) {
    List<ConfigOverride> all =
        new ArrayList<>(
            List.of(
                ConfigOverride.config("store.type", "valkey"),
                ConfigOverride.config("store.url", valkey::url)));
    all.addAll(List.of(overrides));
    return withClock(clock, CONFIG, all.toArray(ConfigOverride[]::new));
  }

  /** A proxy built with {@code new PulsarProxyApplication(clock)}. */
  public static DropwizardAppExtension<PulsarProxyConfiguration> withClock(
      Clock clock, String config, ConfigOverride... overrides) {
    return new DropwizardAppExtension<>(
        new DropwizardTestSupport<>(PulsarProxyApplication.class, config, overrides) {
          @Override
          public Application<PulsarProxyConfiguration> newApplication() {
            return new PulsarProxyApplication(clock);
          }
        });
  }

  /**
   * One of several instances in one test class: its overrides live under a prefix of its own.
   * Overrides are system properties, and two instances restoring the same ones would leak them into
   * later test classes.
   *
   * @param keysAndValues further overrides: key, value, key, value...
   */
  public static DropwizardAppExtension<PulsarProxyConfiguration> instance(
      String prefix, ValkeyTestServer valkey, String... keysAndValues) {
    List<ConfigOverride> all =
        new ArrayList<>(
            List.of(
                ConfigOverride.config(prefix, "store.type", "valkey"),
                ConfigOverride.config(prefix, "store.url", valkey::url)));
    for (int i = 0; i + 1 < keysAndValues.length; i += 2) {
      all.add(ConfigOverride.config(prefix, keysAndValues[i], keysAndValues[i + 1]));
    }
    return new DropwizardAppExtension<>(
        PulsarProxyApplication.class, CONFIG, prefix, all.toArray(ConfigOverride[]::new));
  }
}
