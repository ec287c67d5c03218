package io.pulsarproxy.auth;

import io.pulsarproxy.core.TopicName;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The topics a token may use: exact names, or patterns where {@code *} stands for any run of
 * characters ({@code orders.*}, {@code *}). Matching is case-sensitive, as topic names are.
 */
public final class TopicPatterns {
  private static final Pattern VALID_PATTERN = Pattern.compile("[A-Za-z0-9._:*-]{1,200}");

  private final List<String> patterns;
  private final List<Pattern> compiled;

  public TopicPatterns(List<String> patterns) {
    for (String p : patterns) {
      if (!VALID_PATTERN.matcher(p).matches()) {
        throw new IllegalArgumentException(
            "topic pattern '" + p + "' may contain only topic characters and *");
      }
    }
    this.patterns = List.copyOf(patterns);
    this.compiled = patterns.stream().map(TopicPatterns::compile).toList();
  }

  private static Pattern compile(String glob) {
    return Pattern.compile(
        Arrays.stream(glob.split("\\*", -1)).map(Pattern::quote).collect(Collectors.joining(".*")));
  }

  public boolean matches(TopicName topic) {
    for (Pattern p : compiled) {
      if (p.matcher(topic.value()).matches()) {
        return true;
      }
    }
    return false;
  }

  public boolean isEmpty() {
    return patterns.isEmpty();
  }

  @Override
  public String toString() {
    return patterns.toString();
  }
}
