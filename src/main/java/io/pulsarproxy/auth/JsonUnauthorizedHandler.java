package io.pulsarproxy.auth;

import io.dropwizard.auth.UnauthorizedHandler;
import io.pulsarproxy.api.ErrorBody;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** 401 in the proxy's JSON error shape, with the {@code WWW-Authenticate} challenge. */
final class JsonUnauthorizedHandler implements UnauthorizedHandler {
  private static final Logger LOG = LoggerFactory.getLogger(JsonUnauthorizedHandler.class);

  @Override
  public Response buildResponse(String prefix, String realm) {
    LOG.info("401 unauthorized: missing or unknown bearer token");
    return Response.status(401)
        .header(HttpHeaders.WWW_AUTHENTICATE, prefix + " realm=\"" + realm + "\"")
        .type(MediaType.APPLICATION_JSON_TYPE)
        .entity(
            new ErrorBody(
                401,
                "unauthorized",
                "a valid bearer token is required (Authorization: Bearer <token>)"))
        .build();
  }
}
