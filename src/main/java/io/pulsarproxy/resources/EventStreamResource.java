package io.pulsarproxy.resources;

import io.dropwizard.auth.Auth;
import io.pulsarproxy.auth.Caller;
import io.pulsarproxy.auth.LiveTokens;
import io.pulsarproxy.auth.PermissionAuthorizer;
import io.pulsarproxy.core.TopicName;
import io.pulsarproxy.delivery.Connections;
import io.pulsarproxy.delivery.Delivery;
import io.pulsarproxy.delivery.Outbound;
import io.pulsarproxy.delivery.Subscription;
import io.pulsarproxy.metrics.ProxyMetrics;
import jakarta.annotation.security.RolesAllowed;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.concurrent.Executor;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;

/**
 * {@code GET /api/v1/topics/{topic}/events}: a topic as Server-Sent Events, each message with its
 * entry id as the event id, so a reconnecting EventSource resumes through {@code Last-Event-ID}
 * exactly as a WebSocket client does with {@code from}.
 *
 * @param live watches the JWT of each stream: a stream ends with a {@code token_expired} event when
 *     its token expires, with {@code token_revoked} when it is revoked
 */
@Path("/api/v1")
@RolesAllowed(PermissionAuthorizer.SUBSCRIBE)
public record EventStreamResource(
    Delivery delivery,
    Connections connections,
    Executor writers,
    long outboundLimitBytes,
    ProxyMetrics metrics,
    LiveTokens live) {

  @GET
  @Path("/topics/{topic}/events")
  @Produces(MediaType.SERVER_SENT_EVENTS)
  public void events(
      @Auth Caller caller,
      @PathParam("topic") String topicParam,
      @QueryParam("from") String from,
      @HeaderParam("Last-Event-ID") String lastEventId,
      @Context SseEventSink sink,
      @Context Sse sse,
      @Context HttpServletRequest request) {
    TopicName topic = new TopicName(topicParam);
    caller.requireSubscribe(topic);
    Delivery.From start = Delivery.From.parse(lastEventId != null ? lastEventId : from);
    connections.requireAdmission(caller);
    SseOutbound out =
        new SseOutbound(
            sink,
            sse,
            writers,
            outboundLimitBytes,
            new Outbound.Identity(
                Connections.Transport.SSE,
                caller.name(),
                request.getRemoteAddr() + ":" + request.getRemotePort()),
            metrics,
            () -> abort(request));
    connections.opened(caller, Connections.Transport.SSE, out);
    Subscription subscription;
    try {
      subscription = delivery.subscribe(out, topic, start);
    } catch (RuntimeException e) {
      connections.closed(Connections.Transport.SSE, out);
      throw e;
    }
    LiveTokens.Watch watch = live.watch(caller, new TokenEnd(out));
    out.onGone(
        () -> {
          watch.cancel();
          delivery.unsubscribe(subscription);
          connections.closed(Connections.Transport.SSE, out);
        });
  }

  /** Ends a stream when its JWT expires or is revoked, saying which as the last event. */
  private record TokenEnd(SseOutbound out) implements LiveTokens.Holder {
    @Override
    public void expirySoon(Caller caller) {
      // An EventSource cannot send a new token: it reconnects with one after token_expired.
    }

    @Override
    public void expired(Caller caller) {
      out.sendControl(
          "token_expired",
          "{\"type\":\"token_expired\",\"exp\":" + caller.lease().expiresAt() + "}");
      out.close(Outbound.Close.TOKEN_EXPIRED);
    }

    @Override
    public void revoked(Caller caller) {
      out.sendControl("token_revoked", "{\"type\":\"token_revoked\"}");
      out.close(Outbound.Close.TOKEN_REVOKED);
    }
  }

  /** Closes the client's TCP connection under Jersey's feet. */
  private static void abort(HttpServletRequest request) {
    try {
      ServletContextRequest.getServletContextRequest(request)
          .getConnectionMetaData()
          .getConnection()
          .getEndPoint()
          .close();
    } catch (RuntimeException e) {
      // already gone
    }
  }

  /** Sends the keep-alive comment on every open stream; a gone client is noticed here. */
  public void keepAlive() {
    for (var out : connections.open(Connections.Transport.SSE)) {
      if (out instanceof SseOutbound sse) {
        sse.keepAlive();
      }
    }
  }
}
