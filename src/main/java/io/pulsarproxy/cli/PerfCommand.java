package io.pulsarproxy.cli;

import io.dropwizard.core.cli.Command;
import io.dropwizard.core.setup.Bootstrap;
import io.pulsarproxy.cli.perf.Perf;
import net.sourceforge.argparse4j.impl.Arguments;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/**
 * {@code perf <scenario>}: drives a running proxy over its real HTTP and WebSocket API and reports
 * throughput, latency and correctness. See docs/performance.md.
 */
public final class PerfCommand extends Command {
  public PerfCommand() {
    super(
        "perf",
        "Load-test a running proxy (scenarios: publish, fanout, connections, resume, drain, group)");
  }

  @Override
  public void configure(Subparser p) {
    p.addArgument("scenario")
        .choices("publish", "fanout", "connections", "resume", "drain", "group")
        .help("what to measure");
    p.addArgument("--url").setDefault("http://127.0.0.1:8080").help("the proxy's API base URL");
    p.addArgument("--token")
        .setDefault(System.getenv().getOrDefault("PP_TOKEN", "pp-dev-token"))
        .help("bearer token (default: $PP_TOKEN, else the development token)");
    p.addArgument("--subscribers").type(Integer.class).setDefault(100);
    p.addArgument("--topics").type(Integer.class).setDefault(1);
    p.addArgument("--rate").type(Double.class).setDefault(50.0).help("messages per second");
    p.addArgument("--duration").type(Integer.class).setDefault(20).help("seconds");
    p.addArgument("--size").type(Integer.class).setDefault(200).help("payload bytes");
    p.addArgument("--frames")
        .choices("json", "msgpack")
        .setDefault("json")
        .help("fanout: the subscribers' frames (pp.v1.json or the pp.v1.msgpack subprotocol)");
    p.addArgument("--missed").type(Integer.class).setDefault(1000).help("resume: messages missed");
    p.addArgument("--connections")
        .type(Integer.class)
        .help(
            "publish: keep-alive connections (default 32); connections, drain: subscribers (1000)");
    p.addArgument("--batch")
        .type(Integer.class)
        .setDefault(1)
        .help("publish: messages per request (more than 1 uses the batch endpoint)");
    p.addArgument("--noop")
        .action(Arguments.storeTrue())
        .help("publish: post to the no-op endpoint (operations.noopEndpoint) for a baseline");
    p.addArgument("--server-pid").type(Long.class).help("server pid, for memory per connection");
    p.addArgument("--hold").type(Integer.class).setDefault(0).help("seconds to hold connections");
    p.addArgument("--failover-url")
        .setDefault("http://127.0.0.1:8090")
        .help("drain: the instance clients move to");
    p.addArgument("--admin-url")
        .setDefault("http://127.0.0.1:8081")
        .help("drain: the drained instance's admin port ($PP_ADMIN_TOKEN if it needs a token)");
    p.addArgument("--window").type(Integer.class).setDefault(10).help("drain: window seconds");
    p.addArgument("--consumers").type(Integer.class).setDefault(4).help("group: consumers");
    p.addArgument("--mode")
        .choices("backlog", "live")
        .setDefault("backlog")
        .help("group: drain a pre-filled backlog, or follow a publisher at --rate");
    p.addArgument("--messages")
        .type(Integer.class)
        .setDefault(200_000)
        .help("group backlog: messages to pre-fill");
    p.addArgument("--prefetch").type(Integer.class).setDefault(500).help("group: per consumer");
    p.addArgument("--ack-batch")
        .type(Integer.class)
        .setDefault(100)
        .help("group: ids per ack frame at most");
    p.addArgument("--json").action(Arguments.storeTrue()).help("one JSON line on stdout");
  }

  @Override
  public void run(Bootstrap<?> bootstrap, Namespace ns) throws Exception {
    new Perf(bootstrap.getObjectMapper(), System.out, System.err).run(ns);
  }
}
