package io.synid.handshake.ffi;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.size_t;

/** Internal, not an API: the few libc calls the loader needs beyond what Java exposes: a cgroup directory fd, vsnprintf. */
public interface LibC {

  int O_RDONLY = 0;
  int O_DIRECTORY = 0x10000;
  int O_CLOEXEC = 0x80000;

  @SaveError
  int open(String path, int flags);

  int close(int fd);

  int vsnprintf(Pointer buffer, @size_t long size, String format, Pointer args);
}
