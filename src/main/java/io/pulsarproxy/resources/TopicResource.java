package io.pulsarproxy.resources;

import io.dropwizard.auth.Auth;
import io.pulsarproxy.api.MessagePage;
import io.pulsarproxy.api.MessageView;
import io.pulsarproxy.api.Timestamps;
import io.pulsarproxy.api.TopicInfo;
import io.pulsarproxy.auth.Caller;
import io.pulsarproxy.auth.PermissionAuthorizer;
import io.pulsarproxy.core.ApiException;
import io.pulsarproxy.core.EntryId;
import io.pulsarproxy.core.Limits;
import io.pulsarproxy.core.Retention;
import io.pulsarproxy.core.StoredMessage;
import io.pulsarproxy.core.TopicName;
import io.pulsarproxy.core.TopicStats;
import io.pulsarproxy.store.MessageStore;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/** Reading a topic: what it holds, and its stored messages after an id (no waiting). */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(PermissionAuthorizer.SUBSCRIBE)
public class TopicResource {
  private static final int DEFAULT_READ_LIMIT = 100;

  private final MessageStore store;
  private final Limits limits;
  private final Clock clock;

  public TopicResource(MessageStore store, Limits limits, Clock clock) {
    this.store = store;
    this.limits = limits;
    this.clock = clock;
  }

  @GET
  @Path("/topics/{topic}")
  public TopicInfo info(@Auth Caller caller, @PathParam("topic") String topicParam) {
    TopicName topic = new TopicName(topicParam);
    caller.requireSubscribe(topic);
    TopicStats stats = store.stats(topic);
    Retention retention = store.retention(topic);
    return new TopicInfo(
        topic.value(),
        stats.length(),
        stats.firstId() == null ? null : stats.firstId().toString(),
        stats.lastId() == null ? null : stats.lastId().toString(),
        new TopicInfo.RetentionView(retention.maxLength(), retention.maxAge().toSeconds()));
  }

  @GET
  @Path("/topics/{topic}/messages")
  public MessagePage read(
      @Auth Caller caller,
      @PathParam("topic") String topicParam,
      @QueryParam("after") String afterParam,
      @QueryParam("limit") String limitParam) {
    TopicName topic = new TopicName(topicParam);
    caller.requireSubscribe(topic);
    EntryId after = afterParam == null ? EntryId.ZERO : EntryId.parse(afterParam, "after");
    int limit = parseLimit(limitParam);
    List<StoredMessage> stored = store.read(topic, after, limit);
    long now = clock.millis();
    List<MessageView> views = new ArrayList<>(stored.size());
    for (StoredMessage m : stored) {
      if (!m.expiredAt(now)) {
        views.add(
            new MessageView(
                m.id().toString(),
                m.messageId(),
                Timestamps.iso(m.id().millis()),
                m.payload(),
                m.metadata(),
                m.key()));
      }
    }
    EntryId next = stored.isEmpty() ? after : stored.get(stored.size() - 1).id();
    return new MessagePage(topic.value(), views, next.toString());
  }

  private int parseLimit(String text) {
    if (text == null) {
      return Math.min(DEFAULT_READ_LIMIT, limits.maxReadLimit());
    }
    try {
      int limit = Integer.parseInt(text);
      if (limit >= 1 && limit <= limits.maxReadLimit()) {
        return limit;
      }
    } catch (NumberFormatException e) {
      // fall through to the refusal below
    }
    throw ApiException.badRequest(
        "invalid_limit", "limit must be a whole number from 1 to " + limits.maxReadLimit());
  }
}
