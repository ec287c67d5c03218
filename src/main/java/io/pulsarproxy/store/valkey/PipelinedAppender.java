package io.pulsarproxy.store.valkey;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * Group commit: concurrent appends share the round trips of one connection ({@link
 * PipelinedWriter}), and an asynchronous append completes from Valkey's reply, so no request thread
 * waits for it.
 */
final class PipelinedAppender implements Appender {
  private final PipelinedWriter writer;
  private final UnifiedJedis client;
  private final AppendScript script;

  PipelinedAppender(PipelinedWriter writer, UnifiedJedis client, AppendScript script) {
    this.writer = writer;
    this.client = client;
    this.script = script;
  }

  @Override
  public Object append(List<String> keys, List<String> args) {
    return script.call(
        call ->
            call.bySha()
                ? writer.execute(pipeline -> pipeline.evalsha(call.scriptOrSha(), keys, args))
                : client.eval(call.scriptOrSha(), keys, args));
  }

  @Override
  public CompletableFuture<Object> appendAsync(List<String> keys, List<String> args) {
    return writer
        .submit(pipeline -> pipeline.evalsha(script.sha(), keys, args))
        .handle(
            (reply, failure) -> {
              if (failure == null) {
                return reply;
              }
              if (failure instanceof JedisNoScriptException) {
                // The script cache was flushed (a restart): once, on the replies thread.
                return Appender.direct(client, script, keys, args);
              }
              throw failure instanceof CompletionException c ? c : new CompletionException(failure);
            });
  }

  @Override
  public boolean asynchronous() {
    return true;
  }

  @Override
  public void close() {
    writer.close();
  }
}
