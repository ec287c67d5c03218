package io.pulsarproxy.core;

import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Every error the proxy answers with: its HTTP status (or the HTTP-like code of a WebSocket error
 * frame), its stable machine word, and the sentence it carries when the sentence is always the same
 * (null where each refusal names its own detail). docs/api.md and docs/protocol.md list exactly
 * these words; {@code ApiException} and {@code io.pulsarproxy.api.Failure} are the only ways a
 * refusal is made from them.
 */
public enum ErrorWord {
  BAD_REQUEST(400, "bad_request", "the request was refused"),
  INVALID_TOPIC(400, "invalid_topic", null),
  INVALID_JSON(400, "invalid_json", null),
  UNREADABLE_BODY(400, "unreadable_body", "the request body could not be read"),
  INVALID_ID(400, "invalid_id", null),
  INVALID_LIMIT(400, "invalid_limit", null),
  INVALID_WAIT(400, "invalid_wait", null),
  INVALID_FROM(400, "invalid_from", "from needs exactly one topic on the URL"),
  INVALID_PARAMETER(400, "invalid_parameter", null),
  ACCESS_TOKEN_NOT_ALLOWED(
      400,
      "access_token_not_allowed",
      "send the token as 'Authorization: Bearer <token>'; access_token in the URL is accepted only"
          + " for WebSocket upgrades and event streams"),
  INVALID_FRAME(400, "invalid_frame", null),
  INVALID_GROUP(400, "invalid_group", null),
  INVALID_CONSUMER(400, "invalid_consumer", null),
  UNKNOWN_OP(400, "unknown_op", "op must be subscribe, unsubscribe, ack, nack, ping or refresh"),
  NOT_REFRESHABLE(400, "not_refreshable", "this connection's token does not expire"),
  BINARY_NOT_SUPPORTED(
      400, "binary_not_supported", "send JSON text frames; binary frames are not read"),
  ALREADY_SUBSCRIBED(400, "already_subscribed", "already subscribed to this topic"),
  NOT_SUBSCRIBED(400, "not_subscribed", "not subscribed to this topic"),
  TOO_MANY_TOPICS(400, "too_many_topics", null),
  UNAUTHORIZED(
      401, "unauthorized", "a valid bearer token is required (Authorization: Bearer <token>)"),
  // A JWT bearer token that is refused (auth.jwt): the word says why; never quotes the token.
  TOKEN_EXPIRED(401, "token_expired", "the token has expired"),
  TOKEN_NOT_YET_VALID(401, "token_not_yet_valid", "the token is not valid yet (nbf)"),
  BAD_SIGNATURE(401, "bad_signature", null),
  WRONG_AUDIENCE(401, "wrong_audience", "the token's aud does not name this proxy's audience"),
  WRONG_ISSUER(401, "wrong_issuer", "the token's iss is not the configured issuer"),
  UNKNOWN_KEY(401, "unknown_key", null),
  MALFORMED_TOKEN(401, "malformed_token", null),
  TOKEN_LIFETIME_TOO_LONG(401, "token_lifetime_too_long", null),
  TOKEN_REVOKED(401, "token_revoked", "this token has been revoked"),
  FORBIDDEN(403, "forbidden", "this token lacks the permission this endpoint needs"),
  SUB_MISMATCH(403, "sub_mismatch", "a refresh must carry a JWT of this connection's sub"),
  NOT_FOUND(404, "not_found", "no such endpoint"),
  UNKNOWN_TOPIC(404, "unknown_topic", null),
  UNKNOWN_GROUP(404, "unknown_group", null),
  METHOD_NOT_ALLOWED(405, "method_not_allowed", "this endpoint does not accept that method"),
  NOT_ACCEPTABLE(406, "not_acceptable", "this endpoint answers application/json only"),
  REQUEST_TIMEOUT(408, "request_timeout", "the request was not received in time"),
  PAYLOAD_TOO_LARGE(413, "payload_too_large", null),
  URI_TOO_LONG(414, "uri_too_long", "the request URI is too long"),
  UNSUPPORTED_MEDIA_TYPE(
      415,
      "unsupported_media_type",
      "the request body must be JSON (Content-Type: application/json)"),
  INVALID_MESSAGE(422, "invalid_message", null),
  INVALID_REQUEST(422, "invalid_request", null),
  RATE_LIMITED(429, "rate_limited", null),
  TOKEN_CONNECTIONS_FULL(429, "too_many_connections", null),
  HEADERS_TOO_LARGE(431, "headers_too_large", "the request headers are too large"),
  INTERNAL_ERROR(500, "internal_error", "an internal error occurred; it has been logged"),
  STORE_UNAVAILABLE(503, "store_unavailable", "the message store is unavailable; retry shortly"),
  DRAINING(503, "draining", "this instance is draining; connect to another"),
  INSTANCE_CONNECTIONS_FULL(
      503, "too_many_connections", "this instance is at its connection limit; retry on another");

  /** The generic word of each status the HTTP framework itself may answer with. */
  private static final Map<Integer, ErrorWord> BY_STATUS =
      Arrays.stream(
              new ErrorWord[] {
                BAD_REQUEST,
                UNAUTHORIZED,
                FORBIDDEN,
                NOT_FOUND,
                METHOD_NOT_ALLOWED,
                NOT_ACCEPTABLE,
                REQUEST_TIMEOUT,
                PAYLOAD_TOO_LARGE,
                URI_TOO_LONG,
                UNSUPPORTED_MEDIA_TYPE,
                HEADERS_TOO_LARGE,
                INTERNAL_ERROR
              })
          .collect(Collectors.toUnmodifiableMap(w -> w.status, Function.identity()));

  private final int status;
  private final String word;
  private final String sentence;

  ErrorWord(int status, String word, String sentence) {
    this.status = status;
    this.word = word;
    this.sentence = sentence;
  }

  public int status() {
    return status;
  }

  public String word() {
    return word;
  }

  /** The fixed sentence, or null when every refusal of this kind says its own. */
  public String sentence() {
    return sentence;
  }

  /** A refusal with this word and its fixed sentence. */
  public ApiException refusal() {
    return new ApiException(this, sentence, Map.of());
  }

  /** A refusal with this word and a sentence naming what was wrong. */
  public ApiException refusal(String message) {
    return new ApiException(this, message, Map.of());
  }

  /** A refusal with this word, a sentence and answer headers (Retry-After, WWW-Authenticate). */
  public ApiException refusal(String message, Map<String, String> headers) {
    return new ApiException(this, message, headers);
  }

  /**
   * The generic word for a status the HTTP framework answered with, or null where there is none
   * (the body then says {@code http_<status>}).
   */
  public static ErrorWord forStatus(int status) {
    return BY_STATUS.get(status);
  }
}
