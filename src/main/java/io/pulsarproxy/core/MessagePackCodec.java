package io.pulsarproxy.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.jackson.dataformat.MessagePackFactory;

/**
 * MessagePack as another spelling of the proxy's JSON: the WebSocket subprotocol {@value
 * #SUBPROTOCOL} carries every frame of docs/protocol.md as the same value in binary MessagePack,
 * and publishes with {@code Content-Type: }{@value #MEDIA_TYPE} are read into the same JSON tree a
 * JSON body gives, so that JSON and MessagePack subscribers see the same messages. Only what JSON
 * can say is accepted: maps with string keys, arrays, strings, numbers, booleans, nil; binary and
 * extension values are refused.
 */
public final class MessagePackCodec {
  public static final String MEDIA_TYPE = "application/msgpack";
  public static final String SUBPROTOCOL = "pp.v1.msgpack";
  public static final String JSON_SUBPROTOCOL = "pp.v1.json";

  private static final ObjectMapper MSGPACK = new ObjectMapper(new MessagePackFactory());
  private static final ObjectReader MSGPACK_READER = MSGPACK.readerFor(JsonNode.class);
  private static final ObjectReader JSON_READER = new ObjectMapper().readerFor(JsonNode.class);

  private MessagePackCodec() {}

  /** The JSON text (UTF-8) of a frame, as the same value in MessagePack. */
  public static byte[] fromJson(byte[] utf8) {
    try {
      return MSGPACK.writeValueAsBytes(JSON_READER.readTree(utf8));
    } catch (IOException e) {
      throw new UncheckedIOException("a frame could not be written as MessagePack", e);
    }
  }

  /**
   * One MessagePack value as a JSON tree.
   *
   * @throws ApiException 400 {@code invalid_json} when it is not one MessagePack value of JSON
   *     types
   */
  public static JsonNode read(byte[] bytes) {
    JsonNode node;
    try {
      // Exactly one value: Jackson's trailing-token check does not work on this parser.
      try (MessageUnpacker unpacker = MessagePack.newDefaultUnpacker(bytes)) {
        if (!unpacker.hasNext()) {
          throw ErrorWord.INVALID_JSON.refusal("the body is empty");
        }
        unpacker.skipValue();
        if (unpacker.hasNext()) {
          throw ErrorWord.INVALID_JSON.refusal("the body holds more than one MessagePack value");
        }
      }
      node = MSGPACK_READER.readValue(bytes);
    } catch (ApiException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw ErrorWord.INVALID_JSON.refusal("the body is not one valid MessagePack value");
    }
    if (node == null || node.isMissingNode()) {
      throw ErrorWord.INVALID_JSON.refusal("the body is empty");
    }
    requireJsonTypes(node);
    return node;
  }

  private static void requireJsonTypes(JsonNode node) {
    if (node.isBinary() || node.isPojo()) {
      throw ErrorWord.INVALID_JSON.refusal(
          "MessagePack binary and extension values have no JSON equivalent");
    }
    if (node.isContainerNode()) {
      node.forEach(MessagePackCodec::requireJsonTypes);
    }
  }
}
