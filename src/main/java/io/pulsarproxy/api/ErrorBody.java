package io.pulsarproxy.api;

/**
 * The body of every refusal: {@code {"code": 413, "error": "payload_too_large", "message": ...}}.
 */
public record ErrorBody(int code, String error, String message) {}
