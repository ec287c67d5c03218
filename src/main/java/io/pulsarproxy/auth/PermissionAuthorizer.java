package io.pulsarproxy.auth;

import io.dropwizard.auth.Authorizer;
import jakarta.ws.rs.container.ContainerRequestContext;

/**
 * Answers {@code @RolesAllowed} on resources: role {@value #PUBLISH} needs at least one publish
 * pattern, {@value #SUBSCRIBE} at least one subscribe pattern. The per-topic check follows in the
 * resource, once the topic is known ({@link Caller#requirePublish}).
 */
public final class PermissionAuthorizer implements Authorizer<Caller> {
  public static final String PUBLISH = "publish";
  public static final String SUBSCRIBE = "subscribe";

  @Override
  public boolean authorize(Caller caller, String role, ContainerRequestContext request) {
    return switch (role) {
      case PUBLISH -> !caller.publish().isEmpty();
      case SUBSCRIBE -> !caller.subscribe().isEmpty();
      default -> false;
    };
  }
}
