package io.pulsarproxy.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real Server-Sent Events subscriber for tests: opens the stream, and a thread of its own reads
 * its lines into a queue. A refused stream has its status and its JSON error as {@link #body()}.
 */
public final class SseClient implements AutoCloseable {
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final HttpResponse<InputStream> response;
  private final String refusal;

  private SseClient(HttpResponse<InputStream> response) throws IOException {
    this.response = response;
    if (response.statusCode() != 200) {
      try (InputStream in = response.body()) {
        refusal = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      return;
    }
    refusal = null;
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  lines.add(line);
                }
              } catch (IOException e) {
                // closed by the test
              }
            },
            "sse-client");
    reader.setDaemon(true);
    reader.start();
  }

  /** Opens {@code GET path} with the token as a bearer header (or none when null). */
  public static SseClient open(HttpClient client, URI base, String path, String token)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(base.resolve(path))
            .timeout(Duration.ofSeconds(30))
            .header("Accept", "text/event-stream");
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return new SseClient(client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream()));
  }

  public int status() {
    return response.statusCode();
  }

  /** The body of a refused stream. */
  public String body() {
    return refusal;
  }

  public String header(String name) {
    return response.headers().firstValue(name).orElse(null);
  }

  /** Waits for a line containing the text; fails after the timeout. */
  public String awaitLine(String containing, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      String line = lines.poll(50, TimeUnit.MILLISECONDS);
      if (line != null && line.contains(containing)) {
        return line;
      }
    }
    throw new AssertionError("no line with '" + containing + "' within " + timeout);
  }

  /** Closes the stream: the proxy notices at its next write (a keep-alive at the latest). */
  @Override
  public void close() throws IOException {
    if (refusal == null) {
      response.body().close();
    }
  }
}
