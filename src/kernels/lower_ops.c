/*
 * lower_ops.c -- arithmetic, comparisons and bit operations with NumPy's
 * and Python's semantics.  Integers wrap; integer // and % by zero give 0
 * and raise the divide-by-zero flag, INT_MIN // -1 gives INT_MIN and
 * raises overflow, never a trap; // and % floor like Python; shifts by
 * the bit width or more give 0 (or -1 for negative >>) as NumPy does.
 */
#include "lower.h"

#include <assert.h>

static LLVMValueRef int_const(LLVMValueRef like, long long v)
{
    return LLVMConstInt(LLVMTypeOf(like), (unsigned long long)v, 1);
}

static LLVMValueRef is_zero(Lower *L, LLVMValueRef v)
{
    return LLVMBuildICmp(L->b, LLVMIntEQ, v, int_const(v, 0), "");
}

/* ---- integers -------------------------------------------------------------
 */

/* The smallest value of signed type |t|. */
static LLVMValueRef int_min(Lower *L, UfType t)
{
    int bits = uf_kind_bits(t.kind);
    return LLVMConstInt(l_type(L, t), 1ULL << (bits - 1), 0);
}

/* (// a b) and (% a b) on integers of type |t|. */
static LLVMValueRef int_floordiv_mod(Lower *L, KirOp op, UfType t,
                                     LLVMValueRef a, LLVMValueRef b)
{
    LLVMBuilderRef B = L->b;
    LLVMValueRef zero = is_zero(L, b);
    l_flag_if(L, zero, UF_KFLAG_DIVBYZERO);
    if (!uf_kind_is_signed(t.kind)) {
        LLVMValueRef safe = LLVMBuildSelect(B, zero, int_const(b, 1), b, "");
        LLVMValueRef r = op == KIR_FLOORDIV ? LLVMBuildUDiv(B, a, safe, "")
                                            : LLVMBuildURem(B, a, safe, "");
        return LLVMBuildSelect(B, zero, int_const(a, 0), r, "");
    }
    /* (// INT_MIN -1) -> INT_MIN with the overflow flag */
    LLVMValueRef ovf =
        LLVMBuildAnd(B, LLVMBuildICmp(B, LLVMIntEQ, a, int_min(L, t), ""),
                     LLVMBuildICmp(B, LLVMIntEQ, b, int_const(b, -1), ""), "");
    if (op == KIR_FLOORDIV) {
        l_flag_if(L, ovf, UF_KFLAG_OVERFLOW);
    }
    LLVMValueRef safe = LLVMBuildSelect(B, LLVMBuildOr(B, zero, ovf, ""),
                                        int_const(b, 1), b, "");
    LLVMValueRef q = LLVMBuildSDiv(B, a, safe, "");
    LLVMValueRef r = LLVMBuildSRem(B, a, safe, "");
    /* Python floors: a nonzero remainder whose sign differs from b's
     * moves the quotient down and the remainder by b. */
    LLVMValueRef differ = LLVMBuildICmp(
        B, LLVMIntSLT, LLVMBuildXor(B, r, safe, ""), int_const(r, 0), "");
    LLVMValueRef fix = LLVMBuildAnd(
        B, differ, LLVMBuildICmp(B, LLVMIntNE, r, int_const(r, 0), ""), "");
    LLVMValueRef res;
    if (op == KIR_FLOORDIV) {
        res = LLVMBuildSub(B, q, LLVMBuildZExt(B, fix, LLVMTypeOf(q), ""), "");
    } else {
        res = LLVMBuildAdd(
            B, r, LLVMBuildSelect(B, fix, safe, int_const(r, 0), ""), "");
    }
    return LLVMBuildSelect(B, zero, int_const(a, 0), res, "");
}

/* (<< a b), (>> a b): out-of-range counts as NumPy (npy_lshift). */
static LLVMValueRef int_shift(Lower *L, KirOp op, UfType t, LLVMValueRef a,
                              LLVMValueRef b)
{
    LLVMBuilderRef B = L->b;
    int bits = uf_kind_bits(t.kind);
    LLVMValueRef in_range =
        LLVMBuildICmp(B, LLVMIntULT, b, int_const(b, bits), "");
    LLVMValueRef n = LLVMBuildSelect(B, in_range, b, int_const(b, 0), "");
    if (op == KIR_LSHIFT) {
        return LLVMBuildSelect(B, in_range, LLVMBuildShl(B, a, n, ""),
                               int_const(a, 0), "");
    }
    if (!uf_kind_is_signed(t.kind)) {
        return LLVMBuildSelect(B, in_range, LLVMBuildLShr(B, a, n, ""),
                               int_const(a, 0), "");
    }
    LLVMValueRef neg = LLVMBuildICmp(B, LLVMIntSLT, a, int_const(a, 0), "");
    LLVMValueRef fill =
        LLVMBuildSelect(B, neg, int_const(a, -1), int_const(a, 0), "");
    return LLVMBuildSelect(B, in_range, LLVMBuildAShr(B, a, n, ""), fill, "");
}

