package io.pulsarproxy.resources;

import com.codahale.metrics.Meter;
import com.codahale.metrics.Timer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pulsarproxy.api.BatchResult;
import io.pulsarproxy.api.Failure;
import io.pulsarproxy.api.PublishResult;
import io.pulsarproxy.api.Timestamps;
import io.pulsarproxy.auth.Caller;
import io.pulsarproxy.auth.PermissionAuthorizer;
import io.pulsarproxy.auth.RequestPolicy;
import io.pulsarproxy.core.AppendResult;
import io.pulsarproxy.core.ErrorWord;
import io.pulsarproxy.core.Limits;
import io.pulsarproxy.core.MessagePackCodec;
import io.pulsarproxy.core.MessageParser;
import io.pulsarproxy.core.NewMessage;
import io.pulsarproxy.core.RateLimiter;
import io.pulsarproxy.core.TopicName;
import io.pulsarproxy.metrics.ProxyMetrics;
import io.pulsarproxy.store.MessageStore;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The publish API: {@code POST /api/v1/topics/{topic}/messages[/batch]} and {@code POST
 * /api/v1/messages[/batch]}. Every request goes the same way: media types, bearer token, topic and
 * permission, body within its size limit, every message valid, rate limit, then one append to the
 * store; the answer is sent only after the store has accepted the messages.
 *
 * <p>It is a Jetty handler inside the application context, ahead of the servlets, because
 * publishing is the proxy's hottest request: Jersey's per-request work cost more CPU than the whole
 * publish path, and the servlet layer (its request wrappers, filters and blocking output) most of
 * the rest. Nothing waits on a thread here: the body is read as it arrives, the append rides the
 * store's next pipeline, and the answer is written from the store's reply. Every other request
 * passes through to the servlets untouched.
 */
public final class PublishHandler extends Handler.Wrapper {
  private static final String TOPICS = "/api/v1/topics/";
  private static final String MESSAGES = "/messages";
  private static final String BATCH = "/batch";
  private static final String TOPIC_IN_BODY = "/api/v1/messages";

  private final MessageStore store;
  private final MessageParser parser;
  private final RateLimiter rateLimiter;
  private final Limits limits;
  private final RequestPolicy policy;
  private final JsonBodyReader bodyReader;
  private final ObjectMapper json;
  private final ProxyMetrics metrics;
  private final Set<String> labelledTopics;
  private final Timer latency;
  private final Meter accepted;

  /**
   * @param labelledTopics topics that get a metric of their own (ops list them in config)
   */
  public PublishHandler(
      MessageStore store,
      MessageParser parser,
      RateLimiter rateLimiter,
      Limits limits,
      RequestPolicy policy,
      ObjectMapper json,
      ProxyMetrics metrics,
      Set<String> labelledTopics) {
    this.store = store;
    this.parser = parser;
    this.rateLimiter = rateLimiter;
    this.limits = limits;
    this.policy = policy;
    this.bodyReader = new JsonBodyReader(json);
    this.json = json;
    this.metrics = metrics;
    this.labelledTopics = labelledTopics;
    this.latency = metrics.timer(ProxyMetrics.PUBLISH_LATENCY);
    this.accepted = metrics.meter(ProxyMetrics.PUBLISH_ACCEPTED);
  }

  /** Which publish request a path is, or null for any other request. */
  record Route(String topic, boolean batch) {
    static Route of(String method, String path) {
      if (!"POST".equals(method) || path == null) {
        return null;
      }
      if (path.startsWith(TOPICS)) {
        boolean batch = path.endsWith(MESSAGES + BATCH);
        String tail = batch ? MESSAGES + BATCH : MESSAGES;
        int slash = path.indexOf('/', TOPICS.length());
        if (!path.endsWith(tail) || slash < 0 || slash != path.length() - tail.length()) {
          return null;
        }
        return new Route(path.substring(TOPICS.length(), slash), batch);
      }
      if (path.equals(TOPIC_IN_BODY)) {
        return new Route(null, false);
      }
      return path.equals(TOPIC_IN_BODY + BATCH) ? new Route(null, true) : null;
    }
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    // The raw path, as sent: a segment of dots must reach the topic rule, not be resolved away.
    Route route = Route.of(request.getMethod(), request.getHttpURI().getPath());
    if (route == null) {
      return super.handle(request, response, callback);
    }
    new Exchange(route, request, response, callback).start();
    return true;
  }

  /**
   * One publish request on its way through: checks on the headers, the body as it arrives, the
   * append, the answer. Each step runs on whichever thread completed the one before.
   */
  private final class Exchange {
    private final Route route;
    private final Request request;
    private final Response response;
    private final Callback callback;
    private final long started = System.nanoTime();
    private Caller caller;
    private TopicName topic;
    private boolean bodyRead;
    private boolean closeAfter; // the body was not read to its end: the connection is unusable
    private boolean msgpack; // Content-Type: application/msgpack

