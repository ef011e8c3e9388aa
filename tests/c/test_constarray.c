/*
 * test_constarray.c -- (constarray KIND (SHAPE) ELEMENT...): text form,
 * verifier, inference (read-only C-ordered arrays, their views, stores
 * refused), lowering to a private constant global, and loops reading it.
 */
#include "kernel_fixture.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void test_round_trip_kinds(void)
{
    uf_test_round_trip("(kernel f (x)\n"
                       "  (set a (constarray f8 (3) 1.0 -0.5 inf))\n"
                       "  (set b (constarray f4 (2) 0.1 nan))\n"
                       "  (set c (constarray i8 (2 2) 1 -2 9223372036854775807 "
                       "-9223372036854775808))\n"
                       "  (set d (constarray u8 (1) 18446744073709551615))\n"
                       "  (set e (constarray i1 (2) -128 127))\n"
                       "  (set g (constarray u2 (1) 65535))\n"
                       "  (set h (constarray i4 (1) -2147483648))\n"
                       "  (set i (constarray u4 (1) 4294967295))\n"
                       "  (set j (constarray b1 (3) True False True))\n"
                       "  (set k (constarray f8 (0)))\n"
                       "  (set l (constarray i2 (1 1 2) -3 4))\n"
                       "  (set m (constarray u1 (1) 255))\n"
                       "  (return (load a 0)))");
}

/* The payload: kind, shape, C-ordered data of the element size. */
static void test_payload(void)
{
    KirKernel *k =
        uf_test_parse_ok("(kernel f ()\n"
                         "  (expr (constarray i2 (2 3) 1 2 3 4 5 -6))\n"
                         "  (expr (constarray f4 (1) 0.1)))");
    const KirConstArray *c = k->body->kids[0]->kids[0]->u.carr;
    CU_ASSERT_EQUAL(c->kind, UF_I2);
    CU_ASSERT_EQUAL(c->ndim, 2);
    CU_ASSERT_EQUAL(c->shape[0], 2);
    CU_ASSERT_EQUAL(c->shape[1], 3);
    CU_ASSERT_EQUAL(((const int16_t *)c->data)[5], -6);
    const KirConstArray *f = k->body->kids[1]->kids[0]->u.carr;
    CU_ASSERT_EQUAL(((const float *)f->data)[0], 0.1f);
    kir_kernel_free(k);
}

static void check_parse_error(const char *text, const char *msg)
{
    UfError err = {0};
    KirKernel *k = kir_parse(text, &err);
    CU_ASSERT_PTR_NULL(k);
    if (strstr(err.msg, msg) == NULL) {
        fprintf(stderr, "\n%s\n  got: %s\n  want: %s\n", text, err.msg, msg);
    }
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, msg));
    kir_kernel_free(k);
}

static void test_parse_errors(void)
{
    check_parse_error("(kernel f () (expr (constarray f8 (3) 1.0 2.0)))",
                      "another element");
    check_parse_error("(kernel f () (expr (constarray f8 (1) 1.0 2.0)))",
                      "')' after the constant array's elements");
    check_parse_error("(kernel f () (expr (constarray i1 (1) 128)))",
                      "'128' is not a i1 value");
    check_parse_error("(kernel f () (expr (constarray u8 (1) -1)))",
                      "not a u8 value");
    check_parse_error("(kernel f () (expr (constarray u8 (1) "
                      "18446744073709551616)))",
                      "not a u8 value");
    check_parse_error("(kernel f () (expr (constarray i8 (1) 1.5)))",
                      "not a i8 value");
    check_parse_error("(kernel f () (expr (constarray b1 (1) 1)))",
                      "not a b1 value");
    check_parse_error("(kernel f () (expr (constarray c16 (1) 1.0)))",
                      "booleans, integers or floats");
    check_parse_error("(kernel f () (expr (constarray f8[:] (1) 1.0)))",
                      "booleans, integers or floats");
    check_parse_error("(kernel f () (expr (constarray f8 () )))",
                      "at least one extent");
    check_parse_error("(kernel f () (expr (constarray f8 (-1))))", "an extent");
    check_parse_error("(kernel f () (expr (constarray f8 3 1.0)))",
                      "'(' and the constant array's extents");
    check_parse_error("(kernel f () (expr (constarray f8 (1024 1025))))",
                      "constant array too large");
}

/* ---- inference ----------------------------------------------------------- */

/* Infers |kir| for |sig|; returns the kernel (caller frees) or NULL with
 * |err| set. */
static KirKernel *infer(const char *kir, const char *sig, UfError *err)
{
    KirKernel *k = uf_test_parse_ok(kir);
    UfSig s, resolved;
    CU_ASSERT_EQUAL_FATAL(uf_sig_parse(sig, &s, err), 0);
    if (kir_verify(k, err) < 0 || uf_infer_kernel(k, &s, &resolved, err) < 0) {
        kir_kernel_free(k);
        return NULL;
    }
    return k;
}

static void test_infer_types(void)
{
    UfError err = {0};
    KirKernel *k = infer("(kernel f (x)\n"
                         "  (set t (constarray i4 (2 3) 1 2 3 4 5 6))\n"
                         "  (set v (load t 1))\n"
                         "  (set w (load t (slice None None -1) 0))\n"
                         "  (return (+ (load v x) (load w 0))))",
                         "(i8)", &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    char buf[64];
    CU_ASSERT_STRING_EQUAL(uf_type_str(k->vars[1].type, buf, sizeof buf),
                           "readonly i4[:, ::1]");
    CU_ASSERT_STRING_EQUAL(uf_type_str(k->vars[2].type, buf, sizeof buf),
                           "readonly i4[:]");
    CU_ASSERT_STRING_EQUAL(uf_type_str(k->vars[3].type, buf, sizeof buf),
                           "readonly i4[:]");
    /* annotations leave read-only out: the typed text parses back */
    char *text = kir_print(k, KIR_PRINT_TYPES);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "):i4[:,::1])"));
    KirKernel *k2 = uf_test_parse_ok(text);
    free(text);
    kir_kernel_free(k2);
    kir_kernel_free(k);
}

