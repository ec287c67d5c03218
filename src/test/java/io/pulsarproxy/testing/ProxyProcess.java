package io.pulsarproxy.testing;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A proxy in a process of its own, started from the test classpath with the shipped config.yml, so
 * that tests can send it real signals (SIGTERM, SIGKILL).
 */
public final class ProxyProcess implements AutoCloseable {
  private final Process process;
  private final int port;
  private final int adminPort;
  private final Path log;

  private ProxyProcess(Process process, int port, int adminPort, Path log) {
    this.process = process;
    this.port = port;
    this.adminPort = adminPort;
    this.log = log;
  }

  /** Starts a proxy with these environment variables added (ports are chosen here). */
  public static ProxyProcess start(Map<String, String> env) throws IOException {
    int port = freePort();
    int adminPort = freePort();
    Path log = Files.createTempFile("pp-proxy-", ".log");
    ProcessBuilder builder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "io.pulsarproxy.PulsarProxyApplication",
                "server",
                new File("config.yml").getAbsolutePath())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    builder.environment().remove("VALKEY_URL");
    builder.environment().put("PP_HTTP_PORT", Integer.toString(port));
    builder.environment().put("PP_ADMIN_PORT", Integer.toString(adminPort));
    builder.environment().putAll(env);
    return new ProxyProcess(builder.start(), port, adminPort, log);
  }

  public int port() {
    return port;
  }

  public int adminPort() {
    return adminPort;
  }

  public Process process() {
    return process;
  }

  public String log() throws IOException {
    return Files.readString(log);
  }

  /** Waits until {@code /health/ready} answers 200. */
  public ProxyProcess awaitReady() throws Exception {
    Http http = new Http(port);
    try {
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(200))
          .until(
              () -> {
                if (!process.isAlive()) {
                  throw new AssertionError("the proxy exited: " + log());
                }
                try {
                  return http.get("/health/ready", null).status() == 200;
                } catch (UncheckedIOException e) {
                  return false; // not listening yet
                }
              });
    } catch (ConditionTimeoutException e) {
      throw new AssertionError("the proxy never became ready: " + log(), e);
    }
    return this;
  }

  /** SIGKILL: no shutdown hook runs, connections drop without a close frame. */
  public void kill() throws InterruptedException {
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
