package io.pulsarproxy.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * What the proxy serves for browsers and tools, all read once from the classpath at start: the API
 * description ({@code docs/openapi.yaml}, as YAML and JSON), Swagger UI over it at {@code /docs}
 * (from the {@code org.webjars:swagger-ui} jar), and the JavaScript client ({@code
 * clients/js/pulsar-proxy.js}) at {@code /client/pulsar-proxy.js}. CORS comes from {@link
 * CorsHandler}, like every answer on the application port.
 */
public final class WebResources {
  static final String SWAGGER_UI = "META-INF/resources/webjars/swagger-ui/5.34.1/";

  /** The Swagger UI files the page uses, with their types; nothing else of the jar is served. */
  private static final Map<String, String> UI_FILES =
      Map.of(
          "swagger-ui.css", "text/css",
          "swagger-ui-bundle.js", "text/javascript",
          "swagger-ui-standalone-preset.js", "text/javascript",
          "favicon-32x32.png", "image/png",
          "favicon-16x16.png", "image/png");

  private static final String CACHE = "no-cache";

  private final byte[] yaml;
  private final byte[] json;
  private final byte[] client;

  public WebResources(ObjectMapper mapper) {
    this.yaml = read("io/pulsarproxy/web/openapi.yaml");
    this.client = read("io/pulsarproxy/web/pulsar-proxy.js");
    try {
      this.json = mapper.writeValueAsBytes(new YAMLMapper().readTree(yaml));
    } catch (IOException e) {
      throw new UncheckedIOException("docs/openapi.yaml is not valid YAML", e);
    }
  }

  /** The Jersey resources, to register. */
  public Object[] resources() {
    return new Object[] {new OpenApi(), new Docs(), new Client()};
  }

  /** {@code GET /api/v1/openapi.yaml} and {@code .json}. */
  @Path("/api/v1/{name: openapi\\.(yaml|json)}")
  public final class OpenApi {
    @GET
    @Produces({"application/yaml", "application/json"})
    public Response get(@PathParam("name") String name) {
      return name.endsWith(".yaml")
          ? Response.ok(yaml, "application/yaml").header("Cache-Control", CACHE).build()
          : Response.ok(json, "application/json").header("Cache-Control", CACHE).build();
    }
  }

  /** {@code GET /docs}: Swagger UI over the JSON description; paste a token under Authorize. */
  @Path("/docs")
  public static final class Docs {
    private static final String PAGE =
        """
        <!doctype html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <title>Pulsar Proxy API</title>
          <link rel="stylesheet" href="/docs/swagger-ui.css">
          <link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
        </head>
        <body>
          <div id="swagger-ui"></div>
          <script src="/docs/swagger-ui-bundle.js"></script>
          <script src="/docs/swagger-ui-standalone-preset.js"></script>
          <script>
            window.ui = SwaggerUIBundle({
              url: "/api/v1/openapi.json",
              dom_id: "#swagger-ui",
              deepLinking: true,
              persistAuthorization: false,
              presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
              layout: "StandaloneLayout"
            });
          </script>
        </body>
        </html>
        """;

    private final Map<String, byte[]> files = new java.util.HashMap<>();

    Docs() {
      UI_FILES.keySet().forEach(f -> files.put(f, read(SWAGGER_UI + f)));
    }

    @GET
    @Produces("text/html")
    public Response page() {
      return Response.ok(PAGE.getBytes(StandardCharsets.UTF_8), "text/html; charset=utf-8")
          .header("Cache-Control", CACHE)
          .build();
    }

    @GET
    @Path("/{file}")
    @Produces({"text/css", "text/javascript", "image/png"})
    public Response file(@PathParam("file") String file) {
      byte[] body = files.get(file);
      if (body == null) {
        throw new NotFoundException();
      }
      return Response.ok(body, UI_FILES.get(file)).header("Cache-Control", "max-age=3600").build();
    }
  }

  /** {@code GET /client/pulsar-proxy.js}: the JavaScript client, an ES module. */
  @Path("/client/pulsar-proxy.js")
  public final class Client {
    @GET
    @Produces("text/javascript")
    public Response get() {
      return Response.ok(client, "text/javascript; charset=utf-8")
          .header("Cache-Control", CACHE)
          .build();
    }
  }

  private static byte[] read(String resource) {
    try (InputStream in = WebResources.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing from the jar: " + resource);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
