package io.pulsarproxy.resources;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * {@code POST /api/v1/noop}, served only with {@code operations.noopEndpoint: true}: reads the body
 * and answers 201 with no auth, parsing or store. {@code perf publish --noop} against it measures
 * what the HTTP stack alone allows, the ceiling the real publish path is compared with.
 */
@Path("/api/v1/noop")
public class NoopResource {
  private static final String ANSWER = "{\"ok\":true}";

  @POST
  @Consumes(MediaType.WILDCARD)
  @Produces(MediaType.APPLICATION_JSON)
  public Response post(InputStream body) throws IOException {
    body.transferTo(OutputStream.nullOutputStream());
    return Response.status(201).entity(ANSWER).build();
  }
}
