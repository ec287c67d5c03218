package io.pulsarproxy.store.valkey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pulsarproxy.testing.ValkeyTestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisException;

/** Group commit against a real server: every caller gets its own reply, in order, or a failure. */
class PipelinedWriterTest {
  @RegisterExtension static final ValkeyTestServer VALKEY = new ValkeyTestServer();

  private final ExecutorService writerThread = Executors.newSingleThreadExecutor();
  private final ExecutorService repliesThread = Executors.newSingleThreadExecutor();
  private final ExecutorService loops = Executors.newCachedThreadPool();
  private final RedisClient client = RedisClient.create(VALKEY.url());

  private PipelinedWriter writer(Duration timeout) {
    return new PipelinedWriter(
        client, timeout, new ValkeyThreads(writerThread, repliesThread, loops));
  }

  @AfterEach
  void stopThreads() {
    writerThread.shutdownNow();
    repliesThread.shutdownNow();
    loops.shutdownNow();
    client.close();
  }

  @Test
  void concurrentCommandsEachGetTheirOwnReplyInOrder() throws Exception {
    PipelinedWriter writer = writer(Duration.ofSeconds(2));
    String key = "pw:" + System.nanoTime();
    List<CompletableFuture<Long>> replies = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      replies.add(writer.submit(pipeline -> pipeline.incr(key)));
    }
    for (int i = 0; i < replies.size(); i++) {
      // INCR answers the count so far: the commands reached the server in the order queued.
      assertEquals(i + 1L, replies.get(i).get(10, TimeUnit.SECONDS));
    }
    long last = writer.execute(pipeline -> pipeline.incr(key));
    assertEquals(2_001L, last);
    writer.close();
  }

  @Test
  void aFailedCommandFailsOnlyItsCaller() throws Exception {
    PipelinedWriter writer = writer(Duration.ofSeconds(2));
    String key = "pw:" + System.nanoTime();
    client.set(key, "not a number");
    CompletableFuture<Long> bad = writer.submit(pipeline -> pipeline.incr(key));
    CompletableFuture<String> good = writer.submit(pipeline -> pipeline.get(key));
    ExecutionException failed =
        assertThrows(ExecutionException.class, () -> bad.get(10, TimeUnit.SECONDS));
    assertTrue(failed.getCause() instanceof JedisException, failed.toString());
    assertEquals("not a number", good.get(10, TimeUnit.SECONDS));
    writer.close();
  }

  @Test
  void aClosedWriterRefusesAtOnce() {
    PipelinedWriter writer = writer(Duration.ofSeconds(2));
    writer.close();
    CompletableFuture<String> late = writer.submit(pipeline -> pipeline.get("pw:none"));
    assertTrue(late.isCompletedExceptionally());
    assertThrows(JedisException.class, () -> writer.execute(pipeline -> pipeline.get("pw:none")));
  }
}
