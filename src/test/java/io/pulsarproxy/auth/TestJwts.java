package io.pulsarproxy.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.UUID;

/** Keys made at test time and the JWTs they sign, as an application's backend would mint them. */
public final class TestJwts {
  /** The HS256 secret the JWT tests configure (32 bytes and more). */
  public static final String SECRET = "test-jwt-secret-0123456789abcdef-0123456789";

  private TestJwts() {}

  public static RSAKey rsa(String kid) {
    try {
      RSAKeyGenerator g = new RSAKeyGenerator(2048);
      return (kid == null ? g : g.keyID(kid)).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  public static ECKey ec(String kid) {
    try {
      ECKeyGenerator g = new ECKeyGenerator(Curve.P_256);
      return (kid == null ? g : g.keyID(kid)).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Writes a public key as a PEM file ({@code BEGIN PUBLIC KEY}) and returns its path. */
  public static Path pem(PublicKey key, String name) {
    try {
      Path dir = Files.createDirectories(Path.of("target", "test-keys"));
      Path file = dir.resolve(name + "-" + UUID.randomUUID() + ".pem");
      Files.writeString(file, pemText(key), StandardCharsets.US_ASCII);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static String pemText(PublicKey key) {
    return "-----BEGIN PUBLIC KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
            .encodeToString(key.getEncoded())
        + "\n-----END PUBLIC KEY-----\n";
  }

  /** Claims for {@code sub}, expiring in {@code seconds}, with publish and subscribe patterns. */
  public static JWTClaimsSet.Builder claims(
      String sub, long seconds, List<String> publish, List<String> subscribe) {
    Instant now = Instant.now();
    return new JWTClaimsSet.Builder()
        .subject(sub)
        .issueTime(Date.from(now))
        .expirationTime(Date.from(now.plusSeconds(seconds)))
        .jwtID(UUID.randomUUID().toString())
        .claim("pp_publish", publish)
        .claim("pp_subscribe", subscribe);
  }

  public static String hs256(JWTClaimsSet.Builder claims) {
    return hs256(SECRET.getBytes(StandardCharsets.UTF_8), claims);
  }

  public static String hs256(byte[] secret, JWTClaimsSet.Builder claims) {
    try {
      return sign(new MACSigner(secret), JWSAlgorithm.HS256, null, claims);
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String rs256(RSAKey key, JWTClaimsSet.Builder claims) {
    try {
      return sign(new RSASSASigner(key), JWSAlgorithm.RS256, key.getKeyID(), claims);
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String es256(ECKey key, JWTClaimsSet.Builder claims) {
    try {
      return sign(new ECDSASigner(key), JWSAlgorithm.ES256, key.getKeyID(), claims);
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String sign(
      JWSSigner signer, JWSAlgorithm alg, String kid, JWTClaimsSet.Builder claims)
      throws JOSEException {
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID(kid).build(), claims.build());
    jwt.sign(signer);
    return jwt.serialize();
  }

  /** An unsigned token: {@code alg: none}, empty signature part. */
  public static String unsigned(JWTClaimsSet.Builder claims) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    return b64.encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8))
        + "."
        + b64.encodeToString(claims.build().toString().getBytes(StandardCharsets.UTF_8))
        + ".";
  }
}
