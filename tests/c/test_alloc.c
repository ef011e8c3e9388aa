/*
 * test_alloc.c -- the allocator hook: uf_set_allocator, uf_malloc,
 * uf_calloc, uf_realloc, uf_free, uf_strdup.
 */
#include "testutil.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- a recording allocator: checks |ud| reaches every hook ------------- */

typedef struct Record {
    int mallocs;
    int reallocs;
    int frees;
} Record;

static void *rec_malloc(void *ud, size_t n)
{
    ((Record *)ud)->mallocs++;
    return malloc(n);
}

static void *rec_realloc(void *ud, void *p, size_t n)
{
    ((Record *)ud)->reallocs++;
    return realloc(p, n);
}

static void rec_free(void *ud, void *p)
{
    ((Record *)ud)->frees++;
    free(p);
}

static void test_custom_allocator_receives_calls(void)
{
    Record rec = {0, 0, 0};
    UfAllocator a = {rec_malloc, rec_realloc, rec_free, &rec};
    uf_set_allocator(&a);
    char *p = uf_malloc(16);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    p = uf_realloc(p, 64);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    uf_free(p);
    uf_set_allocator(NULL);
    CU_ASSERT_EQUAL(rec.mallocs, 1);
    CU_ASSERT_EQUAL(rec.reallocs, 1);
    CU_ASSERT_EQUAL(rec.frees, 1);
}

static void test_allocator_is_copied(void)
{
    Record rec = {0, 0, 0};
    UfAllocator a = {rec_malloc, rec_realloc, rec_free, &rec};
    uf_set_allocator(&a);
    memset(&a, 0, sizeof a); /* the core keeps its own copy */
    void *p = uf_malloc(8);
    uf_free(p);
    uf_set_allocator(NULL);
    CU_ASSERT_PTR_NOT_NULL(p);
    CU_ASSERT_EQUAL(rec.mallocs, 1);
    CU_ASSERT_EQUAL(rec.frees, 1);
}

static void test_null_restores_libc(void)
{
    Record rec = {0, 0, 0};
    UfAllocator a = {rec_malloc, rec_realloc, rec_free, &rec};
    uf_set_allocator(&a);
    uf_set_allocator(NULL);
    void *p = uf_malloc(32);
    CU_ASSERT_PTR_NOT_NULL(p);
    p = uf_realloc(p, 128);
    CU_ASSERT_PTR_NOT_NULL(p);
    uf_free(p); /* a libc block freed by libc: no crash under ASan */
    CU_ASSERT_EQUAL(rec.mallocs, 0);
    CU_ASSERT_EQUAL(rec.reallocs, 0);
    CU_ASSERT_EQUAL(rec.frees, 0);
}

/* ---- the counting allocator of testutil.c ----------------------------- */

static void test_counting_allocator_counts(void)
{
    uf_test_alloc_install(-1);
    void *p = uf_malloc(10);
    void *q = uf_calloc(4, 4);
    CU_ASSERT_EQUAL(uf_test_alloc_count(), 2);
    CU_ASSERT_EQUAL(uf_test_alloc_live(), 2);
    uf_free(p);
    uf_free(q);
    uf_free(NULL); /* allowed, and not a free of a block */
    CU_ASSERT_EQUAL(uf_test_alloc_live(), 0);
    uf_test_alloc_uninstall();
}

static void test_failing_malloc_returns_null(void)
{
    uf_test_alloc_install(0);
    CU_ASSERT_PTR_NULL(uf_malloc(8));
    CU_ASSERT_PTR_NULL(uf_calloc(2, 8));
    CU_ASSERT_PTR_NULL(uf_strdup("abc"));
    CU_ASSERT_EQUAL(uf_test_alloc_live(), 0);
    uf_test_alloc_uninstall();
}

static void test_failing_realloc_keeps_block(void)
{
    uf_test_alloc_install(1); /* the malloc succeeds, the realloc fails */
    char *p = uf_malloc(4);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    memcpy(p, "abc", 4);
    CU_ASSERT_PTR_NULL(uf_realloc(p, 1 << 20));
    CU_ASSERT_STRING_EQUAL(p, "abc");
    uf_free(p);
    CU_ASSERT_EQUAL(uf_test_alloc_live(), 0);
    uf_test_alloc_uninstall();
}

