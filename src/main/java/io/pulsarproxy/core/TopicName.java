package io.pulsarproxy.core;

import java.util.regex.Pattern;

/** A topic name, validated once at the edge and trusted from then on. */
public record TopicName(String value) {
  public static final int MAX_LENGTH = 200;
  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._:-]+");

  public TopicName {
    if (value == null || value.isEmpty() || value.length() > MAX_LENGTH) {
      throw ErrorWord.INVALID_TOPIC.refusal(
          "topic must be 1 to " + MAX_LENGTH + " characters long");
    }
    if (!VALID.matcher(value).matches()) {
      throw ErrorWord.INVALID_TOPIC.refusal(
          "topic may contain only letters, digits and the characters . _ - : (got an other character)");
    }
    // No empty dot-separated part: "." and ".." cannot be addressed in a URL path (every HTTP
    // stack folds them away), and "orders..x" or "orders." look like a different topic to people.
    if (value.startsWith(".") || value.endsWith(".") || value.contains("..")) {
      throw ErrorWord.INVALID_TOPIC.refusal("topic may not start or end with '.' nor contain '..'");
    }
  }

  @Override
  public String toString() {
    return value;
  }
}
