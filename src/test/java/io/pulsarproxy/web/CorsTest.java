package io.pulsarproxy.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.pulsarproxy.PulsarProxyConfiguration;
import io.pulsarproxy.testing.Http;
import io.pulsarproxy.testing.ProxyProcess;
import io.pulsarproxy.testing.TestApps;
import io.pulsarproxy.testing.ValkeyTestServer;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * CORS on the application port, over real HTTP on Valkey (so publishes take the inline path on the
 * selector thread): one proxy with the shipped empty {@code allowedOrigins} (any origin), one with
 * a list. Every kind of answer a page reads is checked, the error answers included, and the admin
 * port is left alone.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class CorsTest {
  static final String TOKEN = "pp-dev-token";
  @RegisterExtension static final ValkeyTestServer VALKEY = new ValkeyTestServer();

  static final String APP_ORIGIN = "https://app.example.com";
  static final String EVIL = "https://evil.example";

  /** The shipped config.yml: an empty {@code allowedOrigins}, so any origin. */
  static ProxyProcess shipped;

  static final DropwizardAppExtension<PulsarProxyConfiguration> LISTED =
      TestApps.instance(
          "cors-listed",
          VALKEY,
          "delivery.allowedOrigins",
          APP_ORIGIN + ",https://other.example.com");

  static int ANY;

  @BeforeAll
  static void startShipped() throws Exception {
    shipped = ProxyProcess.start(Map.of("VALKEY_URL", VALKEY.url())).awaitReady();
    ANY = shipped.port();
  }

  @AfterAll
  static void stopShipped() {
    if (shipped != null) {
      shipped.close();
    }
  }

  private static final String MESSAGE = "{\"payload\":{\"n\":1}}";

  private Http.Reply send(int app, HttpRequest.Builder b) {
    return new Http(app).send(b);
  }

  private HttpRequest.Builder req(int app, String path, String origin) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app + path))
            .timeout(Duration.ofSeconds(10));
    if (origin != null) {
      b.header("Origin", origin);
    }
    return b;
  }

  private Http.Reply publish(int app, String origin, String token) {
    HttpRequest.Builder b =
        req(app, "/api/v1/topics/cors.t/messages", origin)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(MESSAGE));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return send(app, b);
  }

  private Http.Reply preflight(int app, String path, String origin) {
    return send(
        app,
        req(app, path, origin)
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "authorization, content-type")
            .method("OPTIONS", HttpRequest.BodyPublishers.noBody()));
  }

  @Test
  void anyOriginGetsTheStarOnPublishesAndTheirErrors() {
    Http.Reply ok = publish(ANY, EVIL, TOKEN);
    assertEquals(201, ok.status(), ok.body());
    assertEquals("*", ok.header("Access-Control-Allow-Origin"));
    assertTrue(ok.header("Access-Control-Expose-Headers").contains("Retry-After"));

    Http.Reply unauthorized = publish(ANY, EVIL, null);
    assertEquals(401, unauthorized.status());
    assertEquals("unauthorized", unauthorized.json().get("error").asText());
    assertEquals("*", unauthorized.header("Access-Control-Allow-Origin"));

    Http.Reply badJson =
        send(
            ANY,
            req(ANY, "/api/v1/topics/cors.t/messages", EVIL)
                .header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{")));
    assertEquals(400, badJson.status());
    assertEquals("invalid_json", badJson.json().get("error").asText());
    assertEquals("*", badJson.header("Access-Control-Allow-Origin"));

    Http.Reply batch =
        send(
            ANY,
            req(ANY, "/api/v1/messages/batch", EVIL)
                .header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"topic\":\"cors.t\",\"messages\":[" + MESSAGE + "]}")));
    assertEquals(201, batch.status(), batch.body());
    assertEquals("*", batch.header("Access-Control-Allow-Origin"));
  }

  @Test
  void noOriginNoCorsHeaders() {
    Http.Reply ok = publish(ANY, null, TOKEN);
    assertEquals(201, ok.status());
    assertNull(ok.header("Access-Control-Allow-Origin"));
    Http.Reply read =
        send(ANY, req(ANY, "/api/v1/topics/cors.t", null).header("Authorization", "Bearer x"));
    assertEquals(401, read.status());
    assertNull(read.header("Access-Control-Allow-Origin"));
  }

  @Test
  void readsLongPollsTopicInfoAndTheirErrorsCarryTheHeader() {
    String auth = "Bearer " + TOKEN;
    for (String path :
        new String[] {
          "/api/v1/topics/cors.t", "/api/v1/topics/cors.t/messages?wait=0", "/health/ready"
        }) {
      Http.Reply r = send(ANY, req(ANY, path, EVIL).header("Authorization", auth));
      assertEquals(200, r.status(), path + " " + r.body());
      assertEquals("*", r.header("Access-Control-Allow-Origin"), path);
    }
    Http.Reply badLimit =
        send(
            ANY,
            req(ANY, "/api/v1/topics/cors.t/messages?limit=0", EVIL).header("Authorization", auth));
    assertEquals(400, badLimit.status());
    assertEquals("invalid_limit", badLimit.json().get("error").asText());
    assertEquals("*", badLimit.header("Access-Control-Allow-Origin"));
    Http.Reply unauthorized =
        send(ANY, req(ANY, "/api/v1/topics/cors.t", EVIL).header("Authorization", "Bearer nope"));
    assertEquals(401, unauthorized.status());
    assertEquals("*", unauthorized.header("Access-Control-Allow-Origin"));
    assertTrue(unauthorized.header("Access-Control-Expose-Headers").contains("WWW-Authenticate"));
    Http.Reply notFound = send(ANY, req(ANY, "/api/v1/nothing-here", EVIL));
    assertEquals(404, notFound.status());
    assertEquals("*", notFound.header("Access-Control-Allow-Origin"));
  }

  @Test
  void eventStreamsCarryTheHeader() throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    HttpResponse<InputStream> r =
        client.send(
            req(ANY, "/api/v1/topics/cors.t/events?access_token=" + TOKEN, EVIL)
                .header("Accept", "text/event-stream")
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream body = r.body()) {
      assertEquals(200, r.statusCode(), () -> "body: " + body);
      assertEquals("*", r.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
      assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
    }
  }

  @Test
  void preflightAllowsAuthorizationAndJson() {
    for (String path :
        new String[] {
          "/api/v1/topics/cors.t/messages",
          "/api/v1/messages/batch",
          "/api/v1/topics/cors.t/messages?wait=5",
          "/api/v1/topics/cors.t/events"
        }) {
      Http.Reply r = preflight(ANY, path, EVIL);
      assertEquals(204, r.status(), path);
      assertEquals("*", r.header("Access-Control-Allow-Origin"));
      assertEquals("GET, POST, PUT, DELETE", r.header("Access-Control-Allow-Methods"));
      assertTrue(r.header("Access-Control-Allow-Headers").contains("Authorization"));
      assertTrue(r.header("Access-Control-Allow-Headers").contains("Content-Type"));
      assertEquals("600", r.header("Access-Control-Max-Age"));
    }
  }

  @Test
  void aListedOriginIsEchoedAndOthersGetNothing() {
    Http.Reply listed = publish(LISTED.getLocalPort(), APP_ORIGIN, Http.PUBLISHER);
    assertEquals(201, listed.status());
    assertEquals(APP_ORIGIN, listed.header("Access-Control-Allow-Origin"));
    assertTrue(listed.raw().headers().allValues("Vary").toString().contains("Origin"));

    Http.Reply listedError = publish(LISTED.getLocalPort(), APP_ORIGIN, null);
    assertEquals(401, listedError.status());
    assertEquals(APP_ORIGIN, listedError.header("Access-Control-Allow-Origin"));

    Http.Reply off = publish(LISTED.getLocalPort(), EVIL, Http.PUBLISHER);
    assertEquals(201, off.status(), "not a browser rule to enforce on the server");
    assertNull(off.header("Access-Control-Allow-Origin"));
    assertNull(off.header("Access-Control-Expose-Headers"));

    Http.Reply pre = preflight(LISTED.getLocalPort(), "/api/v1/topics/cors.t/messages", APP_ORIGIN);
    assertEquals(204, pre.status());
    assertEquals(APP_ORIGIN, pre.header("Access-Control-Allow-Origin"));

    Http.Reply offPre = preflight(LISTED.getLocalPort(), "/api/v1/topics/cors.t/messages", EVIL);
    assertEquals(403, offPre.status());
    assertEquals("forbidden", offPre.json().get("error").asText());
    assertNull(offPre.header("Access-Control-Allow-Origin"));
    assertNull(offPre.header("Access-Control-Allow-Methods"));
  }

  @Test
  void theAdminPortIsLeftAlone() {
    Http.Reply r =
        send(
            ANY,
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + shipped.adminPort() + "/healthcheck"))
                .header("Origin", EVIL));
    assertNull(r.header("Access-Control-Allow-Origin"));
  }
}
