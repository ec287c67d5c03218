package io.pulsarproxy.auth;

import io.pulsarproxy.core.ApiException;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.DynamicFeature;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.FeatureContext;
import jakarta.ws.rs.core.MediaType;
import java.lang.reflect.Method;
import java.util.Arrays;

/**
 * Refuses {@code ?access_token=} (which Dropwizard's bearer filter would read) on every
 * authenticated REST endpoint but the event stream. A browser's {@code EventSource} cannot set
 * headers, so the token may ride in the URL there (the WebSocket upgrade reads its own); anywhere
 * else a secret in a URL only ends up in browser history and the logs of proxies in between, and
 * every client can send the header. The 400 comes before authentication, so even an invalid token
 * gets it, and it never echoes the token.
 */
final class AccessTokenOnlyForStreams implements DynamicFeature {
  static final String PARAMETER = "access_token";

  @Override
  public void configure(ResourceInfo resource, FeatureContext context) {
    Method method = resource.getResourceMethod();
    boolean authenticated =
        method.isAnnotationPresent(RolesAllowed.class)
            || resource.getResourceClass().isAnnotationPresent(RolesAllowed.class);
    if (authenticated && !producesEventStream(method)) {
      ContainerRequestFilter refusal =
          request -> {
            if (request.getUriInfo().getQueryParameters().containsKey(PARAMETER)) {
              throw ApiException.badRequest(
                  "access_token_not_allowed",
                  "send the token as 'Authorization: Bearer <token>'; access_token in the URL is"
                      + " accepted only for WebSocket upgrades and event streams");
            }
          };
      context.register(refusal, Priorities.AUTHENTICATION - 1);
    }
  }

  private static boolean producesEventStream(Method method) {
    Produces produces = method.getAnnotation(Produces.class);
    return produces != null
        && Arrays.asList(produces.value()).contains(MediaType.SERVER_SENT_EVENTS);
  }
}
