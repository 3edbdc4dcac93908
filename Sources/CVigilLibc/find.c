#define _GNU_SOURCE
#include <string.h>
#include "CVigilLibc.h"

void *cvigil_find_rare(const void *haystack, size_t haystack_length, const void *needle, size_t needle_length,
                       size_t rare) {
    const unsigned char *h = haystack, *n = needle;
    if (needle_length == 0 || needle_length > haystack_length || rare >= needle_length) return NULL;
    const unsigned char *p = h + rare, *end = h + haystack_length - (needle_length - 1 - rare);
    while (p < end) {
        const unsigned char *hit = memchr(p, n[rare], (size_t)(end - p));
        if (!hit) return NULL;
        if (memcmp(hit - rare, n, needle_length) == 0) return (void *)(hit - rare);
        p = hit + 1;
    }
    return NULL;
}
