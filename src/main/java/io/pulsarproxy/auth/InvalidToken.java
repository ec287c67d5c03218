package io.pulsarproxy.auth;

import io.pulsarproxy.core.ApiException;
import io.pulsarproxy.core.ErrorWord;
import java.util.Locale;
import java.util.Map;

/**
 * Why a bearer JWT is refused: the error word of the 401 body and of the {@code WWW-Authenticate}
 * challenge. Messages are fixed sentences: they never quote the token or any part of it.
 */
public enum InvalidToken {
  TOKEN_EXPIRED,
  TOKEN_NOT_YET_VALID,
  BAD_SIGNATURE,
  WRONG_AUDIENCE,
  WRONG_ISSUER,
  UNKNOWN_KEY,
  MALFORMED_TOKEN,
  TOKEN_LIFETIME_TOO_LONG,
  TOKEN_REVOKED;

  /** The error word, such as {@code token_expired}. */
  public String word() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The 401 with {@code WWW-Authenticate: Bearer realm="...", error="invalid_token",
   * error_description="<word>"} (RFC 6750).
   */
  public ApiException refusal(String realm, String message) {
    return ErrorWord.valueOf(name())
        .refusal(
            message,
            Map.of(
                "WWW-Authenticate",
                "Bearer realm=\""
                    + realm
                    + "\", error=\"invalid_token\", error_description=\""
                    + word()
                    + "\""));
  }
}
