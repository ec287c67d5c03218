package io.pulsarproxy.store.valkey;

import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import io.pulsarproxy.core.AppendResult;
import io.pulsarproxy.core.EntryId;
import io.pulsarproxy.core.NewMessage;
import io.pulsarproxy.core.Retention;
import io.pulsarproxy.core.RetentionPolicy;
import io.pulsarproxy.core.StoreUnavailableException;
import io.pulsarproxy.core.StoredMessage;
import io.pulsarproxy.core.TopicName;
import io.pulsarproxy.core.TopicStats;
import io.pulsarproxy.metrics.ProxyMetrics;
import io.pulsarproxy.store.ConsumerGroups;
import io.pulsarproxy.store.MessageStore;
import io.pulsarproxy.store.MessageTail;
import io.pulsarproxy.store.RetentionStorage;
import io.pulsarproxy.store.RevocationStorage;
import io.pulsarproxy.store.Trim;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import redis.clients.jedis.BuilderFactory;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.CommandObject;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.XTrimParams;
import redis.clients.jedis.resps.StreamEntry;
import redis.clients.jedis.util.KeyValue;
import redis.clients.jedis.util.SafeEncoder;

/**
 * Topics as Valkey Streams. An append is one call of the {@code append.lua} script, which checks
 * producer ids against their dedup keys, XADDs with approximate MAXLEN, trims by age and records
 * the dedup keys, atomically, so two racing producers of one message id cannot both store it.
 */
public final class ValkeyMessageStore implements MessageStore {
  private final Topology topology;
  private final UnifiedJedis client;
  private final Appender appender;
  private final EntryCodec codec;
  private final String announceChannel;
  private final RetentionPolicy retention;
  private final Duration dedupWindow;
  private final RetentionStorage retentionStorage;
  private final ValkeyThreads threads;
  private final RevocationStorage revocationStorage;
  private final Timer commands;
  private final Meter errors;
  private final ConsumerGroups groups;

  public ValkeyMessageStore(
      Topology topology,
      Appender appender,
      EntryCodec codec,
      RetentionPolicy retention,
      Duration dedupWindow,
      RetentionStorage retentionStorage,
      ValkeyThreads threads,
      RevocationStorage revocationStorage,
      MetricRegistry metrics) {
    this.topology = topology;
    this.client = topology.client();
    this.appender = appender;
    this.codec = codec;
    this.announceChannel = topology.announcements().orElse("");
    this.retention = retention;
    this.dedupWindow = dedupWindow;
    this.retentionStorage = retentionStorage;
    this.threads = threads;
    this.revocationStorage = revocationStorage;
    this.commands = metrics.timer(ProxyMetrics.STORE_COMMANDS);
    this.errors = metrics.meter(ProxyMetrics.STORE_ERRORS);
    this.groups = new ValkeyConsumerGroups(this, client, codec);
  }

  @Override
  public ConsumerGroups groups() {
    return groups;
  }

  @Override
  public List<AppendResult> append(TopicName topic, List<NewMessage> messages) {
    AppendCall append = appendCall(topic, messages);
    return append.results(call(() -> appender.append(append.keys(), append.args())));
  }

  /**
   * Where the append strategy allows it, the future completes from Valkey's reply: no request
   * thread waits for it.
   */
  @Override
  public CompletableFuture<List<AppendResult>> appendAsync(
      TopicName topic, List<NewMessage> messages) {
    if (!appendsAsynchronously()) {
      return MessageStore.super.appendAsync(topic, messages);
    }
    AppendCall append = appendCall(topic, messages);
    long start = System.nanoTime();
    return appender
        .appendAsync(append.keys(), append.args())
        .handle(
            (reply, failure) -> {
              commands.update(System.nanoTime() - start, TimeUnit.NANOSECONDS);
              if (failure == null) {
                return append.results(reply);
              }
              Throwable cause =
                  failure instanceof CompletionException && failure.getCause() != null
                      ? failure.getCause()
                      : failure;
              errors.mark();
              throw new StoreUnavailableException(
                  "Valkey at " + describe() + ": " + cause.getMessage(), cause);
            });
  }

  @Override
  public boolean appendsAsynchronously() {
    return appender.asynchronous();
  }

  /** One call of append.lua: its keys and arguments, and how to read its reply. */
  private record AppendCall(List<String> keys, List<String> args, List<NewMessage> messages) {
    List<AppendResult> results(Object raw) {
      List<?> reply = (List<?>) raw;
      List<AppendResult> results = new ArrayList<>(messages.size());
      for (int i = 0; i < messages.size(); i++) {
        EntryId id = EntryId.ofStored((String) reply.get(2 * i));
        boolean duplicate = ((Long) reply.get(2 * i + 1)) == 1L;
        results.add(new AppendResult(id, messages.get(i).messageId(), duplicate));
      }
      return results;
    }
  }

