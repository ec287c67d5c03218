package io.pulsarproxy.resources;

import java.util.Locale;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.RequestLog;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.component.ContainerLifeCycle;

/**
 * The request log with a policy for publishes, the one request that arrives tens of thousands of
 * times a second: formatting and appending its line cost a tenth of the proxy's CPU per publish,
 * and at 20,000 publishes/s the log would grow by gigabytes an hour that say only "201". With
 * {@link Policy#FAILURES} accepted publishes are counted in the metrics and left out of the log;
 * refusals and errors are logged as before. Every other request is logged unchanged.
 */
public final class PublishRequestLog extends ContainerLifeCycle implements RequestLog {
  /** Which publishes reach the request log. */
  public enum Policy {
    ALL,
    FAILURES;

    public static Policy parse(String text) {
      return valueOf(text.trim().toUpperCase(Locale.ROOT));
    }
  }

  private final RequestLog log;
  private final Policy policy;

  /** Wraps {@code log} (and starts and stops it, as the server did). */
  public PublishRequestLog(RequestLog log, Policy policy) {
    this.log = log;
    this.policy = policy;
    addBean(log);
  }

  @Override
  public void log(Request request, Response response) {
    if (policy == Policy.FAILURES
        && response.getStatus() < 400
        && PublishHandler.Route.of(request.getMethod(), request.getHttpURI().getPath()) != null) {
      return;
    }
    log.log(request, response);
  }
}
