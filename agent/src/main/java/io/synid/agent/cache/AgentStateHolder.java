package io.synid.agent.cache;

import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Holds the current {@link AgentState} and tells listeners about each new one. Publishing is
 * serialized, so listeners see states in order.
 */
public final class AgentStateHolder {
  private final CopyOnWriteArrayList<StateListener> listeners = new CopyOnWriteArrayList<>();
  private volatile AgentState current;

  public AgentStateHolder(AgentState initial) {
    this.current = initial;
  }

  public AgentState current() {
    return current;
  }

  /** Replaces the state and notifies every listener. */
  public synchronized void publish(AgentState state) {
    current = state;
    for (StateListener listener : listeners) {
      listener.stateChanged(state);
    }
  }

  /**
   * Adds a listener and hands it the current state at once, under the publishing lock, so it
   * misses no state and sees none twice.
   */
  public synchronized void subscribe(StateListener listener) {
    listeners.add(listener);
    listener.stateChanged(current);
  }

  public void unsubscribe(StateListener listener) {
    listeners.remove(listener);
  }
}
