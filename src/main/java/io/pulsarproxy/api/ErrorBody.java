package io.pulsarproxy.api;

import java.util.Map;

/**
 * The body of every refusal: {@code {"code": 413, "error": "payload_too_large", "message": ...}}.
 */
public record ErrorBody(int code, String error, String message) {
  private static final Map<Integer, String> WORDS =
      Map.ofEntries(
          Map.entry(400, "bad_request"),
          Map.entry(401, "unauthorized"),
          Map.entry(403, "forbidden"),
          Map.entry(404, "not_found"),
          Map.entry(405, "method_not_allowed"),
          Map.entry(406, "not_acceptable"),
          Map.entry(408, "request_timeout"),
          Map.entry(413, "payload_too_large"),
          Map.entry(414, "uri_too_long"),
          Map.entry(415, "unsupported_media_type"),
          Map.entry(431, "headers_too_large"),
          Map.entry(503, "unavailable"));

  /** The generic error word for a status, where no more precise one is known. */
  public static String wordFor(int status) {
    return WORDS.getOrDefault(status, "http_" + status);
  }
}
