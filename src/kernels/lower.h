/*
 * lower.h -- internal to the lowering files (lower.c, lower_ops.c,
 * mathlib.c): the lowering state and the l_* emit helpers.
 *
 * Register types: b1 is i1, integers iN, f4 float, f8 double, complex a
 * {float, float} / {double, double} struct.  In memory b1 is one byte.
 */
#ifndef UF_LOWER_H
#define UF_LOWER_H

#include <llvm-c/Core.h>

#include "kernels.h"

typedef struct Lower {
    LLVMContextRef ctx;
    LLVMModuleRef mod;
    LLVMBuilderRef b;
    LLVMValueRef fn;
    const KirKernel *k;
    const UfSig *sig;
    const UfLowerOptions *opt;
    UfError *err;
    LLVMValueRef *slots;           /* an alloca per variable */
    LLVMValueRef flags;            /* alloca i32: UF_KFLAG_* bits */
    LLVMValueRef outs[UF_MAXOUTS]; /* output pointer parameters */
    LLVMBasicBlockRef break_bb;    /* innermost loop's exit */
    LLVMBasicBlockRef continue_bb; /* innermost loop's next step */
    bool can_fail;                 /* the kernel may raise UF_KFLAG_ERROR */
} Lower;

/* ---- lower.c ------------------------------------------------------------ */

/* Register type of a scalar type. */
LLVMTypeRef l_type(Lower *L, UfType t);
/* Converts |v| of type |from| to |to| (NumPy casting; float -> int
 * saturates; complex -> real keeps the real part). */
LLVMValueRef l_convert(Lower *L, LLVMValueRef v, UfType from, UfType to);
/* i1: whether |v| of type |t| is truthy (NaN is true, as in Python). */
LLVMValueRef l_truthy(Lower *L, LLVMValueRef v, UfType t);
/* ORs |bits| into the kernel's flags when |cond| (i1) holds. */
void l_flag_if(Lower *L, LLVMValueRef cond, int32_t bits);
/* A new basic block appended to the kernel function. */
LLVMBasicBlockRef l_block(Lower *L, const char *name);
/* An alloca at the top of the entry block, where mem2reg (and the inliner)
 * find it. */
LLVMValueRef l_entry_alloca(Lower *L, LLVMTypeRef t, const char *name);
/* The real and imaginary parts of a complex value; building one. */
LLVMValueRef l_re(Lower *L, LLVMValueRef z);
LLVMValueRef l_im(Lower *L, LLVMValueRef z);
LLVMValueRef l_complex(Lower *L, UfType t, LLVMValueRef re, LLVMValueRef im);
/* Calls the LLVM intrinsic |name| overloaded on |tys| (e.g. the one type
 * of llvm.sqrt, or the result and operand of llvm.fptosi.sat). */
LLVMValueRef l_intrinsic(Lower *L, const char *name, LLVMTypeRef *tys,
                         unsigned ntys, LLVMValueRef *args, unsigned n);
/* Gives a float instruction fast-math flags when the kernel asked. */
LLVMValueRef l_fast(Lower *L, LLVMValueRef v);
/* An integer or float constant of type |t|. */
LLVMValueRef l_const_int(Lower *L, UfType t, long long v);
LLVMValueRef l_const_real(Lower *L, UfType t, double v);

/* ---- lower_ops.c: arithmetic with NumPy / Python semantics ----------------
 */

/* (op a b) where a and b already have type |t| (the operation type). */
LLVMValueRef l_binary(Lower *L, KirOp op, UfType t, LLVMValueRef a,
                      LLVMValueRef b);
/* Comparisons of a and b of type |t|; an i1. */
LLVMValueRef l_compare(Lower *L, KirOp op, UfType t, LLVMValueRef a,
                       LLVMValueRef b);
/* (neg a), (~ a) for type |t|. */
LLVMValueRef l_negate(Lower *L, UfType t, LLVMValueRef a);
LLVMValueRef l_invert(Lower *L, UfType t, LLVMValueRef a);

/* ---- mathlib.c: intrinsic functions -------------------------------------- */

/* Emits (fn args...) where each args[i] has been converted to |argt[i]|
 * (chosen by lower.c from the node's inferred types); the result has
 * type |rt|.  NULL with L->err set on failure. */
LLVMValueRef l_math_call(Lower *L, KirFn fn, UfType rt, const UfType *argt,
                         LLVMValueRef *args, int nargs, UfLoc loc);
/* Calls a runtime helper |name| with the pointer ABI for complex values:
 * void name(double *out, const double *a[, const double *b]). */
LLVMValueRef l_complex_helper(Lower *L, const char *name, UfType t,
                              LLVMValueRef *args, int nargs);

#endif /* UF_LOWER_H */
