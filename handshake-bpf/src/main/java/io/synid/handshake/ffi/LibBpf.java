package io.synid.handshake.ffi;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.Delegate;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.size_t;

/**
 * Internal, not an API: the part of Debian's libbpf 1.1 ({@code libbpf.so.1}) the loader calls. libbpf 1.x returns
 * {@code -errno} from int functions and {@code NULL} with errno set from pointer functions.
 */
public interface LibBpf {

  @SaveError
  Pointer bpf_object__open_file(String path, Pointer opts);

  int bpf_object__load(Pointer obj);

  void bpf_object__close(Pointer obj);

  Pointer bpf_object__find_map_by_name(Pointer obj, String name);

  Pointer bpf_object__find_program_by_name(Pointer obj, String name);

  int bpf_map__fd(Pointer map);

  int bpf_program__fd(Pointer prog);

  int bpf_obj_get_info_by_fd(int fd, Pointer info, Pointer infoLength);

  /** BPF_PROG_TEST_RUN; {@code opts} is a {@code struct bpf_test_run_opts}. */
  int bpf_prog_test_run_opts(int progFd, Pointer opts);

  @SaveError
  int bpf_enable_stats(int type);

  int bpf_tc_hook_create(Pointer hook);

  int bpf_tc_hook_destroy(Pointer hook);

  int bpf_tc_attach(Pointer hook, Pointer opts);

  int bpf_tc_detach(Pointer hook, Pointer opts);

  int bpf_map__set_pin_path(Pointer map, String path);

  int bpf_map__set_initial_value(Pointer map, Pointer data, @size_t long size);

  @SaveError
  Pointer bpf_program__attach_cgroup(Pointer prog, int cgroupFd);

  int bpf_link__pin(Pointer link, String path);

  @SaveError
  Pointer bpf_link__open(String path);

  int bpf_link__update_program(Pointer link, Pointer prog);

  int bpf_link__detach(Pointer link);

  int bpf_link__destroy(Pointer link);

  int bpf_map_update_elem(int fd, Pointer key, Pointer value, long flags);

  int bpf_map_delete_elem(int fd, Pointer key);

  int bpf_map_lookup_elem(int fd, Pointer key, Pointer value);

  int bpf_map_get_next_key(int fd, Pointer key, Pointer nextKey);

  @SaveError
  Pointer ring_buffer__new(int mapFd, SampleCallback callback, Pointer ctx, Pointer opts);

  int ring_buffer__poll(Pointer rb, int timeoutMs);

  int ring_buffer__consume(Pointer rb);

  void ring_buffer__free(Pointer rb);

  int libbpf_num_possible_cpus();

  Pointer libbpf_set_print(PrintCallback callback);

  /** {@code ring_buffer_sample_fn}. */
  interface SampleCallback {
    @Delegate
    int sample(Pointer ctx, Pointer data, @size_t long size);
  }

  /** {@code libbpf_print_fn_t}: the va_list arrives as a pointer on x86-64 and arm64 Linux. */
  interface PrintCallback {
    @Delegate
    int print(int level, String format, Pointer args);
  }
}
