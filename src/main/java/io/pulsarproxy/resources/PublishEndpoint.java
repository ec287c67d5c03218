package io.pulsarproxy.resources;

import com.codahale.metrics.Timer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pulsarproxy.api.BatchResult;
import io.pulsarproxy.api.ErrorBody;
import io.pulsarproxy.api.PublishResult;
import io.pulsarproxy.api.Timestamps;
import io.pulsarproxy.auth.Caller;
import io.pulsarproxy.auth.TokenAuthenticator;
import io.pulsarproxy.core.ApiException;
import io.pulsarproxy.core.AppendResult;
import io.pulsarproxy.core.Limits;
import io.pulsarproxy.core.MessageParser;
import io.pulsarproxy.core.NewMessage;
import io.pulsarproxy.core.RateLimiter;
import io.pulsarproxy.core.TopicName;
import io.pulsarproxy.metrics.ProxyMetrics;
import io.pulsarproxy.store.MessageStore;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The publish API: {@code POST /api/v1/topics/{topic}/messages[/batch]} and {@code POST
 * /api/v1/messages[/batch]}. Every request goes the same way: media types, bearer token, topic and
 * permission, body within its size limit, every message valid, rate limit, then one append to the
 * store; the answer is sent only after the store has accepted the messages.
 *
 * <p>It is a servlet filter in front of Jersey rather than a Jersey resource because publishing is
 * the proxy's hottest request: Jersey's own per-request work (matching, filters, injection, entity
 * providers) cost more CPU than the whole publish path, and halved the requests a core could serve.
 * Every other request passes through to Jersey untouched.
 */
public final class PublishEndpoint implements Filter {
  private static final String TOPICS = "/api/v1/topics/";
  private static final String MESSAGES = "/messages";
  private static final String BATCH = "/batch";
  private static final String TOPIC_IN_BODY = "/api/v1/messages";

  private final MessageStore store;
  private final MessageParser parser;
  private final RateLimiter rateLimiter;
  private final Limits limits;
  private final TokenAuthenticator authenticator;
  private final String challenge;
  private final JsonBodyReader bodyReader;
  private final ObjectMapper json;
  private final ErrorMapper errors;
  private final ProxyMetrics metrics;
  private final Set<String> labelledTopics;
  private final Timer latency;
  private final long drainLimit;

  /**
   * @param labelledTopics topics that get a metric of their own (ops list them in config)
   */
  public PublishEndpoint(
      MessageStore store,
      MessageParser parser,
      RateLimiter rateLimiter,
      Limits limits,
      TokenAuthenticator authenticator,
      String realm,
      ObjectMapper json,
      ProxyMetrics metrics,
      Set<String> labelledTopics) {
    this.store = store;
    this.parser = parser;
    this.rateLimiter = rateLimiter;
    this.limits = limits;
    this.authenticator = authenticator;
    this.challenge = "Bearer realm=\"" + realm + "\"";
    this.bodyReader = new JsonBodyReader(json);
    this.json = json;
    this.errors = new ErrorMapper();
    this.metrics = metrics;
    this.labelledTopics = labelledTopics;
    this.latency = metrics.timer(ProxyMetrics.PUBLISH_LATENCY);
    // Bodies refused unread are drained up to this, so clients see the answer (see below).
    this.drainLimit = limits.maxBatchBytes() + (4L << 20);
  }

