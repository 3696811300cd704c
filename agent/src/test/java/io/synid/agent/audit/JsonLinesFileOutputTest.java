package io.synid.agent.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonLinesFileOutputTest {
  @TempDir Path dir;

  private static SpooledRecord rec(long seq) {
    return new SpooledRecord(seq, "{\"schema\":\"synid.audit/v1\",\"seq\":" + seq
        + ",\"event\":\"connection\",\"pad\":\"" + "p".repeat(60) + "\"}");
  }

  private static List<SpooledRecord> recs(long from, long to) {
    List<SpooledRecord> out = new ArrayList<>();
    for (long s = from; s <= to; s++) {
      out.add(rec(s));
    }
    return out;
  }

  @Test
  void rotatesBySizeKeepingMaxFilesWithMode0600() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    long lineBytes = (rec(100).json() + "\n").getBytes(StandardCharsets.UTF_8).length;
    try (JsonLinesFileOutput out = new JsonLinesFileOutput(file, 10 * lineBytes + 5, 3)) {
      assertThat(out.resume(-1, 0)).isEqualTo(-1);
      for (long s = 1; s <= 100; s += 7) {
        assertThat(out.deliver(recs(s, Math.min(100, s + 6)))).isEqualTo(Math.min(100, s + 6));
      }
    }
    // 100 records, 10 per file: the current file and .1 .. .3 hold the last 40, in order.
    assertThat(file.resolveSibling("audit.jsonl.4")).doesNotExist();
    for (String name : List.of("audit.jsonl", "audit.jsonl.1", "audit.jsonl.2",
        "audit.jsonl.3")) {
      Path p = file.resolveSibling(name);
      assertThat(Files.size(p)).isLessThanOrEqualTo(10 * lineBytes + 5);
      assertThat(Files.getPosixFilePermissions(p))
          .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    }
    assertThat(AuditFiles.seqs(file)).containsExactlyElementsOf(
        LongStream.rangeClosed(61, 100).boxed().toList());
  }

  @Test
  void aRecordLargerThanTheLimitGetsAFileOfItsOwn() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    try (JsonLinesFileOutput out = new JsonLinesFileOutput(file, 50, 5)) {
      out.resume(-1, 0);
      out.deliver(recs(1, 3));
    }
    assertThat(Files.readAllLines(file)).hasSize(1);
    assertThat(AuditFiles.seqs(file)).containsExactly(1L, 2L, 3L);
  }

  @Test
  void resumesAfterItsOwnLastLineAndCutsATornOne() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    StringBuilder text = new StringBuilder();
    for (long s = 1; s <= 5; s++) {
      text.append(rec(s).json()).append('\n');
    }
    text.append(rec(6).json(), 0, 30); // killed in the middle of writing record 6
    Files.writeString(file, text);
    try (JsonLinesFileOutput out = new JsonLinesFileOutput(file, 1 << 20, 5)) {
      // The saved cursor said 3 (saved before the crash); the file knows better.
      assertThat(out.resume(3, 100)).isEqualTo(5);
      out.deliver(recs(4, 8)); // redelivery from the spool: 4 and 5 are skipped
    }
    assertThat(AuditFiles.seqs(file)).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
  }

  @Test
  void afterARotationTheTailIsReadFromTheNewestRotatedFile() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    Files.writeString(file.resolveSibling("audit.jsonl.1"), rec(41).json() + "\n"
        + rec(42).json() + "\n");
    Files.writeString(file, "");
    try (JsonLinesFileOutput out = new JsonLinesFileOutput(file, 1 << 20, 5)) {
      assertThat(out.resume(40, 100)).isEqualTo(42);
    }
  }

  @Test
  void aTailBeyondTheSpoolIsNotTrusted() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    Files.writeString(file, rec(900).json() + "\n");
    try (JsonLinesFileOutput out = new JsonLinesFileOutput(file, 1 << 20, 5)) {
      assertThat(out.resume(-1, 10)).isEqualTo(-1);
      out.deliver(recs(1, 2));
    }
    assertThat(AuditFiles.seqs(file)).containsExactly(900L, 1L, 2L);
  }

  @Test
  void aFileMovedAwayByLogrotateIsStartedAgain() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    try (JsonLinesFileOutput out = new JsonLinesFileOutput(file, 1 << 20, 5)) {
      out.resume(-1, 0);
      out.deliver(recs(1, 2));
      Files.move(file, dir.resolve("audit.jsonl-20240101"));
      out.deliver(recs(3, 4));
    }
    assertThat(AuditFiles.seqs(dir.resolve("audit.jsonl-20240101"))).containsExactly(1L, 2L);
    assertThat(AuditFiles.seqs(file)).containsExactly(3L, 4L);
    assertThat(Files.getPosixFilePermissions(file))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
  }
}
