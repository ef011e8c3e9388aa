/*
 * test_gufunc.c -- slice kernels through uf_compile_gufunc: array loads,
 * stores, views, shape queries, scratch arrays and reductions, run
 * through the gufunc loop with NumPy's ABI (dims: outer count then core
 * sizes; steps: outer steps then core strides), checked against C.
 */
#include "kernel_fixture.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static UfCompiled *gu_compile_opt(const char *kir, const char *sig,
                                  const char *layout, bool boundscheck)
{
    return fx_compile_gufunc(kir, sig, layout, boundscheck);
}

static UfCompiled *gu_compile(const char *kir, const char *sig,
                              const char *layout)
{
    return gu_compile_opt(kir, sig, layout, true);
}

/* The error of compiling |kir| (expected to fail). */
static UfError gu_error(const char *kir, const char *sig, const char *layout)
{
    UfError err = {0};
    UfSig s;
    UfGuLayout l;
    UfCompileOptions opt = {.boundscheck = true};
    KirKernel *k = kir_parse(kir, &err);
    if (k != NULL && uf_sig_parse(sig, &s, &err) == 0 &&
        uf_gu_layout_parse(layout, &l, &err) == 0) {
        UfCompiled *c = uf_compile_gufunc(k, &s, &l, &opt, &err);
        CU_ASSERT_PTR_NULL(c);
        uf_compiled_free(c);
    }
    kir_kernel_free(k);
    return err;
}

static const char *SUM_KIR = "(kernel rowsum (a out)\n"
                             "  (set acc 0.0)\n"
                             "  (for i 0 (shape a 0) 1\n"
                             "    (block\n"
                             "      (set acc (+ acc (load a i)))))\n"
                             "  (store out 0 acc))";

/* (n)->() over a 3x4 C array, and over its transpose (strided core). */
static void test_row_sum(void)
{
    UfCompiled *c = gu_compile(SUM_KIR, "void(f8[:], f8[:])", "(n)->()");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    double a[12], out[4];
    for (int i = 0; i < 12; i++) {
        a[i] = i + 1;
    }
    char *args[2] = {(char *)a, (char *)out};
    intptr_t dims[2] = {3, 4};
    intptr_t steps[3] = {32, 8, 8};
    CU_ASSERT_EQUAL(c->loop(NULL, args, dims, steps, NULL), 0);
    CU_ASSERT_DOUBLE_EQUAL(out[0], 10, 0);
    CU_ASSERT_DOUBLE_EQUAL(out[2], 42, 0);
    intptr_t tdims[2] = {4, 3}; /* columns: outer step 8, core 32 */
    intptr_t tsteps[3] = {8, 8, 32};
    CU_ASSERT_EQUAL(c->loop(NULL, args, tdims, tsteps, NULL), 0);
    CU_ASSERT_DOUBLE_EQUAL(out[0], 1 + 5 + 9, 0);
    CU_ASSERT_DOUBLE_EQUAL(out[3], 4 + 8 + 12, 0);
    uf_compiled_free(c);
}

