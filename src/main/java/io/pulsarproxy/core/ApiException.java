package io.pulsarproxy.core;

import java.util.Map;

/**
 * A request the proxy refuses: an {@link ErrorWord} (status and machine word), a human sentence,
 * and any headers the answer carries. Thrown anywhere on a request path, made only through {@link
 * ErrorWord#refusal}; {@code io.pulsarproxy.api.Failure} turns it into the JSON error body.
 */
public final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient ErrorWord word;
  private final Map<String, String> headers;

  ApiException(ErrorWord word, String message, Map<String, String> headers) {
    super(message, null, false, false);
    this.word = word;
    this.headers = Map.copyOf(headers);
  }

  public ErrorWord word() {
    return word;
  }

  public int status() {
    return word.status();
  }

  public String error() {
    return word.word();
  }

  public Map<String, String> headers() {
    return headers;
  }
}
