package io.pulsarproxy.tasks;

import io.pulsarproxy.auth.TokenHasher;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.CharArrayWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * In front of everything on the admin port. When an admin token is configured, every path but the
 * ones a load balancer or scraper needs asks for it ({@code Authorization: Bearer <secret>},
 * compared by SHA-256 in constant time). For tasks, the HTTP status follows the {@code code} of the
 * JSON error a task answers with, since Dropwizard's tasks cannot set it themselves.
 */
public final class AdminGuard implements Filter {
  private static final Logger LOG = LoggerFactory.getLogger(AdminGuard.class);
  private static final Set<String> OPEN = Set.of("/healthcheck", "/ping", "/prometheus");
  private static final Pattern ERROR_CODE = Pattern.compile("^\\{\"code\":(\\d{3}),");

  private final byte[] tokenSha256;

  /**
   * @param tokenSha256Hex the admin token's SHA-256, or empty for no token (port kept private)
   */
  public AdminGuard(String tokenSha256Hex) {
    this.tokenSha256 =
        tokenSha256Hex.isEmpty() ? null : HexFormat.of().parseHex(tokenSha256Hex.toLowerCase());
  }

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    HttpServletRequest request = (HttpServletRequest) req;
    HttpServletResponse response = (HttpServletResponse) res;
    String path = request.getPathInfo() != null ? request.getPathInfo() : request.getServletPath();
    if (tokenSha256 != null && !OPEN.contains(path) && !authorized(request)) {
      LOG.info("401 on the admin port: {} without a valid admin token", path);
      response.setStatus(401);
      response.setHeader("WWW-Authenticate", "Bearer realm=\"pulsar-proxy-admin\"");
      response.setContentType("application/json");
      response
          .getWriter()
          .print(
              "{\"code\":401,\"error\":\"unauthorized\","
                  + "\"message\":\"the admin token is required (Authorization: Bearer <token>)\"}");
      return;
    }
    if (!request.getRequestURI().startsWith("/tasks/")) {
      chain.doFilter(req, res);
      return;
    }
    StatusFromBody wrapped = new StatusFromBody(response);
    chain.doFilter(req, wrapped);
    wrapped.finish();
  }

  private boolean authorized(HttpServletRequest request) {
    String header = request.getHeader("Authorization");
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return false;
    }
    return MessageDigest.isEqual(TokenHasher.sha256(header.substring(7).trim()), tokenSha256);
  }

  /** Buffers a task's answer, then sets the status its error code names. */
  private static final class StatusFromBody extends HttpServletResponseWrapper {
    private final CharArrayWriter buffer = new CharArrayWriter();
    private final PrintWriter writer = new PrintWriter(buffer);

    StatusFromBody(HttpServletResponse response) {
      super(response);
    }

    @Override
    public PrintWriter getWriter() {
      return writer;
    }

    void finish() throws IOException {
      writer.flush();
      String body = buffer.toString();
      Matcher m = ERROR_CODE.matcher(body);
      HttpServletResponse response = (HttpServletResponse) getResponse();
      if (m.find() && getStatus() == 200) {
        response.setStatus(Integer.parseInt(m.group(1)));
      }
      response.getWriter().print(body);
    }
  }
}