  /** Which publish request a path is, or null for any other request. */
  private record Route(String topic, boolean batch) {
    static Route of(String path) {
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
  public void doFilter(ServletRequest req, ServletResponse resp, FilterChain chain)
      throws IOException, ServletException {
    HttpServletRequest request = (HttpServletRequest) req;
    Route route = "POST".equals(request.getMethod()) ? Route.of(request.getRequestURI()) : null;
    if (route == null) {
      chain.doFilter(req, resp);
      return;
    }
    HttpServletResponse response = (HttpServletResponse) resp;
    long started = System.nanoTime();
    Caller caller = null;
    try {
      requireMediaTypes(request);
      refuseTokenInUrl(request);
      caller = authenticate(request);
      Published published = publish(route, caller, request);
      metrics.meter(ProxyMetrics.PUBLISH_ACCEPTED).mark(published.stored());
      if (labelledTopics.contains(published.topic().value())) {
        // Dots separate name segments; the label value carries them as underscores.
        metrics
            .meter(ProxyMetrics.TOPIC_PUBLISHED, published.topic().value().replace('.', '_'))
            .mark(published.stored());
      }
      write(response, published.status(), published.body(), Map.of());
    } catch (Throwable e) { // every refusal, and anything unexpected, as its JSON answer
      ErrorMapper.Answer answer = errors.answer(e);
      metrics.meter(ProxyMetrics.PUBLISH_REJECTED, answer.body().error()).mark();
      if ("rate_limited".equals(answer.body().error()) && caller != null) {
        metrics.meter(ProxyMetrics.RATE_LIMITED, caller.name()).mark();
      }
      Map<String, String> headers = answer.headers();
      if (!drainBody(request)) {
        headers = new java.util.HashMap<>(headers);
        headers.put("Connection", "close");
      }
      write(response, answer.body().code(), answer.body(), headers);
    } finally {
      latency.update(System.nanoTime() - started, TimeUnit.NANOSECONDS);
    }
  }

  /** The answer to a publish: its status, its body, and how many messages were newly stored. */
  private record Published(int status, Object body, TopicName topic, int stored) {}

  private Published publish(Route route, Caller caller, HttpServletRequest request) {
    TopicName topic = null;
    if (route.topic() != null) {
      topic = new TopicName(decodeSegment(route.topic()));
      caller.requirePublish(topic);
    }
    long limit = route.batch() ? limits.maxBatchBytes() : limits.maxMessageBytes();
    JsonNode body;
    try {
      body = bodyReader.read(request.getInputStream(), request.getContentLengthLong(), limit);
    } catch (IOException e) {
      throw ApiException.badRequest("unreadable_body", "the request body could not be read");
    }
    if (topic == null) {
      topic = topicInBody(body);
      caller.requirePublish(topic);
    } else if (route.batch()) {
      requireSameTopic(body, topic);
    }
    return route.batch() ? publishMany(caller, topic, body) : publishOne(caller, topic, body);
  }

  private Published publishOne(Caller caller, TopicName topic, JsonNode message) {
    NewMessage parsed = parser.parse(message, topic, "");
    rateLimiter.acquire(caller.name(), caller.rateLimit(), 1);
    AppendResult result = store.append(topic, List.of(parsed)).get(0);
    return new Published(
        result.duplicate() ? 200 : 201, view(topic, result), topic, result.duplicate() ? 0 : 1);
  }

  private Published publishMany(Caller caller, TopicName topic, JsonNode batch) {
    if (!batch.isObject()) {
      throw ApiException.unprocessable("a batch must be an object with a \"messages\" array");
    }
    for (var property : batch.properties()) {
      if (!property.getKey().equals("messages") && !property.getKey().equals("topic")) {
        throw ApiException.unprocessable("unknown field '" + property.getKey() + "' in batch");
      }
    }
    JsonNode items = batch.get("messages");
    if (items == null || !items.isArray() || items.isEmpty()) {
      throw ApiException.unprocessable("\"messages\" must be a non-empty array");
    }
    if (items.size() > limits.maxBatchMessages()) {
      throw ApiException.tooLarge(
          "a batch holds at most " + limits.maxBatchMessages() + " messages, got " + items.size());
    }
    List<NewMessage> messages = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      messages.add(parser.parse(items.get(i), topic, "messages[" + i + "]: "));
    }
    rateLimiter.acquire(caller.name(), caller.rateLimit(), messages.size());
    List<AppendResult> appended = store.append(topic, messages);
    List<PublishResult> results = new ArrayList<>(appended.size());
    int stored = 0;
    for (AppendResult r : appended) {
      results.add(view(topic, r));
      stored += r.duplicate() ? 0 : 1;
    }
    return new Published(201, new BatchResult(results), topic, stored);
  }

  /** 415 for a body not declared JSON, 406 for a client that accepts no JSON. */
  private static void requireMediaTypes(HttpServletRequest request) {
    String type = request.getContentType();
    if (type != null && !isJson(type)) {
      throw new ApiException(
          415,
          ErrorBody.wordFor(415),
          "the request body must be JSON (Content-Type: application/json)");
    }
    String accept = request.getHeader("Accept");
    if (accept != null && !accept.isBlank() && !acceptsJson(accept)) {
      throw new ApiException(
          406, ErrorBody.wordFor(406), "this endpoint answers application/json only");
    }
  }

