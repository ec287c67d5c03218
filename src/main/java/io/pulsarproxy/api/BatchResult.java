package io.pulsarproxy.api;

import java.util.List;

/** The answer to a batch: one result per message, in the order they were sent. */
public record BatchResult(List<PublishResult> results) {}
