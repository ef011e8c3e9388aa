/*
 * test_infer.c -- type inference: NumPy 2 promotion with weak literals,
 * locals unified across branches and loops, and errors with locations.
 */
#include "testutil.h"

#include <string.h>

/* Infers |kir| for |sig|; returns the type name of the value of the last
 * statement (a return) or "error: <msg>". */
static const char *ret_type(const char *kir, const char *sig)
{
    static char buf[512];
    UfError err = {0};
    UfSig s, resolved;
    KirKernel *k = kir_parse(kir, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    CU_ASSERT_EQUAL_FATAL(uf_sig_parse(sig, &s, &err), 0);
    if (kir_verify(k, &err) < 0 ||
        uf_infer_kernel(k, &s, &resolved, &err) < 0) {
        snprintf(buf, sizeof buf, "error: %s", err.msg);
    } else {
        KirNode *last = k->body->kids[k->body->nkids - 1];
        uf_type_str(last->kids[0]->type, buf, sizeof buf);
    }
    kir_kernel_free(k);
    return buf;
}

/* Infers and expects an error; returns it. */
static UfError infer_error(const char *kir, const char *sig)
{
    UfError err = {0};
    UfSig s, resolved;
    KirKernel *k = kir_parse(kir, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    CU_ASSERT_EQUAL_FATAL(uf_sig_parse(sig, &s, &err), 0);
    CU_ASSERT_EQUAL(kir_verify(k, &err), 0);
    CU_ASSERT_EQUAL(uf_infer_kernel(k, &s, &resolved, &err), -1);
    kir_kernel_free(k);
    return err;
}

#define RET(expr) "(kernel f (a b) (return " expr "))"

static void test_weak_literals(void)
{
    /* NEP 50: Python literals take the other operand's type */
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(* 0.01 a)"), "(f4, f4)"), "f4");
    /* ... but narrow integers compute at 64 bits (Numba's rule) */
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(+ a 1)"), "(i1, i1)"), "i8");
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(+ a 300)"), "(u1, u1)"), "i8");
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(+ a 1)"), "(i8, i8)"), "i8");
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(+ a 1.5)"), "(i4, i4)"), "f8");
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(* a 2j)"), "(f4, f4)"), "c8");
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(+ a 1)"), "(b1, b1)"), "i8");
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(* 2 3.0)"), "(f4, f4)"), "weak f8");
}

static void test_numpy_promotion(void)
{
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(+ a b)"), "(i4, f4)"), "f8");
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(+ a b)"), "(i2, f4)"), "f4");
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(+ a b)"), "(i8, u8)"), "f8");
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(+ a b)"), "(u1, i1)"), "i8");
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(* a b)"), "(u1, u2)"), "i8");
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(neg a)"), "(i2, i2)"), "i8");
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(< a b)"), "(u1, i1)"), "b1");
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(- a b)"), "(c8, f8)"), "c16");
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(+ a b)"), "(b1, b1)"), "i8");
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(& a b)"), "(b1, b1)"), "b1");
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(<< a b)"), "(u2, u2)"), "i8");
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(<< a b)"), "(u8, u8)"), "u8");
}

static void test_division_and_power(void)
{
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(/ a b)"), "(i4, i4)"), "f8");
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(/ a b)"), "(f4, i1)"), "f4");
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(// a b)"), "(i4, i8)"), "i8");
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(% a b)"), "(f4, f4)"), "f4");
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(** a b)"), "(i8, i8)"), "i8");
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(** a 2)"), "(f4, f4)"), "f4");
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(** a b)"), "(i8, f4)"), "f8");
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(** a b)"), "(c8, f8)"), "c16");
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(** a b)"), "(b1, b1)"), "i8");
}

static void test_compare_logic_select(void)
{
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(< a b)"), "(i8, f4)"), "b1");
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(== a b)"), "(c16, c16)"), "b1");
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(not a)"), "(f8, f8)"), "b1");
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(and a b)"), "(b1, b1)"), "b1");
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(or a b)"), "(i4, f4)"), "f8");
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(select (> a 0) a 0.5)"), "(f4, f4)"),
                           "f4");
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(~ a)"), "(b1, b1)"), "b1");
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(neg a)"), "(b1, b1)"), "i8");
}

static void test_casts_and_calls(void)
{
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(cast i4 a)"), "(f8, f8)"), "i4");
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(exp a)"), "(f4, f4)"), "f4");
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(exp a)"), "(i4, i4)"), "f8");
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(exp a)"), "(c8, c8)"), "c8");
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(abs a)"), "(c16, c16)"), "f8");
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(abs a)"), "(i2, i2)"), "i2");
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(max a b)"), "(i4, f4)"), "f8");
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(isnan a)"), "(f4, f4)"), "b1");
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(real a)"), "(c8, c8)"), "f4");
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(complex a b)"), "(f4, f4)"), "c8");
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(ldexp a b)"), "(f4, i4)"), "f4");
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(gcd a b)"), "(i4, i8)"), "i8");
    CU_ASSERT_STRING_EQUAL(ret_type(RET("(atan2 a 1)"), "(f4, f4)"), "f4");
}

static void test_locals_unify(void)
{
    /* int then float in one variable: f8, as Numba */
    const char *k = "(kernel f (a b)\n"
                    "  (set x 0)\n"
                    "  (if (> a b) (block (set x 0.5)))\n"
                    "  (return x))";
    CU_ASSERT_STRING_EQUAL(ret_type(k, "(i4, i4)"), "f8");
    /* an accumulator started from a float literal is f8, as in Numba */
    k = "(kernel f (a b)\n"
        "  (set acc 0.0)\n"
        "  (for i 0 10 1 (block (set acc (+ acc a))))\n"
        "  (return acc))";
    CU_ASSERT_STRING_EQUAL(ret_type(k, "(f4, f4)"), "f8");
    /* ... but a literal inside an expression stays weak */
    k = "(kernel f (a b) (set y (* 0.01 a)) (return y))";
    CU_ASSERT_STRING_EQUAL(ret_type(k, "(f4, f4)"), "f4");
    /* a local that only ever holds literals defaults to i8 */
    k = "(kernel f (a b) (set n 3) (return (* n b)))";
    CU_ASSERT_STRING_EQUAL(ret_type(k, "(f4, f4)"), "f8");
    /* a loop widens its variable through the back edge */
    k = "(kernel f (a b)\n"
        "  (set x 1)\n"
        "  (while (< x 100) (block (set x (* x a))))\n"
        "  (return x))";
    CU_ASSERT_STRING_EQUAL(ret_type(k, "(f4, f4)"), "f8");
    CU_ASSERT_STRING_EQUAL(ret_type(k, "(i2, i2)"), "i8");
}

static void test_resolved_signature(void)
{
    UfError err = {0};
    UfSig s, r;
    KirKernel *k = kir_parse("(kernel f (a) (if (> a 0) (block (return a 1)))"
                             " (return 0 a))",
                             &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    uf_sig_parse("(f4)", &s, &err);
    CU_ASSERT_EQUAL_FATAL(uf_infer_kernel(k, &s, &r, &err), 0);
    CU_ASSERT_EQUAL(r.nret, 2);
    CU_ASSERT_FALSE(r.ret_inferred);
    CU_ASSERT_EQUAL(r.ret[0].kind, UF_F4);
    CU_ASSERT_EQUAL(r.ret[1].kind, UF_F4);
    CU_ASSERT_EQUAL(r.ret[0].flags, 0);
    kir_kernel_free(k);
}

static void test_errors_have_locations(void)
{
    UfError e =
        infer_error("(kernel f (a b)\n  (return (< a b)))", "b1(c16, c16)");
    CU_ASSERT_EQUAL(e.kind, UF_ERR_TYPE);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "not ordered"));
    CU_ASSERT_EQUAL(e.loc.line, 2);
    CU_ASSERT_EQUAL(e.loc.col, 11);

    e = infer_error("(kernel f (a) (return (erf a)))", "c16(c16)");
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "erf() does not accept complex"));
    e = infer_error("(kernel f (a) (return (cast f8 a)))", "f8(c16)");
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, ".real"));
    e = infer_error("(kernel f (a) (return a))", "f8(c8)");
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "cannot return c8"));
    e = infer_error("(kernel f (a) (return (// a 2)))", "c16(c16)");
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "floor division"));
    e = infer_error("(kernel f (a) (return (& a 1)))", "f8(f8)");
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "bitwise"));
    e = infer_error("(kernel f (a) (for i 0 a 1 (block)) (return a))",
                    "f8(f8)");
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "range() takes integers"));
    e = infer_error("(kernel f (a) (return (~ a)))", "f8(f8)");
    CU_ASSERT_STRING_EQUAL(e.msg, "'~' needs an integer or boolean, found f8");
    e = infer_error("(kernel f (a) (if a (block)) (return 1.0))", "f8(f8[:])");
    CU_ASSERT_STRING_EQUAL(e.msg, "an array (f8[:]) has no truth value");
    e = infer_error("(kernel f (a b) (return a))", "f8(f8)");
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "takes 2 arguments"));
    e = infer_error("(kernel f (a) (return a 1))", "f8(f8)");
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "returns 2 values"));
    e = infer_error("(kernel f (a) (if (> a 0) (block (return a))))", "f8(f8)");
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "without returning"));
    e = infer_error("(kernel f (a) (set x (+ x 1)) (return a))", "f8(f8)");
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "cannot infer a type for 'x'"));
    e = infer_error("(kernel f (a) (return (load a 0 0)))", "f8(f8[:])");
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "indexed with 2"));
    e = infer_error("(kernel f (a) (return (load a 0.5)))", "f8(f8[:])");
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "indices must be integers"));
}