/* (n),()->(n) with a scalar core input, contiguous and not. */
static void test_scalar_core_input(void)
{
    UfCompiled *c = gu_compile("(kernel scale (a s out)\n"
                               "  (for i 0 (shape a 0) 1\n"
                               "    (block\n"
                               "      (store out i (* (load a i) s)))))",
                               "void(f4[:], f8, f4[:])", "(n),()->(n)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    float a[8], out[8] = {0};
    double s[2] = {2.0, 3.0};
    for (int i = 0; i < 8; i++) {
        a[i] = (float)i;
    }
    char *args[3] = {(char *)a, (char *)s, (char *)out};
    intptr_t dims[2] = {2, 4};
    intptr_t steps[5] = {16, 8, 16, 4, 4};
    CU_ASSERT_EQUAL(c->loop(NULL, args, dims, steps, NULL), 0);
    CU_ASSERT_DOUBLE_EQUAL(out[1], 2.0, 0);
    CU_ASSERT_DOUBLE_EQUAL(out[5], 15.0, 0);
    intptr_t sdims[2] = {1, 4}; /* every other element of a and out */
    intptr_t ssteps[5] = {0, 0, 0, 8, 8};
    memset(out, 0, sizeof out);
    CU_ASSERT_EQUAL(c->loop(NULL, args, sdims, ssteps, NULL), 0);
    CU_ASSERT_DOUBLE_EQUAL(out[2], 4.0, 0);
    CU_ASSERT_DOUBLE_EQUAL(out[6], 12.0, 0);
    CU_ASSERT_DOUBLE_EQUAL(out[1], 0.0, 0);
    uf_compiled_free(c);
}

/* Negative indices wrap; an index out of bounds stops the loop with
 * UF_KFLAG_INDEX and NumPy's message. */
static void test_bounds(void)
{
    const char *kir = "(kernel pick (a k out)\n"
                      "  (store out 0 (load a k)))";
    UfCompiled *c = gu_compile(kir, "void(i8[:], i8, i8[:])", "(n),()->()");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    int64_t a[3] = {10, 20, 30}, k[3] = {-1, 2, 3}, out[3] = {0, 0, 0};
    char *args[3] = {(char *)a, (char *)k, (char *)out};
    intptr_t dims[2] = {3, 3};
    intptr_t steps[4] = {0, 8, 8, 8};
    CU_ASSERT_EQUAL(c->loop(NULL, args, dims, steps, NULL), -1);
    CU_ASSERT_EQUAL(out[0], 30);
    CU_ASSERT_EQUAL(out[1], 30);
    CU_ASSERT_EQUAL(out[2], 0); /* the failing element wrote nothing */
    CU_ASSERT_PTR_NOT_NULL(strstr(uf_rt_pending_message(),
                                  "index 3 is out of bounds for axis 0 "
                                  "with size 3 (kernel 'pick', line 2)"));
    uf_compiled_free(c);
    UfCompiled *nc =
        gu_compile_opt(kir, "void(i8[:], i8, i8[:])", "(n),()->()", false);
    CU_ASSERT_PTR_NOT_NULL_FATAL(nc);
    intptr_t dims2[2] = {2, 3};
    CU_ASSERT_EQUAL(nc->loop(NULL, args, dims2, steps, NULL), 0);
    uf_compiled_free(nc);
}

/* Views: a[1:], a[::-1], a[::2] and a row of a 2-D array; shape, size
 * and ndim of each. */
static void test_views(void)
{
    UfCompiled *c = gu_compile(
        "(kernel views (a m out)\n"
        "  (store out 0 (sum (load a (slice 1 None None))))\n"
        "  (store out 1 (load (load a (slice None None -1)) 0))\n"
        "  (store out 2 (size (load a (slice None None 2))))\n"
        "  (store out 3 (sum (load m 1)))\n"
        "  (store out 4 (shape (load m (slice None None None) 0) 0))\n"
        "  (store out 5 (+ (ndim m) (size m)))\n"
        "  (store out 6 (shape (load a (slice 5 2 None)) -1)))",
        "void(f8[:], f8[:, :], f8[:])", "(n),(p,q)->(k)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    double a[5] = {1, 2, 3, 4, 5}, m[6] = {1, 2, 3, 4, 5, 6}, out[7];
    char *args[3] = {(char *)a, (char *)m, (char *)out};
    intptr_t dims[5] = {1, 5, 2, 3, 7};
    intptr_t steps[3 + 4] = {0, 0, 0, 8, 24, 8, 8};
    CU_ASSERT_EQUAL(c->loop(NULL, args, dims, steps, NULL), 0);
    CU_ASSERT_DOUBLE_EQUAL(out[0], 14, 0);
    CU_ASSERT_DOUBLE_EQUAL(out[1], 5, 0);
    CU_ASSERT_DOUBLE_EQUAL(out[2], 3, 0);
    CU_ASSERT_DOUBLE_EQUAL(out[3], 15, 0);
    CU_ASSERT_DOUBLE_EQUAL(out[4], 2, 0);
    CU_ASSERT_DOUBLE_EQUAL(out[5], 8, 0);
    CU_ASSERT_DOUBLE_EQUAL(out[6], 0, 0);
    uf_compiled_free(c);
}

/* np.min / max / mean / prod / dot, and the errors of min and dot. */
static void test_reductions(void)
{
    UfCompiled *c = gu_compile("(kernel red (a b out)\n"
                               "  (store out 0 (amin a))\n"
                               "  (store out 1 (amax a))\n"
                               "  (store out 2 (mean a))\n"
                               "  (store out 3 (prod a))\n"
                               "  (store out 4 (dot a b)))",
                               "void(i4[:], i4[:], f8[:])", "(n),(m)->(k)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    int32_t a[4] = {3, -2, 7, 1}, b[4] = {1, 2, 3, 4};
    double out[5];
    char *args[3] = {(char *)a, (char *)b, (char *)out};
    intptr_t dims[4] = {1, 4, 4, 5};
    intptr_t steps[6] = {0, 0, 0, 4, 4, 8};
    CU_ASSERT_EQUAL(c->loop(NULL, args, dims, steps, NULL), 0);
    CU_ASSERT_DOUBLE_EQUAL(out[0], -2, 0);
    CU_ASSERT_DOUBLE_EQUAL(out[1], 7, 0);
    CU_ASSERT_DOUBLE_EQUAL(out[2], 2.25, 0);
    CU_ASSERT_DOUBLE_EQUAL(out[3], -42, 0);
    CU_ASSERT_DOUBLE_EQUAL(out[4], 3 - 4 + 21 + 4, 0);
    intptr_t bad[4] = {1, 4, 3, 5};
    CU_ASSERT_EQUAL(c->loop(NULL, args, bad, steps, NULL), -1);
    CU_ASSERT_PTR_NOT_NULL(
        strstr(uf_rt_pending_message(), "shapes (4,) and (3,) not aligned"));
    intptr_t empty[4] = {1, 0, 0, 5};
    CU_ASSERT_EQUAL(c->loop(NULL, args, empty, steps, NULL), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(uf_rt_pending_message(),
                                  "zero-size array to reduction operation "
                                  "minimum which has no identity"));
    uf_compiled_free(c);
}

/* NaN wins in np.min / np.max of floats. */
static void test_min_max_nan(void)
{
    UfCompiled *c = gu_compile("(kernel mm (a out)\n"
                               "  (store out 0 (amin a))\n"
                               "  (store out 1 (amax a)))",
                               "void(f8[:], f8[:])", "(n)->(k)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    double a[3] = {1, NAN, -1}, out[2];
    char *args[2] = {(char *)a, (char *)out};
    intptr_t dims[3] = {1, 3, 2};
    intptr_t steps[4] = {0, 0, 8, 8};
    CU_ASSERT_EQUAL(c->loop(NULL, args, dims, steps, NULL), 0);
    CU_ASSERT(isnan(out[0]) && isnan(out[1]));
    uf_compiled_free(c);
}

/* A scratch array: cumulative sums through np.zeros, freed on return; a
 * negative size raises ValueError. */
static void test_scratch(void)
{
    UfCompiled *c = gu_compile("(kernel cums (a k out)\n"
                               "  (set t (array f8 0 (+ (shape a 0) k)))\n"
                               "  (for i 0 (shape a 0) 1\n"
                               "    (block\n"
                               "      (store t (+ i 1) (+ (load t i) "
                               "(load a i)))))\n"
                               "  (for i 0 (shape out 0) 1\n"
                               "    (block\n"
                               "      (store out i (load t (+ i 1))))))",
                               "void(f8[:], i8, f8[:])", "(n),()->(n)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    double a[4] = {1, 2, 3, 4}, out[4];
    int64_t k[2] = {1, -9};
    char *args[3] = {(char *)a, (char *)k, (char *)out};
    intptr_t dims[2] = {1, 4};
    intptr_t steps[5] = {0, 0, 0, 8, 8};
    CU_ASSERT_EQUAL(c->loop(NULL, args, dims, steps, NULL), 0);
    CU_ASSERT_DOUBLE_EQUAL(out[3], 10, 0);
    args[1] = (char *)&k[1];
    CU_ASSERT_EQUAL(c->loop(NULL, args, dims, steps, NULL), -1);
    CU_ASSERT_PTR_NOT_NULL(
        strstr(uf_rt_pending_message(), "negative dimensions are not allowed"));
    uf_compiled_free(c);
}

/* A broadcastable dim of size 1 is seen with the extent of n, stride 0. */
static void test_broadcastable_dim(void)
{
    UfCompiled *c = gu_compile("(kernel addb (a b out)\n"
                               "  (for i 0 (shape a 0) 1\n"
                               "    (block\n"
                               "      (store out i (+ (load a i) "
                               "(load b i))))))",
                               "void(f8[:], f8[:], f8[:])", "(n),(n|1)->(n)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    double a[3] = {1, 2, 3}, b[1] = {10}, out[3];
    char *args[3] = {(char *)a, (char *)b, (char *)out};
    intptr_t dims[3] = {1, 3, 1};
    intptr_t steps[6] = {0, 0, 0, 8, 8, 8};
    CU_ASSERT_EQUAL(c->loop(NULL, args, dims, steps, NULL), 0);
    CU_ASSERT_DOUBLE_EQUAL(out[2], 13, 0);
    uf_compiled_free(c);
}

/* Output element kinds declared void are inferred from the stores. */
static void test_inferred_output(void)
{
    UfError err = {0};
    KirKernel *k = kir_parse("(kernel half (a out)\n"
                             "  (store out 0 (/ (load a 0) 2)))",
                             &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    UfSig s = {.nargs = 2};
    s.args[0] = uf_type_array(UF_I4, 1, UF_LAYOUT_A);
    s.args[1] = uf_type_array(UF_VOID, 1, UF_LAYOUT_A);
    UfGuLayout l;
    CU_ASSERT_EQUAL_FATAL(uf_gu_layout_parse("(n)->()", &l, &err), 0);
    UfCompileOptions opt = {.boundscheck = true};
    UfCompiled *c = uf_compile_gufunc(k, &s, &l, &opt, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(c->sig.args[1].kind, UF_F8);
    uf_compiled_free(c);
    kir_kernel_free(k);
}

/* (store a (slice ...) v): a scalar fills the view, an array is copied
 * (reversed: through a temporary copy when it overlaps the target), and
 * an extent mismatch stops the loop with ValueError. */
static void test_slice_assignment(void)
{
    UfCompiled *c = gu_compile("(kernel f (a out)\n"
                               "  (store out (slice None None None) -1.0)\n"
                               "  (store out (slice 1 None None)\n"
                               "    (load a (slice None -1 None)))\n"
                               "  (store a (slice None None None)\n"
                               "    (load a (slice None None -1))))",
                               "void(f8[:], f8[:])", "(n)->(n)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    double a[4] = {1, 2, 3, 4}, out[4] = {0};
    char *args[2] = {(char *)a, (char *)out};
    intptr_t dims[2] = {1, 4};
    intptr_t steps[4] = {0, 0, 8, 8};
    CU_ASSERT_EQUAL(c->loop(NULL, args, dims, steps, NULL), 0);
    CU_ASSERT_DOUBLE_EQUAL(out[0], -1, 0);
    CU_ASSERT_DOUBLE_EQUAL(out[1], 1, 0);
    CU_ASSERT_DOUBLE_EQUAL(out[3], 3, 0);
    CU_ASSERT_DOUBLE_EQUAL(a[0], 4, 0); /* a reversed in place */
    CU_ASSERT_DOUBLE_EQUAL(a[3], 1, 0);
    uf_compiled_free(c);

    c = gu_compile("(kernel g (a out)\n"
                   "  (store out (slice None None None) a))",
                   "void(f8[:], f8[:])", "(n),(m)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    double b[3] = {1, 2, 3}, o[2] = {0, 0};
    char *gargs[2] = {(char *)b, (char *)o};
    intptr_t gdims[3] = {1, 3, 2};
    intptr_t gsteps[4] = {0, 0, 8, 8};
    CU_ASSERT_EQUAL(c->loop(NULL, gargs, gdims, gsteps, NULL), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(uf_rt_pending_message(),
                                  "could not broadcast input array with an "
                                  "axis of size 3 into an axis of size 2"));
    uf_compiled_free(c);
}

/* (arraylike src fill shape) takes src's element type and, with one
 * array as its shape, that array's extents; (astype src v) converts. */
static void test_arraylike(void)
{
    UfCompiled *c = gu_compile("(kernel f (a out)\n"
                               "  (set t (arraylike a (astype a 2.75) a))\n"
                               "  (store out (slice None None None) t))",
                               "void(i4[:], f8[:])", "(n)->(n)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    int32_t a[3] = {0, 0, 0};
    double out[3] = {0};
    char *args[2] = {(char *)a, (char *)out};
    intptr_t dims[2] = {1, 3};
    intptr_t steps[4] = {0, 0, 4, 8};
    CU_ASSERT_EQUAL(c->loop(NULL, args, dims, steps, NULL), 0);
    CU_ASSERT_DOUBLE_EQUAL(out[2], 2.0, 0); /* 2.75 as int32 */
    uf_compiled_free(c);
}

/* Type errors of array kernels name what is wrong. */
static void test_type_errors(void)
{
    UfError e = gu_error("(kernel f (a out)\n  (store out 0 (load a 0 1)))",
                         "void(f8[:], f8[:])", "(n)->()");
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "too many indices"));
    e = gu_error("(kernel f (a out)\n  (store out (slice 0 1 1) a))",
                 "void(f8[:, :], f8[:])", "(m,n)->()");
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "cannot assign a 2-D array"));
    e = gu_error("(kernel f (a out)\n  (store out 0 (load a 0.5)))",
                 "void(f8[:], f8[:])", "(n)->()");
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "must be integers"));
    e = gu_error("(kernel f (a out)\n  (store out 0 (sum a)))",
                 "void(f8[:, :], f8[:])", "(m,n)->()");
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "needs a 1-D array"));
    e = gu_error("(kernel f (a out)\n  (store out 0 1))", "void(f8[:], f8)",
                 "(n)->()");
    CU_ASSERT_NOT_EQUAL(e.kind, UF_ERR_NONE);
}

int main(void)
{
    static const UfTestCase cases[] = {
        UF_CASE(test_row_sum),
        UF_CASE(test_scalar_core_input),
        UF_CASE(test_bounds),
        UF_CASE(test_views),
        UF_CASE(test_reductions),
        UF_CASE(test_min_max_nan),
        UF_CASE(test_scratch),
        UF_CASE(test_broadcastable_dim),
        UF_CASE(test_inferred_output),
        UF_CASE(test_type_errors),
        UF_CASE(test_slice_assignment),
        UF_CASE(test_arraylike),
        UF_CASES_END,
    };
    return uf_test_main("gufunc", cases);
}
