package io.pulsarproxy.deploy;

import static io.pulsarproxy.testing.Http.PUBLISHER;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.pulsarproxy.PulsarProxyApplication;
import io.pulsarproxy.PulsarProxyConfiguration;
import io.pulsarproxy.testing.Http;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * deploy/ and runbooks/ agree with the code: probe paths and ports answer, every metric an alert or
 * dashboard names is in a real scrape, every runbook link resolves.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class DeployFilesTest {
  static final DropwizardAppExtension<PulsarProxyConfiguration> APP =
      new DropwizardAppExtension<>(
          PulsarProxyApplication.class, ResourceHelpers.resourceFilePath("test-config.yml"));

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Pattern METRIC =
      Pattern.compile("\\b(pulsar_[a-z_]+|jvm_[a-z_]+|io_dropwizard_[A-Za-z0-9_]+)\\b");
  private static String scrape;

  @BeforeAll
  static void scrapeAfterSomeTraffic() {
    Http http = new Http(APP.getLocalPort());
    http.postJson("/api/v1/topics/deploy.check/messages", PUBLISHER, "{\"payload\":1}");
    http.postJson("/api/v1/topics/deploy.check/messages", PUBLISHER, "{}");
    // A consumer group served here: its lag and pending gauges exist from then on.
    http.postJson(
        "/api/v1/topics/deploy.check/groups/g/fetch", PUBLISHER, "{\"consumer\":\"c\",\"wait\":0}");
    Http admin = new Http(APP.getAdminPort());
    // After two delivery-probe round trips, so that the probe's series carry samples, and once the
    // group's series are there.
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              scrape = admin.get("/prometheus", null).body();
              return probeRoundTrips(scrape) >= 2 && scrape.contains("pulsar_group_lag");
            });
  }

  private static double probeRoundTrips(String scrape) {
    for (String line : scrape.split("\n")) {
      if (line.startsWith("pulsar_probe_latency") && line.contains("_count")) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return 0;
  }

  private static Set<String> exported() {
    Set<String> names = new TreeSet<>();
    for (String line : scrape.split("\n")) {
      if (!line.isEmpty() && !line.startsWith("#")) {
        names.add(line.split("[{ ]")[0]);
      }
    }
    return names;
  }

  /**
   * A name used in PromQL exists as exported, or as the family of a summary/histogram. JVM metrics
   * are left out: Dropwizard registers them in {@code Application.run}, which the test harness does
   * not call (checked by hand against a running jar: jvm_memory_heap_used/max).
   */
  private static boolean isExported(String name, Set<String> exported) {
    return name.startsWith("jvm_")
        || exported.contains(name)
        || exported.contains(name + "_count")
        || exported.stream().anyMatch(e -> e.startsWith(name + "_"));
  }

  @Test
  void everyAlertNamesExportedMetricsAndAnExistingRunbook() throws IOException {
    JsonNode rules = YAML.readTree(Path.of("deploy/prometheus/alerts.yml").toFile());
    Set<String> exported = exported();
    int alerts = 0;
    for (JsonNode group : rules.get("groups")) {
      for (JsonNode rule : group.get("rules")) {
        String name = rule.get("alert").asText();
        alerts++;
        Matcher m = METRIC.matcher(rule.get("expr").asText());
        boolean any = false;
        while (m.find()) {
          any = true;
          assertTrue(isExported(m.group(1), exported), name + " uses " + m.group(1));
        }
        assertTrue(any, name + " names no metric");
        String runbook = rule.get("annotations").get("runbook_url").asText();
        assertTrue(Files.isRegularFile(Path.of(runbook)), name + " links " + runbook);
      }
    }
    assertTrue(alerts >= 7, "alerts: " + alerts);
  }

  @Test
  void everyDashboardQueryNamesExportedMetrics() throws IOException {
    String dashboard = Files.readString(Path.of("deploy/grafana/pulsar-proxy-dashboard.json"));
    new ObjectMapper().readTree(dashboard); // valid JSON
    Set<String> exported = exported();
    Matcher m = METRIC.matcher(dashboard);
    int used = 0;
    while (m.find()) {
      used++;
      assertTrue(isExported(m.group(1), exported), "the dashboard uses " + m.group(1));
    }
    assertTrue(used > 10, "queries: " + used);
  }

  @Test
  void probePathsAndPortsInTheManifestsAnswer() throws IOException {
    Http app = new Http(APP.getLocalPort());
    String deployment = Files.readString(Path.of("deploy/kubernetes/deployment.yaml"));
    List<String> paths = new ArrayList<>();
    Matcher m = Pattern.compile("path: (/\\S+)").matcher(deployment);
    while (m.find()) {
      paths.add(m.group(1));
    }
    assertTrue(paths.containsAll(List.of("/health/live", "/health/ready")), paths.toString());
    assertTrue(
        deployment.contains("containerPort: 8080") && deployment.contains("containerPort: 8081"));
    for (String path : paths) {
      if (path.startsWith("/health")) {
        assertEquals(200, app.get(path, null).status(), path);
      }
    }
    assertTrue(Files.readString(Path.of("deploy/haproxy.cfg")).contains("uri /health/ready"));
    assertTrue(Files.readString(Path.of("deploy/Dockerfile")).contains("/health/live"));
    String monitor = Files.readString(Path.of("deploy/kubernetes/servicemonitor.yaml"));
    assertTrue(monitor.contains("path: /prometheus"));
    assertEquals(200, new Http(APP.getAdminPort()).get("/prometheus", null).status());
    assertNotEquals(404, app.get("/health/ready", null).status());
  }

  @Test
  void everyLinkBetweenRunbooksAndDocsResolves() throws IOException {
    Pattern link = Pattern.compile("\\]\\(([^)#:]+\\.md)(#[^)]*)?\\)");
    List<String> broken = new ArrayList<>();
    try (Stream<Path> files =
        Stream.of("runbooks", "docs", "deploy")
            .flatMap(
                dir -> {
                  try {
                    return Files.walk(Path.of(dir));
                  } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                  }
                })) {
      for (Path file : files.filter(p -> p.toString().endsWith(".md")).toList()) {
        Matcher m = link.matcher(Files.readString(file));
        while (m.find()) {
          if (!Files.exists(file.getParent().resolve(m.group(1)))) {
            broken.add(file + " -> " + m.group(1));
          }
        }
      }
    }
    assertFalse(broken.stream().findAny().isPresent(), "broken links: " + broken);
  }
}
