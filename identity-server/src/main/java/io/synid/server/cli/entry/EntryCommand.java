package io.synid.server.cli.entry;

import io.synid.server.cli.HelpOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code entry}: registration entry management. */
@Command(name = "entry", description = "Manage registration entries",
    synopsisSubcommandLabel = "<command>",
    subcommands = {
      CreateEntryCommand.class,
      UpdateEntryCommand.class,
      ShowEntryCommand.class,
      CountEntryCommand.class,
      DeleteEntryCommand.class,
      ApplyEntryCommand.class,
    })
public final class EntryCommand {
  @Mixin
  HelpOption help;
}
