package io.pulsarproxy.auth;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyType;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keys tokens are verified with, from every configured source: the HMAC secret, PEM public keys
 * (read once, at start), and a JWKS file or URL (read at start, every {@code jwksRefresh}, and
 * again when a token names a {@code kid} no key has, at most once per {@code jwksReloadCooldown}).
 * PEM parsing is decoding only (base64 and the JDK's key factories); no crypto of our own.
 */
final class VerificationKeys {
  private static final Logger LOG = LoggerFactory.getLogger(VerificationKeys.class);
  private static final Pattern PEM =
      Pattern.compile(
          "-----BEGIN (PUBLIC KEY|CERTIFICATE)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");
  private static final Duration FETCH_TIMEOUT = Duration.ofSeconds(2);

  private final List<JWK> fixed;
  private final JwtSettings settings;
  private final Clock clock;
  private final HttpClient http;
  private final Runnable onChange;
  private volatile List<JWK> fromJwks = List.of();
  private volatile long lastReloadMillis = Long.MIN_VALUE / 2;
  private final ReentrantLock reloading = new ReentrantLock();

  /**
   * @param onChange called after a reload changed the keys (the verified-token cache is cleared)
   */
  VerificationKeys(JwtSettings settings, Clock clock, Runnable onChange) {
    this.settings = settings;
    this.clock = clock;
    this.onChange = onChange;
    List<JWK> keys = new ArrayList<>();
    if (settings.hmacSecret() != null) {
      keys.add(new OctetSequenceKey.Builder(settings.hmacSecret()).build());
    }
    for (String file : settings.publicKeys()) {
      keys.addAll(readPem(Path.of(file)));
    }
    this.fixed = List.copyOf(keys);
    this.http =
        settings.jwksUrl() == null
            ? null
            : HttpClient.newBuilder()
                .connectTimeout(FETCH_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    if (settings.jwksFile() != null || settings.jwksUrl() != null) {
      reload("start");
    }
  }

  /** Whether a JWKS source is set, so that {@link #reload} may find new keys. */
  boolean reloadable() {
    return settings.jwksFile() != null || settings.jwksUrl() != null;
  }

  /**
   * The keys that may have signed a token with this algorithm and {@code kid}: of the algorithm's
   * key type (and curve), not marked for encryption or another algorithm; keys with a {@code kid}
   * only when the token names none or the same, keys without one always.
   */
  List<JWK> candidates(JWSAlgorithm alg, String kid) {
    List<JWK> out = new ArrayList<>();
    addCandidates(fixed, alg, kid, out);
    addCandidates(fromJwks, alg, kid, out);
    return out;
  }

  /** Whether some key carries this {@code kid}. */
  boolean knows(String kid) {
    for (JWK k : fromJwks) {
      if (kid.equals(k.getKeyID())) {
        return true;
      }
    }
    for (JWK k : fixed) {
      if (kid.equals(k.getKeyID())) {
        return true;
      }
    }
    return false;
  }

  private static void addCandidates(List<JWK> keys, JWSAlgorithm alg, String kid, List<JWK> out) {
    for (JWK k : keys) {
      if (!k.getKeyType().equals(keyType(alg))) {
        continue;
      }
      if (k.getKeyUse() != null && !KeyUse.SIGNATURE.equals(k.getKeyUse())) {
        continue;
      }
      if (k.getAlgorithm() != null && !k.getAlgorithm().equals(alg)) {
        continue;
      }
      if (k instanceof ECKey ec && !Curve.forJWSAlgorithm(alg).contains(ec.getCurve())) {
        continue;
      }
      if (kid != null && k.getKeyID() != null && !kid.equals(k.getKeyID())) {
        continue;
      }
      out.add(k);
    }
  }

  private static KeyType keyType(JWSAlgorithm alg) {
    return KeyType.forAlgorithm(alg);
  }

  /**
   * Reads the JWKS source again after a token named an unknown {@code kid}, unless the last reload
   * was less than {@code jwksReloadCooldown} ago (random kids must not hammer the JWKS server).
   *
   * @return whether a reload ran
   */
  boolean reloadForUnknownKid() {
    if (!reloadable()) {
      return false;
    }
    // A request that finds a reload under way does not wait for it (it may run on a selector
    // thread): it is answered with the keys there are.
    if (!reloading.tryLock()) {
      return false;
    }
    try {
      if (clock.millis() - lastReloadMillis < settings.jwksReloadCooldown().toMillis()) {
        return false;
      }
      reload("a token with an unknown kid");
      return true;
    } finally {
      reloading.unlock();
    }
  }

  /** Reads the JWKS file or URL; on failure keeps the keys it had and logs why. */
  void reload(String why) {
    reloading.lock();
    try {
      lastReloadMillis = clock.millis();
      String text;
      String source = settings.jwksFile() != null ? settings.jwksFile() : safeUrl();
      try {
        text = settings.jwksFile() != null ? readFile() : fetch();
        List<JWK> keys = new ArrayList<>();
        for (JWK k : JWKSet.parse(text).getKeys()) {
          JWK pub = k.toPublicJWK();
          if (pub != null && !(pub instanceof OctetSequenceKey)) {
            keys.add(pub); // symmetric keys never come from a JWKS: anyone may read one
          }
        }
        if (!keys.equals(fromJwks)) {
          boolean first = fromJwks.isEmpty();
          fromJwks = List.copyOf(keys);
          LOG.info("JWKS from {} holds {} signing key(s), read on {}", source, keys.size(), why);
          if (!first) {
            onChange.run();
          }
        }
      } catch (IOException | ParseException | RuntimeException e) {
        LOG.warn(
            "Cannot read the JWKS from {} ({}); keeping the {} key(s) read before: {}",
            source,
            why,
            fromJwks.size(),
            e.getClass().getSimpleName() + ": " + Objects.toString(e.getMessage(), ""));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    } finally {
      reloading.unlock();
    }
  }

  private String readFile() throws IOException {
    return Files.readString(Path.of(settings.jwksFile()), StandardCharsets.UTF_8);
  }

  private String fetch() throws IOException, InterruptedException {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(settings.jwksUrl()))
                .timeout(FETCH_TIMEOUT)
                .header("Accept", "application/json")
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    if (response.statusCode() != 200) {
      throw new IOException("HTTP " + response.statusCode());
    }
    return response.body();
  }

  /** The URL without credentials or query, for log lines. */
  private String safeUrl() {
    URI uri = URI.create(settings.jwksUrl());
    return uri.getScheme()
        + "://"
        + uri.getHost()
        + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
        + Objects.toString(uri.getPath(), "");
  }

  /** The public keys in a PEM file: {@code PUBLIC KEY} (SubjectPublicKeyInfo) or certificates. */
  static List<JWK> readPem(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new IllegalArgumentException("auth.jwt.publicKeys: cannot read " + file, e);
    }
    List<JWK> keys = new ArrayList<>();
    Matcher m = PEM.matcher(text);
    while (m.find()) {
      byte[] der = Base64.getMimeDecoder().decode(m.group(2));
      try {
        PublicKey key =
            m.group(1).equals("CERTIFICATE")
                ? CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der))
                    .getPublicKey()
                : publicKey(der);
        keys.add(toJwk(key, file));
      } catch (GeneralSecurityException e) {
        throw new IllegalArgumentException(
            "auth.jwt.publicKeys: " + file + " holds a key that is neither RSA nor EC", e);
      }
    }
    if (keys.isEmpty()) {
      throw new IllegalArgumentException(
          "auth.jwt.publicKeys: "
              + file
              + " holds no '-----BEGIN PUBLIC KEY-----' or certificate (convert with"
              + " openssl pkey -pubout)");
    }
    return keys;
  }

  private static PublicKey publicKey(byte[] der) throws GeneralSecurityException {
    X509EncodedKeySpec spec = new X509EncodedKeySpec(der);
    try {
      return KeyFactory.getInstance("RSA").generatePublic(spec);
    } catch (GeneralSecurityException e) {
      return KeyFactory.getInstance("EC").generatePublic(spec);
    }
  }

  private static JWK toJwk(PublicKey key, Path file) {
    if (key instanceof RSAPublicKey rsa) {
      return new RSAKey.Builder(rsa).build();
    }
    if (key instanceof ECPublicKey ec) {
      Curve curve = Curve.forECParameterSpec(ec.getParams());
      if (curve == null) {
        throw new IllegalArgumentException(
            "auth.jwt.publicKeys: " + file + " holds an EC key on an unknown curve");
      }
      return new ECKey.Builder(curve, ec).build();
    }
    throw new IllegalArgumentException(
        "auth.jwt.publicKeys: " + file + " holds a key that is neither RSA nor EC");
  }
}
