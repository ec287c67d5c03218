package io.pulsarproxy.store.valkey;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pulsarproxy.core.EntryId;
import io.pulsarproxy.core.NewMessage;
import io.pulsarproxy.core.StoredMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.resps.StreamEntry;

/**
 * How a message is laid out in a stream entry, both ways: the fields an append writes, and the
 * message an entry reads back as. The store's reads and every follower's tail share it.
 */
final class EntryCodec {
  static final String FIELD_MESSAGE_ID = "mid";
  static final String FIELD_PAYLOAD = "p";
  static final String FIELD_METADATA = "md";
  static final String FIELD_KEY = "k";
  static final String FIELD_EXPIRES = "x";

  private static final TypeReference<Map<String, String>> METADATA_TYPE = new TypeReference<>() {};
  private static final Logger LOG = LoggerFactory.getLogger(EntryCodec.class);

  private final ObjectMapper json;

  EntryCodec(ObjectMapper json) {
    this.json = json;
  }

  /** The field/value strings of a message's entry (the expiry is added by the script). */
  List<String> fields(NewMessage m) {
    List<String> fields = new ArrayList<>(8);
    fields.add(FIELD_MESSAGE_ID);
    fields.add(m.messageId());
    fields.add(FIELD_PAYLOAD);
    fields.add(m.payload());
    if (!m.metadata().isEmpty()) {
      fields.add(FIELD_METADATA);
      try {
        fields.add(json.writeValueAsString(m.metadata()));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("a map of strings always serialises", e);
      }
    }
    if (m.key() != null) {
      fields.add(FIELD_KEY);
      fields.add(m.key());
    }
    return fields;
  }

  /**
   * Decodes an entry, tolerating ones this proxy did not write (a manual XADD, say): a missing or
   * unreadable field becomes empty rather than an exception that would stop the follower on it.
   */
  StoredMessage decode(StreamEntry entry) {
    Map<String, String> f = entry.getFields();
    Map<String, String> metadata = Map.of();
    String encodedMetadata = f.get(FIELD_METADATA);
    if (encodedMetadata != null) {
      try {
        metadata = json.readValue(encodedMetadata, METADATA_TYPE);
      } catch (JsonProcessingException | RuntimeException e) {
        LOG.warn("Entry {} has unreadable metadata; delivering it without", entry.getID());
      }
    }
    Long expires = null;
    String x = f.get(FIELD_EXPIRES);
    if (x != null) {
      try {
        expires = Long.valueOf(x);
      } catch (NumberFormatException e) {
        LOG.warn("Entry {} has an unreadable expiry; delivering it as not expiring", entry.getID());
      }
    }
    String payload = f.get(FIELD_PAYLOAD);
    String messageId = f.get(FIELD_MESSAGE_ID);
    return new StoredMessage(
        new EntryId(entry.getID().getTime(), entry.getID().getSequence()),
        messageId == null ? "" : messageId,
        // Only an entry this proxy did not write (no message id) needs its payload checked.
        payload == null || (messageId == null && !isJson(payload)) ? "null" : payload,
        metadata,
        f.get(FIELD_KEY),
        expires);
  }

  /** Payloads are embedded verbatim in frames, so one this proxy did not write must be JSON. */
  private boolean isJson(String text) {
    try {
      json.readTree(text);
      return true;
    } catch (JsonProcessingException e) {
      LOG.warn("An entry has a payload that is not JSON; delivering null instead");
      return false;
    }
  }
}
