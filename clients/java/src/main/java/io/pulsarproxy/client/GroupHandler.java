package io.pulsarproxy.client;

/**
 * Handles one message of a consumer group. Returning normally acks it; throwing nacks it (due again
 * after {@link GroupOptions#nackDelay()}, to any consumer of the group).
 */
@FunctionalInterface
public interface GroupHandler {
  void handle(GroupMessage message) throws Exception;
}
