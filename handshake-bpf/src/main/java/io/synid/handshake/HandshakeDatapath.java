package io.synid.handshake;

import io.synid.handshake.ffi.LibBpf;
import io.synid.handshake.ffi.LibC;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * The identity handshake datapath of one cgroup subtree: the compiled eBPF object loaded, attached
 * and fed with identities, keys, bindings and verdicts.
 *
 * <p>Contract: {@link #open} loads the object shipped in this jar, attaches the sockops and
 * cgroup_skb/ingress programs to {@link DatapathConfig#cgroup()} (or, with {@link
 * DatapathConfig#tcDevices()}, the ingress checks at TC ingress of those devices in the calling
 * thread's network namespace) and starts a daemon thread that drains decision events every 50 ms. Every setter writes through to the kernel before returning,
 * so a connection attempted after the call returns sees the new state. Methods are thread-safe.
 * What survives the process depends on {@link Lifetime}.
 *
 * <p>The kernel decides nothing on its own: a workload without {@link #setLocalIdentity} is left
 * alone, a pair without an allowing {@link #setVerdicts verdict} is refused, and an unauthenticated
 * peer passes only through a {@link #setCidrRules CIDR rule} of the workload it connects to. See
 * docs/handshake.md for the maps.
 *
 * <p>Requires Linux 6.1 or later, CAP_BPF and CAP_NET_ADMIN (or root), cgroup v2, and libbpf 1.x.
 */
public final class HandshakeDatapath implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(HandshakeDatapath.class.getName());
  private static final String OBJECT_RESOURCE = "handshake.bpf.o";
  private static final String SOCKOPS = "synid_sockops";
  private static final String INGRESS = "synid_ingress";
  private static final String TC_INGRESS = "synid_tc_ingress";
  private static final List<String> PROGRAMS = List.of(SOCKOPS, INGRESS);
  private static final int ETH_HLEN = 14;
  /**
   * {@code struct bpf_test_run_opts} of libbpf 1.1 on 64-bit: size_t sz at 0, data_in at 8,
   * data_size_in at 24, retval at 56, repeat at 60, duration (mean ns) at 64; 80 bytes.
   */
  private static final int TEST_RUN_OPTS_SIZE = 80;
  /** TC filter handle and priority of the TC variant: fixed, so a restarted loader replaces its filter. */
  private static final int TC_HANDLE = 0x5349;
  private static final int TC_PRIORITY = 1;
  private static final int BPF_TC_INGRESS = 1;
  private static final int BPF_TC_F_REPLACE = 1;
  private static final int TC_HOOK_SIZE = 24;
  private static final int TC_OPTS_SIZE = 32;
  private static final int ARPHRD_ETHER = 1;
  private static final int ARPHRD_LOOPBACK = 772;
  /** {@code struct bpf_prog_info}: size and the offsets read (checked against the kernel's BTF by the tests). */
  static final int PROG_INFO_SIZE = 232;
  static final int PROG_INFO_ID = 4;
  static final int PROG_INFO_RUN_TIME_NS = 192;
  static final int PROG_INFO_RUN_CNT = 200;
  /** Maps and their key/value sizes (struct sizes in handshake.h). */
  static final Map<String, int[]> MAPS = mapSizes();
  /**
   * How long a decision may wait in the ring buffer before the poller reads it (the programs do
   * not wake it below {@code wakeup_bytes}): the floor of the audit's latency. A wake-up every
   * 10 ms costs an idle node about 200 system calls a second.
   */
  private static final int POLL_MS = 10;
  /** {@code struct synid_config}: size and field offsets (checked against the object's BTF). */
  static final int CONFIG_SIZE = 16;
  static final int CONFIG_TS_WINDOW = 0;
  static final int CONFIG_NODE_SHIFT = 4;
  static final int CONFIG_WAKEUP_BYTES = 8;
  static final int CONFIG_ALLOW_EVENT_INTERVAL = 12;
  private static final int WAKEUP_BYTES = 64 * 1024;
  /** {@code struct cidr_key}: size and the bits of its fixed fields (checked against the object's BTF). */
  static final int CIDR_KEY_SIZE = 28;
  static final int CIDR_KEY_FIXED_BITS = 64;
  static final int CIDR_KEY_DST_IDENTITY = 4;
  static final int CIDR_KEY_PORT = 8;
  static final int CIDR_KEY_ADDR = 12;
  private static final int CIDR_ALLOW = 1;
  private static final int CIDR_DENY = 2;

  private final NativeLibraries n = NativeLibraries.get();
  private final DatapathConfig config;
  private final Pointer object;
  private final Map<String, BpfMap> maps = new HashMap<>();
  private final List<Pointer> links = new ArrayList<>();
  private final List<Integer> tcIfindexes = new ArrayList<>();
  private int tcNetns = -1;
  private final List<Consumer<HandshakeEvent>> listeners = new CopyOnWriteArrayList<>();
  private final int possibleCpus;
  // Held so the native callback stub stays reachable while the ring buffer exists.
  private final LibBpf.SampleCallback sampleCallback;
  private final Pointer ringBuffer;
  private final Thread poller;
  private final Object verdictLock = new Object();
  /** The verdict map's content as last written (hex key -> value), null until first needed. */
  private Map<String, byte[]> installedVerdicts;
  private final Object cidrLock = new Object();
  /** The CIDR rules' content as last written (hex key -> value), null until first needed. */
  private Map<String, byte[]> installedCidrRules;
  private volatile boolean running = true;
  private boolean closed;

  private HandshakeDatapath(DatapathConfig config) throws DatapathException {
    this.config = config;
    this.possibleCpus = n.bpf.libbpf_num_possible_cpus();
    Path objectFile = extractObject();
    Pointer obj = null;
    try {
      n.clearLog();
      obj = n.bpf.bpf_object__open_file(objectFile.toString(), null);
      if (obj == null) {
        throw failure("opening the eBPF object failed: errno " + n.errno());
      }
      configure(obj);
      if (config.lifetime() == Lifetime.FAIL_CLOSED) {
        Path dir = config.pinDirectory().orElseThrow();
        createPinDirectory(dir);
        for (String name : MAPS.keySet()) {
          n.bpf.bpf_map__set_pin_path(map(obj, name), dir.resolve(name).toString());
        }
      }
      int rc = n.bpf.bpf_object__load(obj);
      if (rc != 0) {
        throw failure("loading the eBPF object failed: errno " + -rc);
      }
      for (Map.Entry<String, int[]> e : MAPS.entrySet()) {
        int fd = n.bpf.bpf_map__fd(map(obj, e.getKey()));
        maps.put(e.getKey(), new BpfMap(n, e.getKey(), fd, e.getValue()[0], e.getValue()[1]));
      }
      attach(obj);
    } catch (DatapathException | RuntimeException e) {
      for (Pointer link : links) {
        n.bpf.bpf_link__destroy(link);
      }
      if (obj != null) {
        n.bpf.bpf_object__close(obj);
      }
      throw e;
    } finally {
      try {
        Files.deleteIfExists(objectFile);
      } catch (IOException e) {
        LOG.log(Level.WARNING, "temporary object file not deleted: {0}", objectFile);
      }
    }
    this.object = obj;
    this.sampleCallback = (ctx, data, size) -> {
      byte[] raw = new byte[(int) Math.min(size, HandshakeEvent.SIZE)];
      data.get(0, raw, 0, raw.length);
      dispatch(raw);
      return 0;
    };
    this.ringBuffer = n.bpf.ring_buffer__new(maps.get("events").fd(), sampleCallback, null, null);
    if (ringBuffer == null) {
      int errno = n.errno();
      closeNative();
      throw new DatapathException("ring buffer setup failed: errno " + errno);
    }
    this.poller = new Thread(this::pollEvents, "synid-handshake-events");
    poller.setDaemon(true);
    poller.start();
  }

  /**
   * Loads and attaches the datapath.
   *
   * @throws DatapathException if the kernel refuses the object or the attachment (the message
   *     carries libbpf's log), or the cgroup cannot be opened
   */
  public static HandshakeDatapath open(DatapathConfig config) throws DatapathException {
    return new HandshakeDatapath(Objects.requireNonNull(config, "config"));
  }

  /** The cgroup v2 id of a cgroup directory, as {@code bpf_get_current_cgroup_id()} reports it. */
  public static long cgroupId(Path cgroupDirectory) throws IOException {
    // On cgroup v2 the id is the kernfs inode number of the directory.
    return ((Number) Files.getAttribute(cgroupDirectory, "unix:ino")).longValue();
  }

  /**
   * Detaches and removes what a {@link Lifetime#FAIL_CLOSED} datapath pinned under {@code
   * pinDirectory}, for instance after its process was killed. Missing pins are not an error.
   */
  public static void removePinned(Path pinDirectory) throws DatapathException {
    NativeLibraries n = NativeLibraries.get();
    for (String prog : PROGRAMS) {
      Path pin = pinDirectory.resolve("link_" + prog);
      if (Files.exists(pin)) {
        Pointer link = n.bpf.bpf_link__open(pin.toString());
        if (link != null) {
          n.bpf.bpf_link__detach(link);
          n.bpf.bpf_link__destroy(link);
        }
      }
    }
    try {
      if (Files.isDirectory(pinDirectory)) {
        try (var entries = Files.list(pinDirectory)) {
          for (Path p : (Iterable<Path>) entries::iterator) {
            Files.deleteIfExists(p);
          }
        }
        Files.deleteIfExists(pinDirectory);
      }
    } catch (IOException e) {
      throw new DatapathException("removing pins under " + pinDirectory + " failed: " + e.getMessage());
    }
  }

  // ---- identities, keys, bindings ----

  /** Declares that the workload in cgroup {@code cgroupId} is {@code ident} / {@code identity}. */
  public void setLocalIdentity(long cgroupId, int ident, int identity) throws DatapathException {
    maps.get("local_ids").put(u64(cgroupId), ints(ident, identity));
  }

  /** Forgets a workload: its sockets are no longer signed nor checked. */
  public void removeLocalIdentity(long cgroupId) throws DatapathException {
    maps.get("local_ids").delete(u64(cgroupId));
  }

  /** Installs both directions of the pairwise key with a peer for one epoch. */
  public void setPeerKeys(PairwiseKeys keys) throws DatapathException {
    maps.get("peer_keys").put(peerKeyId(keys.peerNode(), keys.keyId(), 0), keys.tx());
    maps.get("peer_keys").put(peerKeyId(keys.peerNode(), keys.keyId(), 1), keys.rx());
  }

  /** Removes both directions of a peer's key for one epoch. */
  public void removePeerKeys(int peerNode, int epoch) throws DatapathException {
    maps.get("peer_keys").delete(peerKeyId(peerNode, epoch & 0xff, 0));
    maps.get("peer_keys").delete(peerKeyId(peerNode, epoch & 0xff, 1));
  }

  /** Selects the epoch this node signs with (receivers accept every epoch they hold a key for). */
  public void setTransmitEpoch(int epoch) throws DatapathException {
    maps.get("key_state").put(ints(0), ints(epoch & 0xff));
  }

  /** Routes connections to {@code prefix} through node {@code node}'s keys (FP1 is sent there). */
  public void setPeerNode(InetAddress prefix, int prefixLength, int node) throws DatapathException {
    maps.get("peer_nodes").put(lpmKey(prefix, prefixLength), ints(node));
  }

  /** Removes a peer-node prefix. */
  public void removePeerNode(InetAddress prefix, int prefixLength) throws DatapathException {
    maps.get("peer_nodes").delete(lpmKey(prefix, prefixLength));
  }

  /** Binds an identity handle to its global identity and the node allowed to present it. */
  public void setBinding(int ident, int identity, int node) throws DatapathException {
    maps.get("bindings").put(ints(ident), ints(identity, node));
  }

  /** Removes an identity binding. */
  public void removeBinding(int ident) throws DatapathException {
    maps.get("bindings").delete(ints(ident));
  }

  /** Sets a workload's mode. */
  public void setMode(long cgroupId, WorkloadMode mode) throws DatapathException {
    maps.get("modes").put(u64(cgroupId), ints(mode.bits()));
  }

  /**
   * Replaces the whole set of CIDR rules: which peers without FP1 may reach which workload on
   * which port (see {@link CidrRule}; {@link CidrRule#forDestination} builds the entries for a
   * compiled policy). Two rules with the same key: the refusing one is kept.
   *
   * <p>Like {@link #setVerdicts}, only the difference with the installed set is written, and the
   * set is in the kernel map when this method returns. The writes are ordered so that no SYN is
   * allowed while they run that neither the old nor the new set allows: new and changed refusals
   * first, then stale allowing entries are deleted, then new and changed allowing entries are
   * written, then stale refusing entries are deleted. (A SYN that both sets allow may be refused
   * while the call runs; its retransmission passes.)
   */
  public void setCidrRules(Collection<CidrRule> rules) throws DatapathException {
    Map<String, byte[]> wanted = cidrEntries(rules);
    synchronized (cidrLock) {
      BpfMap map = maps.get("cidr_rules");
      Map<String, byte[]> installed = installedCidrRules != null ? installedCidrRules : readAll(map, 4);
      // Forgotten until the writes succeed: after a failure the next call reads the kernel again.
      installedCidrRules = null;
      for (Map.Entry<String, byte[]> op : cidrUpdates(installed, wanted)) {
        if (op.getValue() == null) {
          map.delete(HexFormat.of().parseHex(op.getKey()));
        } else {
          map.put(HexFormat.of().parseHex(op.getKey()), op.getValue());
        }
      }
      installedCidrRules = wanted;
    }
  }

  /** The CIDR map content for {@code rules} (hex key -> value); a refusal wins over an allow with the same key. */
  static Map<String, byte[]> cidrEntries(Collection<CidrRule> rules) {
    Map<String, byte[]> entries = new HashMap<>();
    for (CidrRule r : rules) {
      String hex = HexFormat.of().formatHex(cidrKey(r));
      byte[] value = ints(r.allow() ? CIDR_ALLOW : CIDR_DENY);
      if (entries.putIfAbsent(hex, value) != null && !r.allow()) {
        entries.put(hex, value);
      }
    }
    return entries;
  }

  /**
   * The map operations (hex key, value; a null value deletes) that take the CIDR rules from {@code
   * installed} to {@code wanted}, in an order that never allows what neither allows: first pass,
   * new and changed refusals, then stale allowing entries deleted; second pass, new and changed
   * allowing entries, then stale refusals deleted.
   */
  static List<Map.Entry<String, byte[]>> cidrUpdates(Map<String, byte[]> installed, Map<String, byte[]> wanted) {
    byte[] allow = ints(CIDR_ALLOW);
    List<Map.Entry<String, byte[]>> ops = new ArrayList<>();
    for (boolean allowing : new boolean[] {false, true}) {
      for (Map.Entry<String, byte[]> e : wanted.entrySet()) {
        if (Arrays.equals(e.getValue(), allow) == allowing && !Arrays.equals(installed.get(e.getKey()), e.getValue())) {
          ops.add(new AbstractMap.SimpleImmutableEntry<>(e.getKey(), e.getValue()));
        }
      }
      for (Map.Entry<String, byte[]> e : installed.entrySet()) {
        if (Arrays.equals(e.getValue(), allow) != allowing && !wanted.containsKey(e.getKey())) {
          ops.add(new AbstractMap.SimpleImmutableEntry<>(e.getKey(), null));
        }
      }
    }
    return ops;
  }

  /**
   * Replaces the whole verdict set. A pair that has port-specific rules but no rule for port 0
   * gets a "ports listed" entry, so other ports are refused as {@link Reason#DENIED_PORT} rather
   * than {@link Reason#DENIED_PAIR}. Only the difference with the installed set is written (a
   * one-rule change costs one map update whatever the size of the set); new and changed entries
   * are written before stale ones are deleted, so the kernel never sees a pair missing that is
   * allowed before and after. The set is in the kernel map when this method returns.
   */
  public void setVerdicts(Collection<VerdictRule> rules) throws DatapathException {
    Map<List<Integer>, Integer> wanted = new LinkedHashMap<>();
    Set<List<Integer>> pairsWithPorts = new HashSet<>();
    for (VerdictRule r : rules) {
      wanted.put(List.of(r.sourceIdentity(), r.destinationIdentity(), r.port()), r.allow() ? 1 : 2);
      if (r.port() != 0 && r.allow()) {
        pairsWithPorts.add(List.of(r.sourceIdentity(), r.destinationIdentity()));
      }
    }
    for (List<Integer> pair : pairsWithPorts) {
      wanted.putIfAbsent(List.of(pair.get(0), pair.get(1), 0), 3);
    }
    synchronized (verdictLock) {
      BpfMap map = maps.get("verdicts");
      Map<String, byte[]> installed = installedVerdicts != null ? installedVerdicts : readAll(map, 4);
      // Forgotten until the writes succeed: after a failure the next call reads the kernel again.
      installedVerdicts = null;
      Map<String, byte[]> next = new HashMap<>();
      for (Map.Entry<List<Integer>, Integer> e : wanted.entrySet()) {
        byte[] key = verdictKey(e.getKey().get(0), e.getKey().get(1), e.getKey().get(2));
        byte[] value = ints(e.getValue());
        String hex = HexFormat.of().formatHex(key);
        if (!Arrays.equals(installed.get(hex), value)) {
          map.put(key, value);
        }
        next.put(hex, value);
      }
      for (String hex : installed.keySet()) {
        if (!next.containsKey(hex)) {
          map.delete(HexFormat.of().parseHex(hex));
        }
      }
      installedVerdicts = next;
    }
  }

  /**
   * What a map holds (hex key -> value): empty, or a pinned map adopted from a previous process.
   * Read once, so that later calls write only the difference.
   */
  private static Map<String, byte[]> readAll(BpfMap map, int valueSize) throws DatapathException {
    Map<String, byte[]> content = new HashMap<>();
    for (byte[] key : map.keys(1 << 20)) {
      map.get(key, valueSize).ifPresent(v -> content.put(HexFormat.of().formatHex(key), v));
    }
    return content;
  }

  // ---- events and counters ----

  /** Registers a listener called on the event thread for every decision; it must not block. */
  public void addEventListener(Consumer<HandshakeEvent> listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /** Unregisters a listener. */
  public void removeEventListener(Consumer<HandshakeEvent> listener) {
    listeners.remove(listener);
  }

  /** The kernel's counters summed over all CPUs. */
  public Counters counters() throws DatapathException {
    Map<Counter, Long> values = new EnumMap<>(Counter.class);
    BpfMap map = maps.get("counters");
    for (Counter c : Counter.values()) {
      byte[] raw = map.get(ints(c.ordinal()), 8 * possibleCpus).orElse(new byte[8 * possibleCpus]);
      ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
      long sum = 0;
      for (int cpu = 0; cpu < possibleCpus; cpu++) {
        sum += b.getLong(cpu * 8);
      }
      values.put(c, sum);
    }
    return new Counters(values);
  }

  /**
   * The kernel's run-time statistics of the attached programs. Run time is only counted while
   * statistics are enabled ({@link #enableRunTimeStatistics()}); the counts are cumulative since the
   * programs were loaded.
   */
  public synchronized List<ProgramStats> programStats() throws DatapathException {
    requireOpen();
    List<ProgramStats> stats = new ArrayList<>();
    for (String name : attachedPrograms()) {
      int fd = n.bpf.bpf_program__fd(n.bpf.bpf_object__find_program_by_name(object, name));
      Pointer info = Memory.allocateDirect(n.runtime, PROG_INFO_SIZE);
      info.put(0, new byte[PROG_INFO_SIZE], 0, PROG_INFO_SIZE);
      Pointer length = Memory.allocateDirect(n.runtime, 4);
      length.putInt(0, PROG_INFO_SIZE);
      int rc = n.bpf.bpf_obj_get_info_by_fd(fd, info, length);
      if (rc != 0) {
        throw new DatapathException("reading the statistics of " + name + " failed: errno " + -rc);
      }
      stats.add(new ProgramStats(name, info.getInt(PROG_INFO_ID), info.getLong(PROG_INFO_RUN_CNT),
          info.getLong(PROG_INFO_RUN_TIME_NS)));
    }
    return stats;
  }

  /**
   * Runs a loaded ingress program on one packet without any device (BPF_PROG_TEST_RUN), {@code
   * repeat} times in the kernel, and returns its verdict and mean run time. For tests, fuzzing and
   * benchmarks of the in-kernel checks; the program does not have to be attached.
   *
   * <p>The packet is a whole Ethernet frame (the kernel strips the MAC header for the cgroup_skb
   * program). The cgroup_skb program sees a socket of the calling thread's cgroup, so a thread in
   * a workload's cgroup gets that workload's check; the TC program looks the receiving socket up
   * in the calling thread's network namespace, as at a device. A run has every effect a real
   * packet has: counters, decision events, the per-CPU record of the last allowed SYN.
   *
   * @param program which ingress program
   * @param frame the Ethernet frame, at least 14 bytes
   * @param repeat runs in one call, at least 1; the time reported is their mean
   * @throws DatapathException if the kernel refuses the run
   */
  public synchronized TestRun testRun(IngressProgram program, byte[] frame, int repeat) throws DatapathException {
    requireOpen();
    Objects.requireNonNull(program, "program");
    Objects.requireNonNull(frame, "frame");
    if (frame.length < ETH_HLEN) {
      throw new IllegalArgumentException("a frame has at least " + ETH_HLEN + " bytes, got " + frame.length);
    }
    if (repeat < 1) {
      throw new IllegalArgumentException("repeat must be at least 1, got " + repeat);
    }
    int fd = n.bpf.bpf_program__fd(n.bpf.bpf_object__find_program_by_name(object, program.objectName));
    Pointer data = Memory.allocateDirect(n.runtime, frame.length);
    data.put(0, frame, 0, frame.length);
    Pointer opts = Memory.allocateDirect(n.runtime, TEST_RUN_OPTS_SIZE);
    opts.put(0, new byte[TEST_RUN_OPTS_SIZE], 0, TEST_RUN_OPTS_SIZE);
    opts.putLong(0, TEST_RUN_OPTS_SIZE);
    opts.putAddress(8, data.address());
    opts.putInt(24, frame.length);
    opts.putInt(60, repeat);
    int rc = n.bpf.bpf_prog_test_run_opts(fd, opts);
    if (rc != 0) {
      throw new DatapathException("test run of " + program.objectName + " failed: errno " + -rc);
    }
    int retval = opts.getInt(56);
    return new TestRun(program.passes(retval), retval, Integer.toUnsignedLong(opts.getInt(64)));
  }

  /** The ingress programs {@link #testRun} runs. */
  public enum IngressProgram {
    /** {@code synid_ingress}: returns 1 to pass, 0 to drop. */
    CGROUP_SKB(INGRESS),
    /** {@code synid_tc_ingress}: returns TC_ACT_OK (0) to pass, TC_ACT_SHOT (2) to drop. */
    TC(TC_INGRESS);

    private final String objectName;

    IngressProgram(String objectName) {
      this.objectName = objectName;
    }

    boolean passes(int returnValue) {
      return this == CGROUP_SKB ? returnValue == 1 : returnValue == 0;
    }
  }

  /**
   * One {@link #testRun}.
   *
   * @param passed whether the program let the packet through
   * @param returnValue the program's return value as the kernel reported it
   * @param nanosPerRun the kernel's mean time per run, in nanoseconds
   */
  public record TestRun(boolean passed, int returnValue, long nanosPerRun) {}

  /**
   * Makes the kernel measure the run time of every eBPF program until the returned handle is
   * closed (BPF_ENABLE_STATS: the same switch as {@code kernel.bpf_stats_enabled}, but released
   * with the handle, or when the process dies). Costs a little on every program run.
   */
  public static RunTimeStatistics enableRunTimeStatistics() throws DatapathException {
    NativeLibraries n = NativeLibraries.get();
    int fd = n.bpf.bpf_enable_stats(0); // BPF_STATS_RUN_TIME
    if (fd < 0) {
      throw new DatapathException("enabling run-time statistics failed: errno " + n.errno());
    }
    return new RunTimeStatistics(() -> n.libc.close(fd));
  }

  /** Keeps the kernel's run-time statistics on until closed. */
  public static final class RunTimeStatistics implements AutoCloseable {
    private final Runnable release;
    private boolean closed;

    private RunTimeStatistics(Runnable release) {
      this.release = release;
    }

    @Override
    public synchronized void close() {
      if (!closed) {
        closed = true;
        release.run();
      }
    }
  }

  /** This datapath's configuration. */
  public DatapathConfig config() {
    return config;
  }

  /**
   * Stops the event thread and releases this process's handles. {@link Lifetime#FAIL_OPEN}: the
   * programs are detached. {@link Lifetime#FAIL_CLOSED}: the pinned programs keep enforcing the
   * current maps, exactly as if the process had died; use {@link #uninstall()} to remove them.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    running = false;
    try {
      poller.join(2_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    n.bpf.ring_buffer__free(ringBuffer);
    closeNative();
  }

  /** Detaches the programs and removes every pin, whatever the lifetime, then closes. */
  public synchronized void uninstall() throws DatapathException {
    if (!closed) {
      for (Pointer link : links) {
        n.bpf.bpf_link__detach(link);
      }
      detachTc();
      close();
    }
    if (config.lifetime() == Lifetime.FAIL_CLOSED) {
      removePinned(config.pinDirectory().orElseThrow());
    }
  }

  // ---- internals ----

  /** For the calls that use the libbpf object, which {@link #close()} frees. */
  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("the datapath is closed");
    }
  }

  private void closeNative() {
    for (Pointer link : links) {
      n.bpf.bpf_link__destroy(link);
    }
    links.clear();
    if (config.lifetime() == Lifetime.FAIL_OPEN) {
      detachTc();
    }
    if (tcNetns >= 0) {
      n.libc.close(tcNetns);
      tcNetns = -1;
    }
    n.bpf.bpf_object__close(object);
  }

  private void pollEvents() {
    while (running) {
      // Events are submitted without waking us (a wake-up per event costs a third of the
      // connection rate), so poll on a timer and consume whatever is pending.
      int rc = n.bpf.ring_buffer__poll(ringBuffer, POLL_MS);
      if (rc >= 0) {
        rc = n.bpf.ring_buffer__consume(ringBuffer);
      }
      if (rc < 0 && rc != -4) { // -EINTR is harmless
        LOG.log(Level.WARNING, "ring buffer poll failed: errno {0}", -rc);
      }
    }
    n.bpf.ring_buffer__consume(ringBuffer);
  }

  private void dispatch(byte[] raw) {
    HandshakeEvent event;
    try {
      event = HandshakeEvent.decode(raw);
    } catch (IllegalArgumentException e) {
      LOG.log(Level.WARNING, "undecodable handshake event: {0}", e.getMessage());
      return;
    }
    for (Consumer<HandshakeEvent> l : listeners) {
      try {
        l.accept(event);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "handshake event listener failed", e);
      }
    }
  }

  private void configure(Pointer obj) throws DatapathException {
    Pointer rodata = n.bpf.bpf_object__find_map_by_name(obj, ".rodata");
    if (rodata == null) {
      throw failure("the eBPF object has no .rodata");
    }
    ByteBuffer cfg = ByteBuffer.allocate(CONFIG_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    cfg.putInt(CONFIG_TS_WINDOW, config.timestampWindowSeconds());
    cfg.putInt(CONFIG_NODE_SHIFT, config.nodeShift());
    // Wake the event reader early only when this much is pending; otherwise it drains on its timer.
    cfg.putInt(CONFIG_WAKEUP_BYTES, WAKEUP_BYTES);
    cfg.putInt(CONFIG_ALLOW_EVENT_INTERVAL, (int) config.allowedEventInterval().toMillis());
    Pointer data = Memory.allocateDirect(n.runtime, CONFIG_SIZE);
    data.put(0, cfg.array(), 0, CONFIG_SIZE);
    int rc = n.bpf.bpf_map__set_initial_value(rodata, data, CONFIG_SIZE);
    if (rc != 0) {
      throw failure("writing the load-time configuration failed: errno " + -rc);
    }
  }

  private void attach(Pointer obj) throws DatapathException {
    int cgroupFd = n.libc.open(config.cgroup().toString(), LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC);
    if (cgroupFd < 0) {
      throw new DatapathException("cannot open cgroup " + config.cgroup() + ": errno " + n.errno());
    }
    try {
      for (String name : attachedPrograms()) {
        if (name.equals(TC_INGRESS)) {
          continue;
        }
        Pointer prog = n.bpf.bpf_object__find_program_by_name(obj, name);
        if (prog == null) {
          throw failure("program " + name + " missing from the object");
        }
        links.add(config.lifetime() == Lifetime.FAIL_CLOSED ? attachPinned(prog, name, cgroupFd)
            : attachOwned(prog, name, cgroupFd));
      }
    } finally {
      n.libc.close(cgroupFd);
    }
    if (!config.tcDevices().isEmpty()) {
      attachTc(obj);
    }
  }

  private List<String> attachedPrograms() {
    return config.tcDevices().isEmpty() ? PROGRAMS : List.of(SOCKOPS, TC_INGRESS);
  }

  /**
   * Attaches the TC variant to every configured device of the calling thread's network namespace.
   * The namespace is remembered (as an fd) so that detaching works from any thread.
   */
  private void attachTc(Pointer obj) throws DatapathException {
    Pointer prog = n.bpf.bpf_object__find_program_by_name(obj, TC_INGRESS);
    if (prog == null) {
      throw failure("program " + TC_INGRESS + " missing from the object");
    }
    int progFd = n.bpf.bpf_program__fd(prog);
    tcNetns = n.libc.open("/proc/thread-self/ns/net", LibC.O_RDONLY | LibC.O_CLOEXEC);
    if (tcNetns < 0) {
      throw new DatapathException("cannot open this thread's network namespace: errno " + n.errno());
    }
    for (String device : config.tcDevices()) {
      int ifindex = n.libc.if_nametoindex(device);
      if (ifindex == 0) {
        throw new DatapathException("no device " + device + " in this thread's network namespace");
      }
      int type = deviceType(device);
      if (type != ARPHRD_ETHER && type != ARPHRD_LOOPBACK) {
        // The program's fast path reads a 14-byte MAC header.
        throw new DatapathException("device " + device + " has link type " + type
            + ": the TC variant supports Ethernet and loopback devices only (use cgroup_skb)");
      }
      Pointer hook = tcHook(ifindex);
      int rc = n.bpf.bpf_tc_hook_create(hook);
      if (rc != 0 && rc != -17) { // -EEXIST: a clsact qdisc is already there
        throw failure("creating the clsact hook on " + device + " failed: errno " + -rc);
      }
      Pointer opts = tcOpts(progFd, BPF_TC_F_REPLACE);
      rc = n.bpf.bpf_tc_attach(hook, opts);
      if (rc != 0) {
        throw failure("attaching " + TC_INGRESS + " to " + device + " failed: errno " + -rc);
      }
      tcIfindexes.add(ifindex);
    }
  }

  private int deviceType(String device) throws DatapathException {
    int fd = n.libc.socket(LibC.AF_INET, LibC.SOCK_DGRAM, 0);
    if (fd < 0) {
      throw new DatapathException("socket() failed: errno " + n.errno());
    }
    try {
      Pointer ifreq = Memory.allocateDirect(n.runtime, 40);
      byte[] name = device.getBytes(StandardCharsets.US_ASCII);
      ifreq.put(0, name, 0, name.length);
      if (n.libc.ioctl(fd, LibC.SIOCGIFHWADDR, ifreq) != 0) {
        throw new DatapathException("cannot read the link type of " + device + ": errno " + n.errno());
      }
      return ifreq.getShort(16) & 0xffff;
    } finally {
      n.libc.close(fd);
    }
  }

  private Pointer tcHook(int ifindex) {
    Pointer hook = Memory.allocateDirect(n.runtime, TC_HOOK_SIZE);
    hook.putLong(0, TC_HOOK_SIZE);
    hook.putInt(8, ifindex);
    hook.putInt(12, BPF_TC_INGRESS);
    return hook;
  }

  private Pointer tcOpts(int progFd, int flags) {
    Pointer opts = Memory.allocateDirect(n.runtime, TC_OPTS_SIZE);
    opts.putLong(0, TC_OPTS_SIZE);
    opts.putInt(8, progFd);
    opts.putInt(12, flags);
    opts.putInt(20, TC_HANDLE);
    opts.putInt(24, TC_PRIORITY);
    return opts;
  }

  /** Removes this datapath's TC filters, from a short-lived thread inside their namespace. */
  private void detachTc() {
    if (tcIfindexes.isEmpty()) {
      return;
    }
    Thread t = new Thread(() -> {
      if (n.libc.setns(tcNetns, LibC.CLONE_NEWNET) != 0) {
        LOG.log(Level.WARNING, "cannot enter the TC devices'' namespace: errno {0}", n.errno());
        return;
      }
      for (int ifindex : tcIfindexes) {
        int rc = n.bpf.bpf_tc_detach(tcHook(ifindex), tcOpts(0, 0));
        if (rc != 0 && rc != -2) { // -ENOENT: the device or the filter is gone already
          LOG.log(Level.WARNING, "detaching the TC filter from ifindex {0} failed: errno {1}", ifindex, -rc);
        }
      }
    }, "synid-tc-detach");
    t.start();
    try {
      t.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    tcIfindexes.clear();
  }

  private Pointer attachOwned(Pointer prog, String name, int cgroupFd) throws DatapathException {
    Pointer link = n.bpf.bpf_program__attach_cgroup(prog, cgroupFd);
    if (link == null) {
      throw failure("attaching " + name + " to " + config.cgroup() + " failed: errno " + n.errno());
    }
    return link;
  }

  /** Adopts a link pinned by an earlier process (swapping in the new program) or pins a new one. */
  private Pointer attachPinned(Pointer prog, String name, int cgroupFd) throws DatapathException {
    Path pin = config.pinDirectory().orElseThrow().resolve("link_" + name);
    if (Files.exists(pin)) {
      Pointer link = n.bpf.bpf_link__open(pin.toString());
      if (link == null) {
        throw failure("opening pinned link " + pin + " failed: errno " + n.errno());
      }
      int rc = n.bpf.bpf_link__update_program(link, prog);
      if (rc != 0) {
        n.bpf.bpf_link__destroy(link);
        throw failure("updating pinned link " + pin + " failed: errno " + -rc);
      }
      return link;
    }
    Pointer link = attachOwned(prog, name, cgroupFd);
    int rc = n.bpf.bpf_link__pin(link, pin.toString());
    if (rc != 0) {
      n.bpf.bpf_link__destroy(link);
      throw failure("pinning " + pin + " failed: errno " + -rc);
    }
    return link;
  }

  private void createPinDirectory(Path dir) throws DatapathException {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new DatapathException("cannot create pin directory " + dir + " (is it on a bpffs mount?): "
          + e.getMessage());
    }
  }

  private Pointer map(Pointer obj, String name) throws DatapathException {
    Pointer m = n.bpf.bpf_object__find_map_by_name(obj, name);
    if (m == null) {
      throw failure("map " + name + " missing from the object");
    }
    return m;
  }

  private DatapathException failure(String message) {
    List<String> lines = n.logLines();
    int from = Math.max(0, lines.size() - 60);
    return new DatapathException(message + (lines.isEmpty() ? "" : "\nlibbpf:\n"
        + String.join("\n", lines.subList(from, lines.size()))));
  }

  private static Path extractObject() throws DatapathException {
    try (InputStream in = HandshakeDatapath.class.getResourceAsStream(OBJECT_RESOURCE)) {
      if (in == null) {
        throw new DatapathException("resource io/synid/handshake/" + OBJECT_RESOURCE
            + " missing: the build did not compile the eBPF programs");
      }
      Path tmp = Files.createTempFile("synid-handshake", ".bpf.o");
      Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
      return tmp;
    } catch (IOException e) {
      throw new DatapathException("cannot extract the eBPF object: " + e.getMessage());
    }
  }

  private static Map<String, int[]> mapSizes() {
    Map<String, int[]> m = new LinkedHashMap<>();
    m.put("local_ids", new int[] {8, 8});
    m.put("listeners", new int[] {32, 8});
    m.put("peer_keys", new int[] {8, 16});
    m.put("key_state", new int[] {4, 4});
    m.put("bindings", new int[] {4, 8});
    m.put("verdicts", new int[] {12, 4});
    m.put("cidr_rules", new int[] {CIDR_KEY_SIZE, 4});
    m.put("peer_nodes", new int[] {20, 4});
    m.put("modes", new int[] {8, 4});
    m.put("counters", new int[] {4, 8});
    m.put("events", new int[] {0, 0});
    m.put("event_seen", new int[] {28, 8});
    return Map.copyOf(m);
  }

  static byte[] u64(long v) {
    return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
  }

  static byte[] ints(int... values) {
    ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (int v : values) {
      b.putInt(v);
    }
    return b.array();
  }

  static byte[] peerKeyId(int node, int keyId, int direction) {
    return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(node).put((byte) keyId)
        .put((byte) direction).putShort((short) 0).array();
  }

  static byte[] verdictKey(int src, int dst, int port) {
    return ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putInt(src).putInt(dst).putShort((short) port)
        .putShort((short) 0).array();
  }

  /**
   * {@code struct cidr_key}: the destination identity, port and pad are always matched in full, so
   * the LPM prefix length counts their bits before the address prefix's.
   */
  static byte[] cidrKey(CidrRule r) {
    return ByteBuffer.allocate(CIDR_KEY_SIZE).order(ByteOrder.LITTLE_ENDIAN)
        .putInt(CIDR_KEY_FIXED_BITS + r.mappedPrefixLength()).putInt(r.destinationIdentity()).putShort((short) r.port())
        .putShort((short) 0).put(TcpHandshake.mapped(r.prefix())).array();
  }

  static byte[] lpmKey(InetAddress prefix, int prefixLength) {
    int max = prefix instanceof Inet4Address ? 32 : 128;
    if (prefixLength < 0 || prefixLength > max) {
      throw new IllegalArgumentException("prefix length out of range: " + prefixLength);
    }
    int bits = prefix instanceof Inet4Address ? prefixLength + 96 : prefixLength;
    return ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN).putInt(bits).put(TcpHandshake.mapped(prefix))
        .array();
  }
}
