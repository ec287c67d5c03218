package io.pulsarproxy.tasks;

import io.pulsarproxy.core.ApiException;
import io.pulsarproxy.core.ErrorWord;
import io.pulsarproxy.core.TopicName;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A task's query parameters, each read once and refused with a 400 that names it. */
final class TaskParameters {
  private final Map<String, List<String>> values;

  TaskParameters(Map<String, List<String>> values, Set<String> accepted) {
    this.values = values;
    for (String name : values.keySet()) {
      if (!accepted.contains(name)) {
        throw invalid(name, "is not a parameter of this task (accepted: " + accepted + ")");
      }
    }
  }

  boolean has(String name) {
    return values.containsKey(name);
  }

  String string(String name) {
    List<String> v = values.get(name);
    if (v == null || v.isEmpty()) {
      return null;
    }
    if (v.size() > 1) {
      throw invalid(name, "is given more than once");
    }
    return v.get(0);
  }

  TopicName topic(String name) {
    String text = string(name);
    if (text == null) {
      return null;
    }
    try {
      return new TopicName(text);
    } catch (ApiException e) {
      throw invalid(name, e.getMessage());
    }
  }

  long number(String name, long min, long max, long otherwise) {
    String text = string(name);
    if (text == null) {
      return otherwise;
    }
    try {
      long n = Long.parseLong(text.trim());
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw invalid(name, "must be a whole number from " + min + " to " + max);
  }

  /** A duration such as {@code 30s}, {@code 10m}, {@code 24h}, or plain seconds. */
  Duration duration(String name, Duration max, Duration otherwise) {
    String text = string(name);
    if (text == null) {
      return otherwise;
    }
    Duration d;
    try {
      d =
          text.trim().matches("\\d+")
              ? Duration.ofSeconds(Long.parseLong(text.trim()))
              : io.dropwizard.util.Duration.parse(text.trim()).toJavaDuration();
    } catch (IllegalArgumentException e) {
      throw invalid(name, "must be a duration such as 30s, 10m or 24h");
    }
    if (d.isNegative() || d.compareTo(max) > 0) {
      throw invalid(name, "must be between 0 and " + max);
    }
    return d;
  }

  boolean flag(String name) {
    String text = string(name);
    if (text == null) {
      return false;
    }
    if (text.equals("true") || text.equals("false")) {
      return text.equals("true");
    }
    throw invalid(name, "must be true or false");
  }

  static ApiException invalid(String name, String problem) {
    return ErrorWord.INVALID_PARAMETER.refusal("parameter '" + name + "' " + problem);
  }
}
