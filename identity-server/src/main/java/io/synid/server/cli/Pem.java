package io.synid.server.cli;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** PEM blocks as Go's {@code encoding/pem} writes and reads them. */
public final class Pem {
  private static final String BEGIN = "-----BEGIN ";
  private static final String END = "-----END ";

  private Pem() {}

  /** One block: the header line, base64 in lines of 64 characters, the footer line. */
  public static String encode(String type, byte[] der) {
    String base64 = Base64.getEncoder().encodeToString(der);
    StringBuilder b = new StringBuilder(base64.length() + 80);
    b.append(BEGIN).append(type).append("-----\n");
    for (int i = 0; i < base64.length(); i += 64) {
      b.append(base64, i, Math.min(base64.length(), i + 64)).append('\n');
    }
    return b.append(END).append(type).append("-----\n").toString();
  }

  /** A decoded block. */
  public record Block(String type, byte[] bytes) {}

  /**
   * Every block of {@code text}, in order. Text outside blocks is skipped; a block whose base64
   * does not decode ends the scan, as in Go's {@code pem.Decode}.
   */
  public static List<Block> decode(byte[] text) {
    String s = new String(text, StandardCharsets.ISO_8859_1);
    List<Block> blocks = new ArrayList<>();
    int from = 0;
    while (true) {
      int begin = s.indexOf(BEGIN, from);
      if (begin < 0) {
        return blocks;
      }
      int typeEnd = s.indexOf("-----", begin + BEGIN.length());
      int lineEnd = s.indexOf('\n', begin);
      if (typeEnd < 0 || (lineEnd >= 0 && typeEnd > lineEnd)) {
        from = begin + BEGIN.length();
        continue;
      }
      String type = s.substring(begin + BEGIN.length(), typeEnd);
      String footer = END + type + "-----";
      int end = s.indexOf(footer, typeEnd);
      if (end < 0) {
        return blocks;
      }
      String body = s.substring(typeEnd + 5, end);
      StringBuilder base64 = new StringBuilder();
      for (String line : body.split("\r?\n")) {
        if (line.contains(":")) {
          continue; // RFC 1421 headers
        }
        base64.append(line.strip());
      }
      try {
        blocks.add(new Block(type, Base64.getDecoder().decode(base64.toString())));
      } catch (IllegalArgumentException e) {
        return blocks;
      }
      from = end + footer.length();
    }
  }
}
