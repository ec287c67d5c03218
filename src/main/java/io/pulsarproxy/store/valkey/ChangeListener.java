package io.pulsarproxy.store.valkey;

import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;

/**
 * Listens on one pub/sub channel with a connection of its own, reconnecting after a failure, and
 * runs {@code onChange} for every announcement and on every (re)subscribe, so what was announced
 * while it was away is caught up on. The retention and revocation storages listen this way.
 */
final class ChangeListener implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ChangeListener.class);

  private final Supplier<Jedis> connections;
  private final String channel;
  private final Executor loops;
  private volatile boolean running;
  private volatile Jedis subscriber;

  ChangeListener(Supplier<Jedis> connections, String channel, Executor loops) {
    this.connections = connections;
    this.channel = channel;
    this.loops = loops;
  }

  /** Starts listening on the loops executor until {@link #close()}. */
  void start(Runnable onChange) {
    running = true;
    loops.execute(
        () -> {
          while (running) {
            try (Jedis connection = connections.get()) {
              subscriber = connection;
              connection.subscribe(
                  new JedisPubSub() {
                    @Override
                    public void onMessage(String from, String message) {
                      onChange.run();
                    }

                    @Override
                    public void onSubscribe(String to, int count) {
                      onChange.run(); // catch up on what was announced while away
                    }
                  },
                  channel);
            } catch (RuntimeException e) {
              if (running) {
                LOG.debug("Listener on {} reconnecting: {}", channel, e.getMessage());
                pause();
              }
            }
          }
        });
  }

  @Override
  public void close() {
    running = false;
    Jedis s = subscriber;
    if (s != null) {
      try {
        s.disconnect();
      } catch (RuntimeException e) {
        // closing anyway
      }
    }
  }

  private static void pause() {
    try {
      Thread.sleep(1_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