    Exchange(Route route, Request request, Response response, Callback callback) {
      this.route = route;
      this.request = request;
      this.response = response;
      this.callback = callback;
    }

    void start() {
      try {
        HttpFields headers = request.getHeaders();
        msgpack = requireMediaTypes(headers);
        caller =
            policy.requireRole(
                policy.authenticate(
                    headers.get(HttpHeader.AUTHORIZATION),
                    urlToken(request.getHttpURI().getQuery()),
                    RequestPolicy.TokenInUrl.REFUSED),
                PermissionAuthorizer.PUBLISH);
        if (route.topic() != null) {
          topic = new TopicName(decodeSegment(route.topic()));
          caller.requirePublish(topic);
        }
        long limit = policy.bodyLimit(route.batch());
        if (request.getLength() > limit) {
          throw JsonBodyReader.tooLarge(limit);
        }
        RequestBody.read(
            request, (int) limit, limit, (read, failure) -> bodyRead(read, failure, limit));
      } catch (Throwable e) {
        fail(e);
      }
    }

    private void bodyRead(RequestBody.Read read, Throwable failure, long limit) {
      bodyRead = true;
      try {
        if (failure != null) {
          closeAfter = true;
          throw failure;
        }
        if (read.bytes() == null) {
          closeAfter = !read.complete();
          throw JsonBodyReader.tooLarge(limit);
        }
        JsonNode body =
            msgpack ? MessagePackCodec.read(read.bytes()) : bodyReader.parse(read.bytes());
        if (topic == null) {
          topic = topicInBody(body);
          caller.requirePublish(topic);
        } else if (route.batch()) {
          requireSameTopic(body, topic);
        }
        List<NewMessage> messages =
            route.batch() ? parseBatch(body, topic) : List.of(parser.parse(body, topic, ""));
        rateLimiter.acquire(caller.name(), caller.rateLimit(), messages.size());
        store.appendAsync(topic, messages).whenComplete(this::appended);
      } catch (Throwable e) {
        fail(e);
      }
    }

    private void appended(List<AppendResult> results, Throwable failure) {
      if (failure != null) {
        fail(
            failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause()
                : failure);
        return;
      }
      int stored = 0;
      List<PublishResult> views = new ArrayList<>(results.size());
      for (AppendResult r : results) {
        views.add(view(topic, r));
        stored += r.duplicate() ? 0 : 1;
      }
      accepted.mark(stored);
      if (labelledTopics.contains(topic.value())) {
        // Dots separate name segments; the label value carries them as underscores.
        metrics.meter(ProxyMetrics.TOPIC_PUBLISHED, topic.value().replace('.', '_')).mark(stored);
      }
      if (route.batch()) {
        respond(201, new BatchResult(views), Map.of());
      } else {
        respond(results.get(0).duplicate() ? 200 : 201, views.get(0), Map.of());
      }
    }

    /**
     * Every refusal, and anything unexpected, as its JSON answer. A body not yet read is read (and
     * dropped) first, up to the policy's drain limit; past it, the answer closes.
     */
    private void fail(Throwable e) {
      Failure answer = Failure.of(e);
      metrics.meter(ProxyMetrics.PUBLISH_REJECTED, answer.body().error()).mark();
      if (ErrorWord.RATE_LIMITED.word().equals(answer.body().error()) && caller != null) {
        metrics.meter(ProxyMetrics.RATE_LIMITED, caller.name()).mark();
      }
      if (bodyRead) {
        respond(answer.body().code(), answer.body(), closing(answer.headers(), closeAfter));
        return;
      }
      bodyRead = true;
      RequestBody.read(
          request,
          0,
          policy.drainLimit(),
          (read, failure) ->
              respond(
                  answer.body().code(),
                  answer.body(),
                  closing(answer.headers(), failure != null || !read.complete())));
    }

    private static Map<String, String> closing(Map<String, String> headers, boolean close) {
      if (!close) {
        return headers;
      }
      Map<String, String> closing = new HashMap<>(headers);
      closing.put("Connection", "close");
      return closing;
    }

    private void respond(int status, Object body, Map<String, String> headers) {
      byte[] bytes;
      try {
        bytes = json.writeValueAsBytes(body);
      } catch (JsonProcessingException e) {
        callback.failed(e); // records of strings always serialise
        return;
      }
      response.setStatus(status);
      HttpFields.Mutable out = response.getHeaders();
      headers.forEach(out::put);
      out.put(HttpHeader.CONTENT_TYPE, "application/json");
      out.put(HttpHeader.CONTENT_LENGTH, bytes.length);
      latency.update(System.nanoTime() - started, TimeUnit.NANOSECONDS);
      response.write(true, ByteBuffer.wrap(bytes), callback);
    }
  }

