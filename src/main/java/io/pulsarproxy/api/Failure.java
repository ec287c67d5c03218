package io.pulsarproxy.api;

import io.pulsarproxy.core.ApiException;
import io.pulsarproxy.core.ErrorWord;
import io.pulsarproxy.core.StoreUnavailableException;
import java.util.Map;
import org.eclipse.jetty.http.HttpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where a refusal or a failure becomes its {@link ErrorBody} and answer headers, and
 * is logged once at its level: client errors at INFO, an unavailable store at WARN, anything
 * unexpected at ERROR (as a 500 whose body carries no detail). Every entry point (the publish
 * handler, Jersey's exception mapper, Jetty's error pages, admin tasks, WebSocket error frames and
 * refused upgrades) only serialises what this gives.
 */
public record Failure(ErrorBody body, Map<String, String> headers) {
  private static final Logger LOG = LoggerFactory.getLogger(Failure.class);

  public int status() {
    return body.code();
  }

  /** The answer for anything thrown on a request path, logged once. */
  public static Failure of(Throwable e) {
    return of(e, "");
  }

  /**
   * The answer for anything thrown on a request path, logged once with {@code context} in front
   * (for example "WebSocket upgrade refused: ").
   */
  public static Failure of(Throwable e, String context) {
    if (e instanceof ApiException api) {
      return logged(api.word(), api.status(), api.getMessage(), api.headers(), context);
    }
    HttpException jetty = jettyRefusal(e);
    if (jetty != null) {
      // Jetty refused the request while it was read (a body trickled below the connector's
      // minRequestDataPerSecond is a 408): the client's doing, never a 500.
      return ofStatus(jetty.getCode(), jetty.getReason(), Map.of(), context);
    }
    if (e instanceof StoreUnavailableException) {
      LOG.warn("{}503 store_unavailable: {}", context, e.getMessage());
      return new Failure(body(ErrorWord.STORE_UNAVAILABLE, null), Map.of("Retry-After", "1"));
    }
    LOG.error("{}500 internal_error", context, e);
    return new Failure(body(ErrorWord.INTERNAL_ERROR, null), Map.of());
  }

  /**
   * The answer for a status the HTTP framework chose itself (Jetty's own refusals, Jersey's 404,
   * 405, 406, 415), with its generic word, logged once at INFO.
   *
   * @param message the framework's reason, or null for the word's own sentence
   */
  public static Failure ofStatus(
      int status, String message, Map<String, String> headers, String context) {
    ErrorWord word = ErrorWord.forStatus(status);
    if (word == null) {
      String generic = "http_" + status;
      String sentence = message == null || message.isBlank() ? "http status " + status : message;
      log(status, generic, sentence, context);
      return new Failure(new ErrorBody(status, generic, sentence), headers);
    }
    return logged(word, status, message, headers, context);
  }

  /**
   * The answer for a refusal whose word is known but that the proxy asked the framework to send (a
   * refused WebSocket upgrade), already logged where it was decided.
   */
  public static Failure unlogged(ApiException e) {
    return new Failure(body(e.word(), e.getMessage()), e.headers());
  }

  private static Failure logged(
      ErrorWord word, int status, String message, Map<String, String> headers, String context) {
    ErrorBody body = new ErrorBody(status, word.word(), sentence(word, message));
    log(status, body.error(), body.message(), context);
    return new Failure(body, headers);
  }

  private static ErrorBody body(ErrorWord word, String message) {
    return new ErrorBody(word.status(), word.word(), sentence(word, message));
  }

  private static String sentence(ErrorWord word, String message) {
    if (message != null && !message.isBlank()) {
      return message;
    }
    return word.sentence() != null ? word.sentence() : word.word().replace('_', ' ');
  }

  private static void log(int status, String error, String message, String context) {
    LOG.info("{}{} {}: {}", context, status, error, message);
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
}