/* (** a b) on integers: a runtime helper on 64 bits, then wrapped back. */
static LLVMValueRef int_pow(Lower *L, UfType t, LLVMValueRef a, LLVMValueRef b)
{
    bool sign = uf_kind_is_signed(t.kind);
    if (sign) { /* a negative exponent is NumPy's ValueError */
        LLVMValueRef neg =
            LLVMBuildICmp(L->b, LLVMIntSLT, b, int_const(b, 0), "");
        l_flag_if(L, neg, UF_KFLAG_ERROR | UF_KFLAG_NEGPOW);
        L->can_fail = true;
    }
    UfType wide = uf_type_scalar(sign ? UF_I8 : UF_U8);
    LLVMValueRef args[2] = {l_convert(L, a, t, wide), l_convert(L, b, t, wide)};
    LLVMTypeRef i64 = LLVMInt64TypeInContext(L->ctx);
    LLVMTypeRef params[2] = {i64, i64};
    LLVMTypeRef fty = LLVMFunctionType(i64, params, 2, 0);
    const char *name = sign ? "uf_rt_ipow" : "uf_rt_upow";
    LLVMValueRef fn = LLVMGetNamedFunction(L->mod, name);
    if (fn == NULL) {
        fn = LLVMAddFunction(L->mod, name, fty);
    }
    LLVMValueRef r = LLVMBuildCall2(L->b, fty, fn, args, 2, "");
    return l_convert(L, r, wide, t);
}

static LLVMValueRef int_binary(Lower *L, KirOp op, UfType t, LLVMValueRef a,
                               LLVMValueRef b)
{
    LLVMBuilderRef B = L->b;
    switch (op) {
    case KIR_ADD: /* wraps */
        return LLVMBuildAdd(B, a, b, "");
    case KIR_SUB:
        return LLVMBuildSub(B, a, b, "");
    case KIR_MUL:
        return LLVMBuildMul(B, a, b, "");
    case KIR_FLOORDIV:
    case KIR_MOD:
        return int_floordiv_mod(L, op, t, a, b);
    case KIR_POW:
        return int_pow(L, t, a, b);
    case KIR_LSHIFT:
    case KIR_RSHIFT:
        return int_shift(L, op, t, a, b);
    case KIR_BITAND:
        return LLVMBuildAnd(B, a, b, "");
    case KIR_BITOR:
        return LLVMBuildOr(B, a, b, "");
    case KIR_BITXOR:
        return LLVMBuildXor(B, a, b, "");
    default:
        assert(!"integer op");
        return NULL;
    }
}

/* ---- floats
 * ------------------------------------------------------------------ */

static LLVMValueRef fconst(LLVMValueRef like, double v)
{
    return LLVMConstReal(LLVMTypeOf(like), v);
}

static LLVMValueRef fcmp(Lower *L, LLVMRealPredicate p, LLVMValueRef a,
                         LLVMValueRef b)
{
    return LLVMBuildFCmp(L->b, p, a, b, "");
}

static LLVMValueRef copysign_of(Lower *L, LLVMValueRef mag, LLVMValueRef sign)
{
    LLVMValueRef args[2] = {mag, sign};
    LLVMTypeRef t = LLVMTypeOf(mag);
    return l_intrinsic(L, "llvm.copysign", &t, 1, args, 2);
}

/* Whether the nonzero remainder |mod| and the nonzero divisor |b| differ
 * in sign.  Tested on the sign bits, not with `<`: x86's ordered compares
 * signal, and LLVM may pair two scalar compares into one packed compare
 * whose unused lane holds garbage, raising a spurious "invalid value"
 * (4.0 // k with an int64 k did). */
