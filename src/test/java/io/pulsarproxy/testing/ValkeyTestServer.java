package io.pulsarproxy.testing;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import redis.embedded.RedisExecProvider;

/**
 * A valkey-server or redis-server of the test's own, on a free loopback port, that the test may
 * stop, restart, pause and kill without touching any other server. The binary is, in order: the one
 * named by {@code PP_TEST_VALKEY_SERVER}, valkey-server or redis-server on PATH, or the
 * redis-server 7.0 bundled in the embedded-redis test dependency.
 *
 * <p>Register it as a static {@code @RegisterExtension} field: it starts on construction (so an app
 * extension declared after it can read {@link #url()}) and is killed after the class.
 */
public final class ValkeyTestServer implements AfterAllCallback, AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(15);

  private final String binary;
  private final int port;
  private final Path dir;
  private final List<String> extraArgs;
  private final Path configFile;
  private Process process;

  public ValkeyTestServer(String... extraArgs) {
    this(findBinary(), null, List.of(extraArgs));
  }

  private ValkeyTestServer(String binary, String config, List<String> extraArgs) {
    this.binary = binary;
    this.port = freePort();
    this.extraArgs = List.copyOf(extraArgs);
    try {
      this.dir = Files.createTempDirectory("pp-valkey-");
      // Sentinel insists on a config file of its own, which it rewrites.
      this.configFile =
          config == null ? null : Files.writeString(dir.resolve("server.conf"), config);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    start();
    // A safety net: never leave a server behind, even when the JVM is torn down mid-test.
    Runtime.getRuntime().addShutdownHook(new Thread(this::close));
  }

  /** A server from the binary bundled in the embedded-redis test dependency, whatever PATH has. */
  public static ValkeyTestServer bundled() {
    return new ValkeyTestServer(bundledBinary(), null, List.of());
  }

  /** A sentinel (started with its config file and {@code --sentinel}) with these config lines. */
  public static ValkeyTestServer sentinel(String configLines) {
    return new ValkeyTestServer(findBinary(), configLines, List.of("--sentinel"));
  }

  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  public synchronized void start() {
    if (process != null && process.isAlive()) {
      return;
    }
    List<String> command = new java.util.ArrayList<>(List.of(binary));
    if (configFile != null) {
      command.add(configFile.toString());
    }
    command.addAll(
        List.of(
            "--port",
            Integer.toString(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            dir.toString()));
    command.addAll(extraArgs);

    try {
      process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("server.log").toFile())
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + binary, e);
    }
    awaitPing();
  }

  /** SIGTERM and wait: the server is gone, connections are refused. */
  public synchronized void stop() {
    if (process != null) {
      process.destroy();
      waitForExit();
    }
  }

  /** SIGKILL. */
  public synchronized void kill() {
    if (process != null) {
      process.destroyForcibly();
      waitForExit();
    }
  }

  /** SIGSTOP: the server accepts connections but answers nothing, like a hung store. */
  public synchronized void pause() {
    signal("STOP");
  }

  /** SIGCONT after {@link #pause()}. */
  public synchronized void resume() {
    signal("CONT");
  }

  @Override
  public void afterAll(ExtensionContext context) {
    close();
  }

  @Override
  public synchronized void close() {
    if (process != null) {
      resume();
      kill();
      process = null;
    }
  }

  private void signal(String name) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start();
      kill.waitFor(5, TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void waitForExit() {
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void awaitPing() {
    await()
        .alias(binary + " did not answer PING on port " + port)
        .atMost(START_TIMEOUT)
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              if (!process.isAlive()) {
                throw new IllegalStateException(
                    binary + " exited at start; see " + dir.resolve("server.log"));
              }
              return answersPing();
            });
  }

  private boolean answersPing() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
      socket.setSoTimeout(500);
      OutputStream out = socket.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      byte[] reply = new byte[7];
      int n = socket.getInputStream().read(reply);
      return n > 0 && new String(reply, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG");
    } catch (IOException e) {
      return false; // not up yet
    }
  }

  private static String findBinary() {
    String named = System.getenv("PP_TEST_VALKEY_SERVER");
    if (named != null && !named.isBlank()) {
      return named;
    }
    for (String name : List.of("valkey-server", "redis-server")) {
      for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
        File candidate = new File(dir, name);
        if (candidate.canExecute()) {
          return candidate.getAbsolutePath();
        }
      }
    }
    return bundledBinary();
  }

  private static String bundledBinary() {
    try {
      File binary = RedisExecProvider.defaultProvider().get();
      if (!binary.canExecute() && !binary.setExecutable(true)) {
        throw new IllegalStateException("cannot make " + binary + " executable");
      }
      return binary.getAbsolutePath();
    } catch (IOException e) {
      throw new UncheckedIOException("no valkey-server or redis-server available", e);
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
