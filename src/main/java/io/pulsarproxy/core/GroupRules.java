package io.pulsarproxy.core;

import java.time.Duration;

/**
 * The input rules of consumer groups that HTTP and WebSocket share: names of groups and consumers
 * (the rules of topic names) and durations such as {@code "5s"}.
 */
public final class GroupRules {

  private GroupRules() {}

  /**
   * A group or consumer name: the rules of topic names (1 to 200 letters, digits, {@code . _ - :},
   * no leading, trailing or doubled dot), with their sentence under {@code word}.
   *
   * @throws ApiException with {@code word} when {@code text} is not a valid name
   */
  public static String name(String text, ErrorWord word, String what) {
    try {
      return new TopicName(text).value();
    } catch (ApiException e) {
      throw word.refusal(what + e.getMessage().substring("topic".length()));
    }
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
