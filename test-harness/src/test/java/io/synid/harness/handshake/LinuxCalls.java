package io.synid.harness.handshake;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/** libc calls the kernel tests need and Java lacks: setns, raw and packet sockets, the TAI clock. */
public interface LinuxCalls {

  int CLONE_NEWNET = 0x40000000;
  int AF_INET = 2;
  int AF_PACKET = 17;
  int SOCK_RAW = 3;
  int IPPROTO_TCP = 6;
  int SOL_SOCKET = 1;
  int SO_RCVTIMEO = 20;
  int SO_RCVBUFFORCE = 33;
  int CLOCK_TAI = 11;
  int CLOCK_PROCESS_CPUTIME_ID = 2;
  int O_RDONLY = 0;
  int O_CLOEXEC = 0x80000;

  LinuxCalls LIBC = LibraryLoader.create(LinuxCalls.class).load("c");

  @SaveError
  int open(String path, int flags);

  int close(int fd);

  @SaveError
  int setns(int fd, int nstype);

  int gettid();

  @SaveError
  int socket(int domain, int type, int protocol);

  @SaveError
  int bind(int fd, Pointer address, int length);

  @SaveError
  @ssize_t
  long sendto(int fd, Pointer buffer, @size_t long length, int flags, Pointer address, int addressLength);

  @SaveError
  @ssize_t
  long recv(int fd, Pointer buffer, @size_t long length, int flags);

  @SaveError
  int setsockopt(int fd, int level, int name, Pointer value, int length);

  int clock_gettime(int clock, Pointer timespec);

  int if_nametoindex(String name);
}
