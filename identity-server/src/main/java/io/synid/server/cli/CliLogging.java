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

  /** Turns logging off for this process; admin commands report problems themselves. */
  static void silence() {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.OFF);
    }
  }
}
