package io.pulsarproxy.auth;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.util.Duration;
import io.dropwizard.validation.MinDuration;
import io.dropwizard.validation.ValidationMethod;
import io.pulsarproxy.core.RateLimiter.RateLimit;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The {@code auth.jwt:} section. Off until a key source is set: {@code hmacSecret}, {@code
 * publicKeys}, {@code jwksFile} or {@code jwksUrl}. The secret is never logged or shown.
 */
public class JwtFactory {
  static final Set<String> SUPPORTED_ALGORITHMS = Set.of("HS256", "RS256", "ES256");

  @JsonProperty private String hmacSecret = "";

  @JsonProperty
  @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
  @NotNull
  private List<String> publicKeys = new ArrayList<>();

  @JsonProperty private String jwksFile = "";
  @JsonProperty private String jwksUrl = "";

  @JsonProperty
  @MinDuration(value = 1, unit = TimeUnit.SECONDS)
  private Duration jwksRefresh = Duration.minutes(5);

  @JsonProperty @NotNull private Duration jwksReloadCooldown = Duration.seconds(10);

  @JsonProperty private String issuer = "";
  @JsonProperty private String audience = "";

  @JsonProperty
  @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
  @NotEmpty
  private List<String> algorithms = new ArrayList<>(List.of("HS256", "RS256", "ES256"));

  @JsonProperty @NotNull private Duration clockSkew = Duration.seconds(30);

  @JsonProperty
  @MinDuration(value = 1, unit = TimeUnit.SECONDS)
  private Duration maxLifetime = Duration.hours(24);

  @JsonProperty @NotNull private Duration expiryWarning = Duration.seconds(60);

  @JsonProperty
  @Min(1)
  private int cacheSize = 10_000;

  @JsonProperty @NotNull @Valid private DefaultRateLimit defaultRateLimit = new DefaultRateLimit();

  @JsonProperty
  @Min(1)
  private int defaultMaxConnections = 1000;

  /** Whether JWTs are accepted at all: some key source is set. */
  @JsonIgnore
  public boolean enabled() {
    return !blank(hmacSecret) || !pemFiles().isEmpty() || !blank(jwksFile) || !blank(jwksUrl);
  }

  /** The PEM files named, blank entries (an unset environment variable) left out. */
  private List<String> pemFiles() {
    return publicKeys.stream().filter(p -> !blank(p)).map(String::strip).toList();
  }

  @ValidationMethod(message = "algorithms may hold only HS256, RS256 and ES256")
  @JsonIgnore
  public boolean isAlgorithmListValid() {
    return SUPPORTED_ALGORITHMS.containsAll(algorithms);
  }

  @ValidationMethod(
      message =
          "hmacSecret must be at least 32 bytes (256 bits) for HS256; make one with"
              + " openssl rand -hex 32")
  @JsonIgnore
  public boolean isHmacSecretLongEnough() {
    return blank(hmacSecret) || hmacSecret.getBytes(StandardCharsets.UTF_8).length >= 32;
  }

  @ValidationMethod(message = "jwksUrl must start with https:// or http://")
  @JsonIgnore
  public boolean isJwksUrlValid() {
    return blank(jwksUrl) || jwksUrl.startsWith("https://") || jwksUrl.startsWith("http://");
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  /** The settings the verifier works with, the secret as bytes. */
  @JsonIgnore
  public JwtSettings settings() {
    return new JwtSettings(
        blank(hmacSecret) ? null : hmacSecret.getBytes(StandardCharsets.UTF_8),
        pemFiles(),
        blank(jwksFile) ? null : jwksFile.strip(),
        blank(jwksUrl) ? null : jwksUrl.strip(),
        jwksRefresh.toJavaDuration(),
        jwksReloadCooldown.toJavaDuration(),
        blank(issuer) ? null : issuer,
        blank(audience) ? null : audience,
        Set.copyOf(algorithms),
        clockSkew.toJavaDuration(),
        maxLifetime.toJavaDuration(),
        expiryWarning.toJavaDuration(),
        cacheSize,
        new RateLimit(defaultRateLimit.perSecond, defaultRateLimit.burst),
        defaultMaxConnections);
  }

  /** Redacts the secret: configuration objects end up in logs and error messages. */
  @Override
  public String toString() {
    return "JwtFactory[enabled=" + enabled() + "]";
  }

  /** The publish rate of a JWT without {@code pp_rate}. */
  public static class DefaultRateLimit {
    @JsonProperty @Positive private double perSecond = 1000;

    @JsonProperty
    @Min(1)
    private int burst = 2000;
  }
}
