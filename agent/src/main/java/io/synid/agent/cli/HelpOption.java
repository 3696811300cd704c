package io.synid.agent.cli;

import picocli.CommandLine.Option;

/** {@code -h}, {@code -help} and {@code --help} on every command, as spire-agent accepts them. */
final class HelpOption {
  @Option(names = {"-h", "-help", "--help"}, usageHelp = true, description = "Show this help")
  boolean help;
}
