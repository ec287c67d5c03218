package io.pulsarproxy.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.pulsarproxy.PulsarProxyApplication;
import io.pulsarproxy.PulsarProxyConfiguration;
import io.pulsarproxy.testing.Http;
import io.pulsarproxy.testing.Http.Reply;
import java.net.http.HttpRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** With an admin token configured, the admin port asks for it except where scrapers look. */
@ExtendWith(DropwizardExtensionsSupport.class)
class AdminGuardTest {
  static final String ADMIN_SECRET = "admin-secret";

  static final DropwizardAppExtension<PulsarProxyConfiguration> APP =
      new DropwizardAppExtension<>(
          PulsarProxyApplication.class,
          ResourceHelpers.resourceFilePath("test-config.yml"),
          ConfigOverride.config(
              "operations.adminTokenSha256",
              "16175223c8ddce5ace0493c948569c211b03c4c6bb3d3e484434999448cffe01"));

  private Reply post(String path, String token) {
    Http admin = new Http(APP.getAdminPort());
    return admin.send(admin.request(path, token).POST(HttpRequest.BodyPublishers.noBody()));
  }

  @Test
  void tasksAndAdminPagesNeedTheToken() {
    Http admin = new Http(APP.getAdminPort());
    Reply anonymous = post("/tasks/connections", null);
    assertEquals(401, anonymous.status(), anonymous.toString());
    assertEquals("unauthorized", anonymous.json().get("error").asText());
    assertTrue(anonymous.header("WWW-Authenticate").startsWith("Bearer"));
    assertEquals(401, post("/tasks/connections", "wrong").status());
    assertEquals(401, post("/tasks/connections", "publisher-secret").status());
    assertEquals(401, admin.get("/metrics", null).status());
    assertEquals(401, admin.get("/threads", null).status());

    Reply allowed = post("/tasks/connections", ADMIN_SECRET);
    assertEquals(200, allowed.status(), allowed.toString());
    assertEquals(200, admin.get("/metrics", ADMIN_SECRET).status());
  }

  @Test
  void healthAndPrometheusStayOpenForProbesAndScrapers() {
    Http admin = new Http(APP.getAdminPort());
    assertEquals(200, admin.get("/healthcheck", null).status());
    assertEquals(200, admin.get("/ping", null).status());
    assertEquals(200, admin.get("/prometheus", null).status());
  }
}
