package io.synid.server.cli;


/** Entry point of {@code bin/synid-server}: the server ({@code run}) and its admin CLI. */
public final class SynidServerMain {
  private SynidServerMain() {}

  public static void main(String[] args) {
    int exit = SynidServerCommand.commandLine().execute(args);
    // "run" returns only when the server stops; everything else exits with its status.
    System.exit(exit);
  }
}