  private AppendCall appendCall(TopicName topic, List<NewMessage> messages) {
    List<String> keys = new ArrayList<>();
    keys.add(ValkeyKeys.stream(topic));
    Retention r = retention.forTopic(topic);
    List<String> args = new ArrayList<>(6 + messages.size() * 12);
    args.add(Long.toString(r.maxLength()));
    args.add(Long.toString(r.maxAge().toMillis()));
    args.add(Long.toString(dedupWindow.toMillis()));
    args.add(Integer.toString(messages.size()));
    args.add(announceChannel);
    args.add(topic.value());
    for (NewMessage m : messages) {
      if (m.deduplicate()) {
        keys.add(ValkeyKeys.dedup(topic, m.messageId()));
        args.add(Integer.toString(keys.size()));
      } else {
        args.add("0");
      }
      args.add(m.ttlSeconds() == null ? "0" : Long.toString(m.ttlSeconds()));
      List<String> fields = codec.fields(m);
      args.add(Integer.toString(fields.size()));
      args.addAll(fields);
    }
    return new AppendCall(keys, args, messages);
  }

  @Override
  public List<StoredMessage> read(TopicName topic, EntryId after, int limit) {
    String start = after.equals(EntryId.ZERO) ? "-" : "(" + after;
    List<StreamEntry> entries =
        call(() -> client.xrange(ValkeyKeys.stream(topic), start, "+", limit));
    List<StoredMessage> out = new ArrayList<>(entries.size());
    for (StreamEntry e : entries) {
      out.add(codec.decode(e));
    }
    return out;
  }

  @Override
  public MessageTail openTail() {
    return topology.openTail(codec, threads);
  }

  /** One XINFO STREAM: length, first entry, last generated id, and whether anything was trimmed. */
  @Override
  public TopicStats stats(TopicName topic) {
    String key = ValkeyKeys.stream(topic);
    return call(
        () -> {
          List<?> reply;
          try {
            reply =
                (List<?>)
                    client.executeCommand(
                        new CommandObject<>(
                            new CommandArguments(Protocol.Command.XINFO).add("STREAM").key(key),
                            BuilderFactory.RAW_OBJECT));
          } catch (JedisDataException e) {
            if (String.valueOf(e.getMessage()).contains("no such key")) {
              return TopicStats.EMPTY;
            }
            throw e;
          }
          Map<String, Object> info = new HashMap<>();
          if (!reply.isEmpty() && reply.get(0) instanceof KeyValue<?, ?>) {
            // RESP3: a map reply
            for (Object kv : reply) {
              KeyValue<?, ?> pair = (KeyValue<?, ?>) kv;
              info.put(SafeEncoder.encode((byte[]) pair.getKey()), pair.getValue());
            }
          } else {
            for (int i = 0; i + 1 < reply.size(); i += 2) {
              info.put(SafeEncoder.encode((byte[]) reply.get(i)), reply.get(i + 1));
            }
          }
          long length = (Long) info.get("length");
          // entries-added (Redis 7+, Valkey) counts every entry ever added: more than the length
          // means retention has trimmed some.
          boolean trimmed = (Long) info.get("entries-added") > length;
          EntryId last = idOrNull(info.get("last-generated-id"));
          Object first = info.get("first-entry");
          EntryId firstId = first instanceof List<?> entry ? idOrNull(entry.get(0)) : null;
          return new TopicStats(length, firstId, last, trimmed);
        });
  }

  private static EntryId idOrNull(Object raw) {
    if (raw == null) {
      return null;
    }
    EntryId id = EntryId.ofStored(SafeEncoder.encode((byte[]) raw));
    return id.equals(EntryId.ZERO) ? null : id;
  }

  @Override
  public Retention retention(TopicName topic) {
    return retention.forTopic(topic);
  }

  @Override
  public long trim(TopicName topic, Trim trim) {
    XTrimParams params =
        trim.maxLength() != null
            ? XTrimParams.xTrimParams().maxLen(trim.maxLength())
            : XTrimParams.xTrimParams().minId(trim.minId().toString());
    return call(() -> client.xtrim(ValkeyKeys.stream(topic), params));
  }

  @Override
  public RetentionStorage retentionStorage() {
    return retentionStorage;
  }

  @Override
  public RevocationStorage revocationStorage() {
    return revocationStorage;
  }

  @Override
  public void ping() {
    call(client::ping);
  }

  @Override
  public String describe() {
    return topology.description();
  }

  /** Runs a command with the store's timing and error mapping: any failure is 503-worthy. */
  <T> T call(Supplier<T> command) {
    long start = System.nanoTime();
    try {
      return command.get();
    } catch (JedisException e) {
      errors.mark();
      throw new StoreUnavailableException("Valkey at " + describe() + ": " + e.getMessage(), e);
    } finally {
      commands.update(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    }
  }
}
