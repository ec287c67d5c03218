package io.pulsarproxy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.dropwizard.core.cli.Cli;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.util.JarLocation;
import io.pulsarproxy.PulsarProxyApplication;
import io.pulsarproxy.PulsarProxyConfiguration;
import io.pulsarproxy.auth.TestJwts;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class MintTokenCommandTest {
  @Test
  void printsAnHs256TokenSignedWithTheConfiguredSecret() throws Exception {
    PulsarProxyApplication app = new PulsarProxyApplication();
    Bootstrap<PulsarProxyConfiguration> bootstrap = new Bootstrap<>(app);
    app.initialize(bootstrap);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream stdout = System.out;
    System.setProperty("dw.auth.jwt.hmacSecret", TestJwts.SECRET);
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      Cli cli = new Cli(new JarLocation(getClass()), bootstrap, System.out, System.err);
      Optional<Throwable> failure =
          cli.run(
              "mint-token",
              ResourceHelpers.resourceFilePath("test-config.yml"),
              "--sub",
              "bench",
              "--publish",
              "*",
              "--ttl",
              "2h",
              "--rate",
              "5000");
      assertTrue(failure.isEmpty(), () -> failure.get().toString());
    } finally {
      System.setOut(stdout);
      System.clearProperty("dw.auth.jwt.hmacSecret");
    }
    String printed = out.toString(StandardCharsets.UTF_8).trim();
    String token = printed.substring(printed.lastIndexOf('\n') + 1);
    SignedJWT jwt = SignedJWT.parse(token);
    assertTrue(jwt.verify(new MACVerifier(TestJwts.SECRET.getBytes(StandardCharsets.UTF_8))));
    JWTClaimsSet claims = jwt.getJWTClaimsSet();
    assertEquals("bench", claims.getSubject());
    assertEquals(List.of("*"), claims.getStringListClaim("pp_publish"));
    assertEquals(5000.0, claims.getDoubleClaim("pp_rate"));
    long ttl = (claims.getExpirationTime().getTime() - claims.getIssueTime().getTime()) / 1000;
    assertEquals(7200, ttl);
  }
}
