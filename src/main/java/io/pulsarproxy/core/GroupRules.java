package io.pulsarproxy.core;

import java.time.Duration;
import java.util.regex.Pattern;

/**
 * The input rules of consumer groups that HTTP and WebSocket share: names of groups and consumers
 * (1 to 100 letters, digits, {@code . _ - :}) and durations such as {@code "5s"}.
 */
public final class GroupRules {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:-]{1,100}");

  private GroupRules() {}

  /**
   * @throws ApiException with {@code word} when {@code text} is not a valid name
   */
  public static String name(String text, ErrorWord word, String what) {
    if (text == null || !NAME.matcher(text).matches()) {
      throw word.refusal(what + " must be 1 to 100 letters, digits or . _ - :");
    }
    return text;
  }

  /**
   * A duration such as {@code "500ms"}, {@code "5s"} or {@code "2m"}, from zero to 24 hours.
   *
   * @throws ApiException {@code invalid_request} otherwise
   */
  public static Duration duration(String text, String field) {
    try {
      if (text != null) {
        Duration d = io.dropwizard.util.Duration.parse(text).toJavaDuration();
        if (!d.isNegative() && d.toHours() <= 24) {
          return d;
        }
      }
    } catch (IllegalArgumentException e) {
      // the refusal below
    }
    throw ErrorWord.INVALID_REQUEST.refusal(
        field + " must be a duration such as \"5s\" (at most 24h)");
  }
}
