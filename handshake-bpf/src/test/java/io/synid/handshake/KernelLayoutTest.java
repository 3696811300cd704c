package io.synid.handshake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java encoders and decoders against the compiled object (cilium's alignchecker idea): map
 * keys and values and the load-time configuration from the object's BTF (what libbpf and the
 * kernel use), the event and the wire structs from its DWARF (they only appear behind casts, so
 * BTF does not carry them). Fails, never skips, when bpftool or llvm-dwarfdump is missing.
 */
class KernelLayoutTest {

  private static final Pattern BTF_STRUCT = Pattern.compile("^\\[(\\d+)\\] STRUCT '([^']*)' size=(\\d+) vlen=(\\d+)");
  private static final Pattern BTF_MEMBER = Pattern.compile("^\\s+'([^']*)' type_id=\\d+ bits_offset=(\\d+)");
  private static final Pattern BTF_DATASEC_VAR = Pattern.compile("offset=(\\d+) size=(\\d+) \\(VAR '([^']*)'\\)");

  @TempDir
  static Path tmp;
  private static Path object;
  private static List<String> btf;

  @BeforeAll
  static void extractObject() throws IOException {
    object = tmp.resolve("handshake.bpf.o");
    try (InputStream in = HandshakeDatapath.class.getResourceAsStream("handshake.bpf.o")) {
      assertThat(in).as("compiled object in the jar resources").isNotNull();
      Files.copy(in, object, StandardCopyOption.REPLACE_EXISTING);
    }
    btf = run("bpftool", "btf", "dump", "file", object.toString(), "format", "raw").lines().toList();
  }

  @Test
  void mapKeyAndValueStructsMatchTheJavaEncoders() {
    assertStruct("local_identity", 8, Map.of("ident", 0, "identity", 4));
    assertStruct("listener_key", 32, Map.of("netns_cookie", 0, "addr", 8, "port", 24));
    assertStruct("peer_key_id", 8, Map.of("node", 0, "key_id", 4, "direction", 5));
    assertStruct("peer_key", 16, Map.of("key", 0));
    assertStruct("key_state", 4, Map.of("tx_key_id", 0));
    assertStruct("binding", 8, Map.of("identity", 0, "node", 4));
    assertStruct("verdict_key", 12, Map.of("src_identity", 0, "dst_identity", 4, "port", 8));
    assertStruct("lpm_key", 20, Map.of("prefixlen", 0, "addr", 4));
    assertStruct("cidr_key", HandshakeDatapath.CIDR_KEY_SIZE, Map.of("prefixlen", 0,
        "dst_identity", HandshakeDatapath.CIDR_KEY_DST_IDENTITY, "port", HandshakeDatapath.CIDR_KEY_PORT,
        "pad", HandshakeDatapath.CIDR_KEY_PORT + 2, "addr", HandshakeDatapath.CIDR_KEY_ADDR));
    // Every bit between prefixlen and the address is matched in full: the loader adds them to the
    // prefix length, the kernel looks up with CIDR_KEY_FIXED_BITS + 128.
    assertThat(HandshakeDatapath.CIDR_KEY_FIXED_BITS).isEqualTo((HandshakeDatapath.CIDR_KEY_ADDR - 4) * 8);
    assertThat(HandshakeDatapath.CIDR_KEY_SIZE).isEqualTo(HandshakeDatapath.CIDR_KEY_ADDR + 16);
    assertStruct("event_key", 28, Map.of("peer_addr", 0, "local_ident", 16, "peer_ident", 20, "server_port", 24,
        "kind", 26, "reason", 27));

    // The sizes the loader checks every update against.
    Map<String, int[]> maps = HandshakeDatapath.MAPS;
    assertThat(maps.get("listeners")).containsExactly(btfSize("listener_key"), 8); // the listener's cgroup id
    assertThat(maps.get("peer_keys")).containsExactly(btfSize("peer_key_id"), btfSize("peer_key"));
    assertThat(maps.get("bindings")[1]).isEqualTo(btfSize("binding"));
    assertThat(maps.get("verdicts")[0]).isEqualTo(btfSize("verdict_key"));
    assertThat(maps.get("cidr_rules")[0]).isEqualTo(btfSize("cidr_key"));
    assertThat(maps.get("peer_nodes")[0]).isEqualTo(btfSize("lpm_key"));
    assertThat(maps.get("local_ids")[1]).isEqualTo(btfSize("local_identity"));
    assertThat(maps.get("key_state")[1]).isEqualTo(btfSize("key_state"));
    assertThat(maps.get("event_seen")[0]).isEqualTo(btfSize("event_key"));
  }

