/*
 * testutil.c -- CUnit runner and the counting allocator.
 */
#include "testutil.h"

#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int uf_test_main(const char *suite, const UfTestCase *cases)
{
    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 2;
    }
    CU_pSuite s = CU_add_suite(suite, NULL, NULL);
    for (const UfTestCase *c = cases; c->name != NULL; c++) {
        CU_add_test(s, c->name, c->fn);
    }
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures();
    unsigned tests_failed = CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return (failed || tests_failed) ? 1 : 0;
}

/* Each block carries its size in a header so realloc can count. */
static long alloc_fail_at = -1;
static long alloc_count;
static long alloc_live;

static void *count_malloc(void *ud, size_t n)
{
    (void)ud;
    if (alloc_fail_at >= 0 && alloc_count++ >= alloc_fail_at) {
        return NULL;
    }
    if (alloc_fail_at < 0) {
        alloc_count++;
    }
    void *p = malloc(n);
    if (p != NULL) {
        alloc_live++;
    }
    return p;
}

static void *count_realloc(void *ud, void *p, size_t n)
{
    (void)ud;
    if (alloc_fail_at >= 0 && alloc_count++ >= alloc_fail_at) {
        return NULL;
    }
    if (alloc_fail_at < 0) {
        alloc_count++;
    }
    void *q = realloc(p, n);
    if (q != NULL && p == NULL) {
        alloc_live++;
    }
    return q;
}

static void count_free(void *ud, void *p)
{
    (void)ud;
    if (p != NULL) {
        alloc_live--;
        free(p);
    }
}

void uf_test_alloc_install(long fail_at)
{
    static const UfAllocator a = {count_malloc, count_realloc, count_free,
                                  NULL};
    alloc_fail_at = fail_at;
    alloc_count = 0;
    alloc_live = 0;
    uf_set_allocator(&a);
}

void uf_test_alloc_uninstall(void)
{
    uf_set_allocator(NULL);
}

long uf_test_alloc_count(void)
{
    return alloc_count;
}

long uf_test_alloc_live(void)
{
    return alloc_live;
}

void uf_test_alloc_sweep(int (*fn)(void *ud), void *ud)
{
    uf_test_alloc_install(-1);
    int rc = fn(ud);
    long total = uf_test_alloc_count();
    long live = uf_test_alloc_live();
    uf_test_alloc_uninstall();
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_EQUAL(live, 0);
    CU_ASSERT(total > 0);
    for (long i = 0; i < total; i++) {
        uf_test_alloc_install(i);
        rc = fn(ud);
        live = uf_test_alloc_live();
        uf_test_alloc_uninstall();
        if (rc != -1 || live != 0) {
            fprintf(stderr, "allocation %ld of %ld: rc %d, %ld live\n", i,
                    total, rc, live);
        }
        CU_ASSERT_EQUAL(rc, -1);
        CU_ASSERT_EQUAL(live, 0);
    }
}

/* ---- kir text ---------------------------------------------------------- */

KirKernel *uf_test_parse_ok(const char *text)
{
    UfError err = {0};
    KirKernel *k = kir_parse(text, &err);
    if (k == NULL) {
        fprintf(stderr, "\nparse failed at %d:%d: %s\n%s\n", (int)err.loc.line,
                (int)err.loc.col, err.msg, text);
    }
    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    return k;
}

/* |text| prints back exactly, verifies, and reprints the same under
 * every flag setting. */
void uf_test_round_trip(const char *text)
{
    KirKernel *k = uf_test_parse_ok(text);
    char *s = kir_print(k, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    if (strcmp(s, text) != 0) {
        fprintf(stderr, "\n--- got:\n%s\n--- want:\n%s\n", s, text);
    }
    CU_ASSERT_STRING_EQUAL(s, text);
    UfError err = {0};
    CU_ASSERT_EQUAL(kir_verify(k, &err), 0);
    for (int flags = 0; flags < 4; flags++) {
        char *a = kir_print(k, flags);
        KirKernel *k2 = uf_test_parse_ok(a);
        char *b = kir_print(k2, flags);
        CU_ASSERT_STRING_EQUAL(a, b);
        free(a);
        free(b);
        kir_kernel_free(k2);
    }
    free(s);
    kir_kernel_free(k);
}
