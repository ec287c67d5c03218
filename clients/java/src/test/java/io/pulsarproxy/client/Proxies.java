package io.pulsarproxy.client;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.zip.ZipFile;

/**
 * A Valkey/Redis server and proxy processes built from this repository ({@code
 * target/pulsar-proxy.jar}), on free loopback ports. The server binary: {@code
 * PP_TEST_VALKEY_SERVER}, else valkey-server or redis-server on PATH, else the redis-server bundled
 * in org.signal:embedded-redis (in the local Maven repository once the proxy's build ran).
 */
final class Proxies implements AutoCloseable {
  static final String TOKEN = "pp-dev-token";
  static final String LIMITED = "limited-secret";

  /** auth.jwt.hmacSecret of jwt.yml. */
  static final String JWT_SECRET = "pp-client-test-hmac-secret-0123456789abcdef";

  private static final String EMBEDDED = "org/signal/embedded-redis/0.9.1/embedded-redis-0.9.1.jar";

  private final List<Process> processes = new ArrayList<>();
  private Process valkey;
  private String valkeyUrl;

  /** One proxy instance. */
  record Proxy(Process process, URI url, URI admin, Path log) {
    void kill() throws InterruptedException {
      process.destroyForcibly().waitFor();
    }

    String task(String name, String query) throws Exception {
      HttpResponse<String> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(admin.resolve("/tasks/" + name + query))
                      .POST(HttpRequest.BodyPublishers.noBody())
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new AssertionError(name + ": " + r.statusCode() + " " + r.body());
      }
      return r.body();
    }
  }

  Proxies startValkey() throws IOException {
    int port = freePort();
    Path dir = Files.createTempDirectory("pp-client-valkey-");
    valkey =
        new ProcessBuilder(
                binary(),
                "--port",
                "" + port,
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                dir.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("server.log").toFile())
            .start();
    processes.add(valkey);
    valkeyUrl = "redis://127.0.0.1:" + port;
    await(() -> canConnect(port), Duration.ofSeconds(15), "the Valkey server");
    return this;
  }

  /** SIGSTOP / SIGCONT: the store stops answering, then answers again. */
  void pauseValkey() throws Exception {
    signal("STOP");
  }

  void resumeValkey() throws Exception {
    signal("CONT");
  }

  private void signal(String name) throws Exception {
    new ProcessBuilder("kill", "-" + name, Long.toString(valkey.pid())).start().waitFor();
  }

  Proxy startProxy() throws Exception {
    return startProxy(System.getProperty("pp.proxy.config"));
  }

  /** A proxy with another configuration file of src/test/resources, such as {@code jwt.yml}. */
  Proxy startProxyWith(String resource) throws Exception {
    return startProxy(
        Path.of(System.getProperty("pp.proxy.config")).resolveSibling(resource).toString());
  }

  private Proxy startProxy(String config) throws Exception {
    String jar = System.getProperty("pp.proxy.jar");
    if (jar == null || !new File(jar).isFile()) {
      throw new IllegalStateException(
          "no proxy jar at " + jar + ": build the proxy first (./mvnw package)");
    }
    int port = freePort();
    int admin = freePort();
    Path log = Files.createTempFile("pp-client-proxy-", ".log");
    ProcessBuilder pb =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1",
                "-jar",
                jar,
                "server",
                config)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    pb.environment().put("PP_HTTP_PORT", "" + port);
    pb.environment().put("PP_ADMIN_PORT", "" + admin);
    pb.environment().put("VALKEY_URL", valkeyUrl);
    Process p = pb.start();
    processes.add(p);
    Proxy proxy =
        new Proxy(
            p,
            URI.create("http://127.0.0.1:" + port),
            URI.create("http://127.0.0.1:" + admin),
            log);
    HttpClient http = HttpClient.newHttpClient();
    await(
        () -> {
          if (!p.isAlive()) {
            throw new AssertionError("the proxy exited: " + readLog(log));
          }
          try {
            return http.send(
                        HttpRequest.newBuilder(proxy.url().resolve("/health/ready")).build(),
                        HttpResponse.BodyHandlers.discarding())
                    .statusCode()
                == 200;
          } catch (IOException e) {
            return false;
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
        },
        Duration.ofSeconds(90),
        "the proxy to be ready");
    return proxy;
  }

  private static String readLog(Path log) {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return e.toString();
    }
  }

  /** Waits for a condition the test cannot await directly, polling. */
  static void await(BooleanSupplier condition, Duration timeout, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  @Override
  public void close() {
    for (Process p : processes) {
      p.destroyForcibly();
    }
  }

  private static boolean canConnect(int port) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      return s.isConnected();
    } catch (IOException e) {
      return false;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static String binary() throws IOException {
    String env = System.getenv("PP_TEST_VALKEY_SERVER");
    if (env != null && !env.isBlank()) {
      return env;
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      for (String name : List.of("valkey-server", "redis-server")) {
        File f = new File(dir, name);
        if (f.canExecute()) {
          return f.getPath();
        }
      }
    }
    Path jar = Path.of(System.getProperty("user.home"), ".m2", "repository", EMBEDDED);
    String arch = System.getProperty("os.arch").contains("aarch64") ? "arm64" : "amd64";
    String os = System.getProperty("os.name").toLowerCase().contains("mac") ? "darwin" : "linux";
    String entry = "redis-server-7.0.15-" + os + "-" + arch;
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      Path out = Files.createTempDirectory("pp-client-redis-").resolve(entry);
      try (InputStream in = zip.getInputStream(zip.getEntry(entry))) {
        Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
      }
      if (!out.toFile().setExecutable(true)) {
        throw new IOException("cannot make " + out + " executable");
      }
      return out.toString();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "no valkey-server or redis-server on PATH, and none in " + jar, e);
    }
  }
}
