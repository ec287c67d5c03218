package io.pulsarproxy.auth;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.auth.AuthValueFactoryProvider;
import io.dropwizard.core.setup.Environment;
import io.pulsarproxy.core.Limits;
import io.pulsarproxy.core.RateLimiter.RateLimit;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.glassfish.jersey.server.filter.RolesAllowedDynamicFeature;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@code auth:} section: bearer tokens by name and SHA-256, with their topic permissions. */
public class AuthFactory {
  private static final Logger LOG = LoggerFactory.getLogger(AuthFactory.class);

  /** SHA-256 of {@code pp-dev-token}, the development token README.md documents. */
  static final String DEV_TOKEN_SHA256 =
      "efd0c2a50f443ebc7f5b451436b4e4cb4df3980da272b1b51deef1567dd67dfd";

  /**
   * A token's connection cap when its entry sets none: enough for any one service's subscribers,
   * and a tenth of the instance's default cap, so one leaked or abused token cannot take it all.
   */
  public static final int DEFAULT_MAX_CONNECTIONS = 1000;

  @JsonProperty @NotNull @Valid private List<TokenFactory> tokens = new ArrayList<>();

  @JsonProperty @NotEmpty private String realm = "pulsar-proxy";

  @JsonProperty @NotNull @Valid private JwtFactory jwt = new JwtFactory();

  private TokenAuthenticator authenticator;

  /** The {@code auth.jwt} section. */
  public JwtFactory jwt() {
    return jwt;
  }

  /**
   * The authenticator {@link #build} made: configured tokens and JWTs, with the live-token watch
   * and the revocations in force. Null before {@code build}.
   */
  public TokenAuthenticator authenticator() {
    return authenticator;
  }

  /**
   * Builds the request policy over the configured tokens (and JWTs, when {@code auth.jwt} is on)
   * and registers it, with the {@code @RolesAllowed} checks, for the Jersey resources.
   */
  public RequestPolicy build(Environment environment, Limits limits) {
    return build(environment, limits, Clock.systemUTC());
  }

  /** As {@link #build(Environment, Limits)}, with the clock JWT expiry is judged by. */
  public RequestPolicy build(Environment environment, Limits limits, Clock clock) {
    List<TokenAuthenticator.Token> built = new ArrayList<>();
    Set<String> names = new HashSet<>();
    Set<String> hashes = new HashSet<>();
    for (TokenFactory t : tokens) {
      if (!names.add(t.name)) {
        throw new IllegalArgumentException("auth.tokens: duplicate token name '" + t.name + "'");
      }
      if (!hashes.add(t.sha256.toLowerCase())) {
        throw new IllegalArgumentException(
            "auth.tokens: token '" + t.name + "' has the same secret as an earlier token");
      }
      if (t.sha256.equalsIgnoreCase(DEV_TOKEN_SHA256)) {
        LOG.warn(
            "SECURITY: token '{}' is the well-known development token from README.md; anyone can"
                + " use it. Remove it from auth.tokens before exposing this instance.",
            t.name);
      }
      built.add(t.build());
    }
    JwtSettings jwtSettings = jwt.settings();
    if (built.isEmpty() && !jwt.enabled()) {
      LOG.warn("auth.tokens is empty: every publish and subscribe request will answer 401");
    }
    Revocations revocations = new Revocations(clock);
    JwtAuthenticator jwtAuthenticator = null;
    if (jwt.enabled()) {
      jwtAuthenticator = new JwtAuthenticator(jwtSettings, realm, clock, revocations);
      LOG.info(
          "JWT bearer tokens accepted ({}; issuer {}, audience {})",
          String.join(", ", new TreeSet<>(jwtSettings.algorithms())),
          jwtSettings.issuer() == null ? "not checked" : "'" + jwtSettings.issuer() + "'",
          jwtSettings.audience() == null ? "not checked" : "'" + jwtSettings.audience() + "'");
      if (jwtAuthenticator.refreshesKeys()) {
        JwtAuthenticator keys = jwtAuthenticator;
        long every = jwtSettings.jwksRefresh().toMillis();
        environment
            .lifecycle()
            .scheduledExecutorService("jwks-refresh")
            .threads(1)
            .build()
            .scheduleWithFixedDelay(keys::refreshKeys, every, every, TimeUnit.MILLISECONDS);
      }
    }
    LiveTokens live =
        new LiveTokens(
            clock,
            environment.lifecycle().scheduledExecutorService("token-expiry").threads(1).build(),
            jwtSettings.expiryWarning(),
            revocations);
    authenticator = new TokenAuthenticator(built, jwtAuthenticator, revocations, live);
    RequestPolicy policy = new RequestPolicy(authenticator, authenticator.names(), realm, limits);
    environment.jersey().register(new BearerAuthFeature(policy));
    environment.jersey().register(RolesAllowedDynamicFeature.class);
    environment.jersey().register(new AuthValueFactoryProvider.Binder<>(Caller.class));
    return policy;
  }

  /** One entry of {@code auth.tokens}. */
  public static class TokenFactory {
    @JsonProperty @NotEmpty private String name;

    @JsonProperty
    @NotNull
    @Pattern(regexp = "[0-9a-fA-F]{64}", message = "must be the 64 hex digits of a SHA-256")
    private String sha256;

    @JsonProperty @NotNull private List<String> publish = List.of();
    @JsonProperty @NotNull private List<String> subscribe = List.of();
    @JsonProperty @NotNull @Valid private RateLimitFactory rateLimit = new RateLimitFactory();

    /** WebSocket + SSE connections held at once; 0 (or left out) means the default. */
    @JsonProperty
    @Min(0)
    private int maxConnections = 0;

    TokenAuthenticator.Token build() {
      Caller caller =
          new Caller(
              name,
              new TopicPatterns(publish),
              new TopicPatterns(subscribe),
              new RateLimit(rateLimit.perSecond, rateLimit.burst),
              maxConnections == 0 ? DEFAULT_MAX_CONNECTIONS : maxConnections);
      return new TokenAuthenticator.Token(HexFormat.of().parseHex(sha256.toLowerCase()), caller);
    }

    /** Redacts the hash: configuration objects end up in logs and error messages. */
    @Override
    public String toString() {
      return "Token[" + name + "]";
    }
  }

  /** A token's publish rate limit: a token bucket. */
  public static class RateLimitFactory {
    @JsonProperty @Positive private double perSecond = 1000;

    @JsonProperty
    @Min(1)
    private int burst = 2000;
  }
}