static LLVMValueRef signs_differ(Lower *L, LLVMValueRef mod, LLVMValueRef b)
{
    LLVMTypeRef ft = LLVMTypeOf(b);
    unsigned bits = LLVMGetTypeKind(ft) == LLVMFloatTypeKind ? 32 : 64;
    LLVMTypeRef it = LLVMIntTypeInContext(L->ctx, bits);
    LLVMValueRef x = LLVMBuildXor(L->b, LLVMBuildBitCast(L->b, mod, it, ""),
                                  LLVMBuildBitCast(L->b, b, it, ""), "");
    return LLVMBuildICmp(L->b, LLVMIntSLT, x, LLVMConstInt(it, 0, 0), "");
}

/* (% a b) on floats: the sign of b, as Python and npy_divmod. */
static LLVMValueRef float_mod(Lower *L, LLVMValueRef a, LLVMValueRef b)
{
    LLVMBuilderRef B = L->b;
    LLVMValueRef mod = l_fast(L, LLVMBuildFRem(B, a, b, ""));
    LLVMValueRef nonzero = fcmp(L, LLVMRealUNE, mod, fconst(mod, 0.0));
    LLVMValueRef shifted =
        LLVMBuildSelect(B, signs_differ(L, mod, b),
                        l_fast(L, LLVMBuildFAdd(B, mod, b, "")), mod, "");
    LLVMValueRef res = LLVMBuildSelect(B, nonzero, shifted,
                                       copysign_of(L, fconst(mod, 0.0), b), "");
    LLVMValueRef bzero = fcmp(L, LLVMRealOEQ, b, fconst(b, 0.0));
    return LLVMBuildSelect(B, bzero, mod, res, "");
}

/* (// a b) on floats, as npy_floor_divide. */
static LLVMValueRef float_floordiv(Lower *L, LLVMValueRef a, LLVMValueRef b)
{
    LLVMBuilderRef B = L->b;
    LLVMValueRef quot = l_fast(L, LLVMBuildFDiv(B, a, b, ""));
    /* a zero divisor gives a / b alone: keep fmod and the rest from
     * raising an invalid flag NumPy does not raise */
    LLVMValueRef bz = fcmp(L, LLVMRealOEQ, b, fconst(b, 0.0));
    a = LLVMBuildSelect(B, bz, fconst(a, 0.0), a, "");
    b = LLVMBuildSelect(B, bz, fconst(b, 1.0), b, "");
    LLVMValueRef mod = l_fast(L, LLVMBuildFRem(B, a, b, ""));
    LLVMValueRef div = l_fast(
        L, LLVMBuildFDiv(B, l_fast(L, LLVMBuildFSub(B, a, mod, "")), b, ""));
    LLVMValueRef fix =
        LLVMBuildAnd(B, fcmp(L, LLVMRealUNE, mod, fconst(mod, 0.0)),
                     signs_differ(L, mod, b), "");
    div = LLVMBuildSelect(
        B, fix, l_fast(L, LLVMBuildFSub(B, div, fconst(div, 1.0), "")), div,
        "");
    LLVMTypeRef t = LLVMTypeOf(div);
    LLVMValueRef fl = l_intrinsic(L, "llvm.floor", &t, 1, &div, 1);
    LLVMValueRef up =
        fcmp(L, LLVMRealOGT, l_fast(L, LLVMBuildFSub(B, div, fl, "")),
             fconst(div, 0.5));
    fl = LLVMBuildSelect(
        B, up, l_fast(L, LLVMBuildFAdd(B, fl, fconst(fl, 1.0), "")), fl, "");
    LLVMValueRef res =
        LLVMBuildSelect(B, fcmp(L, LLVMRealUNE, div, fconst(div, 0.0)), fl,
                        copysign_of(L, fconst(div, 0.0), quot), "");
    return LLVMBuildSelect(B, bz, quot, res, "");
}

static LLVMValueRef float_binary(Lower *L, KirOp op, UfType t, LLVMValueRef a,
                                 LLVMValueRef b)
{
    LLVMBuilderRef B = L->b;
    switch (op) {
    case KIR_ADD:
        return l_fast(L, LLVMBuildFAdd(B, a, b, ""));
    case KIR_SUB:
        return l_fast(L, LLVMBuildFSub(B, a, b, ""));
    case KIR_MUL:
        return l_fast(L, LLVMBuildFMul(B, a, b, ""));
    case KIR_DIV:
        return l_fast(L, LLVMBuildFDiv(B, a, b, ""));
    case KIR_FLOORDIV:
        return float_floordiv(L, a, b);
    case KIR_MOD:
        return float_mod(L, a, b);
    case KIR_POW: {
        UfType argt[2] = {t, t};
        LLVMValueRef args[2] = {a, b};
        UfLoc none = {0, 0, 0};
        return l_math_call(L, KIR_FN_POWF, t, argt, args, 2, none);
    }
    default:
        assert(!"float op");
        return NULL;
    }
}

