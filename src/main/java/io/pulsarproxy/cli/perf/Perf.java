package io.pulsarproxy.cli.perf;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import net.sourceforge.argparse4j.inf.Namespace;

/** Runs one perf scenario from parsed arguments and prints its report. */
public final class Perf {
  private final ObjectMapper json;
  private final PrintStream out;
  private final PrintStream progress;

  public Perf(ObjectMapper json, PrintStream out, PrintStream progress) {
    this.json = json;
    this.out = out;
    this.progress = progress;
  }

  public void run(Namespace ns) throws Exception {
    try (PerfClient client =
        new PerfClient(URI.create(ns.getString("url")), ns.getString("token"))) {
      Report report =
          switch (ns.getString("scenario")) {
            case "publish" ->
                new PublishScenario(URI.create(ns.getString("url")), client.token(), progress)
                    .run(
                        new PublishScenario.Options(
                            connections(ns, 32),
                            Math.max(1, ns.getInt("topics")),
                            Duration.ofSeconds(ns.getInt("duration")),
                            ns.getInt("size"),
                            Math.max(1, ns.getInt("batch")),
                            ns.getBoolean("noop")));
            case "fanout" ->
                new FanoutScenario(client, progress)
                    .run(
                        new FanoutScenario.Options(
                            ns.getInt("subscribers"),
                            ns.getInt("topics"),
                            ns.getDouble("rate"),
                            Duration.ofSeconds(ns.getInt("duration")),
                            ns.getInt("size"),
                            "msgpack".equals(ns.getString("frames"))));
            case "connections" ->
                new ConnectionsScenario(client, progress)
                    .run(
                        new ConnectionsScenario.Options(
                            connections(ns, 1000),
                            Math.max(1, ns.getInt("topics")),
                            ns.getLong("server_pid"),
                            Duration.ofSeconds(ns.getInt("hold"))));
            case "resume" ->
                new ResumeScenario(client, progress)
                    .run(
                        new ResumeScenario.Options(
                            ns.getInt("subscribers"), ns.getInt("missed"), ns.getInt("size")));
            case "group" ->
                new GroupScenario(client, json, progress)
                    .run(
                        new GroupScenario.Options(
                            Math.max(1, ns.getInt("consumers")),
                            ns.getString("mode"),
                            ns.getInt("messages"),
                            ns.getDouble("rate"),
                            Duration.ofSeconds(ns.getInt("duration")),
                            ns.getInt("size"),
                            ns.getInt("prefetch"),
                            Math.max(1, ns.getInt("ack_batch"))));
            case "drain" ->
                new DrainScenario(client, progress)
                    .run(
                        new DrainScenario.Options(
                            connections(ns, 1000),
                            Math.max(1, ns.getInt("topics")),
                            ns.getDouble("rate"),
                            Duration.ofSeconds(ns.getInt("window")),
                            URI.create(ns.getString("failover_url")),
                            URI.create(ns.getString("admin_url")),
                            ns.getInt("size")));
            default -> throw new IllegalArgumentException(ns.getString("scenario"));
          };
      out.println(ns.getBoolean("json") ? json.writeValueAsString(report.asMap()) : report.text());
    }
  }

  private static int connections(Namespace ns, int scenarioDefault) {
    Integer given = ns.getInt("connections");
    return given == null ? scenarioDefault : given;
  }
}
