package io.pulsarproxy.core;

/**
 * Every size and count limit on input, in one place. Built from the {@code limits:} section.
 *
 * @param maxMessageBytes a single-message request body, and the encoded payload of each message of
 *     a batch
 * @param maxBatchBytes a batch request body
 */
public record Limits(
    long maxMessageBytes,
    long maxBatchBytes,
    int maxBatchMessages,
    int maxMetadataEntries,
    int maxMessageIdLength,
    int maxKeyLength,
    int maxReadLimit) {}
