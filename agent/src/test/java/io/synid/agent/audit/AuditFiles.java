package io.synid.agent.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads a JSON Lines audit file and its rotated predecessors, oldest first. */
final class AuditFiles {
  static final ObjectMapper JSON = new ObjectMapper();

  private AuditFiles() {}

  static List<String> lines(Path file) {
    List<String> out = new ArrayList<>();
    try {
      for (int i = 1000; i >= 1; i--) {
        Path p = file.resolveSibling(file.getFileName() + "." + i);
        if (Files.exists(p)) {
          out.addAll(Files.readAllLines(p, StandardCharsets.UTF_8));
        }
      }
      if (Files.exists(file)) {
        out.addAll(Files.readAllLines(file, StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  static List<JsonNode> records(Path file) {
    List<JsonNode> out = new ArrayList<>();
    for (String line : lines(file)) {
      try {
        out.add(JSON.readTree(line));
      } catch (IOException e) {
        throw new AssertionError("not JSON: " + line, e);
      }
    }
    return out;
  }

  static List<Long> seqs(Path file) {
    List<Long> out = new ArrayList<>();
    for (JsonNode n : records(file)) {
      out.add(n.get("seq").asLong());
    }
    return out;
  }
}
