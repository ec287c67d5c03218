package io.pulsarproxy.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MessageIdGeneratorTest {
  @Test
  void idsWithinOneMillisecondStrictlyIncrease() {
    Clock frozen = Clock.fixed(Instant.parse("2026-11-26T12:00:00Z"), ZoneOffset.UTC);
    MessageIdGenerator ids = new MessageIdGenerator(frozen);
    String previous = ids.next();
    Set<String> seen = new HashSet<>(Set.of(previous));
    for (int i = 0; i < 100_000; i++) {
      String id = ids.next();
      assertEquals(26, id.length());
      assertTrue(id.compareTo(previous) > 0, previous + " then " + id);
      assertTrue(seen.add(id));
      previous = id;
    }
  }

  @Test
  void theFirstTenCharactersEncodeTheTime() {
    Instant t = Instant.parse("2026-11-26T12:00:00.123Z");
    String id = new MessageIdGenerator(Clock.fixed(t, ZoneOffset.UTC)).next();
    long millis = 0;
    for (char c : id.substring(0, 10).toCharArray()) {
      millis = millis * 32 + "0123456789ABCDEFGHJKMNPQRSTVWXYZ".indexOf(c);
    }
    assertEquals(t.toEpochMilli(), millis);
    String later = new MessageIdGenerator(Clock.fixed(t.plusMillis(1), ZoneOffset.UTC)).next();
    assertTrue(later.compareTo(id) > 0);
  }
}
