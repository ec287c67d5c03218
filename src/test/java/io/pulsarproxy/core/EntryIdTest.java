package io.pulsarproxy.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EntryIdTest {
  @Test
  void parsesAndOrdersLikeValkey() {
    assertEquals(new EntryId(1700000000000L, 5), EntryId.parse("1700000000000-5", "after"));
    assertEquals(new EntryId(17, 0), EntryId.parse("17", "after"));
    assertTrue(EntryId.parse("10-2", "a").compareTo(EntryId.parse("9-100", "a")) > 0);
    assertTrue(EntryId.parse("10-2", "a").compareTo(EntryId.parse("10-10", "a")) < 0);
    assertEquals("10-3", EntryId.ofStored("10-3").toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "-", "abc", "1-", "-1", "1-2-3", "99999999999999999999-0", " 1-0"})
  void refusesWhatIsNotAnId(String text) {
    ApiException e = assertThrows(ApiException.class, () -> EntryId.parse(text, "after"));
    assertEquals(400, e.status());
    assertEquals("invalid_id", e.error());
  }
}
