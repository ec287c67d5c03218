package io.pulsarproxy.health;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;

/**
 * Health for load balancers and orchestrators, on the application port and without a token: {@code
 * /health/live} while the process serves (draining included), {@code /health/ready} only while it
 * should get traffic.
 */
@Path("/health")
@Produces(MediaType.APPLICATION_JSON)
public class HealthResource {
  private final Readiness readiness;

  public HealthResource(Readiness readiness) {
    this.readiness = readiness;
  }

  @GET
  @Path("/live")
  public Map<String, String> live() {
    return Map.of("status", "live");
  }

  @GET
  @Path("/ready")
  public Response ready() {
    List<String> problems = readiness.problems();
    if (problems.isEmpty()) {
      return Response.ok(Map.of("status", "ready")).build();
    }
    return Response.status(503).entity(Map.of("status", "not_ready", "reasons", problems)).build();
  }
}
