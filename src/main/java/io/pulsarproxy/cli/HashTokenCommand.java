package io.pulsarproxy.cli;

import io.dropwizard.core.cli.Command;
import io.dropwizard.core.setup.Bootstrap;
import io.pulsarproxy.auth.TokenHasher;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/**
 * {@code hash-token}: prints the SHA-256 of a token secret read from standard input (one line, the
 * trailing newline ignored), for the {@code sha256} field of {@code auth.tokens}. Reading stdin
 * keeps the secret out of shell history and process lists.
 */
public final class HashTokenCommand extends Command {
  public HashTokenCommand() {
    super("hash-token", "Print the SHA-256 of a token secret read from standard input");
  }

  @Override
  public void configure(Subparser subparser) {
    // No arguments: the secret comes from standard input only.
  }

  @Override
  public void run(Bootstrap<?> bootstrap, Namespace namespace) throws Exception {
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String secret = in.readLine();
    if (secret == null || secret.isEmpty()) {
      throw new IllegalArgumentException("hash-token: expected the secret on standard input");
    }
    System.out.println(TokenHasher.sha256Hex(secret));
  }
}
