/*
 * test_loop.c -- the elementwise loop's IR: an exported entry with
 * NumPy's ArrayMethod signature, a noalias contiguous loop that the
 * vectorizer widens, a strided loop, and the flag reduction.
 */
#include "lower_fixture.h"
#include "ufunc/ufunc.h"

#include <string.h>

static const UfLowerOptions OPTS = {false, true, {0, 1, 1}};

static UfLLVMValue emit(LowerFx *fx, const char *kir, const char *sig)
{
    lfx_lower(fx, kir, sig, &OPTS);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fx->fn);
    return uf_ufunc_emit_loop(fx->mod, fx->fn, &fx->sig, "uf.test", &fx->err);
}

static void test_loop_functions(void)
{
    LowerFx fx;
    UfLLVMValue loop =
        emit(&fx, "(kernel f (a b) (return (+ a b)))", "f8(f8, f4)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(loop);
    CU_ASSERT(lfx_verifies(&fx));
    CU_ASSERT_EQUAL(LLVMGetLinkage(loop), LLVMExternalLinkage);
    char *ir = lfx_text(&fx);
    CU_ASSERT_PTR_NOT_NULL(strstr(
        ir, "define i32 @uf.test(ptr %0, ptr %1, ptr %2, ptr %3, ptr %4)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(
        ir, "define internal i32 @uf.test.contig(ptr noalias %0, ptr noalias "
            "%1, ptr noalias %2, i64 %3)"));
    CU_ASSERT_PTR_NOT_NULL(
        strstr(ir, "define internal i32 @uf.test.strided(ptr %0, ptr %1, ptr "
                   "%2, i64 %3, i64 %4, i64 %5, i64 %6)"));
    /* the contiguous test compares each step with its item size */
    CU_ASSERT_PTR_NOT_NULL(strstr(ir, "icmp eq i64 %"));
    CU_ASSERT_PTR_NOT_NULL(strstr(ir, ", 4\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(ir, "call void @uf_rt_finish_fpe"));
    /* broadcast inputs go through the runtime, which calls the entry back */
    CU_ASSERT_PTR_NOT_NULL(strstr(
        ir, "call i32 @uf_rt_run_broadcast(ptr @uf.test, ptr @uf.test.desc"));
    CU_ASSERT_PTR_NOT_NULL(
        strstr(ir, "@uf.test.desc = internal constant [8 x i32] [i32 3, i32 2, "
                   "i32 8, i32 4, i32 8, i32 2, i32 1, i32 2]"));
    LLVMDisposeMessage(ir);
    lfx_free(&fx);
}

static void test_bool_and_complex_operands(void)
{
    LowerFx fx;
    UfLLVMValue loop = emit(&fx, "(kernel f (a z) (return (select a z 0j) a))",
                            "(c16, b1)(b1, c16)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(loop);
    CU_ASSERT(lfx_verifies(&fx));
    char *ir = lfx_text(&fx);
    CU_ASSERT_PTR_NOT_NULL(strstr(ir, "load i8"));
    CU_ASSERT_PTR_NOT_NULL(strstr(ir, "load { double, double }"));
    LLVMDisposeMessage(ir);
    lfx_free(&fx);
}

static void test_needs_a_return_value(void)
{
    LowerFx fx;
    lfx_lower(&fx, "(kernel f (a) (return))", "void(f8)", &OPTS);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fx.fn);
    UfLLVMValue loop =
        uf_ufunc_emit_loop(fx.mod, fx.fn, &fx.sig, "uf.v", &fx.err);
    CU_ASSERT_PTR_NULL(loop);
    CU_ASSERT_PTR_NOT_NULL(strstr(fx.err.msg, "must return a value"));
    lfx_free(&fx);
}

int main(void)
{
    static const UfTestCase cases[] = {
        UF_CASE(test_loop_functions),
        UF_CASE(test_bool_and_complex_operands),
        UF_CASE(test_needs_a_return_value),
        UF_CASES_END,
    };
    return uf_test_main("loop", cases);
}
