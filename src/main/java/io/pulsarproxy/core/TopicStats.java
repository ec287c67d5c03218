package io.pulsarproxy.core;

/**
 * What the store holds for one topic; the ids are null when it holds nothing.
 *
 * @param maxDeletedId the newest id retention has removed, or null if none: a subscriber resuming
 *     after an older id has missed messages (a gap)
 */
public record TopicStats(long length, EntryId firstId, EntryId lastId, EntryId maxDeletedId) {
  public static final TopicStats EMPTY = new TopicStats(0, null, null, null);

  public EntryId lastIdOrZero() {
    return lastId == null ? EntryId.ZERO : lastId;
  }
}
