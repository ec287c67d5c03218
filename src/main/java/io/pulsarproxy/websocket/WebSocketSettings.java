package io.pulsarproxy.websocket;

import java.time.Duration;
import java.util.Set;

/**
 * The WebSocket knobs, from the {@code delivery:} section.
 *
 * @param allowedOrigins browser origins allowed to connect; empty allows any
 * @param maxBadFrames bad client frames a connection may send before it is closed with 1008
 */
public record WebSocketSettings(
    long outboundLimitBytes,
    int maxTopicsPerConnection,
    long maxFrameBytes,
    Duration idleTimeout,
    Duration pingInterval,
    Set<String> allowedOrigins,
    int maxBadFrames) {}
