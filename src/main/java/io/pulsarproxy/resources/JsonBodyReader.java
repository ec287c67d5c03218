package io.pulsarproxy.resources;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import io.pulsarproxy.core.ApiException;
import io.pulsarproxy.core.ErrorWord;
import java.io.IOException;

/** Parses a request body, read in full within its limit (see RequestBody), as one JSON value. */
final class JsonBodyReader {
  private final ObjectReader reader;

  JsonBodyReader(ObjectMapper json) {
    // Big decimals keep numeric payloads exactly as sent; trailing tokens are a malformed body.
    this.reader =
        json.readerFor(JsonNode.class)
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .without(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES);
  }

  /** Parses a body read in full (its size already checked). */
  JsonNode parse(byte[] body) {
    try {
      JsonNode node = reader.readValue(body);
      if (node == null || node.isMissingNode()) {
        throw ErrorWord.INVALID_JSON.refusal("the request body is empty");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw ErrorWord.INVALID_JSON.refusal(
          "the request body is not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw ErrorWord.UNREADABLE_BODY.refusal("the request body could not be read");
    }
  }

  static ApiException tooLarge(long limit) {
    return ErrorWord.PAYLOAD_TOO_LARGE.refusal(
        "the request body is larger than the limit of " + limit + " bytes");
  }
}
