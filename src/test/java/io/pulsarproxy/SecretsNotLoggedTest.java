package io.pulsarproxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.pulsarproxy.auth.TestJwts;
import io.pulsarproxy.auth.TokenHasher;
import io.pulsarproxy.testing.Http;
import io.pulsarproxy.testing.Http.Reply;
import io.pulsarproxy.testing.SseClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * No token secret or hash ever reaches a log line, the request log, an error body, or the metrics
 * on the admin port, whatever a client sends.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class SecretsNotLoggedTest {
  static final Path APP_LOG =
      Path.of("target", "test-logs", "secrets-" + UUID.randomUUID() + ".log");
  static final Path REQUEST_LOG =
      Path.of("target", "test-logs", "secrets-requests-" + UUID.randomUUID() + ".log");

  static final DropwizardAppExtension<PulsarProxyConfiguration> APP =
      new DropwizardAppExtension<>(
          PulsarProxyApplication.class,
          ResourceHelpers.resourceFilePath("test-config.yml"),
          ConfigOverride.config("logging.loggers.io\\.pulsarproxy", "DEBUG"),
          ConfigOverride.config("auth.jwt.hmacSecret", TestJwts.SECRET),
          // Closed event streams are noticed at the next keep-alive; soon, so the stop is quick.
          ConfigOverride.config("delivery.sseKeepAlive", "200ms"),
          ConfigOverride.config("logging.appenders[1].currentLogFilename", APP_LOG.toString()),
          ConfigOverride.config(
              "server.requestLog.appenders[0].currentLogFilename", REQUEST_LOG.toString()));

  private static final String UNKNOWN = "unknown-secret-7f3a";

  /** JWTs: one accepted, one expired, one with a bad signature, one not allowed the topic. */
  private static final List<String> JWTS =
      List.of(
          TestJwts.hs256(TestJwts.claims("jwt-ok", 600, List.of("*"), List.of("*"))),
          TestJwts.hs256(TestJwts.claims("jwt-expired", -60, List.of("*"), List.of("*"))),
          TestJwts.hs256(
              "some-other-secret-of-32-bytes-at-least".getBytes(StandardCharsets.UTF_8),
              TestJwts.claims("jwt-bad", 600, List.of("*"), List.of("*"))),
          TestJwts.hs256(TestJwts.claims("jwt-nowhere", 600, List.of(), List.of())));

  private static final List<String> SECRETS = secrets();

  private static List<String> secrets() {
    List<String> all =
        new java.util.ArrayList<>(
            List.of(Http.PUBLISHER, Http.ORDERS_ONLY, Http.LIMITED, Http.READER, UNKNOWN));
    all.addAll(JWTS);
    return all;
  }

  @Test
  void secretsAndTheirHashesAppearNowhere() throws Exception {
    Http http = new Http(APP.getLocalPort());
    StringBuilder bodies = new StringBuilder();
    for (String secret : SECRETS) {
      bodies.append(
          http.postJson("/api/v1/topics/orders.x/messages", secret, "{\"payload\":1}").body());
      bodies.append(
          http.postJson("/api/v1/topics/payments/messages", secret, "{\"payload\":1}").body());
      bodies.append(http.postJson("/api/v1/topics/bad%20topic/messages", secret, "{}").body());
      bodies.append(http.get("/api/v1/topics/orders.x?access_token=" + secret, null).body());
      Reply lowercase =
          http.send(
              http.request("/api/v1/topics/orders.x", null)
                  .header("Authorization", "bearer " + secret));
      bodies.append(lowercase.body());
    }
    // Every secret as an event stream's access_token too (the one place a URL may carry it).
    HttpClient sseHttp = HttpClient.newHttpClient();
    for (String secret : SECRETS) {
      try (SseClient sse =
          SseClient.open(
              sseHttp,
              URI.create("http://127.0.0.1:" + APP.getLocalPort()),
              "/api/v1/topics/orders.x/events?access_token=" + secret,
              null)) {
        bodies.append(sse.body());
      }
    }
    // Metrics are scraped by more systems than logs are read by: neither may carry a secret.
    Http admin = new Http(APP.getAdminPort());
    bodies.append(admin.get("/prometheus", null).body());
    bodies.append(admin.get("/metrics", null).body());
    // Logback writes synchronously; both files are complete once the answers are in.
    String everything =
        Files.readString(APP_LOG, StandardCharsets.UTF_8)
            + Files.readString(REQUEST_LOG, StandardCharsets.UTF_8)
            + bodies;
    assertFalse(Files.readString(REQUEST_LOG, StandardCharsets.UTF_8).isEmpty());
    for (String jwt : JWTS) {
      String signature = jwt.substring(jwt.lastIndexOf('.') + 1);
      assertFalse(everything.contains(signature), "the signature of a JWT leaked");
      assertFalse(
          everything.contains(jwt.substring(0, jwt.lastIndexOf('.'))), "a JWT's body leaked");
    }
    for (String secret : SECRETS) {
      assertFalse(everything.contains(secret), "secret " + secret + " leaked");
      assertFalse(
          everything.contains(TokenHasher.sha256Hex(secret)), "hash of " + secret + " leaked");
    }
    assertEquals(401, http.get("/api/v1/topics/orders.x", UNKNOWN).status());
  }
}
