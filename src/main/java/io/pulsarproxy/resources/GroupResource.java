package io.pulsarproxy.resources;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dropwizard.auth.Auth;
import io.pulsarproxy.api.GroupMessages;
import io.pulsarproxy.api.GroupView;
import io.pulsarproxy.api.Timestamps;
import io.pulsarproxy.auth.Caller;
import io.pulsarproxy.auth.PermissionAuthorizer;
import io.pulsarproxy.core.EntryId;
import io.pulsarproxy.core.ErrorWord;
import io.pulsarproxy.core.GroupRules;
import io.pulsarproxy.core.StoredMessage;
import io.pulsarproxy.core.TopicName;
import io.pulsarproxy.delivery.Delivery;
import io.pulsarproxy.store.ConsumerGroups;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.AsyncResponse;
import jakarta.ws.rs.container.Suspended;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Consumer groups over HTTP: create, change, show and delete a group; fetch from it (waiting like a
 * long-poll, without a thread), ack and nack. Every operation needs the token's subscribe
 * permission for the topic.
 */
@Path("/api/v1/topics/{topic}/groups/{group}")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(PermissionAuthorizer.SUBSCRIBE)
public final class GroupResource {
  private static final int MAX_FETCH = 1_000;
  private static final int MAX_IDS = 1_000;

  private final ConsumerGroups groups;
  private final Delivery delivery;
  private final JsonBodyReader bodies;
  private final TopicResource.LongPoll longPoll;

  public GroupResource(
      ConsumerGroups groups,
      Delivery delivery,
      ObjectMapper json,
      TopicResource.LongPoll longPoll) {
    this.groups = groups;
    this.delivery = delivery;
    this.bodies = new JsonBodyReader(json);
    this.longPoll = longPoll;
  }

  /** Creates the group (201) or changes its settings (200); its position moves only on create. */
  @PUT
  @Consumes(MediaType.WILDCARD)
  public Response put(
      @Auth Caller caller,
      @PathParam("topic") String topicParam,
      @PathParam("group") String groupParam,
      byte[] body) {
    TopicName topic = topic(caller, topicParam);
    String group = name(groupParam, ErrorWord.INVALID_GROUP, "group");
    JsonNode request =
        body.length == 0 ? null : object(body, Set.of("from", "ack_timeout", "max_deliveries"));
    ConsumerGroups.Settings settings = settings(request, groups.describe(topic, group));
    boolean created = groups.put(topic, group, settings, start(request));
    return Response.status(created ? 201 : 200).entity(view(topic, group)).build();
  }

  @GET
  public GroupView get(
      @Auth Caller caller,
      @PathParam("topic") String topicParam,
      @PathParam("group") String groupParam) {
    TopicName topic = topic(caller, topicParam);
    return view(topic, name(groupParam, ErrorWord.INVALID_GROUP, "group"));
  }

  @DELETE
  public Map<String, Object> delete(
      @Auth Caller caller,
      @PathParam("topic") String topicParam,
      @PathParam("group") String groupParam) {
    TopicName topic = topic(caller, topicParam);
    String group = name(groupParam, ErrorWord.INVALID_GROUP, "group");
    if (!groups.delete(topic, group)) {
      throw unknown(topic, group);
    }
    return Map.of("topic", topic.value(), "group", group, "deleted", true);
  }

  /**
   * {@code {"consumer": "c1", "max": 100, "wait": 30}}: up to {@code max} messages as soon as there
   * are some, or an empty list after {@code wait} seconds.
   */
  @POST
  @Path("/fetch")
  @Consumes(MediaType.WILDCARD)
  public void fetch(
      @Auth Caller caller,
      @PathParam("topic") String topicParam,
      @PathParam("group") String groupParam,
      byte[] body,
      @Suspended AsyncResponse response) {
    TopicName topic = topic(caller, topicParam);
    String group = name(groupParam, ErrorWord.INVALID_GROUP, "group");
    JsonNode request = object(body, Set.of("consumer", "max", "wait"));
    String consumer = name(text(request, "consumer"), ErrorWord.INVALID_CONSUMER, "consumer");
    int max = (int) whole(request, "max", 100, 1, MAX_FETCH);
    // Like a long-poll, never waits past the moment the caller's JWT stops being accepted.
    Duration wait =
        caller.waitWithin(
            Duration.ofSeconds(
                whole(
                    request,
                    "wait",
                    longPoll.defaultWait().toSeconds(),
                    0,
                    longPoll.maxWait().toSeconds())));
    delivery.fetch(
        topic,
        group,
        consumer,
        max,
        wait,
        fetched -> response.resume(messages(topic, group, fetched)),
        response::resume);
  }

  /** {@code {"ids": [...]}}: answers {@code {"acked": n}}, the number that were pending. */
  @POST
  @Path("/ack")
  @Consumes(MediaType.WILDCARD)
  public Map<String, Integer> ack(
      @Auth Caller caller,
      @PathParam("topic") String topicParam,
      @PathParam("group") String groupParam,
      byte[] body) {
    TopicName topic = topic(caller, topicParam);
    String group = name(groupParam, ErrorWord.INVALID_GROUP, "group");
    JsonNode request = object(body, Set.of("ids"));
    return Map.of("acked", delivery.ack(topic, group, ids(request)));
  }

