#ifndef CVIGIL_LIBC_H
#define CVIGIL_LIBC_H
// What glibc declares only under _GNU_SOURCE, which Swift's Glibc module does not set.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stddef.h>

/// `O_NOATIME`: open without updating the access time.
static const int cvigil_o_noatime = O_NOATIME;

/// Finds the first occurrence of `needle` in `haystack` by scanning (with `memchr`, vectorised) for its byte at
/// index `rare`, chosen as the one least likely in the data, and comparing the rest where it occurs: for short
/// needles several times faster than `memmem` when that byte is rare.
void *cvigil_find_rare(const void *haystack, size_t haystack_length, const void *needle, size_t needle_length,
                       size_t rare);

#endif
