#include "core/alloc.h"

#include <stdint.h>
#include <stdlib.h>

static _Atomic size_t total;

void *bnx_calloc(size_t count, size_t size, size_t *failed)
{
    void *p = NULL;
    if (size == 0 || count <= SIZE_MAX / size)
        p = calloc(count ? count : 1, size ? size : 1);
    if (p)
        total += count * size;
    if (!p && !*failed)
        *failed = count <= SIZE_MAX / (size ? size : 1) ? count * size : SIZE_MAX;
    return p;
}

size_t bnx_alloc_total(void) { return total; }