static void test_array_types(void)
{
    CU_ASSERT_STRING_EQUAL(
        ret_type("(kernel f (a i) (return (load a i 0)))", "(f4[:, :], i4)"),
        "f4");
    CU_ASSERT_STRING_EQUAL(
        ret_type("(kernel f (a i) (return (shape a 1)))", "(f4[:, :], i4)"),
        "i8");
}

/* New arrays take the type of their source; astype converts to it. */
static void test_arraylike_types(void)
{
    CU_ASSERT_STRING_EQUAL(
        ret_type("(kernel f (a i) (return (load (arraylike a None a) 0 0)))",
                 "(f4[:, :], i4)"),
        "f4");
    CU_ASSERT_STRING_EQUAL(
        ret_type("(kernel f (a i) (return (ndim (array f8 0 a))))",
                 "(f4[:, :, :], i4)"),
        "i8");
    CU_ASSERT_STRING_EQUAL(
        ret_type("(kernel f (a i) (return (astype a i)))", "(u1[:], f8)"),
        "u1");
    CU_ASSERT_STRING_EQUAL(
        ret_type("(kernel f (a i) (return (load (arraylike i 0 3 4) 0 0)))",
                 "(u1[:], f4)"),
        "f4");
}

/* (ufcast "NAME|LOOPS" WHICH v args...): an exact loop first, else the
 * first the arguments cast to safely (int32 is not safe as float32). */
