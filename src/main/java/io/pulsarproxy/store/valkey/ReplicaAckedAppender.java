package io.pulsarproxy.store.valkey;

import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import redis.clients.jedis.BuilderFactory;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.CommandObject;
import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPool;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.exceptions.JedisAskDataException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisMovedDataException;
import redis.clients.jedis.util.JedisClusterCRC16;
import redis.clients.jedis.util.Pool;

/**
 * {@code store.replicaAcks}: runs the append script and then {@code WAIT replicas timeout} on the
 * same connection (WAIT counts the writes of its own connection only), so that an append is
 * acknowledged only once that many replicas have it and a failover cannot lose it. Too few
 * acknowledgements fail the call: the publisher gets 503 and may retry with its message id, which
 * deduplicates if the entry did survive.
 */
final class ReplicaAckedAppender implements Appender {
  private final AppendScript script;
  private final int replicas;
  private final long timeoutMillis;
  private final Function<String, Connection> connectionForKey;
  private final RedisClusterClient cluster;

  private ReplicaAckedAppender(
      AppendScript script,
      int replicas,
      Duration timeout,
      Function<String, Connection> connectionForKey,
      RedisClusterClient cluster) {
    this.script = script;
    this.replicas = replicas;
    this.timeoutMillis = Math.max(1, timeout.toMillis());
    this.connectionForKey = connectionForKey;
    this.cluster = cluster;
  }

  /** For a client with one master: standalone or Sentinel (the pool of the current master). */
  static ReplicaAckedAppender single(
      AppendScript script, int replicas, Duration timeout, MasterPool pool) {
    return new ReplicaAckedAppender(
        script, replicas, timeout, key -> pool.get().getResource(), null);
  }

  /** For a cluster: the pool of the master owning the key's slot. */
  static ReplicaAckedAppender cluster(
      AppendScript script, int replicas, Duration timeout, RedisClusterClient cluster) {
    return new ReplicaAckedAppender(
        script,
        replicas,
        timeout,
        key -> cluster.getConnectionFromSlot(JedisClusterCRC16.getSlot(key)),
        cluster);
  }

  /** The pool of the one master, looked up per call: Sentinel replaces it on a failover. */
  interface MasterPool {
    Pool<Connection> get();
  }

  @Override
  public Object append(List<String> keys, List<String> args) {
    try (Connection c = connectionForKey.apply(keys.get(0))) {
      return evalAndWait(c, false, keys, args);
    } catch (JedisAskDataException e) {
      // The slot is being migrated and the key is already on the importing node.
      ConnectionPool pool = cluster.getClusterNodes().get(e.getTargetNode().toString());
      if (pool == null) {
        throw e;
      }
      try (Connection c = pool.getResource()) {
        return evalAndWait(c, true, keys, args);
      }
    } catch (JedisMovedDataException e) {
      if (cluster != null) {
        cluster.refreshClusterTopology();
      }
      throw e;
    }
  }

  private Object evalAndWait(Connection c, boolean asking, List<String> keys, List<String> args) {
    Object reply =
        script.call(
            call ->
                evalOn(
                    c,
                    asking,
                    call.bySha() ? Protocol.Command.EVALSHA : Protocol.Command.EVAL,
                    call.scriptOrSha(),
                    keys,
                    args));
    long acked =
        c.executeCommand(
            new CommandObject<>(
                new CommandArguments(Protocol.Command.WAIT).add(replicas).add(timeoutMillis),
                BuilderFactory.LONG));
    if (acked < replicas) {
      throw new JedisDataException(
          "the append reached "
              + acked
              + " of the "
              + replicas
              + " replicas store.replicaAcks asks for within "
              + timeoutMillis
              + " ms; it may or may not survive a failover");
    }
    return reply;
  }

  private static Object evalOn(
      Connection c,
      boolean asking,
      Protocol.Command command,
      String scriptOrSha,
      List<String> keys,
      List<String> args) {
    if (asking) {
      c.executeCommand(
          new CommandObject<>(
              new CommandArguments(Protocol.Command.ASKING), BuilderFactory.STRING));
    }
    CommandArguments arguments = new CommandArguments(command).add(scriptOrSha).add(keys.size());
    for (String key : keys) {
      arguments.key(key);
    }
    for (String arg : args) {
      arguments.add(arg);
    }
    return c.executeCommand(new CommandObject<>(arguments, BuilderFactory.ENCODED_OBJECT));
  }
}
