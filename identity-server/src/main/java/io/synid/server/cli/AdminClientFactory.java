package io.synid.server.cli;

import java.nio.file.Path;

/** Opens an {@link AdminClient} for a socket path; tests substitute an in-process server. */
@FunctionalInterface
public interface AdminClientFactory {
  AdminClient connect(Path socketPath) throws CliException;
}
