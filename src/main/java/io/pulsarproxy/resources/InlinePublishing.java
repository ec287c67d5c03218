package io.pulsarproxy.resources;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Decides on which thread a request is handled. Jetty hands a request to a pool thread whenever any
 * handler below may block, and the servlets may; on two cores those hand-overs (waking a pool
 * thread, parking it again) cost a publish as much CPU as its parsing. So this handler, at the top
 * of the server, declares itself non-blocking, and then:
 *
 * <ul>
 *   <li>a publish on an application connector whose append will not block (see {@link
 *       io.pulsarproxy.store.MessageStore#appendsAsynchronously()}) goes down the chain at once, on
 *       the selector thread that parsed it, to {@link PublishHandler}, which never blocks: it reads
 *       the body as it arrives, queues the append and answers from the store's reply;
 *   <li>everything else (Jersey, WebSocket upgrades, event streams, the admin port, a publish with
 *       an encoded or large batch body) is handed to the connector's thread pool, as Jetty would
 *       have done.
 * </ul>
 */
public final class InlinePublishing extends Handler.Wrapper {
  /** Batches larger than this are parsed on a pool thread, not the selector's. */
  private static final long INLINE_BATCH_BYTES = 64 * 1024;

  private static final String ADMIN_CONNECTOR = "admin";

  private final boolean appendsAsynchronously;

  public InlinePublishing(boolean appendsAsynchronously) {
    this.appendsAsynchronously = appendsAsynchronously;
  }

  @Override
  public InvocationType getInvocationType() {
    return InvocationType.NON_BLOCKING;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    if (inline(request)) {
      return handleHere(request, response, callback);
    }
    Executor pool = request.getConnectionMetaData().getConnector().getExecutor();
    try {
      pool.execute(() -> handleHere(request, response, callback));
    } catch (RejectedExecutionException e) {
      Response.writeError(request, response, callback, 503, "the server is overloaded");
    }
    return true;
  }

  private boolean inline(Request request) {
    if (!appendsAsynchronously
        || ADMIN_CONNECTOR.equals(request.getConnectionMetaData().getConnector().getName())
        || request.getHeaders().contains(HttpHeader.CONTENT_ENCODING)) {
      return false;
    }
    PublishHandler.Route route =
        PublishHandler.Route.of(request.getMethod(), request.getHttpURI().getPath());
    if (route == null) {
      return false;
    }
    long length = request.getLength();
    return !route.batch() || (length >= 0 && length <= INLINE_BATCH_BYTES);
  }

  /** The rest of the chain; what nothing handles is a 404, as Jetty's Server would answer. */
  private boolean handleHere(Request request, Response response, Callback callback) {
    try {
      if (!super.handle(request, response, callback)) {
        Response.writeError(request, response, callback, 404);
      }
    } catch (Throwable e) {
      Response.writeError(request, response, callback, e);
    }
    return true;
  }
}
