package io.pulsarproxy;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pulsarproxy.testing.ProxyProcess;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A misconfigured store stops the start with one sentence naming the setting and what to set, the
 * way Dropwizard reports its own validation errors: no stack trace, no half-started server.
 */
class StartupMistakesTest {
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "VALKEY_MODE=cluster | store.mode cluster needs store.nodes (VALKEY_NODES",
        "VALKEY_MODE=sentinel | store.mode sentinel needs store.masterName (VALKEY_MASTER_NAME)",
        "VALKEY_MODE=sentinel,VALKEY_MASTER_NAME=m,VALKEY_SENTINELS=nohost"
            + " | store.sentinels and store.nodes entries must look like host:port",
        "VALKEY_URL=http://secret@example | store.url must look like redis://"
      })
  void aStoreMistakeStopsTheStartWithOneSentence(String env, String sentence) throws Exception {
    Map<String, String> variables = new java.util.HashMap<>();
    for (String pair : env.split(",")) {
      String[] kv = pair.split("=", 2);
      variables.put(kv[0], kv[1]);
    }
    try (ProxyProcess proxy = ProxyProcess.start(variables)) {
      assertTrue(proxy.process().waitFor(60, TimeUnit.SECONDS), "the start did not stop");
      assertNotEquals(0, proxy.process().exitValue());
      String log = proxy.log();
      assertTrue(log.contains(sentence), log);
      assertFalse(log.contains("\tat "), "a stack trace: " + log);
      assertFalse(log.contains("secret"), "the url's credentials are not echoed: " + log);
    }
  }
}
