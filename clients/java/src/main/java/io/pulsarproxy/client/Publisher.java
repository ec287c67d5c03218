package io.pulsarproxy.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Publishes to Pulsar Proxy over HTTP. Thread-safe; share one.
 *
 * <p>Every message carries a {@code message_id} (generated when you give none), and every retry
 * sends the same one, so a retry never stores a message twice. Retried: network errors (the outcome
 * is unknown), {@code 503} and other 5xx, and {@code 429} after its {@code Retry-After}
 * (backpressure: the call waits, it does not fail). A 429 without {@code Retry-After} (a batch
 * larger than the token's burst) and every other refusal throw {@link PulsarProxyException} at
 * once.
 *
 * <pre>{@code
 * Publisher publisher = Publisher.builder(URI.create("http://127.0.0.1:8080")).token("pp-dev-token").build();
 * PublishResult r = publisher.publish("orders", Map.of("order", 42), "order-42");
 * }</pre>
 */
public final class Publisher {
  private static final Set<Integer> RETRYABLE = Set.of(408, 429, 500, 502, 503, 504);

  private final URI base;
  private final Supplier<String> token;
  private final HttpClient http;
  private final ObjectMapper json;
  private final Backoff backoff;
  private final int maxRetries;
  private final Duration requestTimeout;
  private final Sleeper sleeper;

  /** How the publisher waits between attempts (tests may record the waits). */
  @FunctionalInterface
  public interface Sleeper {
    void sleep(long millis) throws InterruptedException;
  }

  private Publisher(Builder b) {
    this.base = b.base;
    this.token = b.token;
    this.http =
        b.http != null ? b.http : HttpClient.newBuilder().connectTimeout(b.connectTimeout).build();
    this.json = b.json;
    this.backoff = b.backoff;
    this.maxRetries = b.maxRetries;
    this.requestTimeout = b.requestTimeout;
    this.sleeper = b.sleeper;
  }

  public static Builder builder(URI base) {
    return new Builder(base);
  }

  /** Publishes one message with this message id (null: generated). */
  public PublishResult publish(String topic, Object payload, String messageId) {
    return publish(topic, OutgoingMessage.of(payload).withMessageId(messageId));
  }

  /** Publishes one message. */
  public PublishResult publish(String topic, OutgoingMessage message) {
    JsonNode answer = post(topicPath(topic), item(message));
    return json.convertValue(answer, PublishResult.class);
  }

  /** Publishes a batch atomically and in order; one result per message, in the order sent. */
  public List<PublishResult> publishBatch(String topic, List<OutgoingMessage> messages) {
    ObjectNode body = json.createObjectNode();
    ArrayNode items = body.putArray("messages");
    messages.forEach(m -> items.add(item(m)));
    JsonNode answer = post(topicPath(topic) + "/batch", body);
    List<PublishResult> results = new ArrayList<>();
    answer.path("results").forEach(r -> results.add(json.convertValue(r, PublishResult.class)));
    return results;
  }

  private static String topicPath(String topic) {
    Objects.requireNonNull(topic, "topic");
    return "/api/v1/topics/" + URLEncoder.encode(topic, StandardCharsets.UTF_8) + "/messages";
  }

  private ObjectNode item(OutgoingMessage m) {
    ObjectNode item = json.createObjectNode();
    item.set("payload", json.valueToTree(m.payload()));
    item.put("message_id", m.messageId());
    if (m.metadata() != null) {
      item.set("metadata", json.valueToTree(m.metadata()));
    }
    if (m.key() != null) {
      item.put("key", m.key());
    }
    if (m.ttl() != null) {
      item.put("ttl", m.ttl().toSeconds());
    }
    return item;
  }

  private JsonNode post(String path, JsonNode body) {
    byte[] bytes;
    try {
      bytes = json.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("the message cannot be written as JSON", e);
    }
    for (int attempt = 0; ; attempt++) {
      long waitMillis;
      try {
        HttpRequest.Builder request =
            HttpRequest.newBuilder(base.resolve(path))
                .timeout(requestTimeout)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes));
        String t = token.get();
        if (t != null) {
          request.header("Authorization", "Bearer " + t);
        }
        HttpResponse<byte[]> r =
            http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        JsonNode answer = parse(r.body());
        if (r.statusCode() == 200 || r.statusCode() == 201) {
          return answer;
        }
        PulsarProxyException refusal =
            new PulsarProxyException(
                r.statusCode(),
                answer.path("error").asText("http_" + r.statusCode()),
                answer.path("message").asText(""));
        long retryAfter = r.headers().firstValueAsLong("Retry-After").orElse(-1);
        boolean neverFits = r.statusCode() == 429 && retryAfter < 0;
        if (!RETRYABLE.contains(r.statusCode()) || neverFits || attempt >= maxRetries) {
          throw refusal;
        }
        waitMillis = Math.max(retryAfter * 1000, backoff.delayMillis(attempt));
      } catch (IOException e) {
        // The outcome is unknown; the same message_id makes the retry safe.
        if (attempt >= maxRetries) {
          throw new PulsarProxyException("publish failed after " + (attempt + 1) + " attempts", e);
        }
        waitMillis = backoff.delayMillis(attempt);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new PulsarProxyException("interrupted", e);
      }
      try {
        sleeper.sleep(waitMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new PulsarProxyException("interrupted", e);
      }
    }
  }

  private JsonNode parse(byte[] body) {
    try {
      return body.length == 0 ? json.createObjectNode() : json.readTree(body);
    } catch (IOException e) {
      return json.createObjectNode();
    }
  }

  /** Settings; only the base URL and a token are needed. */
  public static final class Builder {
    private final URI base;
    private Supplier<String> token = () -> null;
    private HttpClient http;
    private ObjectMapper json = new ObjectMapper();
    private Backoff backoff = Backoff.DEFAULT;
    private int maxRetries = 5;
    private Duration connectTimeout = Duration.ofSeconds(5);
    private Duration requestTimeout = Duration.ofSeconds(30);
    private Sleeper sleeper = Thread::sleep;

    private Builder(URI base) {
      this.base = Objects.requireNonNull(base, "base");
    }

    public Builder token(String t) {
      this.token = () -> t;
      return this;
    }

    /** Asked before every attempt, for tokens that are refreshed. */
    public Builder tokenSupplier(Supplier<String> supplier) {
      this.token = Objects.requireNonNull(supplier);
      return this;
    }

    public Builder httpClient(HttpClient client) {
      this.http = client;
      return this;
    }

    public Builder objectMapper(ObjectMapper mapper) {
      this.json = mapper;
      return this;
    }

    public Builder backoff(Backoff b) {
      this.backoff = b;
      return this;
    }

    /** Attempts after the first (default 5). */
    public Builder maxRetries(int retries) {
      this.maxRetries = retries;
      return this;
    }

    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = timeout;
      return this;
    }

    public Builder sleeper(Sleeper s) {
      this.sleeper = s;
      return this;
    }

    public Publisher build() {
      return new Publisher(this);
    }
  }
}
