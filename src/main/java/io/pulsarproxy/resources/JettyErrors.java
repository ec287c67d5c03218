package io.pulsarproxy.resources;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pulsarproxy.api.ErrorBody;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.util.List;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Errors Jetty answers itself, before Jersey sees the request (an ambiguous encoded path, a refused
 * WebSocket upgrade, headers too large), in the proxy's one JSON error shape instead of an HTML
 * page. Jetty's message names the rule broken, never the request's content. Jetty asks two
 * handlers: the server's, for requests no context took, and the servlet context's.
 */
public final class JettyErrors {
  /**
   * A request attribute with the precise error word for a refusal the proxy asks Jetty to send (a
   * refused WebSocket upgrade), instead of the generic word for its status.
   */
  public static final String ERROR_WORD = JettyErrors.class.getName() + ".error";

  private final ObjectMapper json;

  public JettyErrors(ObjectMapper json) {
    this.json = json;
  }

  /** For {@code Server.setErrorHandler}. */
  public ErrorHandler forServer() {
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

  /** For the servlet context's {@code setErrorHandler}. */
  public org.eclipse.jetty.ee10.servlet.ErrorHandler forContext() {
    return new org.eclipse.jetty.ee10.servlet.ErrorHandler() {
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
    String error =
        request.getAttribute(ERROR_WORD) instanceof String word ? word : ErrorBody.wordFor(code);
    String sentence = message == null || message.isBlank() ? error.replace('_', ' ') : message;
    byte[] body;
    try {
      body = json.writeValueAsBytes(new ErrorBody(code, error, sentence));
    } catch (JsonProcessingException e) {
      return false;
    }
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    response.write(true, ByteBuffer.wrap(body), callback);
    return true;
  }
}
