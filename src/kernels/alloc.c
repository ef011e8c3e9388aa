/*
 * alloc.c -- the allocator hook.  Every allocation of the core goes
 * through uf_malloc / uf_realloc / uf_free so tests can fail each in turn.
 */
#include "kernels.h"

#include <stdlib.h>
#include <string.h>

static void *libc_malloc(void *ud, size_t n)
{
    (void)ud;
    return malloc(n);
}

static void *libc_realloc(void *ud, void *p, size_t n)
{
    (void)ud;
    return realloc(p, n);
}

static void libc_free(void *ud, void *p)
{
    (void)ud;
    free(p);
}

static UfAllocator allocator = {libc_malloc, libc_realloc, libc_free, NULL};

void uf_set_allocator(const UfAllocator *a)
{
    static const UfAllocator libc = {libc_malloc, libc_realloc, libc_free,
                                     NULL};
    allocator = (a != NULL) ? *a : libc;
}

void *uf_malloc(size_t n)
{
    return allocator.malloc(allocator.ud, n == 0 ? 1 : n);
}

void *uf_calloc(size_t count, size_t n)
{
    if (n != 0 && count > SIZE_MAX / n) {
        return NULL;
    }
    void *p = uf_malloc(count * n);
    if (p != NULL) {
        memset(p, 0, count * n);
    }
    return p;
}

void *uf_realloc(void *p, size_t n)
{
    return allocator.realloc(allocator.ud, p, n == 0 ? 1 : n);
}

void uf_free(void *p)
{
    if (p != NULL) {
        allocator.free(allocator.ud, p);
    }
}

char *uf_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = uf_malloc(n);
    if (d != NULL) {
        memcpy(d, s, n);
    }
    return d;
}