static void test_ufcast_picks_numpy_loop(void)
{
#define UFC(which) "(ufcast \"u|f4 f4>f4;f8 f8>f8\" " which " a a b)"
    CU_ASSERT_STRING_EQUAL(ret_type(RET(UFC("0")), "(f4, f4)"), "f4");
    CU_ASSERT_STRING_EQUAL(ret_type(RET(UFC("0")), "(i4, f4)"), "f8");
    CU_ASSERT_STRING_EQUAL(ret_type(RET(UFC("-1")), "(i2, f4)"), "f4");
    CU_ASSERT_PTR_NOT_NULL(strstr(ret_type(RET(UFC("0")), "(c8, f4)"),
                                  "no loop of the ufunc 'u' takes (c8, f4)"));
#undef UFC
}

static void test_while_true_never_falls_through(void)
{
    UfError err = {0};
    UfSig s, r;
    KirKernel *k = kir_parse("(kernel f (a) (while True (block (if (> a 1) "
                             "(block (return a))) (set a (* a 2)))))",
                             &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    uf_sig_parse("f8(f8)", &s, &err);
    CU_ASSERT_EQUAL(uf_infer_kernel(k, &s, &r, &err), 0);
    kir_kernel_free(k);
}

int main(void)
{
    static const UfTestCase cases[] = {
        UF_CASE(test_weak_literals),
        UF_CASE(test_arraylike_types),
        UF_CASE(test_ufcast_picks_numpy_loop),
        UF_CASE(test_numpy_promotion),
        UF_CASE(test_division_and_power),
        UF_CASE(test_compare_logic_select),
        UF_CASE(test_casts_and_calls),
        UF_CASE(test_locals_unify),
        UF_CASE(test_resolved_signature),
        UF_CASE(test_errors_have_locations),
        UF_CASE(test_array_types),
        UF_CASE(test_while_true_never_falls_through),
        UF_CASES_END,
    };
    return uf_test_main("infer", cases);
}
