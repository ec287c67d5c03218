package io.pulsarproxy.store.valkey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.pulsarproxy.core.EntryId;
import io.pulsarproxy.core.NewMessage;
import io.pulsarproxy.core.StoredMessage;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.resps.StreamEntry;

/** The entry layout both ways, and decoding of entries this proxy did not write. */
class EntryCodecTest {
  private final EntryCodec codec = new EntryCodec(new ObjectMapper());

  private static StreamEntry entry(List<String> fields) {
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i + 1 < fields.size(); i += 2) {
      map.put(fields.get(i), fields.get(i + 1));
    }
    return new StreamEntry(new StreamEntryID(1700000000000L, 3), map);
  }

  @Test
  void aMessageReadsBackAsItWasWritten() {
    NewMessage m =
        new NewMessage("order-42", true, "{\"total\":19.9}", Map.of("tenant", "acme"), "k1", null);
    StoredMessage read = codec.decode(entry(codec.fields(m)));
    assertEquals(new EntryId(1700000000000L, 3), read.id());
    assertEquals("order-42", read.messageId());
    assertEquals("{\"total\":19.9}", read.payload());
    assertEquals(Map.of("tenant", "acme"), read.metadata());
    assertEquals("k1", read.key());
    assertNull(read.expiresAtMillis());
  }

  @Test
  void theScriptsExpiryFieldIsRead() {
    StoredMessage read =
        codec.decode(
            entry(List.of("mid", "a", "p", "1", EntryCodec.FIELD_EXPIRES, "1700000005000")));
    assertEquals(1700000005000L, read.expiresAtMillis());
  }

  @Test
  void aForeignEntryIsDeliveredWithWhatCanBeRead() {
    // A manual XADD: no message id, a payload that is not JSON, unreadable metadata and expiry.
    StoredMessage read =
        codec.decode(entry(List.of("p", "not json", "md", "{broken", "x", "soon")));
    assertEquals("", read.messageId());
    assertEquals("null", read.payload());
    assertEquals(Map.of(), read.metadata());
    assertNull(read.expiresAtMillis());
    assertEquals("null", codec.decode(entry(List.of("other", "field"))).payload());
    // A foreign entry whose payload is JSON keeps it.
    assertEquals("[1,2]", codec.decode(entry(List.of("p", "[1,2]"))).payload());
  }
}