/* ---- complex ---------------------------------------------------------------
 */

/* (/ a b) on complex numbers: Smith's algorithm, as NumPy. */
static LLVMValueRef complex_div(Lower *L, UfType t, LLVMValueRef a,
                                LLVMValueRef b)
{
    LLVMBuilderRef B = L->b;
    LLVMValueRef ar = l_re(L, a), ai = l_im(L, a);
    LLVMValueRef br = l_re(L, b), bi = l_im(L, b);
    LLVMTypeRef ft = LLVMTypeOf(br);
    LLVMValueRef abr = l_intrinsic(L, "llvm.fabs", &ft, 1, &br, 1);
    LLVMValueRef abi = l_intrinsic(L, "llvm.fabs", &ft, 1, &bi, 1);
    LLVMValueRef wide = fcmp(L, LLVMRealOGE, abr, abi);
    /* a zero divisor takes the last branch only: the others divide by 1 */
    LLVMValueRef bzero =
        LLVMBuildAnd(B, fcmp(L, LLVMRealOEQ, abr, fconst(abr, 0.0)),
                     fcmp(L, LLVMRealOEQ, abi, fconst(abi, 0.0)), "");
    /* |br| >= |bi|: rat = bi/br, scl = 1/(br + bi*rat);
     *   re = (ar + ai*rat)*scl, im = (ai - ar*rat)*scl; else mirrored */
    LLVMValueRef p = LLVMBuildSelect(B, bzero, fconst(br, 1.0),
                                     LLVMBuildSelect(B, wide, br, bi, ""), "");
    LLVMValueRef q = LLVMBuildSelect(B, wide, bi, br, "");
    LLVMValueRef rat = l_fast(L, LLVMBuildFDiv(B, q, p, ""));
    LLVMValueRef den = l_fast(
        L, LLVMBuildFAdd(B, p, l_fast(L, LLVMBuildFMul(B, q, rat, "")), ""));
    LLVMValueRef scl = l_fast(L, LLVMBuildFDiv(B, fconst(den, 1.0), den, ""));
    LLVMValueRef x = LLVMBuildSelect(B, wide, ar, ai, "");
    LLVMValueRef y = LLVMBuildSelect(B, wide, ai, ar, "");
    LLVMValueRef re = l_fast(
        L, LLVMBuildFAdd(B, x, l_fast(L, LLVMBuildFMul(B, y, rat, "")), ""));
    LLVMValueRef im = l_fast(
        L, LLVMBuildFSub(B, y, l_fast(L, LLVMBuildFMul(B, x, rat, "")), ""));
    re = l_fast(L, LLVMBuildFMul(B, re, scl, ""));
    im = l_fast(L, LLVMBuildFMul(B, im, scl, ""));
    /* in the mirrored case the imaginary part changes sign */
    im = LLVMBuildSelect(B, wide, im, LLVMBuildFNeg(B, im, ""), "");
    /* a zero divisor gives inf / nan per part, as NumPy; other divisors
     * never reach these divisions (they divide by 1 instead) */
    LLVMValueRef one = fconst(abr, 1.0);
    LLVMValueRef dr = LLVMBuildSelect(B, bzero, abr, one, "");
    LLVMValueRef di = LLVMBuildSelect(B, bzero, abi, one, "");
    re = LLVMBuildSelect(B, bzero, l_fast(L, LLVMBuildFDiv(B, ar, dr, "")), re,
                         "");
    im = LLVMBuildSelect(B, bzero, l_fast(L, LLVMBuildFDiv(B, ai, di, "")), im,
                         "");
    return l_complex(L, t, re, im);
}

static LLVMValueRef complex_mul(Lower *L, UfType t, LLVMValueRef a,
                                LLVMValueRef b)
{
    LLVMBuilderRef B = L->b;
    LLVMValueRef ar = l_re(L, a), ai = l_im(L, a);
    LLVMValueRef br = l_re(L, b), bi = l_im(L, b);
    LLVMValueRef re =
        l_fast(L, LLVMBuildFSub(B, l_fast(L, LLVMBuildFMul(B, ar, br, "")),
                                l_fast(L, LLVMBuildFMul(B, ai, bi, "")), ""));
    LLVMValueRef im =
        l_fast(L, LLVMBuildFAdd(B, l_fast(L, LLVMBuildFMul(B, ar, bi, "")),
                                l_fast(L, LLVMBuildFMul(B, ai, br, "")), ""));
    return l_complex(L, t, re, im);
}

