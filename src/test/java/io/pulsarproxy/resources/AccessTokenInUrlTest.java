package io.pulsarproxy.resources;

import static io.pulsarproxy.testing.Http.PUBLISHER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.pulsarproxy.PulsarProxyConfiguration;
import io.pulsarproxy.testing.Http;
import io.pulsarproxy.testing.SseClient;
import io.pulsarproxy.testing.TestApps;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code ?access_token=} is read only where browsers need it (event streams; WebSocket upgrades are
 * covered in DeliveryContract) and refused with 400 everywhere else, before authentication.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class AccessTokenInUrlTest {
  // Closed event streams are noticed at the next keep-alive; soon, so the stop is quick.
  static final DropwizardAppExtension<PulsarProxyConfiguration> APP =
      TestApps.memory(ConfigOverride.config("delivery.sseKeepAlive", "200ms"));

  private void assertRefused(Http.Reply r) {
    assertEquals(400, r.status(), r.toString());
    assertEquals("access_token_not_allowed", r.json().get("error").asText());
    assertFalse(r.body().contains(PUBLISHER), r.body());
  }

  @Test
  void restEndpointsRefuseTheTokenInTheUrl() {
    Http http = new Http(APP.getLocalPort());
    String query = "?access_token=" + PUBLISHER;
    assertRefused(http.postJson("/api/v1/topics/url.t/messages" + query, null, "{\"payload\":1}"));
    assertRefused(
        http.postJson("/api/v1/messages" + query, null, "{\"topic\":\"url.t\",\"payload\":1}"));
    assertRefused(
        http.postJson(
            "/api/v1/topics/url.t/messages/batch" + query,
            null,
            "{\"messages\":[{\"payload\":1}]}"));
    assertRefused(http.get("/api/v1/topics/url.t/messages" + query + "&wait=0", null));
    assertRefused(http.get("/api/v1/topics/url.t" + query, null));
    // Even with a valid header beside it, and even with a wrong token: refused, not 401.
    assertRefused(http.get("/api/v1/topics/url.t" + query, PUBLISHER));
    assertRefused(http.get("/api/v1/topics/url.t?access_token=wrong", null));
    // Nothing was stored meanwhile.
    assertEquals(0, http.get("/api/v1/topics/url.t", PUBLISHER).json().get("length").asLong());
  }

  @Test
  void anEventStreamTakesTheTokenInTheUrl() throws Exception {
    try (SseClient sse =
        SseClient.open(
            HttpClient.newHttpClient(),
            URI.create("http://127.0.0.1:" + APP.getLocalPort()),
            "/api/v1/topics/url.s/events?access_token=" + PUBLISHER,
            null)) {
      assertEquals(200, sse.status(), sse.body());
      sse.awaitLine("subscribed", Duration.ofSeconds(10));
    }
  }
}
