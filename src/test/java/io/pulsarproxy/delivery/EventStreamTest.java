package io.pulsarproxy.delivery;

import static io.pulsarproxy.testing.Http.PUBLISHER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.pulsarproxy.PulsarProxyApplication;
import io.pulsarproxy.PulsarProxyConfiguration;
import io.pulsarproxy.testing.Http;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Server-Sent Events over real HTTP: ids, resume with Last-Event-ID, keep-alive comments. */
@ExtendWith(DropwizardExtensionsSupport.class)
class EventStreamTest {
  static final DropwizardAppExtension<PulsarProxyConfiguration> APP =
      new DropwizardAppExtension<>(
          PulsarProxyApplication.class,
          ResourceHelpers.resourceFilePath("test-config.yml"),
          ConfigOverride.config("delivery.sseKeepAlive", "300ms"));

  private final HttpClient client = HttpClient.newHttpClient();
  private Http http;
  private String topic;

  @BeforeEach
  void setUp() {
    http = new Http(APP.getLocalPort());
    topic = "t." + UUID.randomUUID();
  }

  /** An open event stream: its lines arrive in a queue, read by a thread of its own. */
  private final class Stream implements AutoCloseable {
    final BlockingQueue<String> lines = new ArrayBlockingQueue<>(100_000);
    final InputStream body;
    final int status;

    Stream(String query, String lastEventId) throws Exception {
      HttpRequest.Builder request =
          HttpRequest.newBuilder(
                  URI.create(
                      "http://127.0.0.1:"
                          + APP.getLocalPort()
                          + "/api/v1/topics/"
                          + topic
                          + "/events"
                          + (query == null ? "" : "?" + query)))
              .header("Authorization", "Bearer " + PUBLISHER)
              .header("Accept", "text/event-stream");
      if (lastEventId != null) {
        request.header("Last-Event-ID", lastEventId);
      }
      HttpResponse<InputStream> response =
          client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
      status = response.statusCode();
      body = response.body();
      Thread reader =
          new Thread(
              () -> {
                try (BufferedReader r =
                    new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                  String line;
                  while ((line = r.readLine()) != null) {
                    lines.add(line);
                  }
                } catch (IOException e) {
                  // closed by the test
                }
              });
      reader.setDaemon(true);
      reader.start();
    }

    /** The next event as its field lines (id, event, data), skipping comments. */
    List<String> nextEvent(String name) throws InterruptedException {
      List<String> event = new ArrayList<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (System.nanoTime() < deadline) {
        String line = lines.poll(100, TimeUnit.MILLISECONDS);
        if (line == null || line.startsWith(":")) {
          continue;
        }
        if (line.isEmpty()) {
          if (event.contains("event: " + name) || event.contains("event:" + name)) {
            return event;
          }
          event = new ArrayList<>();
        } else {
          event.add(line);
        }
      }
      throw new AssertionError("no '" + name + "' event");
    }

    boolean sawComment(Duration within) throws InterruptedException {
      long deadline = System.nanoTime() + within.toNanos();
      while (System.nanoTime() < deadline) {
        String line = lines.poll(50, TimeUnit.MILLISECONDS);
        if (line != null && line.startsWith(":")) {
          return true;
        }
      }
      return false;
    }

    @Override
    public void close() throws IOException {
      body.close();
    }
  }

  private static String field(List<String> event, String name) {
    for (String line : event) {
      if (line.startsWith(name + ":")) {
        return line.substring(name.length() + 1).trim();
      }
    }
    throw new AssertionError("no " + name + " in " + event);
  }

  private String publish(int seq) {
    return http.postJson(
            "/api/v1/topics/" + topic + "/messages",
            PUBLISHER,
            "{\"payload\":{\"seq\":" + seq + "}}")
        .json()
        .get("id")
        .asText();
  }

  @Test
  void eventsCarryTheEntryIdAndAReconnectResumesWithLastEventId() throws Exception {
    List<String> ids = new ArrayList<>();
    try (Stream stream = new Stream(null, null)) {
      assertEquals(200, stream.status);
      stream.nextEvent("subscribed");
      for (int i = 0; i < 3; i++) {
        ids.add(publish(i));
      }
      for (int i = 0; i < 3; i++) {
        List<String> event = stream.nextEvent("message");
        assertEquals(ids.get(i), field(event, "id"));
        assertTrue(field(event, "data").contains("\"seq\":" + i), event.toString());
      }
    }
    // Missed while disconnected:
    publish(3);
    publish(4);
    try (Stream resumed = new Stream(null, ids.get(2))) {
      assertTrue(field(resumed.nextEvent("message"), "data").contains("\"seq\":3"));
      assertTrue(field(resumed.nextEvent("message"), "data").contains("\"seq\":4"));
      publish(5);
      assertTrue(field(resumed.nextEvent("message"), "data").contains("\"seq\":5"));
    }
  }

  @Test
  void fromEarliestAndKeepAliveComments() throws Exception {
    publish(0);
    try (Stream stream = new Stream("from=earliest", null)) {
      assertTrue(field(stream.nextEvent("message"), "data").contains("\"seq\":0"));
      assertTrue(stream.sawComment(Duration.ofSeconds(3)), "a keep-alive comment");
    }
  }

  @Test
  void badRequestsAreRefusedWithJsonBeforeTheStreamStarts() {
    var bad =
        http.send(
            http.request("/api/v1/topics/" + topic + "/events?from=yesterday", PUBLISHER)
                .header("Accept", "text/event-stream"));
    assertEquals(400, bad.status(), bad.toString());
    assertEquals("invalid_id", bad.json().get("error").asText());
    var anonymous =
        http.send(
            http.request("/api/v1/topics/" + topic + "/events", null)
                .header("Accept", "text/event-stream"));
    assertEquals(401, anonymous.status(), anonymous.toString());
    var forbidden =
        http.send(
            http.request("/api/v1/topics/payments/events", Http.ORDERS_ONLY)
                .header("Accept", "text/event-stream"));
    assertEquals(403, forbidden.status(), forbidden.toString());
  }
}
