/*
 * lower.h -- internal to the lowering files (lower.c, lower_ops.c,
 * lower_array.c, lower_const.c, mathlib.c): the lowering state and the
 * l_* emit helpers.
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
    LLVMBasicBlockRef exit_bb;     /* every return ends here: scratch is
                                      freed and the flags returned */
    LLVMValueRef scratch;          /* alloca ptr: the scratch list head, or
                                      NULL when the kernel makes no arrays */
    LLVMValueRef kname;            /* the kernel's name as a C string */
} Lower;

/* ---- lower.c ------------------------------------------------------------ */

/* Register type of a type: scalars as above, arrays as l_array_type. */
LLVMTypeRef l_type(Lower *L, UfType t);
/* The in-memory type of a scalar (b1 is a byte). */
LLVMTypeRef l_mem_type(Lower *L, UfType t);
/* Lowers an expression; NULL with L->err set on failure. */
LLVMValueRef l_expr(Lower *L, const KirNode *n);
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

/* ---- lower_array.c: arrays in gufunc kernels ------------------------------
 *
 * An array value is the struct {ptr data, [N x i64] shape, [N x i64]
 * strides} (strides in bytes, any sign); views are new structs over the
 * same data.  A kernel parameter of array type arrives as its fields: the
 * data pointer, N extents, N strides. */

LLVMTypeRef l_array_type(Lower *L, int ndim);
/* Appends the parameter types of an array of type |t| to params[*np]. */
void l_array_param_types(Lower *L, UfType t, LLVMTypeRef *params, int *np);
/* The array value made of the kernel's parameters from *param on. */
LLVMValueRef l_array_from_params(Lower *L, UfType t, unsigned *param);
/* LOAD, SHAPE, NDIM, SIZE, NEWARRAY and the reductions. */
LLVMValueRef l_array_expr(Lower *L, const KirNode *n);
/* (store a i ... v) */
int l_array_store(Lower *L, const KirNode *n);
/* Whether |n| or anything under it makes a new array. */
bool l_makes_arrays(const KirNode *n);
/* Ends the current block by raising |flags_value| (an i32 from a uf_rt_*
 * error call) and leaving the kernel. */
void l_raise_and_exit(Lower *L, LLVMValueRef flags_value);
/* A branch on |bad| (i1) into a cold block, where the builder is left;
 * *ok gets the block to continue in. */
void l_branch_unlikely(Lower *L, LLVMValueRef bad, LLVMBasicBlockRef *ok);

/* ---- lower_const.c: constant data ---------------------------------------- */

/* (raise EXC MSG): calls uf_rt_raise and leaves the kernel. */
int l_raise(Lower *L, const KirNode *n);
/* (constarray ...): an array value over a private constant global. */
LLVMValueRef l_constarray(Lower *L, const KirNode *n);

#endif /* UF_LOWER_H */
