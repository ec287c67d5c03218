package io.pulsarproxy.delivery;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The threads that hand live frames to subscribers. A fan-out to a thousand connections is a
 * thousand socket writes; on the follower's one thread the last subscriber waited for all the
 * others, so the writes are spread over a few lanes instead. A connection always uses the same lane
 * and a lane runs its work in order, so each subscriber still gets its frames in order.
 *
 * <p>A lane takes every hand-over waiting for it at once and flushes each connection once, after
 * all of them: when the lane falls behind (a burst, a machine busy elsewhere) several messages
 * leave in one write instead of one write each, so it catches up instead of falling further back.
 */
final class DeliveryLanes {
  private static final Logger LOG = LoggerFactory.getLogger(DeliveryLanes.class);

  /** At most this many hand-overs between two flushes, so the first waits for no more. */
  private static final int MAX_COALESCED = 64;

  private record HandOver(List<Subscription> subscriptions, List<Frame> frames) {}

  private final List<LinkedBlockingQueue<HandOver>> queues = new ArrayList<>();
  private final List<Future<?>> loops = new ArrayList<>();
  private volatile boolean running = true;

  /**
   * @param threads an executor with at least {@code count} threads, one for each lane's loop
   */
  DeliveryLanes(int count, ExecutorService threads) {
    for (int i = 0; i < count; i++) {
      LinkedBlockingQueue<HandOver> queue = new LinkedBlockingQueue<>();
      queues.add(queue);
      loops.add(threads.submit(() -> run(queue)));
    }
  }

  /** The lane of a connection: fixed for its lifetime. */
  int laneOf(Outbound out) {
    return Math.floorMod(System.identityHashCode(out), queues.size());
  }

  /** Offers {@code frames} to every subscription, each on its connection's lane. */
  void deliver(Iterable<Subscription> subscriptions, List<Frame> frames) {
    int count = queues.size();
    List<List<Subscription>> byLane = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      byLane.add(new ArrayList<>());
    }
    for (Subscription s : subscriptions) {
      byLane.get(s.lane()).add(s);
    }
    for (int i = 0; i < count; i++) {
      List<Subscription> mine = byLane.get(i);
      if (!mine.isEmpty()) {
        queues.get(i).add(new HandOver(mine, frames));
      }
    }
  }

  private void run(LinkedBlockingQueue<HandOver> queue) {
    List<HandOver> batch = new ArrayList<>();
    Set<Outbound> written = Collections.newSetFromMap(new IdentityHashMap<>());
    while (running) {
      try {
        batch.add(queue.take());
      } catch (InterruptedException e) {
        return;
      }
      queue.drainTo(batch, MAX_COALESCED - 1);
      // One hand-over (the lane keeps up): each connection's last frame carries its flush.
      boolean flushEach = batch.size() == 1;
      for (HandOver h : batch) {
        for (Subscription s : h.subscriptions()) {
          try {
            if (s.offerLive(h.frames(), flushEach) && !flushEach) {
              written.add(s.outbound());
            }
          } catch (RuntimeException e) {
            LOG.error("Delivering to {} failed; it goes on", s.outbound().identity(), e);
          }
        }
      }
      for (Outbound out : written) {
        out.flush();
      }
      batch.clear();
      written.clear();
    }
  }

  /** Ends the lanes' loops, so their executor can stop. */
  void stop() {
    running = false;
    loops.forEach(loop -> loop.cancel(true));
  }
}
