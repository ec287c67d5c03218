package io.pulsarproxy.core;

/**
 * The outcome of appending one message.
 *
 * @param duplicate true when the message id was already stored within the dedup window; {@code id}
 *     is then the original entry's id
 */
public record AppendResult(EntryId id, String messageId, boolean duplicate) {}
