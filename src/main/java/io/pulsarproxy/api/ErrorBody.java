package io.pulsarproxy.api;

/**
 * The body of every refusal: {@code {"code": 413, "error": "payload_too_large", "message": ...}}.
 * Made by {@link Failure} only, from an {@link io.pulsarproxy.core.ErrorWord}.
 */
public record ErrorBody(int code, String error, String message) {}
