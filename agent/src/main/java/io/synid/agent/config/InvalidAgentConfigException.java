package io.synid.agent.config;

import java.util.List;

/** The agent configuration is invalid; {@link #problems()} lists every problem found. */
public final class InvalidAgentConfigException extends Exception {
  private final List<String> problems;

  public InvalidAgentConfigException(String source, List<String> problems) {
    super(source + ": " + String.join("; ", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
