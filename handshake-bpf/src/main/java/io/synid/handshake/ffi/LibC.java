package io.synid.handshake.ffi;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.size_t;

/**
 * Internal, not an API: the few libc calls the loader needs beyond what Java exposes: a cgroup
 * directory fd, vsnprintf, and for TC attachment the device index and type in a namespace.
 */
public interface LibC {

  int O_RDONLY = 0;
  int AF_INET = 2;
  int SOCK_DGRAM = 2;
  int CLONE_NEWNET = 0x40000000;
  int SIOCGIFHWADDR = 0x8927;
  int O_DIRECTORY = 0x10000;
  int O_CLOEXEC = 0x80000;

  @SaveError
  int open(String path, int flags);

  int close(int fd);

  int vsnprintf(Pointer buffer, @size_t long size, String format, Pointer args);

  int if_nametoindex(String name);

  @SaveError
  int setns(int fd, int nstype);

  @SaveError
  int socket(int domain, int type, int protocol);

  @SaveError
  int ioctl(int fd, long request, Pointer argument);
}
