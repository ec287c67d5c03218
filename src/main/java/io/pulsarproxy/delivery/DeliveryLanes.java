package io.pulsarproxy.delivery;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * The threads that hand live frames to subscribers. A fan-out to a thousand connections is a
 * thousand socket writes; on the follower's one thread the last subscriber waited for all the
 * others, so the writes are spread over a few lanes instead. A connection always uses the same lane
 * and a lane runs its work in order, so each subscriber still gets its frames in order.
 */
final class DeliveryLanes {
  private final ExecutorService[] lanes;

  DeliveryLanes(int count) {
    lanes = new ExecutorService[count];
    for (int i = 0; i < count; i++) {
      String name = "delivery-lane-" + i;
      lanes[i] =
          Executors.newSingleThreadExecutor(
              r -> {
                Thread t = new Thread(r, name);
                t.setDaemon(true);
                return t;
              });
    }
  }

  /** The lane of a connection: fixed for its lifetime. */
  int laneOf(Outbound out) {
    return Math.floorMod(System.identityHashCode(out), lanes.length);
  }

  /** Runs {@code action} for every subscription, each on its connection's lane. */
  void forEach(Iterable<Subscription> subscriptions, Consumer<Subscription> action) {
    if (lanes.length == 1) {
      lanes[0].execute(() -> subscriptions.forEach(action));
      return;
    }
    List<List<Subscription>> byLane = new ArrayList<>(lanes.length);
    for (int i = 0; i < lanes.length; i++) {
      byLane.add(new ArrayList<>());
    }
    for (Subscription s : subscriptions) {
      byLane.get(s.lane()).add(s);
    }
    for (int i = 0; i < lanes.length; i++) {
      List<Subscription> mine = byLane.get(i);
      if (!mine.isEmpty()) {
        lanes[i].execute(() -> mine.forEach(action));
      }
    }
  }

  void stop() {
    for (ExecutorService lane : lanes) {
      lane.shutdownNow();
    }
  }
}
