package io.pulsarproxy.resources;

import io.pulsarproxy.api.ErrorBody;
import io.pulsarproxy.core.ApiException;
import io.pulsarproxy.store.StoreUnavailableException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import java.util.Map;
import org.eclipse.jetty.http.HttpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single place where a failed request becomes its JSON error body, and is logged once: client
 * errors at INFO, an unavailable store at WARN, anything unexpected at ERROR (as a 500 whose body
 * carries no detail).
 */
public final class ErrorMapper implements ExceptionMapper<Throwable> {
  private static final Logger LOG = LoggerFactory.getLogger(ErrorMapper.class);

  private static final Map<Integer, String> SENTENCES =
      Map.of(
          403, "this token lacks the permission this endpoint needs",
          404, "no such endpoint",
          405, "this endpoint does not accept that method",
          406, "this endpoint answers application/json only",
          415, "the request body must be JSON (Content-Type: application/json)");

  /** A refusal as it goes out: the JSON body and any headers (Retry-After, WWW-Authenticate). */
  public record Answer(ErrorBody body, Map<String, String> headers) {}

  /**
   * The answer for a failure that is not Jersey's own, logged once at its level: the publish
   * endpoint, which runs before Jersey, answers through this too.
   */
  public Answer answer(Throwable e) {
    if (e instanceof ApiException api) {
      LOG.info("{} {}: {}", api.status(), api.error(), api.getMessage());
      return new Answer(new ErrorBody(api.status(), api.error(), api.getMessage()), api.headers());
    }
    HttpException jetty = jettyRefusal(e);
    if (jetty != null) {
      // Jetty refused the request while it was read (a body trickled below the connector's
      // minRequestDataPerSecond is a 408): the client's doing, never a 500.
      int status = jetty.getCode();
      String message = jetty.getReason() == null ? "the request was refused" : jetty.getReason();
      LOG.info("{} {}: {}", status, ErrorBody.wordFor(status), message);
      return new Answer(new ErrorBody(status, ErrorBody.wordFor(status), message), Map.of());
    }
    if (e instanceof StoreUnavailableException) {
      LOG.warn("503 store_unavailable: {}", e.getMessage());
      return new Answer(
          new ErrorBody(
              503, "store_unavailable", "the message store is unavailable; retry shortly"),
          Map.of("Retry-After", "1"));
    }
    LOG.error("500 internal_error", e);
    return new Answer(
        new ErrorBody(500, "internal_error", "an internal error occurred; it has been logged"),
        Map.of());
  }

  /** The Jetty refusal behind {@code e}, if reading the request failed with one. */
  private static HttpException jettyRefusal(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof HttpException http && http.getCode() >= 400 && http.getCode() < 500) {
        return http;
      }
    }
    return null;
  }

  @Override
  public Response toResponse(Throwable e) {
    if (e instanceof WebApplicationException web) {
      Response original = web.getResponse();
      if (original.hasEntity()) {
        return original; // already in our shape, e.g. the 401 of the auth filter
      }
      int status = original.getStatus();
      String error = ErrorBody.wordFor(status);
      String message = SENTENCES.getOrDefault(status, web.getMessage());
      LOG.info("{} {}: {}", status, error, message);
      Response.ResponseBuilder response = json(status, error, message);
      original
          .getHeaders()
          .forEach((name, values) -> values.forEach(v -> response.header(name, v)));
      return response.type(MediaType.APPLICATION_JSON_TYPE).build();
    }
    Answer answer = answer(e);
    Response.ResponseBuilder response =
        json(answer.body().code(), answer.body().error(), answer.body().message());
    answer.headers().forEach(response::header);
    return response.build();
  }

  private static Response.ResponseBuilder json(int status, String error, String message) {
    return Response.status(status)
        .type(MediaType.APPLICATION_JSON_TYPE)
        .entity(new ErrorBody(status, error, message));
  }
}