  private static boolean isJson(String contentType) {
    int semicolon = contentType.indexOf(';');
    String mediaType = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip();
    return mediaType.equalsIgnoreCase("application/json");
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
   * A secret in a URL ends up in browser history and the logs of proxies in between, and every
   * publisher can send the header; only event streams and WebSocket upgrades, which browsers open
   * without headers, take {@code ?access_token=}. Refused before the token is even checked.
   */
  private static void refuseTokenInUrl(HttpServletRequest request) {
    String query = request.getQueryString();
    if (query != null && hasParameter(query, "access_token")) {
      throw ApiException.badRequest(
          "access_token_not_allowed",
          "send the token as 'Authorization: Bearer <token>'; access_token in the URL is"
              + " accepted only for WebSocket upgrades and event streams");
    }
  }

  /** Whether a raw query string names a parameter; never reads a body, unlike getParameter. */
  private static boolean hasParameter(String query, String name) {
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      try {
        key = URLDecoder.decode(key, StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        // a malformed escape: compare the raw name
      }
      if (key.equals(name)) {
        return true;
      }
    }
    return false;
  }

  /** The bearer token of the Authorization header; 401 with a challenge when it is not known. */
  private Caller authenticate(HttpServletRequest request) {
    String header = request.getHeader("Authorization");
    int space = header == null ? -1 : header.indexOf(' ');
    if (space > 0 && header.substring(0, space).equalsIgnoreCase("Bearer")) {
      Caller caller = authenticator.authenticate(header.substring(space + 1).strip()).orElse(null);
      if (caller != null) {
        if (caller.publish().isEmpty()) {
          throw ApiException.forbidden("this token lacks the permission this endpoint needs");
        }
        return caller;
      }
    }
    throw new ApiException(
        401,
        "unauthorized",
        "a valid bearer token is required (Authorization: Bearer <token>)",
        Map.of("WWW-Authenticate", challenge));
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
      throw ApiException.badRequest("invalid_topic", "the topic in the path is not well encoded");
    }
    if (decoded.equals(".") || decoded.equals("..")) {
      // A dot segment means "this" or "the parent" in a path, never a topic.
      throw ApiException.badRequest("invalid_topic", "a path segment of dots is not a topic");
    }
    return decoded;
  }

  /**
   * Reads what is left of a refused request's body, up to a bound, before the answer goes out.
   * Without this, Jetty closes a connection whose request body is still arriving after the answer,
   * and a keep-alive client that sent the body late (Java's HttpClient does) sees its next request
   * fail. Returns false when the body was larger than the bound: the answer then closes.
   */
  private boolean drainBody(HttpServletRequest request) {
    byte[] buffer = new byte[8192];
    long drained = 0;
    try {
      InputStream body = request.getInputStream();
      int n;
      while ((n = body.read(buffer)) >= 0) {
        drained += n;
        if (drained > drainLimit) {
          return false;
        }
      }
      return true;
    } catch (IOException | IllegalStateException e) {
      return false;
    }
  }

  private void write(
      HttpServletResponse response, int status, Object body, Map<String, String> headers)
      throws IOException {
    byte[] bytes = json.writeValueAsBytes(body);
    response.setStatus(status);
    headers.forEach(response::setHeader);
    response.setContentType("application/json");
    response.setContentLength(bytes.length);
    response.getOutputStream().write(bytes);
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
      throw ApiException.unprocessable("\"topic\" is required in the body and must be a string");
    }
    return new TopicName(topic.textValue());
  }

  /** A batch may repeat the path's topic (clients reuse one shape) but not contradict it. */
  private static void requireSameTopic(JsonNode body, TopicName topic) {
    JsonNode inBody = body.isObject() ? body.get("topic") : null;
    if (inBody != null && !(inBody.isTextual() && inBody.textValue().equals(topic.value()))) {
      throw ApiException.unprocessable("\"topic\" in the body differs from the topic in the path");
    }
  }
}