static LLVMValueRef complex_binary(Lower *L, KirOp op, UfType t, LLVMValueRef a,
                                   LLVMValueRef b)
{
    LLVMBuilderRef B = L->b;
    switch (op) {
    case KIR_ADD:
    case KIR_SUB: {
        bool add = op == KIR_ADD;
        LLVMValueRef re = add ? LLVMBuildFAdd(B, l_re(L, a), l_re(L, b), "")
                              : LLVMBuildFSub(B, l_re(L, a), l_re(L, b), "");
        LLVMValueRef im = add ? LLVMBuildFAdd(B, l_im(L, a), l_im(L, b), "")
                              : LLVMBuildFSub(B, l_im(L, a), l_im(L, b), "");
        return l_complex(L, t, l_fast(L, re), l_fast(L, im));
    }
    case KIR_MUL:
        return complex_mul(L, t, a, b);
    case KIR_DIV:
        return complex_div(L, t, a, b);
    case KIR_POW: {
        LLVMValueRef args[2] = {a, b};
        return l_complex_helper(L, "uf_rt_cpow", t, args, 2);
    }
    default:
        assert(!"complex op");
        return NULL;
    }
}

/* ---- entry points
 * ------------------------------------------------------------ */

LLVMValueRef l_binary(Lower *L, KirOp op, UfType t, LLVMValueRef a,
                      LLVMValueRef b)
{
    if (uf_kind_is_complex(t.kind)) {
        return complex_binary(L, op, t, a, b);
    }
    if (uf_kind_is_float(t.kind)) {
        return float_binary(L, op, t, a, b);
    }
    return int_binary(L, op, t, a, b);
}

static LLVMRealPredicate real_predicate(KirOp op)
{
    switch (op) {
    case KIR_LT:
        return LLVMRealOLT;
    case KIR_LE:
        return LLVMRealOLE;
    case KIR_GT:
        return LLVMRealOGT;
    case KIR_GE:
        return LLVMRealOGE;
    case KIR_EQ:
        return LLVMRealOEQ;
    default: /* != is true for NaN */
        return LLVMRealUNE;
    }
}

static LLVMIntPredicate int_predicate(KirOp op, bool sign)
{
    switch (op) {
    case KIR_LT:
        return sign ? LLVMIntSLT : LLVMIntULT;
    case KIR_LE:
        return sign ? LLVMIntSLE : LLVMIntULE;
    case KIR_GT:
        return sign ? LLVMIntSGT : LLVMIntUGT;
    case KIR_GE:
        return sign ? LLVMIntSGE : LLVMIntUGE;
    case KIR_EQ:
        return LLVMIntEQ;
    default:
        return LLVMIntNE;
    }
}

LLVMValueRef l_compare(Lower *L, KirOp op, UfType t, LLVMValueRef a,
                       LLVMValueRef b)
{
    if (uf_kind_is_complex(t.kind)) { /* only == and != reach here */
        LLVMRealPredicate p = real_predicate(op);
        LLVMValueRef re = fcmp(L, p, l_re(L, a), l_re(L, b));
        LLVMValueRef im = fcmp(L, p, l_im(L, a), l_im(L, b));
        return op == KIR_EQ ? LLVMBuildAnd(L->b, re, im, "")
                            : LLVMBuildOr(L->b, re, im, "");
    }
    if (uf_kind_is_float(t.kind)) {
        return fcmp(L, real_predicate(op), a, b);
    }
    return LLVMBuildICmp(L->b, int_predicate(op, uf_kind_is_signed(t.kind)), a,
                         b, "");
}

LLVMValueRef l_negate(Lower *L, UfType t, LLVMValueRef a)
{
    if (uf_kind_is_complex(t.kind)) {
        return l_complex(L, t, LLVMBuildFNeg(L->b, l_re(L, a), ""),
                         LLVMBuildFNeg(L->b, l_im(L, a), ""));
    }
    if (uf_kind_is_float(t.kind)) {
        return LLVMBuildFNeg(L->b, a, "");
    }
    return LLVMBuildNeg(L->b, a, "");
}

LLVMValueRef l_invert(Lower *L, UfType t, LLVMValueRef a)
{
    (void)t;
    return LLVMBuildNot(L->b, a, "");
}
