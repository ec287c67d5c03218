package io.pulsarproxy.resources;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pulsarproxy.api.Failure;
import io.pulsarproxy.core.ApiException;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Errors Jetty answers itself, before Jersey sees the request (an ambiguous encoded path, a refused
 * WebSocket upgrade, headers too large), as the {@link Failure} they are instead of an HTML page.
 * Jetty's message names the rule broken, never the request's content. Jetty asks two handlers: the
 * server's, for requests no context took, and the servlet context's.
 */
public final class JettyErrors {
  /**
   * A request attribute with the refusal the proxy asks Jetty to send (a refused WebSocket
   * upgrade), already logged, instead of the generic word for its status.
   */
  public static final String REFUSAL = JettyErrors.class.getName() + ".refusal";

  private final ObjectMapper json;

  public JettyErrors(ObjectMapper json) {
    this.json = json;
  }

  /** For {@code Server.setErrorHandler} and the servlet context's {@code setErrorHandler} alike. */
  public ErrorHandler handler() {
    return new ErrorHandler() {
      @Override
      protected boolean generateAcceptableResponse(
          Request request,
          Response response,
          Callback callback,
          String contentType,
          List<Charset> charsets,
          int code,
          String message,
          Throwable cause) {
        return writeJson(request, response, callback, code, message);
      }
    };
  }

  private boolean writeJson(
      Request request, Response response, Callback callback, int code, String message) {
    Failure failure =
        request.getAttribute(REFUSAL) instanceof ApiException refusal
            ? Failure.unlogged(refusal)
            : Failure.ofStatus(code, message, Map.of(), "");
    byte[] body;
    try {
      body = json.writeValueAsBytes(failure.body());
    } catch (JsonProcessingException e) {
      return false;
    }
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    response.write(true, ByteBuffer.wrap(body), callback);
    return true;
  }
}
