package io.synid.agent.cache;

/** Receives every new {@link AgentState}, on the thread that published it; must not block. */
@FunctionalInterface
public interface StateListener {
  void stateChanged(AgentState state);
}
