package io.pulsarproxy.api;

import java.util.List;

/**
 * One page of stored messages. {@code next} is the id to pass as {@code after} for the following
 * page (the last id read, which may belong to an expired message that was left out); it equals the
 * request's {@code after} when nothing newer is stored.
 */
public record MessagePage(String topic, List<MessageView> messages, String next) {}
