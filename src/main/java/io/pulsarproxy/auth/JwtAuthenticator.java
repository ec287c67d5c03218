package io.pulsarproxy.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.EncryptedJWT;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.pulsarproxy.core.ApiException;
import io.pulsarproxy.core.RateLimiter.RateLimit;
import java.text.ParseException;
import java.time.Clock;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a bearer JWT into its {@link Caller}, or refuses it with the error word that says why (see
 * {@link InvalidToken}). The signature is checked first, with nimbus-jose-jwt, against the keys of
 * the token's algorithm only (an HS256 token is never checked against an RSA or EC key, so a public
 * key used as an HMAC secret gets nowhere); then {@code exp} (required), {@code nbf}, {@code iss},
 * {@code aud}, and the proxy's own claims. A verified token is cached until it expires. Nothing of
 * a token but its {@code sub} and {@code jti} is ever logged or echoed.
 */
public final class JwtAuthenticator {
  private static final Logger LOG = LoggerFactory.getLogger(JwtAuthenticator.class);
  private static final int MAX_SUB_LENGTH = 256;

  private final JwtSettings settings;
  private final String realm;
  private final Clock clock;
  private final Revocations revocations;
  private final VerifiedTokens cache;
  private final VerificationKeys keys;
  private final Set<JWSAlgorithm> algorithms;
  private final String acceptedList;

  public JwtAuthenticator(
      JwtSettings settings, String realm, Clock clock, Revocations revocations) {
    this.settings = settings;
    this.realm = realm;
    this.clock = clock;
    this.revocations = revocations;
    this.cache = new VerifiedTokens(settings.cacheSize());
    this.keys = new VerificationKeys(settings, clock, this::keysChanged);
    this.algorithms =
        settings.algorithms().stream().map(JWSAlgorithm::parse).collect(Collectors.toSet());
    this.acceptedList = settings.algorithms().stream().sorted().collect(Collectors.joining(", "));
  }

  /** Whether a bearer credential has the shape of a JWT (three base64url parts). */
  public static boolean looksLikeJwt(String credential) {
    int first = credential.indexOf('.');
    return first > 0 && credential.indexOf('.', first + 1) > first;
  }

  public JwtSettings settings() {
    return settings;
  }

  /**
   * The caller the token stands for.
   *
   * @throws ApiException 401 with the error word when the token is refused
   */
  public Caller authenticate(String token) {
    long now = clock.millis();
    Caller caller = cache.get(token, now);
    if (caller == null) {
      caller = verify(token, now);
      cache.put(token, caller, now);
    }
    if (revocations.revokes(caller)) {
      throw refuse(InvalidToken.TOKEN_REVOKED, "this token has been revoked", caller);
    }
    return caller;
  }

  /** Reads the JWKS source now (the periodic refresh). */
  public void refreshKeys() {
    if (keys.reloadable()) {
      keys.reload("the periodic refresh");
    }
  }

  public boolean refreshesKeys() {
    return keys.reloadable();
  }

  int cached() {
    return cache.size();
  }

  private void keysChanged() {
    // A key that left the set must not keep vouching for tokens it signed.
    cache.clear();
  }

  private Caller verify(String token, long now) {
    JWT parsed;
    try {
      parsed = JWTParser.parse(token);
    } catch (ParseException e) {
      throw refuse(InvalidToken.MALFORMED_TOKEN, "the bearer token is not a well-formed JWT", null);
    }
    if (parsed instanceof PlainJWT) {
      throw refuse(
          InvalidToken.BAD_SIGNATURE, "unsigned tokens (alg \"none\") are never accepted", null);
    }
    if (parsed instanceof EncryptedJWT || !(parsed instanceof SignedJWT jwt)) {
      throw refuse(InvalidToken.MALFORMED_TOKEN, "only signed JWTs (JWS) are accepted", null);
    }
    JWSHeader header = jwt.getHeader();
    if (!algorithms.contains(header.getAlgorithm())) {
      throw refuse(
          InvalidToken.BAD_SIGNATURE,
          "the token's algorithm is not accepted (accepted: " + acceptedList + ")",
          null);
    }
    checkSignature(jwt, header);
    JWTClaimsSet claims;
    try {
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      throw refuse(InvalidToken.MALFORMED_TOKEN, "the token's claims are not a JSON object", null);
    }
    return caller(claims, now);
  }

  private void checkSignature(SignedJWT jwt, JWSHeader header) {
    String kid = header.getKeyID();
    List<JWK> candidates = keys.candidates(header.getAlgorithm(), kid);
    boolean unknownKid = kid != null && !keys.knows(kid);
    if ((candidates.isEmpty() || unknownKid) && keys.reloadForUnknownKid()) {
      candidates = keys.candidates(header.getAlgorithm(), kid);
    }
    if (candidates.isEmpty()) {
      throw refuse(
          InvalidToken.UNKNOWN_KEY,
          kid == null
              ? "no configured key verifies tokens of this algorithm"
              : "no configured key has the token's kid, nor verifies tokens of this algorithm",
          null);
    }
    for (JWK key : candidates) {
      try {
        if (jwt.verify(verifier(key))) {
          return;
        }
      } catch (JOSEException e) {
        LOG.debug("A key could not verify a token: {}", e.getClass().getSimpleName());
      }
    }
    throw refuse(InvalidToken.BAD_SIGNATURE, "the token's signature does not verify", null);
  }

