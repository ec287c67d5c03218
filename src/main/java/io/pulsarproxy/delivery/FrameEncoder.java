package io.pulsarproxy.delivery;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.pulsarproxy.api.ErrorBody;
import io.pulsarproxy.api.Timestamps;
import io.pulsarproxy.core.StoredMessage;
import io.pulsarproxy.core.TopicName;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * Writes the server frames of the subscriber protocol (docs/protocol.md). Message frames embed the
 * stored payload text verbatim, so a payload is never parsed again on its way out.
 */
public final class FrameEncoder {
  private final JsonFactory json = new JsonFactory();

  public Frame message(TopicName topic, StoredMessage m) {
    return new Frame(
        m,
        writeUtf8(
            g -> {
              g.writeStringField("type", "message");
              g.writeStringField("topic", topic.value());
              writeMessage(g, m);
            }));
  }

  /**
   * A message of a consumer group: the message frame plus {@code group} and {@code delivery_count}.
   * Written per delivery, as the count differs each time.
   */
  public String groupMessage(TopicName topic, String group, StoredMessage m, long deliveryCount) {
    return write(
        g -> {
          g.writeStringField("type", "message");
          g.writeStringField("topic", topic.value());
          g.writeStringField("group", group);
          writeMessage(g, m);
          g.writeNumberField("delivery_count", deliveryCount);
        });
  }

  /** A message's own fields, after the frame's type, topic (and group). */
  private static void writeMessage(JsonGenerator g, StoredMessage m) throws IOException {
    g.writeStringField("id", m.id().toString());
    g.writeStringField("message_id", m.messageId());
    g.writeStringField("timestamp", Timestamps.iso(m.id().millis()));
    g.writeFieldName("payload");
    g.writeRawValue(m.payload());
    g.writeObjectFieldStart("metadata");
    for (Map.Entry<String, String> e : m.metadata().entrySet()) {
      g.writeStringField(e.getKey(), e.getValue());
    }
    g.writeEndObject();
    if (m.key() != null) {
      g.writeStringField("key", m.key());
    }
  }

  /** {@code {"type": type, k1: v1, ...}} with string values; a null value is left out. */
  public String control(String type, String... keysAndValues) {
    return write(
        g -> {
          g.writeStringField("type", type);
          for (int i = 0; i + 1 < keysAndValues.length; i += 2) {
            if (keysAndValues[i + 1] != null) {
              g.writeStringField(keysAndValues[i], keysAndValues[i + 1]);
            }
          }
        });
  }

  /** {@code {"type":"reconnect","after_ms":N}}: go elsewhere, after waiting N ms. */
  public String reconnect(long afterMillis) {
    return write(
        g -> {
          g.writeStringField("type", "reconnect");
          g.writeNumberField("after_ms", afterMillis);
        });
  }

  /**
   * {@code {"type":"error","code":..,"error":..,"message":..}}, with the topic when one is known.
   */
  public String error(ErrorBody body, String topic) {
    return error(body, topic, null);
  }

  /**
   * An error frame that also names the consumer group of the frame it answers, so that a client
   * with a plain and a group subscription of one topic knows which one it is for.
   */
  public String error(ErrorBody body, String topic, String group) {
    return write(
        g -> {
          g.writeStringField("type", "error");
          g.writeNumberField("code", body.code());
          g.writeStringField("error", body.error());
          g.writeStringField("message", body.message());
          if (topic != null) {
            g.writeStringField("topic", topic);
          }
          if (group != null) {
            g.writeStringField("group", group);
          }
        });
  }

  private interface Body {
    void write(JsonGenerator g) throws IOException;
  }

  private byte[] writeUtf8(Body body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = json.createGenerator(out)) {
      g.writeStartObject();
      body.write(g);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private String write(Body body) {
    return new String(writeUtf8(body), java.nio.charset.StandardCharsets.UTF_8);
  }
}
