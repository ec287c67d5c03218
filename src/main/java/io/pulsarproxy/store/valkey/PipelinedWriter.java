package io.pulsarproxy.store.valkey;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Group commit: commands that callers issue at the same time go to Valkey together. Each writer
 * thread takes every command waiting, queues them on one pipeline and reads all their replies in
 * one round trip, so under load a round trip carries dozens of appends instead of one; a lone
 * command waits for no one. A caller still gets its answer only after Valkey has replied to its own
 * command, so "acknowledged only once stored" holds as before.
 */
final class PipelinedWriter implements AutoCloseable {
  /** Bounds a round trip's size, so one batch cannot hold the next commands for long. */
  private static final int MAX_BATCH = 512;

  private final UnifiedJedis client;
  private final long timeoutNanos;
  private final BlockingQueue<Command<?>> queue = new LinkedBlockingQueue<>();
  private final Executor completer;
  private volatile boolean closed;

  /**
   * @param timeout how long a caller waits for a writer to take its command; once sent, the
   *     connection's own socket timeout bounds the wait for the reply
   */
  PipelinedWriter(UnifiedJedis client, java.time.Duration timeout, ValkeyThreads threads) {
    this.client = client;
    this.timeoutNanos = timeout.toNanos();
    this.completer = threads.replies();
    // One writer: it sends the next round trip while the replies thread completes the last.
    threads.writer().execute(this::writeLoop);
  }

  /**
   * Queues {@code command} on the next pipeline and waits for its reply.
   *
   * @throws JedisException the command failed, the connection did, or no reply came in time
   */
  <T> T execute(Function<AbstractPipeline, Response<T>> command) {
    if (closed) {
      throw new JedisException("the store is closed");
    }
    Command<T> c = new Command<>(command);
    queue.add(c);
    return c.await(timeoutNanos);
  }

  /**
   * Queues {@code command} on the next pipeline without waiting: the future completes on a writer
   * thread once Valkey has replied, or fails (with a {@link JedisException}) when the command
   * failed, or no writer took it within the timeout. Callers must not block in its completions.
   */
  <T> CompletableFuture<T> submit(Function<AbstractPipeline, Response<T>> command) {
    if (closed) {
      return CompletableFuture.failedFuture(new JedisException("the store is closed"));
    }
    Command<T> c = new Command<>(command);
    queue.add(c);
    return c.future;
  }

  private void writeLoop() {
    List<Command<?>> batch = new ArrayList<>();
    while (!closed) {
      try {
        Command<?> first = queue.poll(200, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, MAX_BATCH - 1);
        long now = System.nanoTime();
        // Callers that gave up before it was sent; asynchronous ones that waited too long fail
        // here, so no timer per command is needed (a writer is never blocked past the socket
        // timeout, so it gets here in time).
        batch.removeIf(c -> !c.claim() || c.failIfOlderThan(now - timeoutNanos));
        if (!batch.isEmpty()) {
          send(batch);
        }
      } catch (InterruptedException e) {
        return;
      } finally {
        batch.clear();
      }
    }
  }

  private void send(List<Command<?>> batch) {
    List<Runnable> completions = new ArrayList<>(batch.size());
    try (AbstractPipeline pipeline = client.pipelined()) {
      for (Command<?> c : batch) {
        completions.add(c.queueOn(pipeline));
      }
      pipeline.sync();
    } catch (RuntimeException e) {
      // The connection failed (or none was free): every command of this round trip fails alike.
      for (Command<?> c : batch) {
        c.future.completeExceptionally(e);
      }
      return;
    }
    // Completing answers the callers (an asynchronous publish writes its response here): on the
    // completer thread, so that this writer sends the next round trip meanwhile.
    completer.execute(() -> completions.forEach(Runnable::run));
  }

  @Override
  public void close() {
    closed = true; // the writer's loop ends within its poll interval
    JedisException closing = new JedisException("the store is closed");
    Command<?> c;
    while ((c = queue.poll()) != null) {
      c.future.completeExceptionally(closing);
    }
  }

  private static final class Command<T> {
    final Function<AbstractPipeline, Response<T>> queue;
    final CompletableFuture<T> future = new CompletableFuture<>();
    final long queuedNanos = System.nanoTime();

    /** Set by the writer that sends it, or by a caller giving up before that: never both. */
    final AtomicBoolean claimed = new AtomicBoolean();

    Command(Function<AbstractPipeline, Response<T>> queue) {
      this.queue = queue;
    }

    boolean claim() {
      return claimed.compareAndSet(false, true);
    }

    /** Fails a claimed command queued before {@code deadline}; true when it did. */
    boolean failIfOlderThan(long deadline) {
      if (queuedNanos - deadline >= 0) {
        return false;
      }
      future.completeExceptionally(
          new JedisException(
              "the store took no command for "
                  + (System.nanoTime() - queuedNanos) / 1_000_000
                  + " ms"));
      return true;
    }

    /** Queues the command; the returned action completes it once the pipeline has synced. */
    Runnable queueOn(AbstractPipeline pipeline) {
      Response<T> response = queue.apply(pipeline);
      return () -> {
        try {
          future.complete(response.get());
        } catch (RuntimeException e) {
          future.completeExceptionally(e);
        }
      };
    }

    T await(long timeoutNanos) {
      try {
        try {
          return future.get(timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
          if (claim()) {
            throw new JedisException(
                "the store took no command for " + timeoutNanos / 1_000_000 + " ms");
          }
          // Already sent: its connection's socket timeout bounds the reply.
          return future.get(timeoutNanos, TimeUnit.NANOSECONDS);
        }
      } catch (ExecutionException e) {
        if (e.getCause() instanceof RuntimeException cause) {
          throw cause;
        }
        throw new JedisException(e.getCause());
      } catch (TimeoutException e) {
        throw new JedisException("no reply from the store in time");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new JedisException("interrupted waiting for the store");
      }
    }
  }
}
