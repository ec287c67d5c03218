package io.pulsarproxy.store;

/** State kept in the store that any instance may change, announcing each change to all. */
public interface Watched {
  /** Calls {@code onChange} whenever any instance saved a change, until {@link #close()}. */
  void watch(Runnable onChange);

  void close();
}
