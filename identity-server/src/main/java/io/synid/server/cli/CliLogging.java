package io.synid.server.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import org.slf4j.LoggerFactory;

/**
 * Keeps library logging (gRPC, Netty) off the admin commands' output. Without a configuration,
 * logback logs everything at DEBUG to stdout, which would corrupt what scripts parse.
 */
final class CliLogging {
  private CliLogging() {}

  /**
   * Turns logging off; admin commands report problems themselves.
   *
   * @return the root level before, for {@link #restore}; {@code null} when logback is not in use
   */
  static Level silence() {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
      Level previous = root.getLevel();
      root.setLevel(Level.OFF);
      return previous;
    }
    return null;
  }

  /** Puts back the root level {@link #silence} returned (a command run inside a larger process). */
  static void restore(Level previous) {
    if (previous != null && LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(previous);
    }
  }
}
