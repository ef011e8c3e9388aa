/*
 * lower_fixture.h -- lowering kir into a fresh module and reading its IR.
 */
#ifndef UF_LOWER_FIXTURE_H
#define UF_LOWER_FIXTURE_H

#include "testutil.h"

#include <llvm-c/Analysis.h>
#include <llvm-c/Core.h>

typedef struct LowerFx {
    LLVMContextRef ctx;
    LLVMModuleRef mod;
    KirKernel *k;
    UfSig sig;
    UfLLVMValue fn;
    UfError err;
} LowerFx;

/* Parses, infers and lowers |kir| for |sig| with |opt|; fx->fn is NULL and
 * fx->err set on failure. */
static inline void lfx_lower(LowerFx *fx, const char *kir, const char *sig,
                             const UfLowerOptions *opt)
{
    UfSig s;
    memset(fx, 0, sizeof *fx);
    fx->ctx = LLVMContextCreate();
    fx->mod = LLVMModuleCreateWithNameInContext("test", fx->ctx);
    fx->k = kir_parse(kir, &fx->err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fx->k);
    CU_ASSERT_EQUAL_FATAL(uf_sig_parse(sig, &s, &fx->err), 0);
    CU_ASSERT_EQUAL_FATAL(kir_verify(fx->k, &fx->err), 0);
    if (uf_infer_kernel(fx->k, &s, &fx->sig, &fx->err) == 0) {
        fx->fn = uf_lower_kernel(fx->mod, fx->k, &fx->sig, opt, &fx->err);
    }
}

/* Whether the module verifies; prints LLVM's complaint otherwise. */
static inline int lfx_verifies(LowerFx *fx)
{
    char *msg = NULL;
    LLVMBool bad = LLVMVerifyModule(fx->mod, LLVMReturnStatusAction, &msg);
    if (bad) {
        fprintf(stderr, "%s\n", msg);
    }
    LLVMDisposeMessage(msg);
    return !bad;
}

/* The module's text (LLVMDisposeMessage it). */
static inline char *lfx_text(LowerFx *fx)
{
    return LLVMPrintModuleToString(fx->mod);
}

static inline void lfx_free(LowerFx *fx)
{
    kir_kernel_free(fx->k);
    LLVMDisposeModule(fx->mod);
    LLVMContextDispose(fx->ctx);
}

#endif /* UF_LOWER_FIXTURE_H */
