package io.pulsarproxy.auth;

import io.dropwizard.auth.AuthenticationException;
import io.dropwizard.auth.Authenticator;
import io.pulsarproxy.core.ApiException;
import io.pulsarproxy.core.ErrorWord;
import io.pulsarproxy.core.Limits;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The one set of rules every entry point (the publish handler, the Jersey resources, the WebSocket
 * upgrade, event streams) applies to a request before its own work: where the credential comes
 * from, the challenge and the words of a refusal, the role a token needs, and how much of a body is
 * read or drained.
 *
 * <p>The credential is the {@code Authorization: Bearer} header. Only entry points a browser opens
 * without headers (event streams and WebSocket upgrades) also take {@code ?access_token=}, and only
 * when no {@code Authorization} header is sent; anywhere else a secret in a URL only ends up in
 * browser history and the logs of proxies in between, and it is refused before the token is even
 * checked, so the refusal never depends on (or echoes) the token.
 */
public final class RequestPolicy {
  public static final String ACCESS_TOKEN = "access_token";

  private static final String BEARER = "Bearer";

  private final Authenticator<String, Caller> authenticator;
  private final List<String> tokenNames;
  private final Map<String, String> challenge;
  private final Limits limits;

  /**
   * @param tokenNames the names of the configured tokens (never their secrets), for metrics
   */
  public RequestPolicy(
      Authenticator<String, Caller> authenticator,
      List<String> tokenNames,
      String realm,
      Limits limits) {
    this.authenticator = authenticator;
    this.tokenNames = List.copyOf(tokenNames);
    this.challenge = Map.of("WWW-Authenticate", BEARER + " realm=\"" + realm + "\"");
    this.limits = limits;
  }

  /** Whether an entry point takes {@code ?access_token=} besides the header. */
  public enum TokenInUrl {
    REFUSED,
    ACCEPTED
  }

  /**
   * The caller behind a request's credential.
   *
   * @param authorization the {@code Authorization} header, or null
   * @param urlToken the {@code access_token} query parameter, or null
   * @throws ApiException 400 {@code access_token_not_allowed} for a URL token where it is refused,
   *     401 {@code unauthorized} with the challenge when no known token is presented
   */
  public Caller authenticate(String authorization, String urlToken, TokenInUrl tokenInUrl) {
    if (urlToken != null && tokenInUrl == TokenInUrl.REFUSED) {
      throw ErrorWord.ACCESS_TOKEN_NOT_ALLOWED.refusal();
    }
    String credential = authorization == null ? urlToken : bearer(authorization);
    if (credential != null && !credential.isEmpty()) {
      Optional<Caller> caller;
      try {
        caller = authenticator.authenticate(credential);
      } catch (AuthenticationException e) {
        caller = Optional.empty();
      }
      if (caller.isPresent()) {
        return caller.get();
      }
    }
    throw ErrorWord.UNAUTHORIZED.refusal(
        tokenInUrl == TokenInUrl.ACCEPTED
            ? "a valid bearer token is required (Authorization header or access_token)"
            : ErrorWord.UNAUTHORIZED.sentence(),
        challenge);
  }

  /**
   * The caller, when it holds {@code role} at all ({@link PermissionAuthorizer}); the per-topic
   * check follows once the topic is known.
   *
   * @throws ApiException 403 otherwise
   */
  public Caller requireRole(Caller caller, String role) {
    if (!PermissionAuthorizer.holds(caller, role)) {
      throw ErrorWord.FORBIDDEN.refusal();
    }
    return caller;
  }

  /** The most a request body may hold: a batch, or a single message. */
  public long bodyLimit(boolean batch) {
    return batch ? limits.maxBatchBytes() : limits.maxMessageBytes();
  }

  /**
   * How much of a body refused unread is still read and dropped so the client sees the answer:
   * Jetty closes a connection whose request body is still arriving after the answer, and a
   * keep-alive client that sent the body late (Java's HttpClient does) would see its next request
   * fail. Past this, the answer closes the connection instead.
   */
  public long drainLimit() {
    return limits.maxBatchBytes() + (4L << 20);
  }

  /** The names of the configured tokens (never their secrets). */
  public List<String> tokenNames() {
    return tokenNames;
  }

  /** The token of a {@code Bearer} header, or null for any other scheme. */
  private static String bearer(String header) {
    int space = header.indexOf(' ');
    if (space == BEARER.length() && header.regionMatches(true, 0, BEARER, 0, space)) {
      return header.substring(space + 1).strip();
    }
    return null;
  }
}
