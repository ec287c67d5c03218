package io.pulsarproxy.store.memory;

import io.pulsarproxy.core.EntryId;
import io.pulsarproxy.core.StoredMessage;
import io.pulsarproxy.core.TopicName;
import io.pulsarproxy.store.ConsumerGroups;
import io.pulsarproxy.store.MessageStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/** Consumer groups of the in-memory store: the same rules as Valkey's, kept in this process. */
final class MemoryConsumerGroups implements ConsumerGroups {
  private final MessageStore store;
  private final Clock clock;
  private final Map<Key, Group> groups = new ConcurrentHashMap<>();

  MemoryConsumerGroups(MessageStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  private record Key(TopicName topic, String group) {}

  private static final class Pending {
    String consumer;
    long deliveredAt;
    long count;

    Pending(String consumer, long deliveredAt) {
      this.consumer = consumer;
      this.deliveredAt = deliveredAt;
      this.count = 1;
    }
  }

  private static final class Group {
    Settings settings;
    EntryId position;
    final TreeMap<EntryId, Pending> pending = new TreeMap<>();
    final Map<String, Long> lastSeen = new HashMap<>();

    Group(Settings settings, EntryId position) {
      this.settings = settings;
      this.position = position;
    }
  }

  @Override
  public boolean put(TopicName topic, String group, Settings settings, Start start) {
    boolean[] created = {false};
    groups.compute(
        new Key(topic, group),
        (k, g) -> {
          if (g != null) {
            synchronized (g) {
              g.settings = settings;
            }
            return g;
          }
          created[0] = true;
          return new Group(settings, position(topic, start));
        });
    return created[0];
  }

  @Override
  public Optional<State> describe(TopicName topic, String group) {
    Group g = groups.get(new Key(topic, group));
    if (g == null) {
      return Optional.empty();
    }
    long now = clock.millis();
    synchronized (g) {
      Map<String, Long> pendingBy = new HashMap<>();
      g.pending.values().forEach(p -> pendingBy.merge(p.consumer, 1L, Long::sum));
      List<Consumer> consumers = new ArrayList<>();
      g.lastSeen.forEach(
          (name, seen) ->
              consumers.add(new Consumer(name, pendingBy.getOrDefault(name, 0L), now - seen)));
      consumers.sort((a, b) -> a.name().compareTo(b.name()));
      long lag = store.read(topic, g.position, Integer.MAX_VALUE).size();
      return Optional.of(
          new State(group, g.settings, g.position, g.pending.size(), lag, List.copyOf(consumers)));
    }
  }

  @Override
  public boolean delete(TopicName topic, String group) {
    return groups.remove(new Key(topic, group)) != null;
  }

  @Override
  public void reset(TopicName topic, String group, Start start) {
    Group g =
        groups.computeIfAbsent(new Key(topic, group), k -> new Group(Settings.DEFAULTS, null));
    synchronized (g) {
      g.position = position(topic, start);
    }
  }

  @Override
  public Fetched fetch(TopicName topic, String group, String consumer, int max) {
    Group g =
        groups.computeIfAbsent(
            new Key(topic, group),
            k -> new Group(Settings.DEFAULTS, position(topic, new Start.Latest())));
    long now = clock.millis();
    List<Delivery> out = new ArrayList<>();
    List<StoredMessage> toDeadLetter = new ArrayList<>();
    int expired = 0;
    int trimmed = 0;
    synchronized (g) {
      g.lastSeen.put(consumer, now);
      long dueBefore = now - g.settings.ackTimeout().toMillis();
      Iterator<Map.Entry<EntryId, Pending>> it = g.pending.entrySet().iterator();
      while (it.hasNext() && out.size() < max) {
        Map.Entry<EntryId, Pending> e = it.next();
        Pending p = e.getValue();
        if (p.deliveredAt > dueBefore) {
          continue;
        }
        StoredMessage m = find(topic, e.getKey());
        if (m == null) {
          it.remove();
          trimmed++;
        } else if (m.expiredAt(now)) {
          it.remove();
          expired++;
        } else if (p.count + 1 > g.settings.maxDeliveries()) {
          it.remove();
          toDeadLetter.add(m);
        } else {
          p.consumer = consumer;
          p.deliveredAt = now;
          p.count++;
          out.add(new Delivery(m, p.count));
        }
      }
      while (out.size() < max) {
        List<StoredMessage> next = store.read(topic, g.position, max - out.size());
        if (next.isEmpty()) {
          break;
        }
        for (StoredMessage m : next) {
          g.position = m.id();
          if (m.expiredAt(now)) {
            expired++;
          } else {
            g.pending.put(m.id(), new Pending(consumer, now));
            out.add(new Delivery(m, 1));
          }
        }
      }
    }
    for (StoredMessage m : toDeadLetter) {
      store.append(
          ConsumerGroups.deadLetterTopic(topic),
          List.of(ConsumerGroups.deadLetter(m, group, "max_deliveries")));
    }
    return new Fetched(out, toDeadLetter.size(), expired, trimmed);
  }

  @Override
  public int ack(TopicName topic, String group, List<EntryId> ids) {
    Group g = groups.get(new Key(topic, group));
    if (g == null) {
      return 0;
    }
    int acked = 0;
    synchronized (g) {
      for (EntryId id : ids) {
        acked += g.pending.remove(id) != null ? 1 : 0;
      }
    }
    return acked;
  }

  @Override
  public int nack(
      TopicName topic, String group, String consumer, List<EntryId> ids, Duration delay) {
    Group g = groups.get(new Key(topic, group));
    if (g == null) {
      return 0;
    }
    long dueAt = clock.millis() + delay.toMillis();
    int nacked = 0;
    synchronized (g) {
      for (EntryId id : ids) {
        Pending p = g.pending.get(id);
        if (p != null) {
          // Due once the ack timeout has passed since this made-up delivery time.
          p.deliveredAt = dueAt - g.settings.ackTimeout().toMillis();
          nacked++;
        }
      }
    }
    return nacked;
  }

  private StoredMessage find(TopicName topic, EntryId id) {
    List<StoredMessage> at = store.read(topic, id.previous(), 1);
    return !at.isEmpty() && at.get(0).id().equals(id) ? at.get(0) : null;
  }

  private EntryId position(TopicName topic, Start start) {
    if (start instanceof Start.After after) {
      return after.id();
    }
    return start instanceof Start.Earliest ? EntryId.ZERO : store.stats(topic).lastIdOrZero();
  }
}
