package io.synid.server.policy;

import io.synid.policy.model.Cidr;

/** Source addresses of unauthenticated flows: literal IPv4 or IPv6 addresses, never resolved. */
public final class FlowAddresses {
  private FlowAddresses() {}

  /**
   * The address in the one spelling flows are stored under (IPv6 in Java's full form).
   *
   * @throws IllegalArgumentException with the reason, for anything but a literal address
   */
  public static String canonical(String text) {
    if (text.indexOf('/') >= 0) {
      throw new IllegalArgumentException("invalid source address \"" + text
          + "\": an address, not a prefix");
    }
    try {
      return FlowSuggestions.address(text).getHostAddress();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("invalid source address \"" + text + "\": " + e.getMessage());
    }
  }
}
