package io.pulsarproxy.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pulsarproxy.api.Failure;
import io.pulsarproxy.core.ErrorWord;
import java.nio.ByteBuffer;
import java.util.Set;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.internal.ResponseHttpFields;
import org.eclipse.jetty.util.Callback;

/**
 * CORS for the application port, at the top of the server so that it covers every answer there: the
 * publish handler (also when it runs on the selector thread), Jersey's reads, long-polls and event
 * streams, the client module, the API description, and the JSON errors of all of them.
 *
 * <p>{@code delivery.allowedOrigins} governs it, as it governs WebSocket upgrades: empty allows any
 * origin ({@code Access-Control-Allow-Origin: *}); otherwise a listed origin is echoed (with {@code
 * Vary: Origin}) and any other origin gets no CORS header at all, so the browser keeps the answer
 * from the page. No credentials are allowed: tokens travel in {@code Authorization}, which a page
 * must set itself, so a foreign page has nothing ambient to ride on.
 *
 * <p>The headers are added before the request goes further, as fields that survive a response
 * reset, so that a 401, a 400 or a 503 written by any layer below carries them too (a browser hides
 * an error answer without them). A preflight ({@code OPTIONS} with {@code
 * Access-Control-Request-Method}) is answered here: 204 for an allowed origin, 403 for another. The
 * admin port is left alone.
 */
public final class CorsHandler extends Handler.Wrapper {
  static final String ALLOW_METHODS = "GET, POST, PUT, DELETE";
  static final String ALLOW_HEADERS = "Authorization, Content-Type, Last-Event-ID";
  static final String EXPOSE_HEADERS = "Retry-After, WWW-Authenticate";

  /** How long a browser may cache a preflight answer. */
  static final int PREFLIGHT_MAX_AGE_SECONDS = 600;

  private static final String ADMIN_CONNECTOR = "admin";
  private static final HttpField ANY_ORIGIN =
      persistent(new PreEncodedHttpField(HttpHeader.ACCESS_CONTROL_ALLOW_ORIGIN, "*"));
  private static final HttpField VARY_ORIGIN =
      persistent(new PreEncodedHttpField(HttpHeader.VARY, "Origin"));
  private static final HttpField EXPOSE =
      persistent(new PreEncodedHttpField(HttpHeader.ACCESS_CONTROL_EXPOSE_HEADERS, EXPOSE_HEADERS));
  private static final HttpField METHODS =
      new PreEncodedHttpField(HttpHeader.ACCESS_CONTROL_ALLOW_METHODS, ALLOW_METHODS);
  private static final HttpField HEADERS =
      new PreEncodedHttpField(HttpHeader.ACCESS_CONTROL_ALLOW_HEADERS, ALLOW_HEADERS);
  private static final HttpField MAX_AGE =
      new PreEncodedHttpField(
          HttpHeader.ACCESS_CONTROL_MAX_AGE, Integer.toString(PREFLIGHT_MAX_AGE_SECONDS));

  private final Set<String> allowedOrigins;
  private final ObjectMapper json;

  /**
   * @param allowedOrigins origins compared exactly with the {@code Origin} header; empty: any
   */
  public CorsHandler(Set<String> allowedOrigins, ObjectMapper json) {
    this.allowedOrigins = Set.copyOf(allowedOrigins);
    this.json = json;
  }

  @Override
  public InvocationType getInvocationType() {
    // It never blocks; what runs below decides (publishes stay on the selector thread).
    Handler next = getHandler();
    return next == null ? InvocationType.NON_BLOCKING : next.getInvocationType();
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    String origin = request.getHeaders().get(HttpHeader.ORIGIN);
    if (origin == null
        || ADMIN_CONNECTOR.equals(request.getConnectionMetaData().getConnector().getName())) {
      return super.handle(request, response, callback);
    }
    boolean allowed = allowedOrigins.isEmpty() || allowedOrigins.contains(origin);
    if (isPreflight(request)) {
      if (allowed) {
        addOriginHeaders(response, origin);
        response.getHeaders().put(METHODS);
        response.getHeaders().put(HEADERS);
        response.getHeaders().put(MAX_AGE);
        response.setStatus(204);
        callback.succeeded();
      } else {
        refuse(response, callback, origin);
      }
      return true;
    }
    if (allowed) {
      addOriginHeaders(response, origin);
    }
    return super.handle(request, response, callback);
  }

  private static boolean isPreflight(Request request) {
    return HttpMethod.OPTIONS.is(request.getMethod())
        && request.getHeaders().contains(HttpHeader.ACCESS_CONTROL_REQUEST_METHOD);
  }

  private void addOriginHeaders(Response response, String origin) {
    if (allowedOrigins.isEmpty()) {
      response.getHeaders().put(ANY_ORIGIN);
    } else {
      response
          .getHeaders()
          .put(persistent(new HttpField(HttpHeader.ACCESS_CONTROL_ALLOW_ORIGIN, origin)));
      response.getHeaders().add(VARY_ORIGIN);
    }
    response.getHeaders().put(EXPOSE);
  }

  private void refuse(Response response, Callback callback, String origin)
      throws JsonProcessingException {
    Failure failure =
        Failure.of(
            ErrorWord.FORBIDDEN.refusal("origin '" + origin + "' is not allowed"),
            "CORS preflight refused: ");
    byte[] body = json.writeValueAsBytes(failure.body());
    response.setStatus(403);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    response.write(true, ByteBuffer.wrap(body), callback);
  }

  /** A field that a response reset (as an error answer does) leaves in place. */
  private static HttpField persistent(HttpField field) {
    return new ResponseHttpFields.PersistentHttpField(field);
  }
}
