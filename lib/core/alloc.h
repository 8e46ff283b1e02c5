/* Allocation of many buffers with one error check at the end. */
#ifndef BNX_CORE_ALLOC_H
#define BNX_CORE_ALLOC_H

#include <stddef.h>

/* calloc(count, size) (at least one byte).  On failure returns NULL and,
 * if *failed is still 0, records in it the number of bytes asked for, so a
 * caller can allocate everything, then report the first failure by size.
 * A count * size that overflows size_t fails the same way. */
void *bnx_calloc(size_t count, size_t size, size_t *failed);

/* Bytes bnx_calloc has handed out in this process so far (count * size of
 * every successful call; frees are not subtracted).  For tests that compare
 * what was allocated with what was estimated. */
size_t bnx_alloc_total(void);

#endif
