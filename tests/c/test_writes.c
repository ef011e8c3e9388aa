/*
 * test_writes.c -- kir_written_args: which arguments a kernel stores into,
 * directly or through locals holding views, each case one kernel in kir.
 */
#include "testutil.h"

#include <stdio.h>

/* The written-arguments mask of the kernel |text|. */
static uint64_t written(const char *text)
{
    UfError err;
    uf_error_clear(&err);
    KirKernel *k = kir_parse(text, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    CU_ASSERT_EQUAL(kir_verify(k, &err), 0);
    uint64_t w = 0xdead;
    CU_ASSERT_EQUAL(kir_written_args(k, &w, &err), 0);
    kir_kernel_free(k);
    return w;
}

static void check(const char *text, uint64_t want)
{
    uint64_t got = written(text);
    if (got != want) {
        fprintf(stderr, "\n  got %#llx, want %#llx:\n%s\n",
                (unsigned long long)got, (unsigned long long)want, text);
    }
    CU_ASSERT_EQUAL(got, want);
}

static void test_direct_stores(void)
{
    check("(kernel f (a out) (store out 0 (load a 0)) (return))", 0x2);
    check("(kernel f (a b) (store a 0 (load b 0)) (store b 1 2) (return))",
          0x3);
    check("(kernel f (a m out) (store m 0 1 (load a 0)) (return))", 0x2);
    check("(kernel f (x) (set y (+ x 1)) (return y))", 0x0);
    check("(kernel f (a out) (set s (load a 0)) (return))", 0x0);
}

/* v = a[1:]; v[0] = x   and   a[i][j] = x (front end: __view = a[i]). */
static void test_stores_through_views(void)
{
    check("(kernel f (a b) (set v (load a (slice 1 None None)))"
          " (store v 0 1.0) (return))",
          0x1);
    check("(kernel f (a b) (set __view_0 (load a 0)) (store __view_0 1 2.0)"
          " (return))",
          0x1);
    check("(kernel f (a b) (set v b) (set w (load v (slice None None 2)))"
          " (store w 0 1) (return))",
          0x2);
    check("(kernel f (a out) (for i 0 (shape a 0) 1"
          " (block (set row (load a i)) (store row 0 5.0)))"
          " (return))",
          0x1);
}

/* A store before the assignment that makes its local a view still counts:
 * the walk runs to a fixed point. */
static void test_views_assigned_later(void)
{
    check("(kernel f (a b out) (set w out) (set v w)"
          " (for i 0 3 1 (block (store v 0 1.0) (set v a)))"
          " (return))",
          0x5);
    check("(kernel f (a b c) (set x c) (set y x) (set z y)"
          " (while True (block (store z 0 1) (set z y) (set y x) (set x a)))"
          " (return))",
          0x5);
}

/* Indices, conditions, fills and shapes are not memory that is written. */
static void test_only_array_values_count(void)
{
    check("(kernel f (a b i out) (set v (load out (load b 0)))"
          " (store v (load a 0) 1.0) (return))",
          0x8);
    check("(kernel f (a b c) (set v (select (> (load a 0) 0) b c))"
          " (store v 0 1.0) (return))",
          0x6);
    check("(kernel f (a b) (set t (array f8 (load a 0) (shape b 0)))"
          " (store t 0 1.0) (return))",
          0x0);
    check("(kernel f (a b) (set n (shape a 0)) (set s (sum b))"
          " (store b 0 (+ n s)) (return))",
          0x2);
}

static void test_all_arguments(void)
{
    char text[2048];
    int used = snprintf(text, sizeof text, "(kernel f (");
    for (int i = 0; i < UF_MAXARGS; i++) {
        used += snprintf(text + used, sizeof text - (size_t)used, "a%d ", i);
    }
    used += snprintf(text + used, sizeof text - (size_t)used, ")");
    for (int i = 0; i < UF_MAXARGS; i++) {
        used += snprintf(text + used, sizeof text - (size_t)used,
                         " (set v%d (load a%d (slice 1 None None)))"
                         " (store v%d 0 1)",
                         i, i, i);
    }
    snprintf(text + used, sizeof text - (size_t)used, " (return))");
    check(text, (1ull << UF_MAXARGS) - 1);
}

static int walk(void *ud)
{
    UfError err;
    uf_error_clear(&err);
    KirKernel *k = kir_parse((const char *)ud, &err);
    if (k == NULL) {
        return -1;
    }
    uint64_t w = 0;
    int rc = kir_written_args(k, &w, &err);
    CU_ASSERT(rc == 0 ? w == 0x1 : err.kind != UF_ERR_NONE);
    kir_kernel_free(k);
    return rc;
}

static void test_alloc_failures(void)
{
    uf_test_alloc_sweep(walk, "(kernel f (a b) (set v (load a 0))"
                              " (store v 0 (load b 0)) (return))");
}

static const UfTestCase cases[] = {
    UF_CASE(test_direct_stores),
    UF_CASE(test_stores_through_views),
    UF_CASE(test_views_assigned_later),
    UF_CASE(test_only_array_values_count),
    UF_CASE(test_all_arguments),
    UF_CASE(test_alloc_failures),
    UF_CASES_END,
};

int main(void)
{
    return uf_test_main("writes", cases);
}
