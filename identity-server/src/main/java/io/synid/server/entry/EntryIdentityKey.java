package io.synid.server.entry;

import io.synid.core.selector.Selector;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeSet;

/**
 * Computes the uniqueness key of an entry: SHA-256 over the SPIFFE ID, the parent ID and the
 * sorted, de-duplicated selectors, each length-prefixed so that no two different inputs collide
 * by concatenation.
 */
final class EntryIdentityKey {
  private EntryIdentityKey() {}

  static String of(String spiffeId, String parentId, List<Selector> selectors) {
    TreeSet<String> sorted = new TreeSet<>();
    for (Selector s : selectors) {
      sorted.add(s.type() + ":" + s.value());
    }
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is mandatory in every JDK", e);
    }
    update(digest, spiffeId);
    update(digest, parentId);
    for (String s : sorted) {
      update(digest, s);
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private static void update(MessageDigest digest, String field) {
    byte[] bytes = field.getBytes(StandardCharsets.UTF_8);
    digest.update((byte) (bytes.length >>> 24));
    digest.update((byte) (bytes.length >>> 16));
    digest.update((byte) (bytes.length >>> 8));
    digest.update((byte) bytes.length);
    digest.update(bytes);
  }
}
