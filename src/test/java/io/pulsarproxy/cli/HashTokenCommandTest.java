package io.pulsarproxy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dropwizard.core.cli.Cli;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.util.JarLocation;
import io.pulsarproxy.PulsarProxyApplication;
import io.pulsarproxy.PulsarProxyConfiguration;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class HashTokenCommandTest {
  @Test
  void printsTheSha256OfTheSecretOnStandardInput() throws Exception {
    PulsarProxyApplication app = new PulsarProxyApplication();
    Bootstrap<PulsarProxyConfiguration> bootstrap = new Bootstrap<>(app);
    app.initialize(bootstrap);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    InputStream stdin = System.in;
    PrintStream stdout = System.out;
    try {
      System.setIn(new ByteArrayInputStream("pp-dev-token\n".getBytes(StandardCharsets.UTF_8)));
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      Cli cli = new Cli(new JarLocation(getClass()), bootstrap, System.out, System.err);
      Optional<Throwable> failure = cli.run("hash-token");
      assertTrue(failure.isEmpty(), () -> failure.get().toString());
    } finally {
      System.setIn(stdin);
      System.setOut(stdout);
    }
    String printed = out.toString(StandardCharsets.UTF_8).trim();
    assertEquals("efd0c2a50f443ebc7f5b451436b4e4cb4df3980da272b1b51deef1567dd67dfd", printed);
  }
}
