package io.synid.handshake;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/** One kernel map by file descriptor, with keys and values as native-order byte arrays. */
final class BpfMap {

  private static final int ENOENT = 2;

  private final NativeLibraries n;
  private final String name;
  private final int fd;
  private final int keySize;
  private final int valueSize;

  BpfMap(NativeLibraries n, String name, int fd, int keySize, int valueSize) {
    this.n = n;
    this.name = name;
    this.fd = fd;
    this.keySize = keySize;
    this.valueSize = valueSize;
  }

  String name() {
    return name;
  }

  int fd() {
    return fd;
  }

  void put(byte[] key, byte[] value) throws DatapathException {
    check(key, value);
    int rc = n.bpf.bpf_map_update_elem(fd, pointer(key), pointer(value), 0);
    if (rc != 0) {
      throw new DatapathException("update of map " + name + " failed: errno " + -rc);
    }
  }

  /** Deletes a key; a missing key is not an error. */
  void delete(byte[] key) throws DatapathException {
    check(key, new byte[valueSize]);
    int rc = n.bpf.bpf_map_delete_elem(fd, pointer(key));
    if (rc != 0 && rc != -ENOENT) {
      throw new DatapathException("delete from map " + name + " failed: errno " + -rc);
    }
  }

  /** Looks a key up; {@code valueBytes} is the value size, larger than the map's for per-CPU maps. */
  Optional<byte[]> get(byte[] key, int valueBytes) throws DatapathException {
    Pointer out = Memory.allocateDirect(n.runtime, valueBytes);
    int rc = n.bpf.bpf_map_lookup_elem(fd, pointer(key), out);
    if (rc == -ENOENT) {
      return Optional.empty();
    }
    if (rc != 0) {
      throw new DatapathException("lookup in map " + name + " failed: errno " + -rc);
    }
    byte[] value = new byte[valueBytes];
    out.get(0, value, 0, valueBytes);
    return Optional.of(value);
  }

  /** Every key, read with get_next_key; bounded by {@code limit} in case the map churns. */
  List<byte[]> keys(int limit) throws DatapathException {
    List<byte[]> keys = new ArrayList<>();
    Pointer cur = null;
    Pointer next = Memory.allocateDirect(n.runtime, keySize);
    while (keys.size() < limit) {
      int rc = n.bpf.bpf_map_get_next_key(fd, cur, next);
      if (rc == -ENOENT) {
        break;
      }
      if (rc != 0) {
        throw new DatapathException("iterating map " + name + " failed: errno " + -rc);
      }
      byte[] k = new byte[keySize];
      next.get(0, k, 0, keySize);
      keys.add(k);
      cur = pointer(k);
    }
    return keys;
  }

  private void check(byte[] key, byte[] value) {
    if (key.length != keySize || value.length != valueSize) {
      throw new IllegalArgumentException("map " + name + " wants " + keySize + "/" + valueSize + " bytes, got "
          + key.length + "/" + value.length + " " + Arrays.toString(key));
    }
  }

  private Pointer pointer(byte[] bytes) {
    Pointer p = Memory.allocateDirect(n.runtime, Math.max(1, bytes.length));
    p.put(0, bytes, 0, bytes.length);
    return p;
  }
}
