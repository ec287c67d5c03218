package io.pulsarproxy.resources;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import io.pulsarproxy.core.ApiException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads a request body as one JSON value without ever holding more than the limit: a declared
 * Content-Length over the limit is refused before reading, a chunked body as soon as it passes it.
 */
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

  JsonNode read(InputStream body, long contentLength, long limit) {
    if (contentLength > limit) {
      throw tooLarge(limit);
    }
    try (InputStream bounded = new BoundedInputStream(body, limit)) {
      JsonNode node = reader.readValue(bounded);
      if (node == null || node.isMissingNode()) {
        throw ApiException.badRequest("invalid_json", "the request body is empty");
      }
      return node;
    } catch (BodyTooLargeException e) {
      throw tooLarge(limit);
    } catch (JsonProcessingException e) {
      throw ApiException.badRequest(
          "invalid_json", "the request body is not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw ApiException.badRequest("unreadable_body", "the request body could not be read");
    }
  }

  private static ApiException tooLarge(long limit) {
    return ApiException.tooLarge(
        "the request body is larger than the limit of " + limit + " bytes");
  }

  private static final class BodyTooLargeException extends IOException {
    private static final long serialVersionUID = 1L;
  }

  /** Fails once more than {@code limit} bytes have been read. */
  private static final class BoundedInputStream extends FilterInputStream {
    private final long limit;
    private long count;

    BoundedInputStream(InputStream in, long limit) {
      super(in);
      this.limit = limit;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count(1);
      }
      return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
      int n = super.read(buf, off, len);
      if (n > 0) {
        count(n);
      }
      return n;
    }

    private void count(int n) throws BodyTooLargeException {
      count += n;
      if (count > limit) {
        throw new BodyTooLargeException();
      }
    }
  }
}
