/*
 * test_raise.c -- strings and (raise EXC MSG): text form, verifier,
 * inference, lowering, and the error a loop reports (also from a
 * captured worker run, as the parallel target does).
 */
#include "kernel_fixture.h"

#include <stdlib.h>
#include <string.h>

/* ---- text --------------------------------------------------------------- */

static const char *const RAISE_KIR = "(kernel positive (x)\n"
                                     "  (if (< x 0)\n"
                                     "    (block\n"
                                     "      (raise \"ValueError\" \"x must be "
                                     "positive\")))\n"
                                     "  (return x))";

static void test_round_trip(void)
{
    uf_test_round_trip(RAISE_KIR);
    uf_test_round_trip("(kernel f (x)\n"
                       "  (raise \"mod.Error#2\" \"\"))");
    uf_test_round_trip(
        "(kernel f (x)\n"
        "  (raise \"E\" \"q\\\" b\\\\ n\\n t\\t c\\x01 \xc3\xa9\"))");
}

/* Escapes decode into the string; printing writes them back. */
static void test_string_payload(void)
{
    KirKernel *k =
        uf_test_parse_ok("(kernel f ()\n"
                         "  (raise \"E\" \"a\\x7fb\\\"\\tc\\xC3\\xA9\"))");
    const KirNode *r = k->body->kids[0];
    CU_ASSERT_EQUAL(r->op, KIR_RAISE);
    CU_ASSERT_EQUAL(r->kids[0]->op, KIR_STR);
    CU_ASSERT_STRING_EQUAL(r->kids[0]->u.str, "E");
    CU_ASSERT_STRING_EQUAL(r->kids[1]->u.str, "a\x7f"
                                              "b\"\tc\xc3\xa9");
    char *s = kir_print(k, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "\"a\\x7fb\\\"\\tc\xc3\xa9\""));
    free(s);
    kir_kernel_free(k);
}

static void check_parse_error(const char *text, const char *msg)
{
    UfError err = {0};
    KirKernel *k = kir_parse(text, &err);
    CU_ASSERT_PTR_NULL(k);
    CU_ASSERT_EQUAL(err.kind, UF_ERR_SYNTAX);
    if (strstr(err.msg, msg) == NULL) {
        fprintf(stderr, "\n%s\n  got: %s\n  want: %s\n", text, err.msg, msg);
    }
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, msg));
    kir_kernel_free(k);
}

static void test_parse_errors(void)
{
    check_parse_error("(kernel f () (raise \"E\" \"abc))", "unterminated");
    check_parse_error("(kernel f () (raise \"E\" \"a\nb\"))", "unterminated");
    check_parse_error("(kernel f () (raise \"E\" \"a\\qb\"))",
                      "invalid escape");
    check_parse_error("(kernel f () (raise \"E\" \"a\\x00\"))",
                      "invalid escape");
    check_parse_error("(kernel f () (raise \"E\" \"a\\x4\"))",
                      "invalid escape");
    check_parse_error("(kernel f () (raise \"E\"))", "takes 2 operands");
}

static void check_verify_error(const char *text, const char *msg)
{
    KirKernel *k = uf_test_parse_ok(text);
    UfError err = {0};
    CU_ASSERT_EQUAL(kir_verify(k, &err), -1);
    CU_ASSERT_EQUAL(err.kind, UF_ERR_SYNTAX);
    if (strstr(err.msg, msg) == NULL) {
        fprintf(stderr, "\n%s\n  got: %s\n  want: %s\n", text, err.msg, msg);
    }
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, msg));
    kir_kernel_free(k);
}

static void test_verify_errors(void)
{
    check_verify_error("(kernel f (x) (return \"a\"))",
                       "only allowed as an operand of 'raise'");
    check_verify_error("(kernel f (x) (return (+ x \"a\")))",
                       "only allowed as an operand of 'raise'");
    check_verify_error("(kernel f (x) (raise x \"m\"))", "takes two strings");
    check_verify_error("(kernel f (x) (raise \"E\" (+ x 1)))",
                       "takes two strings");
}

/* ---- inference and lowering --------------------------------------------- */

