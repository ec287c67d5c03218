package io.pulsarproxy.resources;

import io.pulsarproxy.api.Failure;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedHashMap;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import java.util.Map;

/**
 * Jersey's side of the error model: whatever a resource throws, and the statuses Jersey chooses
 * itself (404, 405, 406, 415), go out as the {@link Failure} they are, serialised as JSON.
 */
public final class ErrorMapper implements ExceptionMapper<Throwable> {
  @Override
  public Response toResponse(Throwable e) {
    Failure failure;
    MultivaluedHashMap<String, Object> jerseyHeaders = new MultivaluedHashMap<>();
    if (e instanceof WebApplicationException web) {
      Response original = web.getResponse();
      // Jersey's own headers (Allow on a 405) go out with the answer.
      jerseyHeaders.putAll(original.getHeaders());
      failure = Failure.ofStatus(original.getStatus(), null, Map.of(), "");
    } else {
      failure = Failure.of(e);
    }
    Response.ResponseBuilder response =
        Response.status(failure.status())
            .type(MediaType.APPLICATION_JSON_TYPE)
            .entity(failure.body());
    jerseyHeaders.forEach((name, values) -> values.forEach(v -> response.header(name, v)));
    failure.headers().forEach(response::header);
    return response.type(MediaType.APPLICATION_JSON_TYPE).build();
  }
}