  private List<NewMessage> parseBatch(JsonNode batch, TopicName topic) {
    if (!batch.isObject()) {
      throw ErrorWord.INVALID_MESSAGE.refusal(
          "a batch must be an object with a \"messages\" array");
    }
    for (var property : batch.properties()) {
      if (!property.getKey().equals("messages") && !property.getKey().equals("topic")) {
        throw ErrorWord.INVALID_MESSAGE.refusal(
            "unknown field '" + property.getKey() + "' in batch");
      }
    }
    JsonNode items = batch.get("messages");
    if (items == null || !items.isArray() || items.isEmpty()) {
      throw ErrorWord.INVALID_MESSAGE.refusal("\"messages\" must be a non-empty array");
    }
    if (items.size() > limits.maxBatchMessages()) {
      throw ErrorWord.PAYLOAD_TOO_LARGE.refusal(
          "a batch holds at most " + limits.maxBatchMessages() + " messages, got " + items.size());
    }
    List<NewMessage> messages = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      messages.add(parser.parse(items.get(i), topic, "messages[" + i + "]: "));
    }
    return messages;
  }

  /**
   * 415 for a body declared neither JSON nor MessagePack, 406 for a client that accepts no JSON.
   *
   * @return whether the body is MessagePack
   */
  private static boolean requireMediaTypes(HttpFields headers) {
    String type = headers.get(HttpHeader.CONTENT_TYPE);
    boolean msgpack = type != null && isMediaType(type, MessagePackCodec.MEDIA_TYPE);
    if (type != null && !isJson(type) && !msgpack) {
      throw ErrorWord.UNSUPPORTED_MEDIA_TYPE.refusal();
    }
    String accept = headers.get(HttpHeader.ACCEPT);
    if (accept != null && !accept.isBlank() && !acceptsJson(accept)) {
      throw ErrorWord.NOT_ACCEPTABLE.refusal();
    }
    return msgpack;
  }

  private static boolean isJson(String contentType) {
    return isMediaType(contentType, "application/json");
  }

  private static boolean isMediaType(String contentType, String expected) {
    int semicolon = contentType.indexOf(';');
    String mediaType = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip();
    return mediaType.equalsIgnoreCase(expected);
  }

  private static boolean acceptsJson(String accept) {
    for (String range : accept.split(",")) {
      int semicolon = range.indexOf(';');
      String type = (semicolon < 0 ? range : range.substring(0, semicolon)).strip();
      if (type.equals("*/*") || type.equalsIgnoreCase("application/*") || isJson(type)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The {@code access_token} parameter of a raw query string, or null; never reads a body, unlike
   * getParameter. Its value does not matter here: publishing refuses it.
   */
  private static String urlToken(String query) {
    if (query == null) {
      return null;
    }
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      try {
        key = URLDecoder.decode(key, StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        // a malformed escape: compare the raw name
      }
      if (key.equals(RequestPolicy.ACCESS_TOKEN)) {
        return eq < 0 ? "" : pair.substring(eq + 1);
      }
    }
    return null;
  }

  /**
   * Percent-decodes a path segment as JAX-RS does ({@code +} stays a plus). The topic rule then
   * refuses whatever decoded into a character topics may not hold, a slash included.
   */
  private static String decodeSegment(String raw) {
    String decoded;
    try {
      decoded =
          raw.indexOf('%') < 0
              ? raw
              : URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw ErrorWord.INVALID_TOPIC.refusal("the topic in the path is not well encoded");
    }
    if (decoded.equals(".") || decoded.equals("..")) {
      // A dot segment means "this" or "the parent" in a path, never a topic.
      throw ErrorWord.INVALID_TOPIC.refusal("a path segment of dots is not a topic");
    }
    return decoded;
  }

  private static PublishResult view(TopicName topic, AppendResult r) {
    return new PublishResult(
        r.id().toString(),
        r.messageId(),
        topic.value(),
        Timestamps.iso(r.id().millis()),
        r.duplicate() ? Boolean.TRUE : null);
  }

  private static TopicName topicInBody(JsonNode body) {
    JsonNode topic = body.isObject() ? body.get("topic") : null;
    if (topic == null || !topic.isTextual()) {
      throw ErrorWord.INVALID_MESSAGE.refusal(
          "\"topic\" is required in the body and must be a string");
    }
    return new TopicName(topic.textValue());
  }

  /** A batch may repeat the path's topic (clients reuse one shape) but not contradict it. */
  private static void requireSameTopic(JsonNode body, TopicName topic) {
    JsonNode inBody = body.isObject() ? body.get("topic") : null;
    if (inBody != null && !(inBody.isTextual() && inBody.textValue().equals(topic.value()))) {
      throw ErrorWord.INVALID_MESSAGE.refusal(
          "\"topic\" in the body differs from the topic in the path");
    }
  }
}
