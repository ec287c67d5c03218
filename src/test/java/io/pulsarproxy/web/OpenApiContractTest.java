package io.pulsarproxy.web;

import static io.pulsarproxy.testing.Http.LIMITED;
import static io.pulsarproxy.testing.Http.ORDERS_ONLY;
import static io.pulsarproxy.testing.Http.PUBLISHER;
import static io.pulsarproxy.testing.Http.READER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.ValidationReport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.pulsarproxy.PulsarProxyConfiguration;
import io.pulsarproxy.testing.Http;
import io.pulsarproxy.testing.TestApps;
import io.pulsarproxy.testing.ValkeyTestServer;
import io.swagger.parser.OpenAPIParser;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import jakarta.ws.rs.Path;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import org.glassfish.jersey.server.model.Resource;
import org.glassfish.jersey.server.model.ResourceMethod;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Keeps docs/openapi.yaml true. The document parses and validates; every documented operation and
 * status is produced by the running proxy (on a real Valkey), over real HTTP, and its answer is
 * validated against the document (swagger-request-validator); every route the server answers is in
 * the document, or on the short list of routes it cannot describe.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OpenApiContractTest {
  @RegisterExtension static final ValkeyTestServer VALKEY = new ValkeyTestServer();

  static final DropwizardAppExtension<PulsarProxyConfiguration> APP =
      TestApps.valkey(
          VALKEY,
          ConfigOverride.config("store.commandTimeout", "500ms"),
          ConfigOverride.config("store.poolWait", "500ms"),
          // the reader token holds at most one stream, for the 429 of event streams
          ConfigOverride.config("auth.tokens[3].maxConnections", "1"));

  /** Served, but not API: Swagger UI's page and files, and the WebSocket (docs/protocol.md). */
  static final Set<String> UNDESCRIBED = Set.of("GET /docs", "GET /docs/{file}", "GET /api/v1/ws");

  /** Routes served outside Jersey, by the publish handler; exercised below like the rest. */
  static final Set<String> PUBLISH_ROUTES =
      Set.of(
          "POST /api/v1/topics/{topic}/messages",
          "POST /api/v1/messages",
          "POST /api/v1/topics/{topic}/messages/batch",
          "POST /api/v1/messages/batch");

  static final String SPEC = readSpec();
  static final OpenApiInteractionValidator VALIDATOR =
      OpenApiInteractionValidator.createForInlineApiSpecification(SPEC).build();
  static final ObjectMapper JSON = new ObjectMapper();

  /** "METHOD template status" of every answer produced and validated. */
  static final Set<String> EXERCISED = new ConcurrentSkipListSet<>();

  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private static String readSpec() {
    try {
      return Files.readString(java.nio.file.Path.of("docs/openapi.yaml"));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  // ---- the document itself

  @Test
  @Order(1)
  void theDocumentParsesAndValidates() {
    ParseOptions options = new ParseOptions();
    options.setResolve(true);
    SwaggerParseResult result = new OpenAPIParser().readContents(SPEC, null, options);
    assertTrue(
        result.getMessages() == null || result.getMessages().isEmpty(),
        () -> "docs/openapi.yaml: " + result.getMessages());
    assertEquals("3.1.0", result.getOpenAPI().getOpenapi());
    assertTrue(result.getOpenAPI().getComponents().getSecuritySchemes().containsKey("bearer"));
  }

  @Test
  @Order(1)
  void theProxyServesTheDocumentAsYamlAndJson() throws Exception {
    Http.Reply yaml = exercise("GET", "/api/v1/openapi.yaml", "/api/v1/openapi.yaml", get(), 200);
    assertEquals(SPEC, yaml.body());
    Http.Reply json = exercise("GET", "/api/v1/openapi.json", "/api/v1/openapi.json", get(), 200);
    assertEquals(new YAMLMapper().readTree(SPEC), JSON.readTree(json.body()));
    Http.Reply js =
        exercise("GET", "/client/pulsar-proxy.js", "/client/pulsar-proxy.js", get(), 200);
    assertTrue(js.header("Content-Type").startsWith("text/javascript"));
    Http.Reply docs = new Http(APP.getLocalPort()).get("/docs", null);
    assertEquals(200, docs.status());
    assertTrue(docs.body().contains("/api/v1/openapi.json"));
    Http.Reply bundle = new Http(APP.getLocalPort()).get("/docs/swagger-ui-bundle.js", null);
    assertEquals(200, bundle.status());
    assertTrue(bundle.body().length() > 100_000);
    assertEquals(404, new Http(APP.getLocalPort()).get("/docs/index.html", null).status());
  }

  // ---- publishing: every status on each of the four publish operations

  record PublishOp(String template, String path, boolean batch, boolean topicInBody) {
    String body(String topic, String message) {
      String m =
          topicInBody && !batch
              ? message.replaceFirst("\\{", "{\"topic\":\"" + topic + "\",")
              : message;
      if (!batch) {
        return m;
      }
      return (topicInBody ? "{\"topic\":\"" + topic + "\"," : "{") + "\"messages\":[" + m + "]}";
    }

    String pathFor(String topic) {
      return path.replace("{topic}", topic);
    }
  }

  static final List<PublishOp> PUBLISH_OPS =
      List.of(
          new PublishOp(
              "/api/v1/topics/{topic}/messages", "/api/v1/topics/{topic}/messages", false, false),
          new PublishOp("/api/v1/messages", "/api/v1/messages", false, true),
          new PublishOp(
              "/api/v1/topics/{topic}/messages/batch",
              "/api/v1/topics/{topic}/messages/batch",
              true,
              false),
          new PublishOp("/api/v1/messages/batch", "/api/v1/messages/batch", true, true));

  private HttpRequest.Builder post(String token, String contentType, String body) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder().POST(HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return b;
  }

  @Test
  @Order(2)
  void publishOperations() {
    int n = 0;
    for (PublishOp op : PUBLISH_OPS) {
      String t = "contract.p" + n++;
      String json = "application/json";
      String ok = "{\"payload\":{\"n\":1},\"message_id\":\"m-" + t + "\"}";
      publish(op, op.pathFor(t), post(PUBLISHER, json, op.body(t, ok)), 201, null);
      if (!op.batch()) {
        publish(op, op.pathFor(t), post(PUBLISHER, json, op.body(t, ok)), 200, null);
      }
      // 400: a bad topic (path or body), bad JSON, a token in the URL
      publish(
          op,
          op.pathFor("bad..topic"),
          post(PUBLISHER, json, op.body("bad..topic", ok)),
          400,
          "invalid_topic");
      publish(op, op.pathFor(t), post(PUBLISHER, json, "{"), 400, "invalid_json");
      publish(
          op,
          op.pathFor(t) + "?access_token=" + PUBLISHER,
          post(null, json, op.body(t, ok)),
          400,
          "access_token_not_allowed");
      publish(op, op.pathFor(t), post(null, json, op.body(t, ok)), 401, "unauthorized");
      publish(
          op,
          op.pathFor("payments"),
          post(ORDERS_ONLY, json, op.body("payments", ok)),
          403,
          "forbidden");
      publish(
          op,
          op.pathFor(t),
          post(PUBLISHER, json, op.body(t, ok)).header("Accept", "text/plain"),
          406,
          "not_acceptable");
      publish(
          op,
          op.pathFor(t),
          post(PUBLISHER, json, op.body(t, "{\"payload\":\"" + "x".repeat(300 * 1024) + "\"}")),
          413,
          "payload_too_large");
      publish(
          op,
          op.pathFor(t),
          post(PUBLISHER, "text/plain", op.body(t, ok)),
          415,
          "unsupported_media_type");
      publish(
          op,
          op.pathFor(t),
          post(PUBLISHER, json, op.body(t, "{\"payload\":1,\"colour\":\"red\"}")),
          422,
          "invalid_message");
      // 429: the limited token (burst 3, 1/s) runs dry
      Http.Reply limited = null;
      for (int i = 0; i < 6 && (limited == null || limited.status() != 429); i++) {
        limited = send(op.pathFor(t), post(LIMITED, json, op.body(t, "{\"payload\":1}")));
      }
      assertEquals(429, limited.status(), limited.body());
      record("POST", op.template(), op.pathFor(t), limited, "rate_limited");
    }
  }

  private void publish(PublishOp op, String path, HttpRequest.Builder b, int status, String word) {
    exercise("POST", op.template(), path, b, status, word);
  }

  // ---- reads, topic info, event streams, health

  private HttpRequest.Builder get() {
    return HttpRequest.newBuilder().GET();
  }

  private HttpRequest.Builder get(String token) {
    return get().header("Authorization", "Bearer " + token);
  }

  @Test
  @Order(3)
  void readOperations() {
    String info = "/api/v1/topics/{topic}";
    String read = "/api/v1/topics/{topic}/messages";
    exercise("GET", info, "/api/v1/topics/contract.p0", get(PUBLISHER), 200);
    exercise("GET", info, "/api/v1/topics/never.had.one", get(PUBLISHER), 200);
    exercise("GET", info, "/api/v1/topics/bad..t", get(PUBLISHER), 400, "invalid_topic");
    exercise(
        "GET",
        info,
        "/api/v1/topics/x?access_token=" + PUBLISHER,
        get(),
        400,
        "access_token_not_allowed");
    exercise("GET", info, "/api/v1/topics/x", get(), 401, "unauthorized");
    exercise("GET", info, "/api/v1/topics/payments", get(ORDERS_ONLY), 403, "forbidden");
    exercise(
        "GET",
        info,
        "/api/v1/topics/x",
        get(PUBLISHER).header("Accept", "text/plain"),
        406,
        "not_acceptable");

    Http.Reply page =
        exercise(
            "GET",
            read,
            "/api/v1/topics/contract.p0/messages?after=0-0&wait=0",
            get(PUBLISHER),
            200);
    assertTrue(page.json().get("messages").size() >= 1, page.body());
    exercise("GET", read, "/api/v1/topics/contract.empty/messages?wait=1", get(PUBLISHER), 200);
    exercise(
        "GET", read, "/api/v1/topics/bad..t/messages?wait=0", get(PUBLISHER), 400, "invalid_topic");
    exercise(
        "GET", read, "/api/v1/topics/x/messages?after=x&wait=0", get(PUBLISHER), 400, "invalid_id");
    exercise(
        "GET",
        read,
        "/api/v1/topics/x/messages?limit=0&wait=0",
        get(PUBLISHER),
        400,
        "invalid_limit");
    exercise("GET", read, "/api/v1/topics/x/messages?wait=61", get(PUBLISHER), 400, "invalid_wait");
    exercise(
        "GET",
        read,
        "/api/v1/topics/x/messages?access_token=" + PUBLISHER,
        get(),
        400,
        "access_token_not_allowed");
    exercise("GET", read, "/api/v1/topics/x/messages?wait=0", get(), 401, "unauthorized");
    exercise(
        "GET", read, "/api/v1/topics/payments/messages?wait=0", get(ORDERS_ONLY), 403, "forbidden");
    exercise(
        "GET",
        read,
        "/api/v1/topics/x/messages?wait=0",
        get(PUBLISHER).header("Accept", "text/plain"),
        406,
        "not_acceptable");

    exercise("GET", "/health/live", "/health/live", get(), 200);
    exercise("GET", "/health/ready", "/health/ready", get(), 200);
  }

  // ---- consumer groups

  static final String GROUP = "/api/v1/topics/{topic}/groups/{group}";

  private HttpRequest.Builder send(String method, String token, String body) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder()
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return b;
  }

  @Test
  @Order(3)
  void groupOperations() {
    String topic = "/api/v1/topics/contract.g";
    String g = topic + "/groups/billing";
    String other = "/api/v1/topics/payments/groups/billing";
    String bad = topic + "/groups/bad!name";
    Http http = new Http(APP.getLocalPort());
    String first =
        http.postJson(topic + "/messages", PUBLISHER, "{\"payload\":1}").json().get("id").asText();
    String second =
        http.postJson(topic + "/messages", PUBLISHER, "{\"payload\":2}").json().get("id").asText();

    exercise("PUT", GROUP, g, send("PUT", PUBLISHER, "{\"from\":\"earliest\"}"), 201);
    exercise("PUT", GROUP, g, send("PUT", PUBLISHER, "{\"max_deliveries\":3}"), 200);
    exercise("PUT", GROUP, bad, send("PUT", PUBLISHER, null), 400, "invalid_group");
    exercise("PUT", GROUP, g, send("PUT", null, null), 401, "unauthorized");
    exercise("PUT", GROUP, other, send("PUT", ORDERS_ONLY, null), 403, "forbidden");
    exercise(
        "PUT",
        GROUP,
        g,
        send("PUT", PUBLISHER, null).header("Accept", "text/plain"),
        406,
        "not_acceptable");
    exercise("PUT", GROUP, g, send("PUT", PUBLISHER, "{\"colour\":1}"), 422, "invalid_request");

    exercise("GET", GROUP, g, send("GET", PUBLISHER, null), 200);
    exercise("GET", GROUP, bad, send("GET", PUBLISHER, null), 400, "invalid_group");
    exercise("GET", GROUP, g, send("GET", null, null), 401, "unauthorized");
    exercise("GET", GROUP, other, send("GET", ORDERS_ONLY, null), 403, "forbidden");
    exercise(
        "GET", GROUP, topic + "/groups/nobody", send("GET", PUBLISHER, null), 404, "unknown_group");
    exercise(
        "GET",
        GROUP,
        g,
        send("GET", PUBLISHER, null).header("Accept", "text/plain"),
        406,
        "not_acceptable");

    String fetch = GROUP + "/fetch";
    String fetchBody = "{\"consumer\":\"w1\",\"max\":10,\"wait\":0}";
    Http.Reply fetched =
        exercise("POST", fetch, g + "/fetch", send("POST", PUBLISHER, fetchBody), 200);
    assertEquals(2, fetched.json().get("messages").size(), fetched.body());
    exercise(
        "POST",
        fetch,
        g + "/fetch",
        send("POST", PUBLISHER, "{\"consumer\":\"no way!\"}"),
        400,
        "invalid_consumer");
    exercise("POST", fetch, g + "/fetch", send("POST", null, fetchBody), 401, "unauthorized");
    exercise(
        "POST", fetch, other + "/fetch", send("POST", ORDERS_ONLY, fetchBody), 403, "forbidden");
    exercise(
        "POST",
        fetch,
        g + "/fetch",
        send("POST", PUBLISHER, fetchBody).header("Accept", "text/plain"),
        406,
        "not_acceptable");
    exercise(
        "POST",
        fetch,
        g + "/fetch",
        send("POST", PUBLISHER, "{\"consumer\":\"w1\",\"max\":0}"),
        422,
        "invalid_request");

    for (String op : List.of("ack", "nack")) {
      String t = GROUP + "/" + op;
      String p = g + "/" + op;
      String ids = "{\"ids\":[\"" + (op.equals("ack") ? first : second) + "\"]}";
      Http.Reply done = exercise("POST", t, p, send("POST", PUBLISHER, ids), 200);
      assertEquals(1, done.json().get(op + "ed").asInt(), done.body());
      exercise("POST", t, p, send("POST", PUBLISHER, "{\"ids\":[\"x\"]}"), 400, "invalid_id");
      exercise("POST", t, p, send("POST", null, ids), 401, "unauthorized");
      exercise("POST", t, other + "/" + op, send("POST", ORDERS_ONLY, ids), 403, "forbidden");
      exercise(
          "POST",
          t,
          p,
          send("POST", PUBLISHER, ids).header("Accept", "text/plain"),
          406,
          "not_acceptable");
      exercise("POST", t, p, send("POST", PUBLISHER, "{\"ids\":[]}"), 422, "invalid_request");
    }

    exercise("DELETE", GROUP, g, send("DELETE", PUBLISHER, null), 200);
    exercise("DELETE", GROUP, bad, send("DELETE", PUBLISHER, null), 400, "invalid_group");
    exercise("DELETE", GROUP, g, send("DELETE", null, null), 401, "unauthorized");
    exercise("DELETE", GROUP, other, send("DELETE", ORDERS_ONLY, null), 403, "forbidden");
    exercise("DELETE", GROUP, g, send("DELETE", PUBLISHER, null), 404, "unknown_group");
    exercise(
        "DELETE",
        GROUP,
        g,
        send("DELETE", PUBLISHER, null).header("Accept", "text/plain"),
        406,
        "not_acceptable");
    // a group for the store-outage test below
    exercise("PUT", GROUP, topic + "/groups/down", send("PUT", PUBLISHER, null), 201);
  }

  @Test
  @Order(4)
  void eventStreams() throws Exception {
    String events = "/api/v1/topics/{topic}/events";
    String sse = "text/event-stream";
    // 200: a real stream, read up to its first event, then closed
    HttpResponse<InputStream> first =
        client.send(
            request(
                "/api/v1/topics/contract.p0/events?from=earliest",
                get(READER).header("Accept", sse)),
            HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream body = first.body()) {
      assertEquals(200, first.statusCode());
      String start = firstEvent(body);
      assertTrue(start.startsWith("event: subscribed"), start);
      validate(
          "GET",
          "/api/v1/topics/contract.p0/events",
          first.statusCode(),
          first.headers().map(),
          start);
      EXERCISED.add("GET " + events + " 200");
      // 429: the reader token holds its one stream
      exercise(
          "GET",
          events,
          "/api/v1/topics/x/events",
          get(READER).header("Accept", sse),
          429,
          "too_many_connections");
    }
    exercise("GET", events, "/api/v1/topics/bad..t/events", get(PUBLISHER), 400, "invalid_topic");
    exercise("GET", events, "/api/v1/topics/x/events?from=soon", get(PUBLISHER), 400, "invalid_id");
    exercise(
        "GET", events, "/api/v1/topics/x/events", get().header("Accept", sse), 401, "unauthorized");
    exercise(
        "GET",
        events,
        "/api/v1/topics/payments/events?access_token=" + ORDERS_ONLY,
        get(),
        403,
        "forbidden");
    exercise(
        "GET",
        events,
        "/api/v1/topics/x/events",
        get(PUBLISHER).header("Accept", "application/json"),
        406,
        "not_acceptable");
  }

  private static String firstEvent(InputStream body) throws java.io.IOException {
    BufferedReader reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
    StringBuilder event = new StringBuilder();
    for (String line; (line = reader.readLine()) != null; ) {
      if (line.isEmpty() && event.length() > 0) {
        return event.toString();
      }
      if (!line.isEmpty()) {
        event.append(line).append('\n');
      }
    }
    return event.toString();
  }

  // ---- 503s: the store stops answering; the instance drains

  @Test
  @Order(5)
  void storeUnavailable() {
    VALKEY.pause();
    try {
      int n = 0;
      for (PublishOp op : PUBLISH_OPS) {
        String t = "contract.down" + n++;
        publish(
            op,
            op.pathFor(t),
            post(PUBLISHER, "application/json", op.body(t, "{\"payload\":1}")),
            503,
            "store_unavailable");
      }
      exercise(
          "GET",
          "/api/v1/topics/{topic}",
          "/api/v1/topics/contract.down",
          get(PUBLISHER),
          503,
          "store_unavailable");
      String down = "/api/v1/topics/contract.g/groups/down";
      exercise("PUT", GROUP, down, send("PUT", PUBLISHER, null), 503, "store_unavailable");
      exercise("GET", GROUP, down, send("GET", PUBLISHER, null), 503, "store_unavailable");
      exercise(
          "POST",
          GROUP + "/fetch",
          down + "/fetch",
          send("POST", PUBLISHER, "{\"consumer\":\"w1\",\"wait\":0}"),
          503,
          "store_unavailable");
      exercise(
          "POST",
          GROUP + "/ack",
          down + "/ack",
          send("POST", PUBLISHER, "{\"ids\":[\"1-0\"]}"),
          503,
          "store_unavailable");
      exercise(
          "POST",
          GROUP + "/nack",
          down + "/nack",
          send("POST", PUBLISHER, "{\"ids\":[\"1-0\"]}"),
          503,
          "store_unavailable");
      exercise("DELETE", GROUP, down, send("DELETE", PUBLISHER, null), 503, "store_unavailable");
      // a topic this instance does not follow is read from the store
      exercise(
          "GET",
          "/api/v1/topics/{topic}/messages",
          "/api/v1/topics/contract.unfollowed/messages?wait=0",
          get(PUBLISHER),
          503,
          "store_unavailable");
    } finally {
      VALKEY.resume();
    }
  }

  @Test
  @Order(6)
  void draining() throws Exception {
    Http admin = new Http(APP.getAdminPort());
    assertEquals(
        200,
        admin
            .send(admin.request("/tasks/drain", null).POST(HttpRequest.BodyPublishers.noBody()))
            .status());
    try {
      exercise("GET", "/health/ready", "/health/ready", get(), 503);
      exercise(
          "GET",
          "/api/v1/topics/{topic}/events",
          "/api/v1/topics/contract.p0/events",
          get(PUBLISHER),
          503,
          "draining");
    } finally {
      assertEquals(
          200,
          admin
              .send(admin.request("/tasks/undrain", null).POST(HttpRequest.BodyPublishers.noBody()))
              .status());
    }
  }

  // ---- coverage both ways

  @Test
  @Order(10)
  void everyDocumentedOperationAndStatusWasExercised() {
    OpenAPI api = new OpenAPIParser().readContents(SPEC, null, null).getOpenAPI();
    Set<String> documented = new TreeSet<>();
    api.getPaths()
        .forEach(
            (path, item) ->
                item.readOperationsMap()
                    .forEach(
                        (method, operation) ->
                            operation
                                .getResponses()
                                .keySet()
                                .forEach(
                                    status -> documented.add(method + " " + path + " " + status))));
    Set<String> missing = new TreeSet<>(documented);
    missing.removeAll(EXERCISED);
    Set<String> undocumented = new TreeSet<>(EXERCISED);
    undocumented.removeAll(documented);
    assertTrue(missing.isEmpty(), () -> "documented but never produced: " + missing);
    assertTrue(undocumented.isEmpty(), () -> "produced but not documented: " + undocumented);
  }

  @Test
  @Order(11)
  void everyRouteTheServerAnswersIsDocumented() {
    OpenAPI api = new OpenAPIParser().readContents(SPEC, null, null).getOpenAPI();
    Set<String> documented = new TreeSet<>();
    api.getPaths()
        .forEach(
            (path, item) ->
                item.readOperationsMap().keySet().forEach(m -> documented.add(m + " " + path)));
    Set<String> served = new TreeSet<>(PUBLISH_ROUTES);
    var config = APP.getEnvironment().jersey().getResourceConfig();
    List<Object> components = new ArrayList<>(config.getSingletons());
    components.addAll(config.getClasses());
    for (Object component : components) {
      Class<?> type = component instanceof Class<?> c ? c : component.getClass();
      if (type.isAnnotationPresent(Path.class)) {
        collect(Resource.from(type), "", served);
      }
    }
    served.add("GET /api/v1/ws"); // the WebSocket upgrade, outside Jersey
    assertTrue(served.contains("GET /api/v1/topics/{topic}/events"), served::toString);
    Set<String> lacking = new TreeSet<>(served);
    lacking.removeAll(documented);
    lacking.removeAll(UNDESCRIBED);
    assertTrue(lacking.isEmpty(), () -> "served but missing from docs/openapi.yaml: " + lacking);
  }

  private static void collect(Resource resource, String prefix, Set<String> out) {
    String path = (prefix + "/" + resource.getPath()).replaceAll("/+", "/").replaceAll("/$", "");
    for (ResourceMethod method : resource.getResourceMethods()) {
      for (String p : expand(path)) {
        out.add(method.getHttpMethod() + " " + p);
      }
    }
    for (Resource child : resource.getChildResources()) {
      collect(child, path, out);
    }
  }

  /** A template with a regex alternation, {@code {name: openapi\.(yaml|json)}}, as its paths. */
  private static List<String> expand(String path) {
    var m =
        java.util.regex.Pattern.compile("\\{\\w+: *([\\w]+)\\\\\\.\\(([\\w|]+)\\)}").matcher(path);
    if (!m.find()) {
      return List.of(path.replaceAll("\\{(\\w+)[^}]*}", "{$1}"));
    }
    List<String> all = new ArrayList<>();
    for (String ext : m.group(2).split("\\|")) {
      all.add(path.substring(0, m.start()) + m.group(1) + "." + ext + path.substring(m.end()));
    }
    return all;
  }

  // ---- sending, checking, validating

  private HttpRequest request(String path, HttpRequest.Builder b) {
    return b.uri(URI.create("http://127.0.0.1:" + APP.getLocalPort() + path))
        .timeout(Duration.ofSeconds(20))
        .build();
  }

  private Http.Reply send(String path, HttpRequest.Builder b) {
    try {
      HttpResponse<String> r = client.send(request(path, b), HttpResponse.BodyHandlers.ofString());
      return new Http.Reply(r.statusCode(), r.body(), r);
    } catch (Exception e) {
      throw new AssertionError(path, e);
    }
  }

  private Http.Reply exercise(
      String method, String template, String path, HttpRequest.Builder b, int status) {
    return exercise(method, template, path, b, status, null);
  }

  private Http.Reply exercise(
      String method, String template, String path, HttpRequest.Builder b, int status, String word) {
    Http.Reply r = send(path, b);
    assertEquals(status, r.status(), () -> method + " " + path + ": " + r.body());
    record(method, template, path, r, word);
    return r;
  }

  private void record(String method, String template, String path, Http.Reply r, String word) {
    if (word != null) {
      JsonNode body = r.json();
      assertEquals(word, body.path("error").asText(), () -> method + " " + path + ": " + r.body());
      assertEquals(r.status(), body.path("code").asInt());
    }
    validate(method, path.replaceFirst("\\?.*", ""), r.status(), r.raw().headers().map(), r.body());
    EXERCISED.add(method + " " + template + " " + r.status());
  }

  private static void validate(
      String method, String path, int status, Map<String, List<String>> headers, String body) {
    SimpleResponse.Builder response = SimpleResponse.Builder.status(status).withBody(body);
    headers.forEach(
        (name, values) -> {
          if (name.equalsIgnoreCase("content-type")) {
            response.withContentType(values.get(0));
          } else {
            response.withHeader(name, values);
          }
        });
    ValidationReport report =
        VALIDATOR.validateResponse(path, Request.Method.valueOf(method), response.build());
    if (report.hasErrors()) {
      fail(
          method
              + " "
              + path
              + " "
              + status
              + " does not match docs/openapi.yaml: "
              + report.getMessages()
              + "\n"
              + body);
    }
  }
}
