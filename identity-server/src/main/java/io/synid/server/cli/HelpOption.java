package io.synid.server.cli;

import picocli.CommandLine.Option;

/** {@code -h}, {@code -help} and {@code --help}, the spellings Go's flag package accepts. */
public final class HelpOption {
  @Option(names = {"-h", "-help", "--help"}, usageHelp = true, description = "Show this help")
  boolean help;
}