  @Test
  void programInfoOffsetsMatchTheRunningKernel() {
    // bpf_prog_info is the kernel's struct, read by programStats(): check it against the kernel's BTF.
    List<String> kernel = run("bpftool", "btf", "dump", "file", "/sys/kernel/btf/vmlinux", "format", "raw").lines()
        .toList();
    Map<String, Integer> offsets = structOffsets(kernel, "bpf_prog_info");
    assertThat(offsets).containsEntry("id", HandshakeDatapath.PROG_INFO_ID)
        .containsEntry("run_time_ns", HandshakeDatapath.PROG_INFO_RUN_TIME_NS)
        .containsEntry("run_cnt", HandshakeDatapath.PROG_INFO_RUN_CNT);
  }

  private static Map<String, Integer> structOffsets(List<String> dump, String name) {
    for (int i = 0; i < dump.size(); i++) {
      Matcher head = BTF_STRUCT.matcher(dump.get(i));
      if (head.find() && head.group(2).equals(name)) {
        assertThat(Integer.parseInt(head.group(3))).as("size of %s", name)
            .isLessThanOrEqualTo(HandshakeDatapath.PROG_INFO_SIZE + 64);
        Map<String, Integer> actual = new LinkedHashMap<>();
        for (int m = 1; m <= Integer.parseInt(head.group(4)); m++) {
          Matcher member = BTF_MEMBER.matcher(dump.get(i + m));
          if (member.find()) {
            actual.put(member.group(1), Integer.parseInt(member.group(2)) / 8);
          }
        }
        return actual;
      }
    }
    return fail("no struct " + name + " in the kernel's BTF");
  }

  @Test
  void loadTimeConfigurationIsTheWholeRodataAtTheJavaOffsets() {
    assertStruct("synid_config", HandshakeDatapath.CONFIG_SIZE, Map.of(
        "ts_window_s", HandshakeDatapath.CONFIG_TS_WINDOW,
        "node_shift", HandshakeDatapath.CONFIG_NODE_SHIFT,
        "wakeup_bytes", HandshakeDatapath.CONFIG_WAKEUP_BYTES,
        "allow_event_interval_ms", HandshakeDatapath.CONFIG_ALLOW_EVENT_INTERVAL));
    // set_initial_value replaces all of .rodata: cfg must be its only variable, at offset 0.
    int at = indexOf("DATASEC '.rodata'");
    assertThat(btf.get(at)).contains("vlen=1");
    Matcher m = BTF_DATASEC_VAR.matcher(btf.get(at + 1));
    assertThat(m.find()).isTrue();
    assertThat(m.group(3)).isEqualTo("cfg");
    assertThat(Integer.parseInt(m.group(1))).isZero();
    assertThat(Integer.parseInt(m.group(2))).isEqualTo(HandshakeDatapath.CONFIG_SIZE);
  }

  @Test
  void eventLayoutMatchesTheDecoder() throws IOException {
    Map<String, Integer> expected = new LinkedHashMap<>();
    expected.put("timestamp_ns", HandshakeEvent.OFF_TIMESTAMP);
    expected.put("cgroup_id", HandshakeEvent.OFF_CGROUP);
    expected.put("local_addr", HandshakeEvent.OFF_LOCAL_ADDR);
    expected.put("peer_addr", HandshakeEvent.OFF_PEER_ADDR);
    expected.put("local_port", HandshakeEvent.OFF_LOCAL_PORT);
    expected.put("peer_port", HandshakeEvent.OFF_PEER_PORT);
    expected.put("local_ident", HandshakeEvent.OFF_LOCAL_IDENT);
    expected.put("peer_ident", HandshakeEvent.OFF_PEER_IDENT);
    expected.put("peer_identity", HandshakeEvent.OFF_PEER_IDENTITY);
    expected.put("pid", HandshakeEvent.OFF_PID);
    expected.put("kind", HandshakeEvent.OFF_KIND);
    expected.put("action", HandshakeEvent.OFF_ACTION);
    expected.put("reason", HandshakeEvent.OFF_REASON);
    expected.put("key_id", HandshakeEvent.OFF_KEY_ID);
    assertDwarfStruct("handshake_event", HandshakeEvent.SIZE, expected);
  }

