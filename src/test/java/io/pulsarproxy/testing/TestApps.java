package io.pulsarproxy.testing;

import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.pulsarproxy.PulsarProxyApplication;
import io.pulsarproxy.PulsarProxyConfiguration;
import java.util.ArrayList;
import java.util.List;

/** Proxies for end-to-end tests: test-config.yml on the memory store or a test Valkey. */
public final class TestApps {
  private static final String CONFIG = ResourceHelpers.resourceFilePath("test-config.yml");

  private TestApps() {}

  public static DropwizardAppExtension<PulsarProxyConfiguration> memory(
      ConfigOverride... overrides) {
    List<ConfigOverride> all =
        new ArrayList<>(List.of(ConfigOverride.config("store.type", "memory")));
    all.addAll(List.of(overrides));
    return new DropwizardAppExtension<>(
        PulsarProxyApplication.class, CONFIG, all.toArray(ConfigOverride[]::new));
  }

  public static DropwizardAppExtension<PulsarProxyConfiguration> valkey(
      ValkeyTestServer valkey, ConfigOverride... overrides) {
    List<ConfigOverride> all =
        new ArrayList<>(
            List.of(
                ConfigOverride.config("store.type", "valkey"),
                ConfigOverride.config("store.url", valkey::url)));
    all.addAll(List.of(overrides));
    return new DropwizardAppExtension<>(
        PulsarProxyApplication.class, CONFIG, all.toArray(ConfigOverride[]::new));
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
