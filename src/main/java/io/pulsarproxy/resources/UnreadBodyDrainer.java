package io.pulsarproxy.resources;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads what is left of a request body before an error answer goes out (a 401 or 403 refuses the
 * request before its body is read). Without this, Jetty closes a connection whose request body is
 * still arriving after the answer, and a keep-alive client that sent the body late (Java's
 * HttpClient does) sees its next request fail. A body past {@code limit} is not drained: the answer
 * says {@code Connection: close} instead.
 */
public final class UnreadBodyDrainer implements ContainerResponseFilter {
  private final long limit;

  public UnreadBodyDrainer(long limit) {
    this.limit = limit;
  }

  @Override
  public void filter(ContainerRequestContext request, ContainerResponseContext response) {
    if (response.getStatus() < 400
        || response.getHeaders().containsKey("Connection")
        || !hasUnreadEntity(request)) {
      return;
    }
    byte[] buffer = new byte[8192];
    long drained = 0;
    try {
      InputStream body = request.getEntityStream();
      int n;
      while ((n = body.read(buffer)) >= 0) {
        drained += n;
        if (drained > limit) {
          response.getHeaders().putSingle("Connection", "close");
          return;
        }
      }
    } catch (IOException e) {
      response.getHeaders().putSingle("Connection", "close");
    }
  }

  /** A resource that read the body (a group request, say) closed its stream: nothing is left. */
  private static boolean hasUnreadEntity(ContainerRequestContext request) {
    try {
      return request.hasEntity();
    } catch (IllegalStateException closed) {
      return false;
    }
  }
}