/* A kernel may end in a raise: it never falls off its end. */
static void test_infer_raise_ends_kernel(void)
{
    UfCompiled *c = fx_compile("(kernel f (x)\n"
                               "  (if (> x 0)\n"
                               "    (block\n"
                               "      (return x)))\n"
                               "  (raise \"ValueError\" \"not positive\"))",
                               "f8(f8)");
    CU_ASSERT_PTR_NOT_NULL(c);
    uf_compiled_free(c);
    UfError err = fx_compile_error("(kernel f (x)\n"
                                   "  (if (> x 0)\n"
                                   "    (block\n"
                                   "      (raise \"E\" \"m\")))\n"
                                   "  (set y x))",
                                   "f8(f8)");
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "without returning"));
}

/* The strings become private constants handed to uf_rt_raise, and the
 * kernel is marked as one that can fail. */
static void test_lower_text(void)
{
    UfCompileOptions o = {.boundscheck = true, .keep = 1u << UF_DUMP_LLVM};
    UfCompiled *c = fx_compile_opt(RAISE_KIR, "f8(f8)", &o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    const char *ir = c->text[UF_DUMP_LLVM];
    CU_ASSERT_PTR_NOT_NULL(strstr(ir, "call i32 @uf_rt_raise("));
    CU_ASSERT_PTR_NOT_NULL(strstr(ir, "c\"x must be positive\\00\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(ir, "c\"ValueError\\00\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(ir, UF_KERNEL_CAN_FAIL));
    uf_compiled_free(c);
}

/* ---- running ------------------------------------------------------------ */

static struct {
    int calls;
    int32_t kflags;
    char message[512];
    char exc[128];
} reported;

static void test_reporter(int32_t kflags, const char *message)
{
    reported.calls++;
    reported.kflags = kflags;
    snprintf(reported.message, sizeof reported.message, "%s", message);
    snprintf(reported.exc, sizeof reported.exc, "%s",
             uf_rt_pending_exception());
}

/* The loop stops at the element that raises: those before it are
 * written, it and those after are not; the message names the kernel and
 * the line, the exception key is pending. */
static void check_stops(UfCompiled *c, intptr_t step)
{
    double in[6] = {1, 2, -3, 4, -5, 6}, out[6] = {0};
    memset(&reported, 0, sizeof reported);
    uf_rt_set_error_reporter(test_reporter);
    CU_ASSERT_EQUAL(fx_run1(c, in, step, out, step, 6 * 8 / step), -1);
    uf_rt_set_error_reporter(NULL);
    CU_ASSERT_EQUAL(out[0], 1.0);
    CU_ASSERT_EQUAL(out[step / 8], step == 8 ? 2.0 : 0.0);
    CU_ASSERT_EQUAL(reported.calls, 1);
    CU_ASSERT_EQUAL(reported.kflags & (UF_KFLAG_ERROR | UF_KFLAG_RAISE),
                    UF_KFLAG_ERROR | UF_KFLAG_RAISE);
    CU_ASSERT_STRING_EQUAL(reported.message,
                           "x must be positive (kernel 'positive', line 4)");
    CU_ASSERT_STRING_EQUAL(reported.exc, "ValueError");
    CU_ASSERT_STRING_EQUAL(uf_rt_pending_exception(), "ValueError");
}

static void test_run_stops(void)
{
    UfCompiled *c = fx_compile(RAISE_KIR, "f8(f8)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    check_stops(c, 8);  /* contiguous */
    check_stops(c, 16); /* strided: elements 0, 2 (-3 raises) */
    double in[3] = {1, 2, 3}, out[3] = {0};
    CU_ASSERT_EQUAL(fx_run1(c, in, 8, out, 8, 3), 0);
    CU_ASSERT_EQUAL(out[2], 3.0);
    uf_compiled_free(c);
}

/* An empty message gives just the place; a broadcast input (step 0)
 * goes through the chunked driver, which reports once. */
static void test_run_empty_message_broadcast(void)
{
    UfCompiled *c = fx_compile("(kernel check (x y)\n"
                               "  (if (> x y)\n"
                               "    (block\n"
                               "      (raise \"AssertionError\" \"\")))\n"
                               "  (return (- y x)))",
                               "f8(f8, f8)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    double x = 2.5, y[700], out[700];
    for (int i = 0; i < 700; i++) {
        y[i] = i < 600 ? 3.0 : 1.0;
    }
    memset(&reported, 0, sizeof reported);
    uf_rt_set_error_reporter(test_reporter);
    CU_ASSERT_EQUAL(fx_run2(c, &x, 0, y, 8, out, 8, 700), -1);
    uf_rt_set_error_reporter(NULL);
    CU_ASSERT_EQUAL(reported.calls, 1);
    CU_ASSERT_STRING_EQUAL(reported.message, "(kernel 'check', line 4)");
    CU_ASSERT_STRING_EQUAL(reported.exc, "AssertionError");
    CU_ASSERT_EQUAL(out[599], 0.5);
    uf_compiled_free(c);
}

/* A worker's raise goes into its capture with the key; reported later
 * from the capture, the key is pending on the reporting thread again. */
static void test_capture(void)
{
    UfCompiled *c = fx_compile(RAISE_KIR, "f8(f8)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    double in[2] = {-1, 2}, out[2] = {0};
    memset(&reported, 0, sizeof reported);
    uf_rt_set_error_reporter(test_reporter);
    UfErrorCapture cap = {0};
    uf_rt_capture_errors(&cap);
    CU_ASSERT_EQUAL(fx_run1(c, in, 8, out, 8, 2), -1);
    uf_rt_capture_errors(NULL);
    CU_ASSERT_EQUAL(reported.calls, 0);
    CU_ASSERT(cap.set);
    CU_ASSERT_STRING_EQUAL(cap.exc, "ValueError");
    uf_rt_raise("other", 1, "KeyError", "m"); /* clobbers the pending key */
    uf_rt_report_captured(&cap);
    uf_rt_set_error_reporter(NULL);
    CU_ASSERT_EQUAL(reported.calls, 1);
    CU_ASSERT_STRING_EQUAL(reported.exc, "ValueError");
    CU_ASSERT_STRING_EQUAL(reported.message,
                           "x must be positive (kernel 'positive', line 4)");
    uf_compiled_free(c);
}

/* A raise inside a gufunc kernel's loop stops that row. */
static void test_gufunc_raise(void)
{
    const char *kir = "(kernel total (a out)\n"
                      "  (set s 0.0)\n"
                      "  (for i 0 (shape a 0) 1\n"
                      "    (block\n"
                      "      (if (< (load a i) 0.0)\n"
                      "        (block\n"
                      "          (raise \"ValueError\" \"negative\")))\n"
                      "      (set s (+ s (load a i)))))\n"
                      "  (store out 0 s))";
    UfCompiled *c =
        fx_compile_gufunc(kir, "void(f8[:], f8[:])", "(n)->()", true);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    double a[6] = {1, 2, 3, 4, -5, 6}, out[3] = {0, 0, 0};
    char *args[2] = {(char *)a, (char *)out};
    intptr_t dims[2] = {3, 2}, steps[3] = {16, 8, 8};
    CU_ASSERT_EQUAL(c->loop(NULL, args, dims, steps, NULL), -1);
    CU_ASSERT_EQUAL(out[0], 3.0);
    CU_ASSERT_EQUAL(out[1], 7.0);
    CU_ASSERT_EQUAL(out[2], 0.0);
    CU_ASSERT_STRING_EQUAL(uf_rt_pending_message(),
                           "negative (kernel 'total', line 7)");
    uf_compiled_free(c);
}

static const UfTestCase cases[] = {
    UF_CASE(test_round_trip),
    UF_CASE(test_string_payload),
    UF_CASE(test_parse_errors),
    UF_CASE(test_verify_errors),
    UF_CASE(test_infer_raise_ends_kernel),
    UF_CASE(test_lower_text),
    UF_CASE(test_run_stops),
    UF_CASE(test_run_empty_message_broadcast),
    UF_CASE(test_capture),
    UF_CASE(test_gufunc_raise),
    UF_CASES_END,
};

int main(void)
{
    return uf_test_main("raise", cases);
}
