package io.pulsarproxy.cli;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.dropwizard.core.Application;
import io.dropwizard.core.Configuration;
import io.dropwizard.core.cli.ConfiguredCommand;
import io.dropwizard.core.setup.Bootstrap;
import io.pulsarproxy.auth.AuthFactory;
import io.pulsarproxy.auth.JwtSettings;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/**
 * {@code mint-token config.yml --sub NAME [--publish P ...] [--subscribe P ...] [--ttl 1h]}: prints
 * an HS256 JWT signed with the configured {@code auth.jwt.hmacSecret} (with its {@code iss} and
 * {@code aud} when those are set), for trying the proxy out and for benchmarks. Production tokens
 * come from the application's own backend (docs/auth.md).
 */
public final class MintTokenCommand<T extends Configuration> extends ConfiguredCommand<T> {
  private final Class<T> configurationClass;
  private final Function<T, AuthFactory> auth;

  /**
   * @param application whose configuration class is read
   * @param auth the {@code auth:} section of that configuration
   */
  public MintTokenCommand(Application<T> application, Function<T, AuthFactory> auth) {
    super("mint-token", "Print an HS256 JWT signed with auth.jwt.hmacSecret");
    this.configurationClass = application.getConfigurationClass();
    this.auth = auth;
  }

  @Override
  protected Class<T> getConfigurationClass() {
    return configurationClass;
  }

  @Override
  public void configure(Subparser subparser) {
    super.configure(subparser);
    subparser.addArgument("--sub").required(true).help("the token's subject");
    subparser.addArgument("--publish").nargs("*").setDefault(List.of()).help("pp_publish patterns");
    subparser
        .addArgument("--subscribe")
        .nargs("*")
        .setDefault(List.of())
        .help("pp_subscribe patterns");
    subparser.addArgument("--ttl").setDefault("1h").help("lifetime, such as 15m, 1h (default 1h)");
    subparser.addArgument("--rate").type(Double.class).help("pp_rate, messages/s");
    subparser.addArgument("--max-connections").type(Integer.class).help("pp_max_connections");
    subparser.addArgument("--jti").help("the token's id (default: a random UUID)");
  }

  @Override
  protected void run(Bootstrap<T> bootstrap, Namespace namespace, T configuration)
      throws JOSEException {
    JwtSettings jwt = auth.apply(configuration).jwt().settings();
    if (jwt.hmacSecret() == null) {
      throw new IllegalArgumentException(
          "mint-token: auth.jwt.hmacSecret is empty (set PP_JWT_HS256_SECRET)");
    }
    Instant now = Instant.now();
    long ttl = io.dropwizard.util.Duration.parse(namespace.getString("ttl")).toSeconds();
    JWTClaimsSet.Builder claims =
        new JWTClaimsSet.Builder()
            .subject(namespace.getString("sub"))
            .issueTime(Date.from(now))
            .expirationTime(Date.from(now.plusSeconds(ttl)))
            .jwtID(
                namespace.getString("jti") != null
                    ? namespace.getString("jti")
                    : UUID.randomUUID().toString())
            .claim("pp_publish", namespace.<String>getList("publish"))
            .claim("pp_subscribe", namespace.<String>getList("subscribe"));
    if (jwt.issuer() != null) {
      claims.issuer(jwt.issuer());
    }
    if (jwt.audience() != null) {
      claims.audience(jwt.audience());
    }
    if (namespace.getDouble("rate") != null) {
      claims.claim("pp_rate", namespace.getDouble("rate"));
    }
    if (namespace.getInt("max_connections") != null) {
      claims.claim("pp_max_connections", namespace.getInt("max_connections"));
    }
    SignedJWT token =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT).build(),
            claims.build());
    token.sign(new MACSigner(jwt.hmacSecret()));
    System.out.println(token.serialize());
  }
}
