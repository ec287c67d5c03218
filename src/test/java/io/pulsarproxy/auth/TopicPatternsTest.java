package io.pulsarproxy.auth;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pulsarproxy.core.TopicName;
import java.util.List;
import org.junit.jupiter.api.Test;

class TopicPatternsTest {
  private static boolean matches(String pattern, String topic) {
    return new TopicPatterns(List.of(pattern)).matches(new TopicName(topic));
  }

  @Test
  void starMatchesAnyRunOfCharacters() {
    assertTrue(matches("*", "anything.at:all"));
    assertTrue(matches("orders.*", "orders.eu"));
    assertTrue(matches("orders.*", "orders.eu.west"));
    assertTrue(matches("*.audit", "billing.audit"));
    assertTrue(matches("a*b*c", "a-x-b-y-c"));
  }

  @Test
  void everythingElseIsLiteralAndCaseSensitive() {
    assertFalse(matches("orders.*", "orders"));
    assertFalse(matches("orders.*", "ordersX.eu"), "the dot is not a regex wildcard");
    assertFalse(matches("orders.*", "Orders.eu"));
    assertFalse(matches("orders", "orders.eu"));
    assertTrue(matches("orders", "orders"));
  }

  @Test
  void noPatternsMatchNothing() {
    assertFalse(new TopicPatterns(List.of()).matches(new TopicName("x")));
    assertTrue(new TopicPatterns(List.of()).isEmpty());
  }

  @Test
  void patternsOutsideTheTopicAlphabetAreRefusedAtStart() {
    assertThrows(IllegalArgumentException.class, () -> new TopicPatterns(List.of("orders/*")));
    assertThrows(IllegalArgumentException.class, () -> new TopicPatterns(List.of("(.*)")));
    assertThrows(IllegalArgumentException.class, () -> new TopicPatterns(List.of("")));
  }
}
