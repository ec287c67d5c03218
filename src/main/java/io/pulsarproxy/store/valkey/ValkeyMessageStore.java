package io.pulsarproxy.store.valkey;

import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import io.pulsarproxy.store.MessageStore;
import io.pulsarproxy.store.MessageTail;
import io.pulsarproxy.store.RetentionStorage;
import io.pulsarproxy.store.Trim;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.BuilderFactory;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.CommandObject;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisNoScriptException;
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
  static final String FIELD_MESSAGE_ID = "mid";
  static final String FIELD_PAYLOAD = "p";
  static final String FIELD_METADATA = "md";
  static final String FIELD_KEY = "k";
  static final String FIELD_EXPIRES = "x";

  private static final TypeReference<Map<String, String>> METADATA_TYPE = new TypeReference<>() {};
  private static final Logger LOG = LoggerFactory.getLogger(ValkeyMessageStore.class);

  private final UnifiedJedis client;
  private final PipelinedWriter writer;
  private final Function<Function<StreamEntry, StoredMessage>, MessageTail> tails;
  private final ReplicaAcks replicaAcks;
  private final String announceChannel;
  private final ObjectMapper json;
  private final RetentionPolicy retention;
  private final RetentionStorage retentionStorage;
  private final Timer commands;
  private final Meter errors;
  private final Duration dedupWindow;
  private final String description;
  private final String appendScript;
  private final String appendSha;

  public ValkeyMessageStore(
      UnifiedJedis client,
      PipelinedWriter writer,
      Function<Function<StreamEntry, StoredMessage>, MessageTail> tails,
      ReplicaAcks replicaAcks,
      String announceChannel,
      ObjectMapper json,
      RetentionPolicy retention,
      Duration dedupWindow,
      String description,
      RetentionStorage retentionStorage,
      MetricRegistry metrics) {
    this.client = client;
    this.writer = writer;
    this.tails = tails;
    this.replicaAcks = replicaAcks;
    this.announceChannel = announceChannel;
    this.json = json;
    this.retention = retention;
    this.retentionStorage = retentionStorage;
    this.commands = metrics.timer(ProxyMetrics.STORE_COMMANDS);
    this.errors = metrics.meter(ProxyMetrics.STORE_ERRORS);
    this.dedupWindow = dedupWindow;
    this.description = description;
    this.appendScript = loadResource("append.lua");
    this.appendSha = sha1Hex(appendScript);
  }

  /** Loads the scripts into the server's cache; later calls fall back to EVAL if it was flushed. */
  void loadScripts() {
    call(() -> client.scriptLoad(appendScript));
  }

  @Override
  public List<AppendResult> append(TopicName topic, List<NewMessage> messages) {
    AppendCall append = appendCall(topic, messages);
    return append.results(call(() -> evalAppend(append.keys(), append.args())));
  }

  /**
   * Without replica acks, the append rides the next pipeline and the future completes on the writer
   * thread from Valkey's reply: no request thread waits for it.
   */
  @Override
  public CompletableFuture<List<AppendResult>> appendAsync(
      TopicName topic, List<NewMessage> messages) {
    if (!appendsAsynchronously()) {
      return MessageStore.super.appendAsync(topic, messages);
    }
    AppendCall append = appendCall(topic, messages);
    long start = System.nanoTime();
    return writer
        .submit(pipeline -> pipeline.evalsha(appendSha, append.keys(), append.args()))
        .handle(
            (reply, failure) -> {
              commands.update(System.nanoTime() - start, TimeUnit.NANOSECONDS);
              if (failure == null) {
                return append.results(reply);
              }
              if (failure instanceof JedisNoScriptException) {
                // The script cache was flushed (a restart): once, on this writer thread.
                return append.results(
                    call(() -> client.eval(appendScript, append.keys(), append.args())));
              }
              errors.mark();
              throw new StoreUnavailableException(
                  "Valkey at " + description + ": " + failure.getMessage(), failure);
            });
  }

  @Override
  public boolean appendsAsynchronously() {
    return writer != null && replicaAcks == null;
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
    args.add(announceChannel == null ? "" : announceChannel);
    args.add(topic.value());
    for (NewMessage m : messages) {
      if (m.deduplicate()) {
        keys.add(ValkeyKeys.dedup(topic, m.messageId()));
        args.add(Integer.toString(keys.size()));
      } else {
        args.add("0");
      }
      args.add(m.ttlSeconds() == null ? "0" : Long.toString(m.ttlSeconds()));
      List<String> fields = fields(m);
      args.add(Integer.toString(fields.size()));
      args.addAll(fields);
    }
    return new AppendCall(keys, args, messages);
  }

  /**
   * Appends of concurrent requests share round trips through the {@link PipelinedWriter} where
   * there is one; with {@code replicaAcks} each append waits for its replicas on its own
   * connection.
   */
  private Object evalAppend(List<String> keys, List<String> args) {
    if (replicaAcks != null) {
      return replicaAcks.eval(appendSha, appendScript, keys, args);
    }
    try {
      return writer != null
          ? writer.execute(pipeline -> pipeline.evalsha(appendSha, keys, args))
          : client.evalsha(appendSha, keys, args);
    } catch (JedisNoScriptException e) {
      // The server restarted or its script cache was flushed: EVAL caches it again.
      return client.eval(appendScript, keys, args);
    }
  }

  private List<String> fields(NewMessage m) {
    List<String> fields = new ArrayList<>(8);
    fields.add(FIELD_MESSAGE_ID);
    fields.add(m.messageId());
    fields.add(FIELD_PAYLOAD);
    fields.add(m.payload());
    if (!m.metadata().isEmpty()) {
      fields.add(FIELD_METADATA);
      try {
        fields.add(json.writeValueAsString(m.metadata()));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("a map of strings always serialises", e);
      }
    }
    if (m.key() != null) {
      fields.add(FIELD_KEY);
      fields.add(m.key());
    }
    return fields;
  }

  @Override
  public List<StoredMessage> read(TopicName topic, EntryId after, int limit) {
    String start = after.equals(EntryId.ZERO) ? "-" : "(" + after;
    List<StreamEntry> entries =
        call(() -> client.xrange(ValkeyKeys.stream(topic), start, "+", limit));
    List<StoredMessage> out = new ArrayList<>(entries.size());
    for (StreamEntry e : entries) {
      out.add(decode(e));
    }
    return out;
  }

  /**
   * Decodes an entry, tolerating ones this proxy did not write (a manual XADD, say): a missing or
   * unreadable field becomes empty rather than an exception that would stop the follower on it.
   */
  StoredMessage decode(StreamEntry entry) {
    Map<String, String> f = entry.getFields();
    Map<String, String> metadata = Map.of();
    String encodedMetadata = f.get(FIELD_METADATA);
    if (encodedMetadata != null) {
      try {
        metadata = json.readValue(encodedMetadata, METADATA_TYPE);
      } catch (JsonProcessingException | RuntimeException e) {
        LOG.warn("Entry {} has unreadable metadata; delivering it without", entry.getID());
      }
    }
    Long expires = null;
    String x = f.get(FIELD_EXPIRES);
    if (x != null) {
      try {
        expires = Long.valueOf(x);
      } catch (NumberFormatException e) {
        LOG.warn("Entry {} has an unreadable expiry; delivering it as not expiring", entry.getID());
      }
    }
    String payload = f.get(FIELD_PAYLOAD);
    String messageId = f.get(FIELD_MESSAGE_ID);
    return new StoredMessage(
        new EntryId(entry.getID().getTime(), entry.getID().getSequence()),
        messageId == null ? "" : messageId,
        // Only an entry this proxy did not write (no message id) needs its payload checked.
        payload == null || (messageId == null && !isJson(payload)) ? "null" : payload,
        metadata,
        f.get(FIELD_KEY),
        expires);
  }

  /** Payloads are embedded verbatim in frames, so one this proxy did not write must be JSON. */
  private boolean isJson(String text) {
    try {
      json.readTree(text);
      return true;
    } catch (JsonProcessingException e) {
      LOG.warn("An entry has a payload that is not JSON; delivering null instead");
      return false;
    }
  }

  @Override
  public MessageTail openTail() {
    return tails.apply(this::decode);
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
  public void ping() {
    call(client::ping);
  }

  @Override
  public String describe() {
    return description;
  }

  private <T> T call(Supplier<T> command) {
    long start = System.nanoTime();
    try {
      return command.get();
    } catch (JedisException e) {
      errors.mark();
      throw new StoreUnavailableException("Valkey at " + description + ": " + e.getMessage(), e);
    } finally {
      commands.update(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    }
  }

  private static String loadResource(String name) {
    try (InputStream in = ValkeyMessageStore.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String sha1Hex(String text) {
    try {
      byte[] digest =
          java.security.MessageDigest.getInstance("SHA-1")
              .digest(text.getBytes(StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(digest);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-1", e);
    }
  }
}