static void test_realloc_null_allocates(void)
{
    uf_test_alloc_install(-1);
    char *p = uf_realloc(NULL, 16);
    CU_ASSERT_PTR_NOT_NULL(p);
    CU_ASSERT_EQUAL(uf_test_alloc_live(), 1);
    uf_free(p);
    CU_ASSERT_EQUAL(uf_test_alloc_live(), 0);
    uf_test_alloc_uninstall();
}

/* ---- uf_calloc ------------------------------------------------------- */

static void test_calloc_zeroes(void)
{
    unsigned char *p = uf_calloc(100, 3);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    int nonzero = 0;
    for (int i = 0; i < 300; i++) {
        nonzero += p[i] != 0;
    }
    CU_ASSERT_EQUAL(nonzero, 0);
    uf_free(p);
}

static void test_calloc_overflow_returns_null(void)
{
    uf_test_alloc_install(-1);
    CU_ASSERT_PTR_NULL(uf_calloc(SIZE_MAX / 2 + 1, 2));
    CU_ASSERT_PTR_NULL(uf_calloc(2, SIZE_MAX));
    CU_ASSERT_PTR_NULL(uf_calloc(SIZE_MAX, SIZE_MAX));
    CU_ASSERT_EQUAL(uf_test_alloc_count(), 0); /* never reached malloc */
    uf_test_alloc_uninstall();
}

static void test_zero_sizes_are_freeable(void)
{
    uf_test_alloc_install(-1);
    void *p = uf_malloc(0);
    void *q = uf_calloc(0, 8);
    void *r = uf_calloc(8, 0);
    uf_free(p);
    uf_free(q);
    uf_free(r);
    CU_ASSERT_EQUAL(uf_test_alloc_live(), 0);
    uf_test_alloc_uninstall();
}

/* ---- uf_strdup ------------------------------------------------------- */

static void test_strdup_copies(void)
{
    uf_test_alloc_install(-1);
    const char *s = "leaky_relu";
    char *d = uf_strdup(s);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_PTR_NOT_EQUAL(d, s);
    CU_ASSERT_STRING_EQUAL(d, s);
    CU_ASSERT_EQUAL(uf_test_alloc_count(), 1);
    uf_free(d);
    char *e = uf_strdup("");
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    CU_ASSERT_STRING_EQUAL(e, "");
    uf_free(e);
    CU_ASSERT_EQUAL(uf_test_alloc_live(), 0);
    uf_test_alloc_uninstall();
}

/* The sweep helper itself, on a function with three allocations. */
static int three_allocs(void *ud)
{
    (void)ud;
    char *a = uf_strdup("a");
    char *b = uf_malloc(8);
    char *c = uf_calloc(2, 2);
    int rc = (a != NULL && b != NULL && c != NULL) ? 0 : -1;
    uf_free(a);
    uf_free(b);
    uf_free(c);
    return rc;
}

static void test_sweep_fails_each_allocation(void)
{
    uf_test_alloc_sweep(three_allocs, NULL);
}

int main(void)
{
    static const UfTestCase cases[] = {
        UF_CASE(test_custom_allocator_receives_calls),
        UF_CASE(test_allocator_is_copied),
        UF_CASE(test_null_restores_libc),
        UF_CASE(test_counting_allocator_counts),
        UF_CASE(test_failing_malloc_returns_null),
        UF_CASE(test_failing_realloc_keeps_block),
        UF_CASE(test_realloc_null_allocates),
        UF_CASE(test_calloc_zeroes),
        UF_CASE(test_calloc_overflow_returns_null),
        UF_CASE(test_zero_sizes_are_freeable),
        UF_CASE(test_strdup_copies),
        UF_CASE(test_sweep_fails_each_allocation),
        UF_CASES_END,
    };
    return uf_test_main("alloc", cases);
}
