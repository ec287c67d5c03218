package io.pulsarproxy.cli.perf;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code perf connections}: opens C idle WebSocket subscribers, reports how fast they connected
 * and, given the server's pid on this machine, its resident memory per connection (RSS growth
 * between two full GCs run with jcmd, divided by C).
 */
final class ConnectionsScenario {
  record Options(int connections, int topics, Long serverPid, Duration hold) {}

  private static final int MAX_PENDING_CONNECTS = 256;

  private final PerfClient client;
  private final PrintStream progress;

  ConnectionsScenario(PerfClient client, PrintStream progress) {
    this.client = client;
    this.progress = progress;
  }

  Report run(Options o) throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 8);
    Long rssBefore = null;
    if (o.serverPid() != null) {
      fullGc(o.serverPid());
      rssBefore = rssKb(o.serverPid());
    }
    CountDownLatch subscribed = new CountDownLatch(o.connections());
    FrameTally tally = new FrameTally(subscribed);
    AtomicLong failures = tally.failed;
    client.startSubscribers(tally);
    long start = System.nanoTime();
    long nextProgress = start + 1_000_000_000L;
    for (int i = 0; i < o.connections(); i++) {
      // Keep at most a few hundred handshakes in flight, as a fleet of clients would.
      while (i - (o.connections() - subscribed.getCount()) > MAX_PENDING_CONNECTS) {
        PerfClient.sleep(1);
      }
      client.subscribe(new PerfSubscriber("perf.idle." + run + "." + (i % o.topics())), null);
      if (System.nanoTime() >= nextProgress) {
        progress.printf(
            "connections: %d started, %d subscribed, %d failed%n",
            i + 1, o.connections() - subscribed.getCount(), failures.get());
        nextProgress += 1_000_000_000L;
      }
    }
    if (!subscribed.await(300, TimeUnit.SECONDS)) {
      throw new IllegalStateException(subscribed.getCount() + " connections never subscribed");
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    Report report =
        new Report("connections")
            .put("connections", o.connections())
            .put("failed", failures.get())
            .put("seconds", Math.round(seconds * 100) / 100.0)
            .put("connects_per_s", Math.round((o.connections() - failures.get()) / seconds));
    if (o.serverPid() != null) {
      PerfClient.sleep(1_000);
      fullGc(o.serverPid());
      long rssAfter = rssKb(o.serverPid());
      report
          .put("server_rss_before_mb", rssBefore / 1024)
          .put("server_rss_after_mb", rssAfter / 1024)
          .put(
              "server_rss_per_connection_kb",
              Math.round((rssAfter - rssBefore) * 10.0 / (o.connections() - failures.get()))
                  / 10.0);
    }
    progress.printf("connections: holding %d for %s%n", o.connections(), o.hold());
    PerfClient.sleep(o.hold().toMillis());
    return report;
  }

  private static void fullGc(long pid) throws IOException, InterruptedException {
    Process jcmd =
        new ProcessBuilder("jcmd", Long.toString(pid), "GC.run")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    if (!jcmd.waitFor(30, TimeUnit.SECONDS)) {
      jcmd.destroyForcibly();
    }
    PerfClient.sleep(500);
  }

  private static long rssKb(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D+", ""));
      }
    }
    throw new IOException("no VmRSS for pid " + pid);
  }
}