  private static JWSVerifier verifier(JWK key) throws JOSEException {
    if (key instanceof OctetSequenceKey oct) {
      return new MACVerifier(oct.toByteArray());
    }
    if (key instanceof RSAKey rsa) {
      return new RSASSAVerifier(rsa.toRSAPublicKey());
    }
    if (key instanceof ECKey ec) {
      return new ECDSAVerifier(ec.toECPublicKey());
    }
    throw new JOSEException("unsupported key type");
  }

  private Caller caller(JWTClaimsSet claims, long now) {
    long skew = settings.clockSkew().toMillis();
    Date exp = claims.getExpirationTime();
    if (exp == null) {
      throw refuse(InvalidToken.MALFORMED_TOKEN, "the token has no exp (it is required)", null);
    }
    if (exp.getTime() + skew <= now) {
      throw refuse(InvalidToken.TOKEN_EXPIRED, "the token has expired", null);
    }
    Date nbf = claims.getNotBeforeTime();
    if (nbf != null && nbf.getTime() - skew > now) {
      throw refuse(InvalidToken.TOKEN_NOT_YET_VALID, "the token is not valid yet (nbf)", null);
    }
    if (settings.issuer() != null && !settings.issuer().equals(claims.getIssuer())) {
      throw refuse(InvalidToken.WRONG_ISSUER, "the token's iss is not the configured issuer", null);
    }
    List<String> aud = claims.getAudience();
    if (settings.audience() != null && (aud == null || !aud.contains(settings.audience()))) {
      throw refuse(
          InvalidToken.WRONG_AUDIENCE, "the token's aud does not name this proxy's audience", null);
    }
    if (exp.getTime() - now > settings.maxLifetime().toMillis() + skew) {
      throw refuse(
          InvalidToken.TOKEN_LIFETIME_TOO_LONG,
          "the token's exp is more than auth.jwt.maxLifetime (" + settings.maxLifetime() + ") away",
          null);
    }
    String sub = claims.getSubject();
    if (sub == null || sub.isBlank() || sub.length() > MAX_SUB_LENGTH || hasControl(sub)) {
      throw refuse(
          InvalidToken.MALFORMED_TOKEN,
          "the token needs a sub: 1 to " + MAX_SUB_LENGTH + " printable characters",
          null);
    }
    try {
      TopicPatterns publish = patterns(claims, "pp_publish");
      TopicPatterns subscribe = patterns(claims, "pp_subscribe");
      RateLimit rate = settings.defaultRateLimit();
      Object rateClaim = claims.getClaim("pp_rate");
      if (rateClaim != null) {
        double perSecond = rateClaim instanceof Number n ? n.doubleValue() : -1;
        if (!(perSecond > 0) || Double.isInfinite(perSecond)) {
          throw new IllegalArgumentException("pp_rate must be a number above 0");
        }
        rate =
            new RateLimit(perSecond, (int) Math.min(Integer.MAX_VALUE, Math.ceil(2 * perSecond)));
      }
      int maxConnections = settings.defaultMaxConnections();
      Object capClaim = claims.getClaim("pp_max_connections");
      if (capClaim != null) {
        if (!(capClaim instanceof Number n)
            || n.doubleValue() < 1
            || n.doubleValue() != Math.floor(n.doubleValue())) {
          throw new IllegalArgumentException("pp_max_connections must be a whole number above 0");
        }
        maxConnections = (int) Math.min(Integer.MAX_VALUE, n.longValue());
      }
      Date iat = claims.getIssueTime();
      String jti = claims.getJWTID();
      return new Caller(
          sub,
          publish,
          subscribe,
          rate,
          maxConnections,
          new Caller.Lease(
              jti,
              iat == null ? null : iat.getTime() / 1000,
              exp.getTime() / 1000,
              exp.getTime() + skew));
    } catch (ParseException | IllegalArgumentException e) {
      throw refuse(
          InvalidToken.MALFORMED_TOKEN, "the token's claims are not valid: " + safeReason(e), null);
    }
  }

  /** The reason, from our own sentences only: claim parsers may quote claim values. */
  private static String safeReason(Exception e) {
    String m = e.getMessage() == null ? "" : e.getMessage();
    if (m.startsWith("pp_rate") || m.startsWith("pp_max_connections")) {
      return m;
    }
    if (m.contains("pp_publish") || m.contains("pp_subscribe")) {
      return "pp_publish and pp_subscribe must be lists of topic patterns";
    }
    return "a standard claim has the wrong type";
  }

  private static TopicPatterns patterns(JWTClaimsSet claims, String name) throws ParseException {
    List<String> list;
    try {
      list = claims.getStringListClaim(name);
    } catch (ParseException e) {
      throw new IllegalArgumentException(name + " must be a list of topic patterns", e);
    }
    try {
      return new TopicPatterns(list == null ? List.of() : list);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(name + " holds a pattern that is not valid", e);
    }
  }

  private static boolean hasControl(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (Character.isISOControl(s.charAt(i))) {
        return true;
      }
    }
    return false;
  }

  private ApiException refuse(InvalidToken why, String message, Caller caller) {
    if (caller != null) {
      Caller.Lease lease = caller.lease();
      LOG.info(
          "401 {}: sub '{}', jti '{}'",
          why.word(),
          caller.name(),
          lease == null || lease.jti() == null ? "" : lease.jti());
    }
    return why.refusal(realm, message);
  }
}
