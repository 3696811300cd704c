package io.synid.harness;

import java.util.List;

/** Reads counters from the text of {@code /proc/net/netstat} (header line, value line, ...). */
public final class NetStat {
  private NetStat() {}

  /**
   * The {@code TcpExt} counter {@code name}.
   *
   * @throws IllegalStateException when the text has no such counter
   */
  public static long tcpExt(List<String> netstat, String name) {
    for (int i = 0; i + 1 < netstat.size(); i += 2) {
      String[] names = netstat.get(i).split(" ");
      String[] values = netstat.get(i + 1).split(" ");
      for (int k = 1; k < names.length && k < values.length; k++) {
        if (names[0].equals("TcpExt:") && names[k].equals(name)) {
          return Long.parseLong(values[k]);
        }
      }
    }
    throw new IllegalStateException("no TcpExt " + name + " in the netstat text");
  }
}
