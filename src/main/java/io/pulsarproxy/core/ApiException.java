package io.pulsarproxy.core;

import java.util.Map;

/**
 * A request the proxy refuses, with the HTTP status, a machine word and a human sentence. Thrown
 * anywhere on the request path; the exception mapper turns it into the JSON error body.
 */
public class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String error;
  private final Map<String, String> headers;

  public ApiException(int status, String error, String message) {
    this(status, error, message, Map.of());
  }

  public ApiException(int status, String error, String message, Map<String, String> headers) {
    super(message, null, false, false);
    this.status = status;
    this.error = error;
    this.headers = Map.copyOf(headers);
  }

  public int status() {
    return status;
  }

  public String error() {
    return error;
  }

  public Map<String, String> headers() {
    return headers;
  }

  public static ApiException badRequest(String error, String message) {
    return new ApiException(400, error, message);
  }

  public static ApiException forbidden(String message) {
    return new ApiException(403, "forbidden", message);
  }

  public static ApiException tooLarge(String message) {
    return new ApiException(413, "payload_too_large", message);
  }

  public static ApiException unprocessable(String message) {
    return new ApiException(422, "invalid_message", message);
  }
}
