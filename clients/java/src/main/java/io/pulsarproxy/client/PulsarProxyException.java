package io.pulsarproxy.client;

/** A refusal from the proxy: the HTTP status, the stable error word and the message for humans. */
public class PulsarProxyException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String error;

  public PulsarProxyException(int status, String error, String message) {
    super(status + " " + error + ": " + message);
    this.status = status;
    this.error = error;
  }

  public PulsarProxyException(String message, Throwable cause) {
    super(message, cause);
    this.status = 0;
    this.error = "network";
  }

  /** The HTTP status, or 0 when the proxy never answered (network failure after all retries). */
  public int status() {
    return status;
  }

  /** The stable error word ({@code rate_limited}, {@code store_unavailable}, ...). */
  public String error() {
    return error;
  }
}
