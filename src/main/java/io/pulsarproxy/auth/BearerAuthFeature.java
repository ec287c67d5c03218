package io.pulsarproxy.auth;

import jakarta.annotation.Priority;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.DynamicFeature;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.FeatureContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;
import java.lang.reflect.Method;
import java.security.Principal;
import java.util.Arrays;

/**
 * Authenticates every {@code @RolesAllowed} resource method through the {@link RequestPolicy}, so
 * Jersey's endpoints follow the same rules as the publish handler and the WebSocket upgrade. Event
 * streams (methods producing {@code text/event-stream}) also take {@code ?access_token=}; every
 * other endpoint refuses it. {@code RolesAllowedDynamicFeature} then checks the role.
 */
final class BearerAuthFeature implements DynamicFeature {
  private final RequestPolicy policy;

  BearerAuthFeature(RequestPolicy policy) {
    this.policy = policy;
  }

  @Override
  public void configure(ResourceInfo resource, FeatureContext context) {
    Method method = resource.getResourceMethod();
    boolean authenticated =
        method.isAnnotationPresent(RolesAllowed.class)
            || resource.getResourceClass().isAnnotationPresent(RolesAllowed.class);
    if (authenticated) {
      context.register(
          new BearerFilter(
              policy,
              producesEventStream(method)
                  ? RequestPolicy.TokenInUrl.ACCEPTED
                  : RequestPolicy.TokenInUrl.REFUSED));
    }
  }

  private static boolean producesEventStream(Method method) {
    Produces produces = method.getAnnotation(Produces.class);
    return produces != null
        && Arrays.asList(produces.value()).contains(MediaType.SERVER_SENT_EVENTS);
  }

  @Priority(Priorities.AUTHENTICATION)
  private static final class BearerFilter implements ContainerRequestFilter {
    private final RequestPolicy policy;
    private final RequestPolicy.TokenInUrl tokenInUrl;

    BearerFilter(RequestPolicy policy, RequestPolicy.TokenInUrl tokenInUrl) {
      this.policy = policy;
      this.tokenInUrl = tokenInUrl;
    }

    @Override
    public void filter(ContainerRequestContext request) {
      Caller caller =
          policy.authenticate(
              request.getHeaderString(HttpHeaders.AUTHORIZATION),
              request.getUriInfo().getQueryParameters().getFirst(RequestPolicy.ACCESS_TOKEN),
              tokenInUrl);
      boolean secure = request.getSecurityContext().isSecure();
      request.setSecurityContext(
          new SecurityContext() {
            @Override
            public Principal getUserPrincipal() {
              return caller;
            }

            @Override
            public boolean isUserInRole(String role) {
              return PermissionAuthorizer.holds(caller, role);
            }

            @Override
            public boolean isSecure() {
              return secure;
            }

            @Override
            public String getAuthenticationScheme() {
              return "Bearer";
            }
          });
    }
  }
}