  @Test
  void counterEnumMatchesTheKernelIndexes() {
    String dump = run("llvm-dwarfdump", "--debug-info", "--name=counter", "--show-children", object.toString());
    Matcher m = Pattern.compile("DW_AT_name\\s+\\(\"(CNT_\\w+)\"\\)\\s+DW_AT_const_value\\s+\\((\\d+)\\)")
        .matcher(dump);
    Map<String, Integer> kernel = new LinkedHashMap<>();
    while (m.find()) {
      kernel.put(m.group(1), Integer.parseInt(m.group(2)));
    }
    assertThat(kernel).as("enum counter in the object").isNotEmpty();
    for (Counter c : Counter.values()) {
      String name = "CNT_" + c.name().replace("OPTION_", "OPT_");
      assertThat(kernel).as("kernel index of %s", c).containsEntry(name, c.ordinal());
    }
    assertThat(kernel).containsEntry("CNT_MAX", Counter.KERNEL_SLOTS);
    assertThat(kernel).hasSize(Counter.values().length + 1);
  }

  @Test
  void wireStructsArePackedAsTheJavaCodecWritesThem() throws IOException {
    assertDwarfStruct("fp1_option", Fp1Option.LENGTH, Map.of("kind", 0, "len", 1, "exid", 2, "ver_flags", 4,
        "key_id", 5, "ts16", 6, "ident", 8, "tag", 12));
    Map<String, Integer> mac = new LinkedHashMap<>();
    mac.put("domain", 0);
    mac.put("ver_flags", 4);
    mac.put("key_id", 5);
    mac.put("ts16", 6);
    mac.put("ident", 8);
    mac.put("client_isn", 12);
    mac.put("client_addr", 16);
    mac.put("server_addr", 32);
    mac.put("client_port", 48);
    mac.put("server_port", 50);
    mac.put("server_isn", 52);
    mac.put("peer_ident", 56);
    mac.put("reserved", 60);
    assertDwarfStruct("fp1_mac_input", Fp1Tag.INPUT_BYTES, mac);
  }

  private static void assertStruct(String name, int size, Map<String, Integer> offsets) {
    int at = indexOf("STRUCT '" + name + "'");
    Matcher head = BTF_STRUCT.matcher(btf.get(at));
    assertThat(head.find()).isTrue();
    assertThat(Integer.parseInt(head.group(3))).as("size of %s", name).isEqualTo(size);
    Map<String, Integer> actual = new LinkedHashMap<>();
    for (int i = 1; i <= Integer.parseInt(head.group(4)); i++) {
      Matcher m = BTF_MEMBER.matcher(btf.get(at + i));
      assertThat(m.find()).as(btf.get(at + i)).isTrue();
      actual.put(m.group(1), Integer.parseInt(m.group(2)) / 8);
    }
    assertThat(actual).as("members of %s", name).containsAllEntriesOf(offsets);
  }

  private static int btfSize(String name) {
    Matcher head = BTF_STRUCT.matcher(btf.get(indexOf("STRUCT '" + name + "'")));
    assertThat(head.find()).isTrue();
    return Integer.parseInt(head.group(3));
  }

  private static int indexOf(String marker) {
    for (int i = 0; i < btf.size(); i++) {
      if (btf.get(i).contains(marker)) {
        return i;
      }
    }
    return fail("BTF of the object has no " + marker);
  }

  private static void assertDwarfStruct(String name, int size, Map<String, Integer> offsets) throws IOException {
    String dump = run("llvm-dwarfdump", "--debug-info", "--name=" + name, "--show-children", object.toString());
    Matcher bytes = Pattern.compile("DW_AT_byte_size\\s+\\((0x[0-9a-f]+)\\)").matcher(dump);
    assertThat(bytes.find()).as("DWARF of %s", name).isTrue();
    assertThat(Integer.decode(bytes.group(1))).as("size of %s", name).isEqualTo(size);
    Map<String, Integer> actual = new LinkedHashMap<>();
    Matcher member = Pattern.compile(
        "DW_TAG_member\\s+DW_AT_name\\s+\\(\"([^\"]+)\"\\)(?s:.*?)DW_AT_data_member_location\\s+\\((0x[0-9a-f]+)\\)")
        .matcher(dump);
    while (member.find()) {
      actual.put(member.group(1), Integer.decode(member.group(2)));
    }
    assertThat(actual).as("members of %s", name).containsAllEntriesOf(offsets);
  }

  private static String run(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        return fail(List.of(command) + " failed: " + out);
      }
      return out;
    } catch (IOException e) {
      return fail("cannot run " + command[0] + " (install the Debian packages bpftool and llvm): " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return fail("interrupted");
    }
  }
}
