#ifndef CVIGIL_LIBC_H
#define CVIGIL_LIBC_H
// What glibc declares only under _GNU_SOURCE, which Swift's Glibc module does not set.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>

/// `O_NOATIME`: open without updating the access time.
static const int cvigil_o_noatime = O_NOATIME;

/// `O_TMPFILE`: an unnamed file in a directory, gone when closed.
static const int cvigil_o_tmpfile = O_TMPFILE;

/// Finds the first occurrence of `needle` in `haystack` by scanning (with `memchr`, vectorised) for its byte at
/// index `rare`, chosen as the one least likely in the data, and comparing the rest where it occurs: for short
/// needles several times faster than `memmem` when that byte is rare.
void *cvigil_find_rare(const void *haystack, size_t haystack_length, const void *needle, size_t needle_length,
                       size_t rare);


/// `recvmsg` on a stream socket with room for descriptors passed with `SCM_RIGHTS` (received close-on-exec):
/// up to `max_fds` are stored in `fds` and counted in `*fd_count`; any beyond are closed. Returns the bytes read,
/// or -1 with `errno` set.
long cvigil_receive(int socket, void *buffer, size_t length, int *fds, int max_fds, int *fd_count);

/// `accept4` giving a non-blocking, close-on-exec descriptor.
int cvigil_accept(int socket);

/// `sendmsg` of `length` bytes with one descriptor attached (`SCM_RIGHTS`), as clients of clamd's FILDES do.
long cvigil_send_descriptor(int socket, const void *buffer, size_t length, int fd);

/// `epoll` event bits (checked against <sys/epoll.h> where the functions are compiled).
static const uint32_t cvigil_epoll_in = 0x001, cvigil_epoll_out = 0x004, cvigil_epoll_err = 0x008,
                      cvigil_epoll_hup = 0x010, cvigil_epoll_rdhup = 0x2000;

/// `epoll_create1(EPOLL_CLOEXEC)`.
int cvigil_epoll_create(void);

/// A non-blocking, close-on-exec `eventfd`.
int cvigil_eventfd(void);

/// `epoll_ctl` with `events` and the descriptor itself as the event's data.
int cvigil_epoll_ctl(int epfd, int op, int fd, uint32_t events);

/// `epoll_ctl` operations.
enum { cvigil_epoll_add = 1, cvigil_epoll_del = 2, cvigil_epoll_mod = 3 };

/// `epoll_wait` unpacking each event into `fds[i]` and `events[i]`.
int cvigil_epoll_wait(int epfd, int *fds, uint32_t *events, int max, int timeout_ms);

/// Blocks `count` signals in the calling thread (threads it starts later inherit the mask) and returns a
/// `signalfd` that reads them, or -1 with `errno` set.
int cvigil_signalfd(const int *signals, int count);

/// Reads one signal from a `signalfd`: its number, or -1 when none is pending.
int cvigil_read_signal(int fd);

#endif
