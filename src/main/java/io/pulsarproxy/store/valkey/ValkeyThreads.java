package io.pulsarproxy.store.valkey;

import io.dropwizard.lifecycle.setup.LifecycleEnvironment;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;

/**
 * The Valkey store's threads, all made by the application's lifecycle, which stops them after the
 * store has ended their loops.
 *
 * @param writer the pipelined writer's loop
 * @param replies completions of pipelined appends, so the writer sends the next round trip
 *     meanwhile
 * @param loops long-running loops on a connection of their own: the announcement listener, the
 *     retention listener, a cluster's follower lanes (one per lane, as many as the cluster needs)
 */
record ValkeyThreads(ExecutorService writer, ExecutorService replies, ExecutorService loops) {
  static ValkeyThreads of(LifecycleEnvironment lifecycle) {
    return new ValkeyThreads(
        lifecycle.executorService("valkey-writer-%d").minThreads(1).maxThreads(1).build(),
        lifecycle.executorService("valkey-replies-%d").minThreads(1).maxThreads(1).build(),
        lifecycle
            .executorService("valkey-loop-%d")
            .minThreads(0)
            .maxThreads(Integer.MAX_VALUE)
            .workQueue(new SynchronousQueue<>())
            .build());
  }
}
