package io.pulsarproxy.auth;

/**
 * The roles of {@code @RolesAllowed} on resources: role {@value #PUBLISH} needs at least one
 * publish pattern, {@value #SUBSCRIBE} at least one subscribe pattern. The per-topic check follows
 * once the topic is known ({@link Caller#requirePublish}).
 */
public final class PermissionAuthorizer {
  public static final String PUBLISH = "publish";
  public static final String SUBSCRIBE = "subscribe";

  private PermissionAuthorizer() {}

  /** Whether the caller holds the role. */
  public static boolean holds(Caller caller, String role) {
    return switch (role) {
      case PUBLISH -> !caller.publish().isEmpty();
      case SUBSCRIBE -> !caller.subscribe().isEmpty();
      default -> false;
    };
  }
}
