package io.pulsarproxy.store;

import io.pulsarproxy.core.EntryId;

/**
 * An exact trim an operator asked for: keep at most {@code maxLength} entries, or remove every
 * entry older than {@code minId}. Exactly one is set.
 */
public record Trim(Long maxLength, EntryId minId) {
  public Trim {
    if ((maxLength == null) == (minId == null)) {
      throw new IllegalArgumentException("a trim has either a max length or a min id");
    }
  }

  public static Trim toLength(long maxLength) {
    return new Trim(maxLength, null);
  }

  public static Trim before(EntryId minId) {
    return new Trim(null, minId);
  }
}
