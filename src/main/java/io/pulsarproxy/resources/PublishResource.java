package io.pulsarproxy.resources;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dropwizard.auth.Auth;
import io.pulsarproxy.api.BatchResult;
import io.pulsarproxy.api.PublishResult;
import io.pulsarproxy.api.Timestamps;
import io.pulsarproxy.auth.Caller;
import io.pulsarproxy.auth.PermissionAuthorizer;
import io.pulsarproxy.core.ApiException;
import io.pulsarproxy.core.AppendResult;
import io.pulsarproxy.core.Limits;
import io.pulsarproxy.core.MessageParser;
import io.pulsarproxy.core.NewMessage;
import io.pulsarproxy.core.RateLimiter;
import io.pulsarproxy.core.TopicName;
import io.pulsarproxy.store.MessageStore;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The publish API. Every request goes the same way: topic and permission, body within its size
 * limit, every message valid, rate limit, then one append to the store; the answer is sent only
 * after the store has accepted the messages.
 */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@RolesAllowed(PermissionAuthorizer.PUBLISH)
public class PublishResource {
  private final MessageStore store;
  private final MessageParser parser;
  private final RateLimiter rateLimiter;
  private final Limits limits;
  private final JsonBodyReader bodyReader;

  public PublishResource(
      MessageStore store,
      MessageParser parser,
      RateLimiter rateLimiter,
      Limits limits,
      ObjectMapper json) {
    this.store = store;
    this.parser = parser;
    this.rateLimiter = rateLimiter;
    this.limits = limits;
    this.bodyReader = new JsonBodyReader(json);
  }

  @POST
  @Path("/topics/{topic}/messages")
  public Response publish(
      @Auth Caller caller,
      @PathParam("topic") String topicParam,
      @Context HttpHeaders headers,
      @Context ContainerRequestContext request,
      InputStream body) {
    TopicName topic = new TopicName(topicParam);
    caller.requirePublish(topic);
    JsonNode message = bodyReader.read(body, headers.getLength(), limits.maxMessageBytes());
    return publishOne(caller, topic, message, request);
  }

  @POST
  @Path("/messages")
  public Response publishTopicInBody(
      @Auth Caller caller,
      @Context HttpHeaders headers,
      @Context ContainerRequestContext request,
      InputStream body) {
    JsonNode message = bodyReader.read(body, headers.getLength(), limits.maxMessageBytes());
    TopicName topic = topicInBody(message);
    caller.requirePublish(topic);
    return publishOne(caller, topic, message, request);
  }

  @POST
  @Path("/topics/{topic}/messages/batch")
  public Response publishBatch(
      @Auth Caller caller,
      @PathParam("topic") String topicParam,
      @Context HttpHeaders headers,
      @Context ContainerRequestContext request,
      InputStream body) {
    TopicName topic = new TopicName(topicParam);
    caller.requirePublish(topic);
    JsonNode batch = bodyReader.read(body, headers.getLength(), limits.maxBatchBytes());
    requireSameTopic(batch, topic);
    return publishMany(caller, topic, batch, request);
  }

  @POST
  @Path("/messages/batch")
  public Response publishBatchTopicInBody(
      @Auth Caller caller,
      @Context HttpHeaders headers,
      @Context ContainerRequestContext request,
      InputStream body) {
    JsonNode batch = bodyReader.read(body, headers.getLength(), limits.maxBatchBytes());
    TopicName topic = topicInBody(batch);
    caller.requirePublish(topic);
    return publishMany(caller, topic, batch, request);
  }

  private Response publishOne(
      Caller caller, TopicName topic, JsonNode message, ContainerRequestContext request) {
    NewMessage parsed = parser.parse(message, topic, "");
    rateLimiter.acquire(caller.name(), caller.rateLimit(), 1);
    AppendResult result = store.append(topic, List.of(parsed)).get(0);
    accepted(request, topic, result.duplicate() ? 0 : 1);
    return Response.status(result.duplicate() ? 200 : 201).entity(view(topic, result)).build();
  }

  /** Tells {@link PublishMetrics} how many messages were stored. */
  private static void accepted(ContainerRequestContext request, TopicName topic, int count) {
    request.setProperty(PublishMetrics.ACCEPTED, count);
    request.setProperty(PublishMetrics.TOPIC, topic.value());
  }

  private Response publishMany(
      Caller caller, TopicName topic, JsonNode batch, ContainerRequestContext request) {
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
    accepted(request, topic, (int) appended.stream().filter(r -> !r.duplicate()).count());
    List<PublishResult> results = new ArrayList<>(appended.size());
    for (AppendResult r : appended) {
      results.add(view(topic, r));
    }
    return Response.status(201).entity(new BatchResult(results)).build();
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
