package io.pulsarproxy.testing;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * A Valkey Cluster of the test's own on loopback: {@code masters} servers started with {@code
 * --cluster-enabled yes}, the 16384 slots split evenly, joined with CLUSTER MEET, and optionally
 * one replica per master. Set up with plain commands (no redis-cli, which CI may lack).
 */
public final class ValkeyTestCluster implements AfterAllCallback, AutoCloseable {
  public static final int SLOTS = 16384;
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

  private final List<ValkeyTestServer> masters = new ArrayList<>();
  private final List<ValkeyTestServer> replicas = new ArrayList<>();

  public ValkeyTestCluster(int masterCount, boolean withReplicas) {
    try {
      for (int i = 0; i < masterCount; i++) {
        masters.add(node());
        if (withReplicas) {
          replicas.add(node());
        }
      }
      int per = SLOTS / masterCount;
      for (int i = 0; i < masterCount; i++) {
        int from = i * per;
        int to = i == masterCount - 1 ? SLOTS - 1 : from + per - 1;
        try (Jedis j = jedis(masters.get(i))) {
          j.sendCommand(
              () -> "CLUSTER".getBytes(),
              "ADDSLOTSRANGE",
              Integer.toString(from),
              Integer.toString(to));
        }
      }
      try (Jedis first = jedis(masters.get(0))) {
        for (ValkeyTestServer s : all()) {
          if (s != masters.get(0)) {
            first.clusterMeet("127.0.0.1", s.port());
          }
        }
      }
      awaitAllKnown();
      for (int i = 0; i < replicas.size(); i++) {
        String masterId = nodeId(masters.get(i));
        try (Jedis r = jedis(replicas.get(i))) {
          r.clusterReplicate(masterId);
        }
      }
      awaitOk();
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(this::close));
  }

  private static ValkeyTestServer node() {
    return new ValkeyTestServer(
        "--cluster-enabled",
        "yes",
        "--cluster-config-file",
        "nodes.conf",
        "--cluster-node-timeout",
        "2000",
        // A test cluster stays up with a shard missing, so the others keep serving.
        "--cluster-require-full-coverage",
        "no");
  }

  /** host:port of every master, comma-separated: the seeds for {@code store.nodes}. */
  public String seeds() {
    List<String> out = new ArrayList<>();
    for (ValkeyTestServer m : masters) {
      out.add("127.0.0.1:" + m.port());
    }
    return String.join(",", out);
  }

  public List<ValkeyTestServer> masters() {
    return masters;
  }

  public List<ValkeyTestServer> replicas() {
    return replicas;
  }

  public static Jedis jedis(ValkeyTestServer s) {
    return new Jedis(new HostAndPort("127.0.0.1", s.port()));
  }

  public static String nodeId(ValkeyTestServer s) {
    try (Jedis j = jedis(s)) {
      return j.clusterMyId();
    }
  }

  public static int slotOfTopic(String topic) {
    return JedisClusterCRC16.getSlot("pp:{" + topic + "}:stream");
  }

  /** The master serving a slot now: the live master whose own CLUSTER NODES line lists it. */
  public ValkeyTestServer ownerOf(int slot) {
    for (ValkeyTestServer m : all()) {
      try (Jedis j = jedis(m)) {
        String myself =
            j.clusterNodes().lines().filter(l -> l.contains("myself")).findFirst().orElse("");
        String[] fields = myself.split(" ");
        for (int i = 8; i < fields.length; i++) {
          if (fields[i].startsWith("[")) {
            continue; // a migration in progress
          }
          String[] range = fields[i].split("-");
          int from = Integer.parseInt(range[0]);
          int to = range.length > 1 ? Integer.parseInt(range[1]) : from;
          if (slot >= from && slot <= to) {
            return m;
          }
        }
      } catch (RuntimeException e) {
        // that node is down; ask the next
      }
    }
    throw new IllegalStateException("no owner for slot " + slot);
  }

  /**
   * Moves one slot, keys and all, the way an operator's resharding does: IMPORTING / MIGRATING,
   * MIGRATE of every key, then SETSLOT NODE everywhere.
   */
  public void migrateSlot(int slot, ValkeyTestServer from, ValkeyTestServer to) {
    String fromId = nodeId(from);
    String toId = nodeId(to);
    try (Jedis source = jedis(from);
        Jedis target = jedis(to)) {
      target.clusterSetSlotImporting(slot, fromId);
      source.clusterSetSlotMigrating(slot, toId);
      while (true) {
        List<String> keys = source.clusterGetKeysInSlot(slot, 100);
        if (keys.isEmpty()) {
          break;
        }
        List<String> args =
            new ArrayList<>(
                List.of("127.0.0.1", Integer.toString(to.port()), "", "0", "5000", "KEYS"));
        args.addAll(keys);
        source.sendCommand(() -> "MIGRATE".getBytes(), args.toArray(String[]::new));
      }
      target.clusterSetSlotNode(slot, toId);
      source.clusterSetSlotNode(slot, toId);
    }
    for (ValkeyTestServer m : masters) {
      if (m != from && m != to) {
        try (Jedis j = jedis(m)) {
          j.clusterSetSlotNode(slot, toId);
        }
      }
    }
  }

  private List<ValkeyTestServer> all() {
    List<ValkeyTestServer> all = new ArrayList<>(masters);
    all.addAll(replicas);
    return all;
  }

  private void awaitAllKnown() {
    int expected = all().size();
    await()
        .alias("cluster nodes never met")
        .atMost(READY_TIMEOUT)
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              boolean ok = true;
              for (ValkeyTestServer s : all()) {
                try (Jedis j = jedis(s)) {
                  long known =
                      j.clusterNodes().lines().filter(l -> !l.contains("handshake")).count();
                  ok &= known == expected;
                }
              }
              return ok;
            });
  }

  private void awaitOk() {
    await()
        .alias("cluster never became ok")
        .atMost(READY_TIMEOUT)
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              boolean ok = true;
              for (ValkeyTestServer s : all()) {
                try (Jedis j = jedis(s)) {
                  ok &= j.clusterInfo().contains("cluster_state:ok");
                  ok &= j.clusterInfo().contains("cluster_slots_assigned:" + SLOTS);
                }
              }
              for (ValkeyTestServer r : replicas) {
                try (Jedis j = jedis(r)) {
                  ok &= j.info("replication").contains("master_link_status:up");
                }
              }
              return ok;
            });
  }

  @Override
  public void afterAll(ExtensionContext context) {
    close();
  }

  @Override
  public void close() {
    for (ValkeyTestServer s : all()) {
      s.close();
    }
  }
}
