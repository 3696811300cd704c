package io.synid.server.cli;

import picocli.CommandLine.Option;

/** {@code -output pretty|json}, on every command that prints a server response. */
public final class OutputOption {
  @Option(names = {"-output", "--output"}, paramLabel = "<format>",
      converter = OutputFormat.Converter.class,
      description = "Desired output format (pretty, json); default: pretty.")
  OutputFormat format = OutputFormat.PRETTY;

  public OutputFormat format() {
    return format;
  }

  public boolean isJson() {
    return format == OutputFormat.JSON;
  }
}
