package io.pulsarproxy.core;

/**
 * What the store holds for one topic.
 *
 * @param firstId the oldest retained entry, or null when none is
 * @param lastId the newest id the topic ever had (even if since trimmed), or null when none
 * @param trimmed whether retention has removed entries: a subscriber resuming from before {@code
 *     firstId} has then missed messages (a gap)
 */
public record TopicStats(long length, EntryId firstId, EntryId lastId, boolean trimmed) {
  public static final TopicStats EMPTY = new TopicStats(0, null, null, false);

  public EntryId lastIdOrZero() {
    return lastId == null ? EntryId.ZERO : lastId;
  }

  /** Whether entries after {@code resumeAfter} have been trimmed away. */
  public boolean hasGapAfter(EntryId resumeAfter) {
    if (!trimmed) {
      return false;
    }
    EntryId oldestRetained = firstId != null ? firstId : lastId;
    return oldestRetained != null && resumeAfter.compareTo(oldestRetained) < 0;
  }
}
