#ifndef CVIGIL_ZLIB_H
#define CVIGIL_ZLIB_H
// zlib (Debian zlib1g-dev): inflate for gzip and zlib streams (.cvd bodies, PDF, archives).
#include <zlib.h>

/// `inflateInit2` is a macro in zlib.h; Swift cannot call macros.
static inline int cvigil_inflate_init2(z_stream *stream, int window_bits) {
    return inflateInit2(stream, window_bits);
}
#endif
