package io.pulsarproxy.core;

/** The store did not answer, or answered with an error, within its timeout. */
public class StoreUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StoreUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
