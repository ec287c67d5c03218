package io.pulsarproxy.core;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A stream entry id, {@code <millis>-<sequence>}, ordered the way Valkey orders them. */
public record EntryId(long millis, long sequence) implements Comparable<EntryId> {
  public static final EntryId ZERO = new EntryId(0, 0);
  private static final Pattern FORMAT = Pattern.compile("(\\d{1,19})(?:-(\\d{1,19}))?");

  public EntryId {
    if (millis < 0 || sequence < 0) {
      throw new IllegalArgumentException("entry id parts must not be negative");
    }
  }

  /**
   * Parses a client-supplied id: {@code ms-seq}, or {@code ms} meaning {@code ms-0}.
   *
   * @throws ApiException 400 when the text is not an entry id
   */
  public static EntryId parse(String text, String parameter) {
    Matcher m = text == null ? null : FORMAT.matcher(text);
    if (m == null || !m.matches()) {
      throw ErrorWord.INVALID_ID.refusal(
          parameter + " must be a stream entry id such as 1700000000000-0");
    }
    try {
      long ms = Long.parseLong(m.group(1));
      long seq = m.group(2) == null ? 0 : Long.parseLong(m.group(2));
      return new EntryId(ms, seq);
    } catch (NumberFormatException e) {
      throw ErrorWord.INVALID_ID.refusal(parameter + " is out of range");
    }
  }

  /** Parses an id that came from the store itself, so is known to be well formed. */
  public static EntryId ofStored(String text) {
    int dash = text.indexOf('-');
    return new EntryId(
        Long.parseLong(text.substring(0, dash)), Long.parseLong(text.substring(dash + 1)));
  }

  /** The greatest id smaller than this one. */
  public EntryId previous() {
    return sequence > 0
        ? new EntryId(millis, sequence - 1)
        : new EntryId(millis - 1, Long.MAX_VALUE);
  }

  public EntryId next() {
    return sequence == Long.MAX_VALUE
        ? new EntryId(millis + 1, 0)
        : new EntryId(millis, sequence + 1);
  }

  @Override
  public int compareTo(EntryId o) {
    int c = Long.compare(millis, o.millis);
    return c != 0 ? c : Long.compare(sequence, o.sequence);
  }

  @Override
  public String toString() {
    return millis + "-" + sequence;
  }
}
