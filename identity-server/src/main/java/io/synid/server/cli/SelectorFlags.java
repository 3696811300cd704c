package io.synid.server.cli;

import io.synid.api.spire.types.Selector;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code -selector type:value} flags. Like SPIRE's CLI, only the colon is checked here (the type
 * ends at the first colon, so {@code k8s:ns:default} has value {@code ns:default}); the server
 * validates the rest.
 */
public final class SelectorFlags {
  private SelectorFlags() {}

  public static Selector parse(String flag) throws CliException {
    int colon = flag.indexOf(':');
    if (colon < 0) {
      throw new CliException("selector \"" + flag + "\" must be formatted as type:value");
    }
    return Selector.newBuilder()
        .setType(flag.substring(0, colon))
        .setValue(flag.substring(colon + 1))
        .build();
  }

  public static List<Selector> parseAll(List<String> flags) throws CliException {
    List<Selector> selectors = new ArrayList<>(flags.size());
    for (String flag : flags) {
      selectors.add(parse(flag));
    }
    return selectors;
  }
}