  /**
   * {@code {"ids": [...], "delay": "5s", "consumer": "c1"}}: the messages are due again after the
   * delay (at once without one); answers {@code {"nacked": n}}.
   */
  @POST
  @Path("/nack")
  @Consumes(MediaType.WILDCARD)
  public Map<String, Integer> nack(
      @Auth Caller caller,
      @PathParam("topic") String topicParam,
      @PathParam("group") String groupParam,
      byte[] body) {
    TopicName topic = topic(caller, topicParam);
    String group = name(groupParam, ErrorWord.INVALID_GROUP, "group");
    JsonNode request = object(body, Set.of("ids", "delay", "consumer"));
    String consumer =
        request.has("consumer")
            ? name(text(request, "consumer"), ErrorWord.INVALID_CONSUMER, "consumer")
            : "nack";
    Duration delay = request.has("delay") ? duration(request, "delay") : Duration.ZERO;
    return Map.of("nacked", delivery.nack(topic, group, consumer, ids(request), delay));
  }

  private static TopicName topic(Caller caller, String text) {
    TopicName topic = new TopicName(text);
    caller.requireSubscribe(topic);
    return topic;
  }

  private GroupView view(TopicName topic, String group) {
    ConsumerGroups.State state =
        groups.describe(topic, group).orElseThrow(() -> unknown(topic, group));
    List<GroupView.ConsumerView> consumers = new ArrayList<>();
    for (ConsumerGroups.Consumer c : state.consumers()) {
      consumers.add(new GroupView.ConsumerView(c.name(), c.pending(), c.idleMillis()));
    }
    return new GroupView(
        topic.value(),
        group,
        state.position().toString(),
        state.pending(),
        state.lag(),
        state.settings().ackTimeout().toMillis() + "ms",
        state.settings().maxDeliveries(),
        consumers);
  }

  private static GroupMessages messages(
      TopicName topic, String group, ConsumerGroups.Fetched fetched) {
    List<GroupMessages.Message> out = new ArrayList<>(fetched.messages().size());
    for (ConsumerGroups.Delivery d : fetched.messages()) {
      StoredMessage m = d.message();
      out.add(
          new GroupMessages.Message(
              m.id().toString(),
              m.messageId(),
              topic.value(),
              group,
              Timestamps.iso(m.id().millis()),
              m.payload(),
              m.metadata().isEmpty() ? null : m.metadata(),
              m.key(),
              d.deliveryCount()));
    }
    return new GroupMessages(out);
  }

  private static ConsumerGroups.Settings settings(
      JsonNode request, java.util.Optional<ConsumerGroups.State> existing) {
    ConsumerGroups.Settings base =
        existing.map(ConsumerGroups.State::settings).orElse(ConsumerGroups.Settings.DEFAULTS);
    if (request == null) {
      return base;
    }
    Duration ackTimeout =
        request.has("ack_timeout") ? duration(request, "ack_timeout") : base.ackTimeout();
    if (ackTimeout.toMillis() < 100) {
      throw ErrorWord.INVALID_REQUEST.refusal("ack_timeout must be at least 100ms");
    }
    int maxDeliveries = (int) whole(request, "max_deliveries", base.maxDeliveries(), 1, 1_000);
    return new ConsumerGroups.Settings(ackTimeout, maxDeliveries);
  }

  private static ConsumerGroups.Start start(JsonNode request) {
    String from = request == null || !request.has("from") ? "latest" : text(request, "from");
    if (from == null) {
      throw ErrorWord.INVALID_REQUEST.refusal("from must be earliest, latest or an entry id");
    }
    return switch (from) {
      case "latest" -> new ConsumerGroups.Start.Latest();
      case "earliest" -> new ConsumerGroups.Start.Earliest();
      default -> new ConsumerGroups.Start.After(EntryId.parse(from, "from"));
    };
  }

  private JsonNode object(byte[] body, Set<String> fields) {
    JsonNode node = bodies.parse(body);
    if (!node.isObject()) {
      throw ErrorWord.INVALID_REQUEST.refusal("the body must be a JSON object");
    }
    node.fieldNames()
        .forEachRemaining(
            f -> {
              if (!fields.contains(f)) {
                throw ErrorWord.INVALID_REQUEST.refusal("unknown field '" + abbreviate(f) + "'");
              }
            });
    return node;
  }

  private static List<EntryId> ids(JsonNode request) {
    JsonNode ids = request.get("ids");
    if (ids == null || !ids.isArray() || ids.isEmpty() || ids.size() > MAX_IDS) {
      throw ErrorWord.INVALID_REQUEST.refusal(
          "ids must be a non-empty array of at most " + MAX_IDS + " entry ids");
    }
    List<EntryId> out = new ArrayList<>(ids.size());
    for (JsonNode id : ids) {
      if (!id.isTextual()) {
        throw ErrorWord.INVALID_REQUEST.refusal("ids must be strings such as 1700000000000-0");
      }
      out.add(EntryId.parse(id.textValue(), "ids"));
    }
    return out;
  }

  private static String text(JsonNode request, String field) {
    JsonNode value = request.get(field);
    return value != null && value.isTextual() ? value.textValue() : null;
  }

  private static long whole(JsonNode request, String field, long otherwise, long min, long max) {
    JsonNode value = request.get(field);
    if (value == null) {
      return otherwise;
    }
    if (!value.canConvertToExactIntegral() || value.asLong() < min || value.asLong() > max) {
      throw ErrorWord.INVALID_REQUEST.refusal(
          field + " must be a whole number from " + min + " to " + max);
    }
    return value.asLong();
  }

  private static Duration duration(JsonNode request, String field) {
    return GroupRules.duration(text(request, field), field);
  }

  private static String name(String text, ErrorWord word, String what) {
    return GroupRules.name(text, word, what);
  }

  private static io.pulsarproxy.core.ApiException unknown(TopicName topic, String group) {
    return ErrorWord.UNKNOWN_GROUP.refusal("topic '" + topic + "' has no group '" + group + "'");
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "...";
  }
}
