package io.pulsarproxy.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * The reliability checker for fault tests: publishers number their messages per topic ({@code
 * {"seq":n}}) and record which were acknowledged (201); subscribers must then have every
 * acknowledged one exactly once and in order. A message that failed (503) may or may not have been
 * stored, so it may show up, but also at most once and in its place.
 */
public final class DeliveryChecker {
  private final Map<String, List<Integer>> acked = new ConcurrentHashMap<>();
  private final Map<Integer, Integer> statuses = new ConcurrentHashMap<>();

  /**
   * Publishes {@code count} numbered messages to the topic, one at a time, through the instance
   * {@code httpFor.apply(seq)} picks, with a pause between; returns the thread doing it.
   */
  public Thread publish(String topic, int count, Duration pause, IntFunction<Http> httpFor) {
    List<Integer> mine = acked.computeIfAbsent(topic, t -> new CopyOnWriteArrayList<>());
    Thread t =
        new Thread(
            () -> {
              for (int seq = 0; seq < count; seq++) {
                int status;
                try {
                  status =
                      httpFor
                          .apply(seq)
                          .postJson(
                              "/api/v1/topics/" + topic + "/messages",
                              Http.PUBLISHER,
                              "{\"payload\":{\"seq\":" + seq + "}}")
                          .status();
                } catch (RuntimeException e) {
                  status = -1;
                }
                statuses.merge(status, 1, Integer::sum);
                if (status == 201) {
                  mine.add(seq);
                }
                try {
                  Thread.sleep(pause.toMillis()); // pacing: the pause the caller chose
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "publish-" + topic);
    t.start();
    return t;
  }

  public List<Integer> acked(String topic) {
    return List.copyOf(acked.getOrDefault(topic, List.of()));
  }

  /** Replies by status (-1: no reply), for the failure message and the report. */
  public Map<Integer, Integer> statuses() {
    return Map.copyOf(statuses);
  }

  /**
   * Collects this subscriber's messages of the topic until the last acknowledged seq arrived, and
   * checks them: strictly increasing seqs (once each, in order) that include every acknowledged
   * one.
   */
  public void verify(String topic, WsClient ws, Duration timeout, String who)
      throws InterruptedException {
    List<Integer> expected = acked(topic);
    List<Integer> seen = new ArrayList<>();
    int last = expected.isEmpty() ? -1 : expected.get(expected.size() - 1);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!seen.contains(last) && System.nanoTime() < deadline) {
      JsonNode frame = ws.poll(Duration.ofMillis(200));
      if (frame != null
          && "message".equals(frame.path("type").asText())
          && topic.equals(frame.path("topic").asText())) {
        seen.add(frame.get("payload").get("seq").asInt());
      }
    }
    check(topic, expected, seen, who);
  }

  /** Checks a list of seqs received for the topic against what was acknowledged. */
  public void check(String topic, List<Integer> expected, List<Integer> seen, String who) {
    for (int i = 1; i < seen.size(); i++) {
      assertTrue(
          seen.get(i) > seen.get(i - 1),
          who + " got " + topic + " out of order or twice at " + i + ": " + seen);
    }
    List<Integer> missing = new ArrayList<>(expected);
    missing.removeAll(seen);
    assertEquals(
        List.of(),
        missing,
        who + " missed acknowledged messages of " + topic + " (statuses " + statuses() + ")");
  }

  public static void sleep(Duration d) {
    try {
      TimeUnit.MILLISECONDS.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
