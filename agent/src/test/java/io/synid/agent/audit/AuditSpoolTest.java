package io.synid.agent.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditSpoolTest {
  @TempDir Path dir;

  private AuditSpool open(long maxBytes, long segmentBytes, long minNext) throws IOException {
    return new AuditSpool(dir.resolve("spool"), maxBytes, segmentBytes, Duration.ofMillis(5),
        1000, minNext);
  }

  private static long append(AuditSpool spool, String text) throws IOException {
    return spool.append(seq -> ("{\"seq\":" + seq + ",\"t\":\"" + text + "\"}")
        .getBytes(StandardCharsets.UTF_8));
  }

  private List<SpooledRecord> readAll(AuditSpool spool, long from) throws IOException {
    List<SpooledRecord> out = new ArrayList<>();
    try (SpoolReader reader = new SpoolReader(spool)) {
      long next = from;
      while (next <= spool.durableSeq()) {
        List<SpooledRecord> batch = reader.read(next, spool.durableSeq(), 100, 1 << 20);
        out.addAll(batch);
        next = batch.get(batch.size() - 1).seq() + 1;
      }
    }
    return out;
  }

  private List<Path> segments() throws IOException {
    try (Stream<Path> s = Files.list(dir.resolve("spool"))) {
      return s.filter(p -> p.toString().endsWith(".seg")).sorted().toList();
    }
  }

  @Test
  void appendsConsecutiveNumbersAndReadsThemBackAcrossSegments() throws Exception {
    try (AuditSpool spool = open(1 << 20, 4096, 1)) {
      for (int i = 1; i <= 1000; i++) {
        assertThat(append(spool, "r" + i)).isEqualTo(i);
      }
      assertThat(spool.awaitDurable(1000, Duration.ofSeconds(10))).isTrue();
      List<SpooledRecord> all = readAll(spool, 1);
      assertThat(all).hasSize(1000);
      for (int i = 0; i < 1000; i++) {
        assertThat(all.get(i).seq()).isEqualTo(i + 1);
        assertThat(all.get(i).json()).isEqualTo("{\"seq\":" + (i + 1) + ",\"t\":\"r" + (i + 1)
            + "\"}");
      }
      // Reading from the middle, and again from an earlier point.
      assertThat(readAll(spool, 777).get(0).seq()).isEqualTo(777);
      assertThat(readAll(spool, 3)).hasSize(998);
      assertThat(segments().size()).isGreaterThan(5);
      assertThat(Files.getPosixFilePermissions(segments().get(0)))
          .isEqualTo(PosixFilePermissions.fromString("rw-------"));
      assertThat(Files.getPosixFilePermissions(dir.resolve("spool")))
          .isEqualTo(PosixFilePermissions.fromString("rwx------"));
    }
  }

  @Test
  void batchesGetConsecutiveNumbersAndAreAppendedWholeOrNotAtAll() throws Exception {
    try (AuditSpool spool = open(1 << 20, 4096, 1)) {
      assertThat(append(spool, "single")).isEqualTo(1);
      long expected = 1;
      for (int batch = 1; batch <= 60; batch++) {
        List<java.util.function.LongFunction<byte[]>> payloads = new ArrayList<>();
        for (int i = 0; i < batch % 13 + 1; i++) {
          payloads.add(seq -> ("{\"seq\":" + seq + "}").getBytes(StandardCharsets.UTF_8));
        }
        expected += payloads.size();
        assertThat(spool.appendAll(payloads)).isEqualTo(expected);
      }
      // A record too large fails the whole batch: nothing of it is written, numbering goes on.
      List<java.util.function.LongFunction<byte[]>> bad = List.of(
          seq -> "{\"ok\":1}".getBytes(StandardCharsets.UTF_8),
          seq -> new byte[AuditSpool.MAX_RECORD_BYTES + 1]);
      assertThatThrownBy(() -> spool.appendAll(bad)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> spool.appendAll(List.of()))
          .isInstanceOf(IllegalArgumentException.class);
      assertThat(append(spool, "after")).isEqualTo(expected + 1);
      assertThat(spool.awaitDurable(expected + 1, Duration.ofSeconds(10))).isTrue();
      List<SpooledRecord> all = readAll(spool, 1);
      assertThat(all).hasSize((int) expected + 1);
      for (int i = 1; i < expected; i++) {
        assertThat(all.get(i).json()).isEqualTo("{\"seq\":" + (i + 1) + "}");
      }
      assertThat(all.get((int) expected).json()).contains("after");
      assertThat(segments().size()).isGreaterThan(1);
    }
  }

  @Test
  void recordsWrittenBeforeAKillAreRecoveredAndATornTailIsCut() throws Exception {
    AuditSpool spool = open(1 << 20, 1 << 16, 1);
    for (int i = 1; i <= 10; i++) {
      append(spool, "r" + i);
    }
    spool.halt(); // no final fsync: as after kill -9, only the kernel has the data
    Path last = segments().get(segments().size() - 1);
    long goodSize = Files.size(last);
    try (RandomAccessFile f = new RandomAccessFile(last.toFile(), "rw")) {
      f.seek(goodSize);
      f.write(new byte[] {0, 0, 0, 40, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 11, '{', '"'});
    }
    try (AuditSpool again = open(1 << 20, 1 << 16, 1)) {
      assertThat(again.writtenSeq()).isEqualTo(10);
      assertThat(Files.size(last)).isEqualTo(goodSize);
      assertThat(append(again, "r11")).isEqualTo(11);
      again.awaitDurable(11, Duration.ofSeconds(10));
      assertThat(readAll(again, 1)).extracting(SpooledRecord::seq)
          .containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L);
    }
  }

  @Test
  void aFrameWithABadChecksumEndsTheRecoveredSpool() throws Exception {
    AuditSpool spool = open(1 << 20, 1 << 16, 1);
    for (int i = 1; i <= 10; i++) {
      append(spool, "record-" + i);
    }
    spool.close();
    Path last = segments().get(0);
    try (RandomAccessFile f = new RandomAccessFile(last.toFile(), "rw")) {
      f.seek(f.length() - 5);
      f.write('X'); // inside record 10's payload
    }
    try (AuditSpool again = open(1 << 20, 1 << 16, 1)) {
      assertThat(again.writtenSeq()).isEqualTo(9);
      assertThat(append(again, "new")).isEqualTo(10);
    }
  }

  @Test
  void numberingNeverGoesBackEvenWhenEverythingWasReleased() throws Exception {
    try (AuditSpool spool = open(1 << 20, 4096, 1)) {
      for (int i = 1; i <= 500; i++) {
        append(spool, "r" + i);
      }
      spool.awaitDurable(500, Duration.ofSeconds(10));
      spool.release(500);
      assertThat(segments()).hasSize(1); // the active segment stays
    }
    try (AuditSpool spool = open(1 << 20, 4096, 1)) {
      assertThat(append(spool, "next")).isEqualTo(501);
    }
    // An empty spool continues after what sinks have seen (their cursors).
    try (AuditSpool spool = new AuditSpool(dir.resolve("other"), 1 << 20, 4096,
        Duration.ofMillis(5), 100, 7000)) {
      assertThat(append(spool, "x")).isEqualTo(7000);
    }
  }

  @Test
  void theSizeBoundDropsTheOldestSegmentsInsteadOfBlocking() throws Exception {
    try (AuditSpool spool = open(64 * 1024, 8 * 1024, 1)) {
      String text = "x".repeat(200);
      for (int i = 1; i <= 5000; i++) {
        append(spool, text);
      }
      spool.awaitDurable(5000, Duration.ofSeconds(10));
      assertThat(spool.totalBytes()).isLessThanOrEqualTo(64 * 1024 + 300);
      assertThat(spool.oldestSeq()).isGreaterThan(4000);
      assertThat(spool.droppedRecords()).isEqualTo(spool.oldestSeq() - 1);
      // A reader behind the oldest record is told where the spool resumes.
      try (SpoolReader reader = new SpoolReader(spool)) {
        assertThatThrownBy(() -> reader.read(1, 5000, 10, 1 << 20))
            .isInstanceOfSatisfying(SpoolReader.GapException.class,
                g -> assertThat(g.resumeAt).isEqualTo(spool.oldestSeq()));
      }
      assertThat(readAll(spool, spool.oldestSeq()).get(0).seq()).isEqualTo(spool.oldestSeq());
    }
  }

  @Test
  void recoveryOfRandomlyDamagedSegmentsKeepsAGoodPrefixAndNeverFails() throws Exception {
    Random random = new Random(31);
    for (int round = 0; round < 150; round++) {
      Path spoolDir = dir.resolve("fuzz-" + round);
      AuditSpool spool = new AuditSpool(spoolDir, 1 << 20, 1 << 16, Duration.ofMillis(5), 100,
          1);
      int n = 1 + random.nextInt(40);
      for (int i = 1; i <= n; i++) {
        append(spool, "r" + i + "-" + "p".repeat(random.nextInt(50)));
      }
      spool.halt();
      Path segment = spoolDir.resolve(String.format("%020d.seg", 1));
      byte[] bytes = Files.readAllBytes(segment);
      switch (random.nextInt(3)) {
        case 0 -> bytes = Arrays.copyOf(bytes, random.nextInt(bytes.length + 1)); // torn
        case 1 -> { // random bytes overwritten
          for (int k = 0; k <= random.nextInt(4); k++) {
            bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
          }
        }
        default -> { // garbage appended
          byte[] junk = new byte[random.nextInt(64)];
          random.nextBytes(junk);
          bytes = concat(bytes, junk);
        }
      }
      Files.write(segment, bytes);
      try (AuditSpool again = new AuditSpool(spoolDir, 1 << 20, 1 << 16, Duration.ofMillis(5),
          100, 1)) {
        long kept = again.writtenSeq();
        assertThat(kept).isBetween(0L, (long) n);
        long next = append(again, "after");
        assertThat(next).isEqualTo(kept + 1);
        again.awaitDurable(next, Duration.ofSeconds(10));
        List<SpooledRecord> all = readAll(again, 1);
        assertThat(all).extracting(SpooledRecord::seq).containsExactlyElementsOf(
            LongStream.rangeClosed(1, next).boxed().toList());
        for (int i = 0; i < kept; i++) {
          assertThat(all.get(i).json()).startsWith("{\"seq\":" + (i + 1) + ",\"t\":\"r"
              + (i + 1) + "-");
        }
      }
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void oneProcessAtATime() throws Exception {
    try (AuditSpool spool = open(1 << 20, 4096, 1)) {
      assertThatThrownBy(() -> open(1 << 20, 4096, 1)).hasMessageContaining("in use");
    }
  }
}
