package io.pulsarproxy.core;

import java.util.regex.Pattern;

/** Names of consumer groups and their consumers: 1 to 100 letters, digits, {@code . _ - :}. */
public final class GroupNames {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:-]{1,100}");

  private GroupNames() {}

  /**
   * @throws ApiException with {@code word} when {@code text} is not a valid name
   */
  public static String require(String text, ErrorWord word, String what) {
    if (text == null || !NAME.matcher(text).matches()) {
      throw word.refusal(what + " must be 1 to 100 letters, digits or . _ - :");
    }
    return text;
  }
}
