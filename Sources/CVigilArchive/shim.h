#ifndef CVIGIL_ARCHIVE_H
#define CVIGIL_ARCHIVE_H
// libarchive (Debian libarchive-dev): reading every archive and compression format it knows, from memory;
// the tests also write archives with it.
#include <archive.h>
#include <archive_entry.h>

/// `AE_IFREG` is a macro with a cast; Swift cannot import it.
static inline int cvigil_entry_is_regular_file(struct archive_entry *entry) {
    return archive_entry_filetype(entry) == AE_IFREG;
}
#endif
