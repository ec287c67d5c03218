package io.pulsarproxy.core;

/** What the store holds for one topic; the ids are null when it holds nothing. */
public record TopicStats(long length, EntryId firstId, EntryId lastId) {
  public static final TopicStats EMPTY = new TopicStats(0, null, null);
}
