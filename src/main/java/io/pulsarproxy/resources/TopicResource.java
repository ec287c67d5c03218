package io.pulsarproxy.resources;

import com.codahale.metrics.Meter;
import io.dropwizard.auth.Auth;
import io.pulsarproxy.api.MessagePage;
import io.pulsarproxy.api.MessageView;
import io.pulsarproxy.api.Timestamps;
import io.pulsarproxy.api.TopicInfo;
import io.pulsarproxy.auth.Caller;
import io.pulsarproxy.auth.PermissionAuthorizer;
import io.pulsarproxy.core.EntryId;
import io.pulsarproxy.core.ErrorWord;
import io.pulsarproxy.core.Limits;
import io.pulsarproxy.core.Retention;
import io.pulsarproxy.core.StoredMessage;
import io.pulsarproxy.core.TopicName;
import io.pulsarproxy.core.TopicStats;
import io.pulsarproxy.delivery.Connections;
import io.pulsarproxy.delivery.Delivery;
import io.pulsarproxy.metrics.ProxyMetrics;
import io.pulsarproxy.store.MessageStore;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.AsyncResponse;
import jakarta.ws.rs.container.Suspended;
import jakarta.ws.rs.core.MediaType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Reading a topic: what it holds, and its messages after an id (long-polling for new ones). */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(PermissionAuthorizer.SUBSCRIBE)
public class TopicResource {
  private static final int DEFAULT_READ_LIMIT = 100;

  private final MessageStore store;
  private final Delivery delivery;
  private final Connections connections;
  private final Limits limits;
  private final LongPoll longPoll;
  private final Meter delivered;

  /** How long a read may wait for messages, when the client does not say, and at most. */
  public record LongPoll(Duration defaultWait, Duration maxWait) {}

  public TopicResource(
      MessageStore store,
      Delivery delivery,
      Connections connections,
      Limits limits,
      LongPoll longPoll,
      ProxyMetrics metrics) {
    this.store = store;
    this.delivery = delivery;
    this.connections = connections;
    this.limits = limits;
    this.longPoll = longPoll;
    this.delivered = metrics.meter(ProxyMetrics.DELIVERED, Connections.Transport.LONGPOLL.label());
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

  /**
   * Stored messages after an id. Answers at once when there are some; otherwise waits for the next
   * ones up to {@code wait} seconds (long-polling, no thread held) and then answers an empty page.
   */
  @GET
  @Path("/topics/{topic}/messages")
  public void read(
      @Auth Caller caller,
      @PathParam("topic") String topicParam,
      @QueryParam("after") String afterParam,
      @QueryParam("limit") String limitParam,
      @QueryParam("wait") String waitParam,
      @Suspended AsyncResponse response) {
    TopicName topic = new TopicName(topicParam);
    caller.requireSubscribe(topic);
    EntryId after = afterParam == null ? EntryId.ZERO : EntryId.parse(afterParam, "after");
    int limit = parseLimit(limitParam);
    Duration wait = caller.waitWithin(parseWait(waitParam));
    delivery.poll(
        topic, after, limit, wait, page -> response.resume(view(topic, page)), response::resume);
  }

  private static MessagePage view(TopicName topic, Delivery.Page page) {
    List<MessageView> views = new ArrayList<>(page.messages().size());
    for (StoredMessage m : page.messages()) {
      views.add(
          new MessageView(
              m.id().toString(),
              m.messageId(),
              Timestamps.iso(m.id().millis()),
              m.payload(),
              m.metadata(),
              m.key()));
    }
    return new MessagePage(topic.value(), views, page.next().toString());
  }

  private Duration parseWait(String text) {
    if (text == null) {
      return longPoll.defaultWait();
    }
    try {
      long seconds = Long.parseLong(text);
      if (seconds >= 0 && seconds <= longPoll.maxWait().toSeconds()) {
        return Duration.ofSeconds(seconds);
      }
    } catch (NumberFormatException e) {
      // fall through to the refusal below
    }
    throw ErrorWord.INVALID_WAIT.refusal(
        "wait must be a whole number of seconds from 0 to " + longPoll.maxWait().toSeconds());
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
    throw ErrorWord.INVALID_LIMIT.refusal(
        "limit must be a whole number from 1 to " + limits.maxReadLimit());
  }
}
