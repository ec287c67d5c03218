package io.pulsarproxy.store.memory;

import io.pulsarproxy.core.AppendResult;
import io.pulsarproxy.core.EntryId;
import io.pulsarproxy.core.NewMessage;
import io.pulsarproxy.core.Retention;
import io.pulsarproxy.core.RetentionPolicy;
import io.pulsarproxy.core.StoredMessage;
import io.pulsarproxy.core.TopicName;
import io.pulsarproxy.core.TopicStats;
import io.pulsarproxy.store.ConsumerGroups;
import io.pulsarproxy.store.MessageStore;
import io.pulsarproxy.store.MessageTail;
import io.pulsarproxy.store.RetentionStorage;
import io.pulsarproxy.store.RevocationStorage;
import io.pulsarproxy.store.Trim;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;

/**
 * The embedded store: one sorted map per topic, ids generated the way Valkey does. Nothing survives
 * a restart and nothing is shared between instances; it exists for development and tests. Trimming
 * is exact.
 */
public final class MemoryMessageStore implements MessageStore {
  private final Map<TopicName, TopicLog> topics = new ConcurrentHashMap<>();
  // Tails wait on this monitor; every append notifies it.
  private final Object appended = new Object();
  private final Clock clock;
  private final RetentionPolicy retention;
  private final RetentionStorage retentionStorage = new InProcessRetentionStorage();
  private final RevocationStorage revocationStorage = new InProcessRevocationStorage();
  private final Duration dedupWindow;
  private final ConsumerGroups groups;

  public MemoryMessageStore(Clock clock, RetentionPolicy retention, Duration dedupWindow) {
    this.clock = clock;
    this.retention = retention;
    this.dedupWindow = dedupWindow;
    this.groups = new MemoryConsumerGroups(this, clock);
  }

  @Override
  public ConsumerGroups groups() {
    return groups;
  }

  /** Appends are in-memory work that never waits on I/O. */
  @Override
  public boolean appendsAsynchronously() {
    return true;
  }

  @Override
  public List<AppendResult> append(TopicName topic, List<NewMessage> messages) {
    TopicLog log = topics.computeIfAbsent(topic, t -> new TopicLog());
    synchronized (log) {
      long now = clock.millis();
      log.forgetExpiredDedup(now);
      List<AppendResult> results = new ArrayList<>(messages.size());
      for (NewMessage message : messages) {
        Dedup seen = message.deduplicate() ? log.dedup.get(message.messageId()) : null;
        if (seen != null) {
          results.add(new AppendResult(seen.id(), message.messageId(), true));
          continue;
        }
        EntryId id = log.nextId(now);
        Long expiresAt = message.ttlSeconds() == null ? null : now + message.ttlSeconds() * 1000;
        log.entries.put(
            id,
            new StoredMessage(
                id,
                message.messageId(),
                message.payload(),
                message.metadata(),
                message.key(),
                expiresAt));
        if (message.deduplicate()) {
          log.dedup.put(message.messageId(), new Dedup(id, now + dedupWindow.toMillis()));
        }
        results.add(new AppendResult(id, message.messageId(), false));
      }
      log.trim(retention.forTopic(topic), now);
      signalAppended();
      return results;
    }
  }

  private void signalAppended() {
    synchronized (appended) {
      appended.notifyAll();
    }
  }

  @Override
  public List<StoredMessage> read(TopicName topic, EntryId after, int limit) {
    TopicLog log = topics.get(topic);
    if (log == null) {
      return List.of();
    }
    List<StoredMessage> out = new ArrayList<>(Math.min(limit, 256));
    for (StoredMessage m : log.entries.tailMap(after, false).values()) {
      if (out.size() == limit) {
        break;
      }
      out.add(m);
    }
    return out;
  }

  @Override
  public TopicStats stats(TopicName topic) {
    TopicLog log = topics.get(topic);
    if (log == null) {
      return TopicStats.EMPTY;
    }
    synchronized (log) {
      boolean trimmed = log.trimmed;
      if (log.entries.isEmpty()) {
        return new TopicStats(0, null, log.lastId, trimmed);
      }
      return new TopicStats(log.size, log.entries.firstKey(), log.lastId, trimmed);
    }
  }

  @Override
  public Retention retention(TopicName topic) {
    return retention.forTopic(topic);
  }

  @Override
  public long trim(TopicName topic, Trim trim) {
    TopicLog log = topics.get(topic);
    if (log == null) {
      return 0;
    }
    synchronized (log) {
      long removed = 0;
      while (!log.entries.isEmpty()
          && (trim.maxLength() != null
              ? log.size > trim.maxLength()
              : log.entries.firstKey().compareTo(trim.minId()) < 0)) {
        log.entries.pollFirstEntry();
        log.size--;
        log.trimmed = true;
        removed++;
      }
      return removed;
    }
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
  public MessageTail openTail() {
    return new MessageTail() {
      private boolean wakeUp;

      @Override
      public Map<TopicName, List<StoredMessage>> read(
          Map<TopicName, EntryId> after, int countPerTopic, Duration maxWait) {
        long deadline = System.nanoTime() + maxWait.toNanos();
        synchronized (appended) {
          while (true) {
            Map<TopicName, List<StoredMessage>> found = new HashMap<>();
            after.forEach(
                (topic, position) -> {
                  List<StoredMessage> entries = read(topic, position, countPerTopic);
                  if (!entries.isEmpty()) {
                    found.put(topic, entries);
                  }
                });
            long left = deadline - System.nanoTime();
            if (!found.isEmpty() || wakeUp || left <= 0) {
              wakeUp = false;
              return found;
            }
            try {
              TimeUnit.NANOSECONDS.timedWait(appended, left);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              return found;
            }
          }
        }
      }

      private List<StoredMessage> read(TopicName topic, EntryId position, int limit) {
        return MemoryMessageStore.this.read(topic, position, limit);
      }

      @Override
      public void wakeUp() {
        synchronized (appended) {
          wakeUp = true;
          appended.notifyAll();
        }
      }

      @Override
      public void close() {
        wakeUp();
      }
    };
  }

  @Override
  public void ping() {
    // Always reachable: it lives in this process.
  }

  @Override
  public String describe() {
    return "memory";
  }

  private record Dedup(EntryId id, long expiresAtMillis) {}

  /** One topic's entries; mutated only under its own lock, read lock-free. */
  private static final class TopicLog {
    final ConcurrentNavigableMap<EntryId, StoredMessage> entries = new ConcurrentSkipListMap<>();
    // Insertion order equals expiry order because the window is the same for every entry.
    final LinkedHashMap<String, Dedup> dedup = new LinkedHashMap<>();
    EntryId lastId = EntryId.ZERO;
    boolean trimmed;
    long size;

    EntryId nextId(long now) {
      lastId =
          now > lastId.millis()
              ? new EntryId(now, 0)
              : new EntryId(lastId.millis(), lastId.sequence() + 1);
      size++;
      return lastId;
    }

    void trim(Retention retention, long now) {
      long oldestAllowed = now - retention.maxAge().toMillis();
      while (size > retention.maxLength()
          || (!entries.isEmpty() && entries.firstKey().millis() < oldestAllowed)) {
        entries.pollFirstEntry();
        trimmed = true;
        size--;
      }
    }

    void forgetExpiredDedup(long now) {
      Iterator<Dedup> it = dedup.values().iterator();
      while (it.hasNext() && it.next().expiresAtMillis() <= now) {
        it.remove();
      }
    }
  }
}