/* A store into a constant array, a view of one, or a local that may hold
 * one, is a type error. */
static void test_infer_store_refused(void)
{
    static const char *const kernels[] = {
        "(kernel f (x)\n"
        "  (set t (constarray f8 (2) 1.0 2.0))\n"
        "  (store t 0 x)\n"
        "  (return x))",
        "(kernel f (x)\n"
        "  (set t (load (constarray f8 (2 2) 1.0 2.0 3.0 4.0) 1))\n"
        "  (store t 0 x)\n"
        "  (return x))",
        "(kernel f (x)\n"
        "  (set t (array f8 0 2))\n"
        "  (if (> x 0.0)\n"
        "    (block\n"
        "      (set t (constarray f8 (2) 1.0 2.0))))\n"
        "  (store t 0 x)\n"
        "  (return x))",
    };
    for (size_t i = 0; i < sizeof kernels / sizeof *kernels; i++) {
        UfError err = {0};
        KirKernel *k = infer(kernels[i], "f8(f8)", &err);
        CU_ASSERT_PTR_NULL(k);
        kir_kernel_free(k);
        CU_ASSERT_EQUAL(err.kind, UF_ERR_TYPE);
        CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "read-only array"));
    }
}

/* ---- lowering and running ------------------------------------------------ */

static void test_lower_text(void)
{
    UfCompileOptions o = {.boundscheck = true,
                          .keep = 1u << UF_DUMP_LLVM | 1u << UF_DUMP_OPT};
    UfCompiled *c = fx_compile_opt("(kernel f (i)\n"
                                   "  (set t (constarray i4 (3) 7 8 9))\n"
                                   "  (return (+ (load t i) (load t 1))))",
                                   "i8(i8)", &o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    const char *ir = c->text[UF_DUMP_LLVM];
    CU_ASSERT_PTR_NOT_NULL(
        strstr(ir, "@uf.const = private unnamed_addr constant [12 x i8] "
                   "c\"\\07\\00\\00\\00\\08\\00\\00\\00\\09\\00\\00\\00\", "
                   "align 16"));
    /* the constant index is folded: 8 is added without a load */
    CU_ASSERT_PTR_NOT_NULL(strstr(c->text[UF_DUMP_OPT], ", 8"));
    uf_compiled_free(c);
}

/* Variable, negative and out-of-range indices into constants of each
 * kind, in a loop. */
static void test_run_lookup(void)
{
    UfCompiled *c = fx_compile("(kernel pick (i)\n"
                               "  (set t (constarray f8 (4) 0.5 1.5 -2.0 "
                               "1e+300))\n"
                               "  (set u (constarray u1 (2 2) 1 2 3 255))\n"
                               "  (set b (constarray b1 (2) False True))\n"
                               "  (set s 0.0)\n"
                               "  (for k 0 (shape t 0) 1\n"
                               "    (block\n"
                               "      (set s (+ s (load t k)))))\n"
                               "  (if (load b (% i 2))\n"
                               "    (block\n"
                               "      (return (+ (load t i) (load u 1 "
                               "1)))))\n"
                               "  (return (- s (load t i))))",
                               "f8(i8)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    int64_t in[5] = {0, 1, -1, -4, 3};
    double out[5];
    CU_ASSERT_EQUAL(fx_run1(c, in, 8, out, 8, 5), 0);
    double sum = 0.5 + 1.5 - 2.0 + 1e300;
    CU_ASSERT_EQUAL(out[0], sum - 0.5);
    CU_ASSERT_EQUAL(out[1], 1.5 + 255);
    CU_ASSERT_EQUAL(out[2], 1e300 + 255);
    CU_ASSERT_EQUAL(out[3], sum - 0.5);
    CU_ASSERT_EQUAL(out[4], 1e300 + 255);
    int64_t bad[2] = {2, 4};
    CU_ASSERT_EQUAL(fx_run1(c, bad, 8, out, 8, 2), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(uf_rt_pending_message(),
                                  "index 4 is out of bounds for axis 0 with "
                                  "size 4 (kernel 'pick', line 12)"));
    uf_compiled_free(c);
}

/* An empty constant array: length 0, a loop over it runs no iteration. */
static void test_run_empty(void)
{
    UfCompiled *c = fx_compile("(kernel n (x)\n"
                               "  (set t (constarray f4 (0)))\n"
                               "  (for k 0 (shape t 0) 1\n"
                               "    (block\n"
                               "      (set x_ (load t k))))\n"
                               "  (return (+ x (shape t 0))))",
                               "f8(f8)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    double in[1] = {2.5}, out[1];
    CU_ASSERT_EQUAL(fx_run1(c, in, 8, out, 8, 1), 0);
    CU_ASSERT_EQUAL(out[0], 2.5);
    uf_compiled_free(c);
}

static const UfTestCase cases[] = {
    UF_CASE(test_round_trip_kinds),
    UF_CASE(test_payload),
    UF_CASE(test_parse_errors),
    UF_CASE(test_infer_types),
    UF_CASE(test_infer_store_refused),
    UF_CASE(test_lower_text),
    UF_CASE(test_run_lookup),
    UF_CASE(test_run_empty),
    UF_CASES_END,
};

int main(void)
{
    return uf_test_main("constarray", cases);
}
