/*
 * lower.c -- typed kir to an LLVM IR function: the scalar kernel
 *
 *   i32 @<name>.kernel(ptr out0, ..., <arg0>, <arg1>, ...)
 *
 * internal and always-inline, so the loop around it sees straight-line
 * code.  Every variable lives in an entry-block alloca (mem2reg makes SSA
 * of them).  The i32 result is the UF_KFLAG_* bits the kernel raised.
 * Control flow that ends a block (return, break, continue) leaves the
 * builder in a fresh unreachable block, which LLVM later deletes.
 */
#include "lower.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

static UfType ty(const KirNode *n)
{
    return uf_type_concrete(n->type);
}

/* ---- types, constants and helpers ------------------------------------- */

LLVMTypeRef l_type(Lower *L, UfType t)
{
    if (t.ndim > 0) {
        return l_array_type(L, t.ndim);
    }
    switch ((UfKind)t.kind) {
    case UF_B1:
        return LLVMInt1TypeInContext(L->ctx);
    case UF_I1:
    case UF_U1:
        return LLVMInt8TypeInContext(L->ctx);
    case UF_I2:
    case UF_U2:
        return LLVMInt16TypeInContext(L->ctx);
    case UF_I4:
    case UF_U4:
        return LLVMInt32TypeInContext(L->ctx);
    case UF_I8:
    case UF_U8:
        return LLVMInt64TypeInContext(L->ctx);
    case UF_F4:
        return LLVMFloatTypeInContext(L->ctx);
    case UF_F8:
        return LLVMDoubleTypeInContext(L->ctx);
    case UF_C8:
    case UF_C16: {
        UfType part = {t.kind == UF_C8 ? UF_F4 : UF_F8, 0, 0, 0};
        LLVMTypeRef p = l_type(L, part);
        LLVMTypeRef parts[2] = {p, p};
        return LLVMStructTypeInContext(L->ctx, parts, 2, 0);
    }
    default:
        return LLVMVoidTypeInContext(L->ctx);
    }
}

LLVMTypeRef l_mem_type(Lower *L, UfType t)
{
    return t.kind == UF_B1 ? LLVMInt8TypeInContext(L->ctx) : l_type(L, t);
}

LLVMValueRef l_const_int(Lower *L, UfType t, long long v)
{
    return LLVMConstInt(l_type(L, t), (unsigned long long)v, 1);
}

LLVMValueRef l_const_real(Lower *L, UfType t, double v)
{
    return LLVMConstReal(l_type(L, t), v);
}

LLVMBasicBlockRef l_block(Lower *L, const char *name)
{
    return LLVMAppendBasicBlockInContext(L->ctx, L->fn, name);
}

LLVMValueRef l_fast(Lower *L, LLVMValueRef v)
{
    if (L->opt->fastmath && LLVMCanValueUseFastMathFlags(v)) {
        LLVMSetFastMathFlags(v, LLVMFastMathAll);
    }
    return v;
}

LLVMValueRef l_intrinsic(Lower *L, const char *name, LLVMTypeRef *tys,
                         unsigned ntys, LLVMValueRef *args, unsigned n)
{
    unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
    assert(id != 0);
    LLVMValueRef f = LLVMGetIntrinsicDeclaration(L->mod, id, tys, ntys);
    LLVMTypeRef fty = LLVMIntrinsicGetType(L->ctx, id, tys, ntys);
    return l_fast(L, LLVMBuildCall2(L->b, fty, f, args, n, ""));
}

LLVMValueRef l_re(Lower *L, LLVMValueRef z)
{
    return LLVMBuildExtractValue(L->b, z, 0, "re");
}

LLVMValueRef l_im(Lower *L, LLVMValueRef z)
{
    return LLVMBuildExtractValue(L->b, z, 1, "im");
}

LLVMValueRef l_complex(Lower *L, UfType t, LLVMValueRef re, LLVMValueRef im)
{
    LLVMValueRef z = LLVMGetUndef(l_type(L, t));
    z = LLVMBuildInsertValue(L->b, z, re, 0, "");
    return LLVMBuildInsertValue(L->b, z, im, 1, "");
}

void l_flag_if(Lower *L, LLVMValueRef cond, int32_t bits)
{
    LLVMTypeRef i32 = LLVMInt32TypeInContext(L->ctx);
    LLVMValueRef bit = LLVMBuildSelect(L->b, cond, LLVMConstInt(i32, bits, 0),
                                       LLVMConstInt(i32, 0, 0), "");
    LLVMValueRef old = LLVMBuildLoad2(L->b, i32, L->flags, "flags");
    LLVMBuildStore(L->b, LLVMBuildOr(L->b, old, bit, ""), L->flags);
}

/* ---- conversions ----------------------------------------------------------
 */

static UfType part_type(UfType complex)
{
    return uf_type_scalar(complex.kind == UF_C8 ? UF_F4 : UF_F8);
}

LLVMValueRef l_truthy(Lower *L, LLVMValueRef v, UfType t)
{
    if (t.kind == UF_B1) {
        return v;
    }
    if (uf_kind_is_complex(t.kind)) {
        UfType p = part_type(t);
        LLVMValueRef re = l_truthy(L, l_re(L, v), p);
        return LLVMBuildOr(L->b, re, l_truthy(L, l_im(L, v), p), "");
    }
    if (uf_kind_is_float(t.kind)) { /* NaN is truthy */
        return LLVMBuildFCmp(L->b, LLVMRealUNE, v, l_const_real(L, t, 0.0), "");
    }
    return LLVMBuildICmp(L->b, LLVMIntNE, v, l_const_int(L, t, 0), "");
}

/* float -> int saturates (NaN -> 0): no poison for out-of-range values. */
static LLVMValueRef float_to_int(Lower *L, LLVMValueRef v, UfType from,
                                 UfType to)
{
    LLVMTypeRef tys[2] = {l_type(L, to), l_type(L, from)};
    const char *name =
        uf_kind_is_signed(to.kind) ? "llvm.fptosi.sat" : "llvm.fptoui.sat";
    return l_intrinsic(L, name, tys, 2, &v, 1);
}

static LLVMValueRef int_to_int(Lower *L, LLVMValueRef v, UfType from, UfType to)
{
    LLVMTypeRef t = l_type(L, to);
    int fb = uf_kind_bits(from.kind), tb = uf_kind_bits(to.kind);
    if (tb < fb) {
        return LLVMBuildTrunc(L->b, v, t, "");
    }
    if (tb == fb) {
        return v;
    }
    return uf_kind_is_signed(from.kind) ? LLVMBuildSExt(L->b, v, t, "")
                                        : LLVMBuildZExt(L->b, v, t, "");
}

/* Real (b1, int, float) to real. */
static LLVMValueRef real_to_real(Lower *L, LLVMValueRef v, UfType from,
                                 UfType to)
{
    LLVMTypeRef t = l_type(L, to);
    bool ff = uf_kind_is_float(from.kind), tf = uf_kind_is_float(to.kind);
    if (ff && tf) {
        return uf_kind_bits(to.kind) > uf_kind_bits(from.kind)
                   ? LLVMBuildFPExt(L->b, v, t, "")
                   : LLVMBuildFPTrunc(L->b, v, t, "");
    }
    if (ff) {
        return float_to_int(L, v, from, to);
    }
    if (tf) {
        return uf_kind_is_signed(from.kind) ? LLVMBuildSIToFP(L->b, v, t, "")
                                            : LLVMBuildUIToFP(L->b, v, t, "");
    }
    if (from.kind == UF_B1) {
        return LLVMBuildZExt(L->b, v, t, "");
    }
    return int_to_int(L, v, from, to);
}

LLVMValueRef l_convert(Lower *L, LLVMValueRef v, UfType from, UfType to)
{
    from = uf_type_concrete(from);
    to = uf_type_concrete(to);
    if (from.kind == to.kind) {
        return v;
    }
    if (to.kind == UF_B1) {
        return l_truthy(L, v, from);
    }
    bool fc = uf_kind_is_complex(from.kind), tc = uf_kind_is_complex(to.kind);
    if (fc && tc) { /* c8 <-> c16: each part */
        UfType fp = part_type(from), tp = part_type(to);
        return l_complex(L, to, real_to_real(L, l_re(L, v), fp, tp),
                         real_to_real(L, l_im(L, v), fp, tp));
    }
    if (fc) { /* complex -> real keeps the real part, as NumPy */
        return l_convert(L, l_re(L, v), part_type(from), to);
    }
    if (tc) {
        UfType tp = part_type(to);
        return l_complex(L, to, l_convert(L, v, from, tp),
                         l_const_real(L, tp, 0.0));
    }
    return real_to_real(L, v, from, to);
}

/* ---- expressions ------------------------------------------------------------
 */

static LLVMValueRef lower_expr(Lower *L, const KirNode *n);

/* Lowers kid |i| of |n| converted to |t|. */
static LLVMValueRef kid_as(Lower *L, const KirNode *n, int i, UfType t)
{
    LLVMValueRef v = lower_expr(L, n->kids[i]);
    return v == NULL ? NULL : l_convert(L, v, ty(n->kids[i]), t);
}

static LLVMValueRef unsupported(Lower *L, const KirNode *n, const char *what)
{
    uf_error(L->err, UF_ERR_UNSUPPORTED, n->loc, "%s", what);
    return NULL;
}

/* (and a b) / (or a b): b is evaluated only when a does not decide. */
static LLVMValueRef lower_logical(Lower *L, const KirNode *n)
{
    UfType t = ty(n);
    LLVMValueRef a = lower_expr(L, n->kids[0]);
    if (a == NULL) {
        return NULL;
    }
    LLVMValueRef truth = l_truthy(L, a, ty(n->kids[0]));
    LLVMValueRef a_val = l_convert(L, a, ty(n->kids[0]), t);
    LLVMBasicBlockRef a_bb = LLVMGetInsertBlock(L->b);
    LLVMBasicBlockRef rhs = l_block(L, "rhs");
    LLVMBasicBlockRef join = l_block(L, "join");
    if (n->op == KIR_AND) {
        LLVMBuildCondBr(L->b, truth, rhs, join);
    } else {
        LLVMBuildCondBr(L->b, truth, join, rhs);
    }
    LLVMPositionBuilderAtEnd(L->b, rhs);
    LLVMValueRef b_val = kid_as(L, n, 1, t);
    if (b_val == NULL) {
        return NULL;
    }
    LLVMBasicBlockRef b_bb = LLVMGetInsertBlock(L->b);
    LLVMBuildBr(L->b, join);
    LLVMPositionBuilderAtEnd(L->b, join);
    LLVMValueRef phi = LLVMBuildPhi(L->b, l_type(L, t), "");
    LLVMValueRef vals[2] = {a_val, b_val};
    LLVMBasicBlockRef bbs[2] = {a_bb, b_bb};
    LLVMAddIncoming(phi, vals, bbs, 2);
    return phi;
}

/* (select c a b): only the chosen branch is evaluated, as in Python. */
static LLVMValueRef lower_select(Lower *L, const KirNode *n)
{
    UfType t = ty(n);
    LLVMValueRef c = lower_expr(L, n->kids[0]);
    if (c == NULL) {
        return NULL;
    }
    c = l_truthy(L, c, ty(n->kids[0]));
    LLVMBasicBlockRef yes = l_block(L, "sel.then");
    LLVMBasicBlockRef no = l_block(L, "sel.else");
    LLVMBasicBlockRef join = l_block(L, "sel.join");
    LLVMBuildCondBr(L->b, c, yes, no);
    LLVMValueRef vals[2];
    LLVMBasicBlockRef bbs[2];
    LLVMBasicBlockRef arms[2] = {yes, no};
    for (int i = 0; i < 2; i++) {
        LLVMPositionBuilderAtEnd(L->b, arms[i]);
        vals[i] = kid_as(L, n, i + 1, t);
        if (vals[i] == NULL) {
            return NULL;
        }
        bbs[i] = LLVMGetInsertBlock(L->b);
        LLVMBuildBr(L->b, join);
    }
    LLVMPositionBuilderAtEnd(L->b, join);
    LLVMValueRef phi = LLVMBuildPhi(L->b, l_type(L, t), "");
    LLVMAddIncoming(phi, vals, bbs, 2);
    return phi;
}

static UfType bool_to_int(UfType t)
{
    return t.kind == UF_B1 ? uf_type_scalar(UF_I8) : t;
}

/* Picks the type each argument of a call is converted to (see infer.c's
 * rules for the same functions). */
static void call_arg_types(const KirNode *n, UfType *argt)
{
    UfType rt = ty(n);
    for (int i = 0; i < n->nkids; i++) {
        UfType kt = ty(n->kids[i]);
        switch (n->u.fn) {
        case KIR_FN_ABS:
        case KIR_FN_REAL:
        case KIR_FN_IMAGF:
        case KIR_FN_CONJ:
        case KIR_FN_IFLOOR:
        case KIR_FN_ICEIL:
        case KIR_FN_ITRUNC:
        case KIR_FN_IROUND:
        case KIR_FN_ISNAN:
        case KIR_FN_ISINF:
        case KIR_FN_ISFINITE:
            argt[i] = bool_to_int(kt);
            break;
        case KIR_FN_COMPLEX:
            argt[i] = part_type(rt);
            break;
        case KIR_FN_LDEXP:
            argt[i] = (i == 0) ? rt : uf_type_scalar(UF_I8);
            break;
        default:
            argt[i] = rt;
            break;
        }
    }
}

static LLVMValueRef lower_call(Lower *L, const KirNode *n)
{
    UfType argt[2];
    LLVMValueRef args[2];
    call_arg_types(n, argt);
    for (int i = 0; i < n->nkids; i++) {
        args[i] = kid_as(L, n, i, argt[i]);
        if (args[i] == NULL) {
            return NULL;
        }
    }
    return l_math_call(L, (KirFn)n->u.fn, ty(n), argt, args, n->nkids, n->loc);
}

/* The type both operands of a comparison are converted to. */
static UfType compare_type(const KirNode *n)
{
    return uf_type_concrete(
        uf_type_promote(n->kids[0]->type, n->kids[1]->type));
}

/* Whether an integer literal kid does not fit the other kid's integer
 * type. */
static bool literal_overflows(const KirNode *lit, const KirNode *other)
{
    return lit->op == KIR_INT && uf_kind_is_int(other->type.kind) &&
           !uf_type_is_weak(other->type) &&
           !uf_kind_holds((UfKind)other->type.kind, lit->u.ival);
}

/* Integer comparisons NumPy makes exact where promotion would not:
 * int64 with uint64 (promoted to f8), and a Python int outside the other
 * operand's range (x < 300 with x: i1 is always true). */
static bool needs_wide_compare(const KirNode *n)
{
    const KirNode *a = n->kids[0], *b = n->kids[1];
    if (!uf_kind_is_int(a->type.kind) || !uf_kind_is_int(b->type.kind)) {
        return false;
    }
    if (literal_overflows(a, b) || literal_overflows(b, a)) {
        return true;
    }
    return uf_kind_is_float(compare_type(n).kind);
}

/* Lowers kid |i| of |n| (an integer) extended to i128. */
static LLVMValueRef kid_wide(Lower *L, const KirNode *n, int i)
{
    const KirNode *k = n->kids[i];
    LLVMValueRef v = lower_expr(L, k);
    if (v == NULL) {
        return NULL;
    }
    LLVMTypeRef i128 = LLVMInt128TypeInContext(L->ctx);
    return uf_kind_is_signed(ty(k).kind) ? LLVMBuildSExt(L->b, v, i128, "")
                                         : LLVMBuildZExt(L->b, v, i128, "");
}

/* (< a b) ... on integers of any signedness and size, exactly. */
static LLVMValueRef lower_wide_compare(Lower *L, const KirNode *n)
{
    LLVMValueRef a = kid_wide(L, n, 0);
    LLVMValueRef b = a == NULL ? NULL : kid_wide(L, n, 1);
    return b == NULL ? NULL
                     : l_compare(L, (KirOp)n->op, uf_type_scalar(UF_I8), a, b);
}

static LLVMValueRef lower_binary(Lower *L, const KirNode *n)
{
    bool cmp = n->op >= KIR_LT && n->op <= KIR_NE;
    if (cmp && needs_wide_compare(n)) {
        return lower_wide_compare(L, n);
    }
    UfType t = cmp ? compare_type(n) : ty(n);
    LLVMValueRef a = kid_as(L, n, 0, t);
    LLVMValueRef b = a == NULL ? NULL : kid_as(L, n, 1, t);
    if (b == NULL) {
        return NULL;
    }
    if (cmp) {
        return l_compare(L, (KirOp)n->op, t, a, b);
    }
    return l_binary(L, (KirOp)n->op, t, a, b);
}

static LLVMValueRef lower_unary(Lower *L, const KirNode *n)
{
    UfType t = ty(n);
    if (n->op == KIR_NOT) {
        LLVMValueRef a = lower_expr(L, n->kids[0]);
        return a == NULL
                   ? NULL
                   : LLVMBuildNot(L->b, l_truthy(L, a, ty(n->kids[0])), "");
    }
    LLVMValueRef a = kid_as(L, n, 0, t);
    if (a == NULL || n->op == KIR_POS) {
        return a;
    }
    return n->op == KIR_NEG ? l_negate(L, t, a) : l_invert(L, t, a);
}

static LLVMValueRef lower_atom(Lower *L, const KirNode *n)
{
    UfType t = ty(n);
    switch (n->op) {
    case KIR_INT:
    case KIR_BOOL:
        return l_const_int(L, t, n->u.ival);
    case KIR_FLOAT:
        return l_const_real(L, t, n->u.fval);
    case KIR_IMAG: {
        UfType p = part_type(t);
        return l_complex(L, t, l_const_real(L, p, 0.0),
                         l_const_real(L, p, n->u.fval));
    }
    default: { /* KIR_VAR */
        const KirVar *v = &L->k->vars[n->u.var];
        return LLVMBuildLoad2(L->b, l_type(L, v->type), L->slots[n->u.var],
                              v->name);
    }
    }
}

static LLVMValueRef lower_expr(Lower *L, const KirNode *n)
{
    switch (n->op) {
    case KIR_INT:
    case KIR_FLOAT:
    case KIR_IMAG:
    case KIR_BOOL:
    case KIR_VAR:
        return lower_atom(L, n);
    case KIR_NEG:
    case KIR_POS:
    case KIR_INVERT:
    case KIR_NOT:
        return lower_unary(L, n);
    case KIR_AND:
    case KIR_OR:
        return lower_logical(L, n);
    case KIR_SELECT:
        return lower_select(L, n);
    case KIR_CAST:
        return kid_as(L, n, 0, n->u.to);
    case KIR_CALL:
        return lower_call(L, n);
    case KIR_LOAD:
    case KIR_SHAPE:
    case KIR_NDIM:
    case KIR_SIZE:
    case KIR_NEWARRAY:
    case KIR_ARRAYLIKE:
    case KIR_ELEMCAST:
    case KIR_UFCAST:
    case KIR_SUM:
    case KIR_PROD:
    case KIR_MEAN:
    case KIR_AMIN:
    case KIR_AMAX:
    case KIR_DOT:
        return l_array_expr(L, n);
    case KIR_CONSTARRAY:
        return l_constarray(L, n);
    case KIR_NONE:
    case KIR_SLICE:
        return unsupported(L, n, "None and slices are not values");
    default:
        return lower_binary(L, n);
    }
}

LLVMValueRef l_expr(Lower *L, const KirNode *n)
{
    return lower_expr(L, n);
}

/* ---- statements -------------------------------------------------------------
 */

static int lower_block(Lower *L, const KirNode *block);

/* Continues emission in a block nothing jumps to (after a terminator). */
static void start_dead_block(Lower *L)
{
    LLVMPositionBuilderAtEnd(L->b, l_block(L, "dead"));
}

/* Branches to |to| unless the current block already ended. */
static void branch_to(Lower *L, LLVMBasicBlockRef to)
{
    if (LLVMGetBasicBlockTerminator(LLVMGetInsertBlock(L->b)) == NULL) {
        LLVMBuildBr(L->b, to);
    }
}

static int store_var(Lower *L, int var, LLVMValueRef v, UfType from)
{
    const KirVar *kv = &L->k->vars[var];
    if (kv->type.ndim == 0) { /* arrays: views of one rank, no conversion */
        v = l_convert(L, v, from, kv->type);
    }
    LLVMBuildStore(L->b, v, L->slots[var]);
    return 0;
}

static int lower_set(Lower *L, const KirNode *n)
{
    LLVMValueRef v = lower_expr(L, n->kids[0]);
    return v == NULL ? -1 : store_var(L, n->u.var, v, ty(n->kids[0]));
}

static LLVMValueRef lower_cond(Lower *L, const KirNode *c)
{
    LLVMValueRef v = lower_expr(L, c);
    return v == NULL ? NULL : l_truthy(L, v, ty(c));
}

/* (if c then [else]) */
static int lower_if(Lower *L, const KirNode *n)
{
    LLVMValueRef c = lower_cond(L, n->kids[0]);
    if (c == NULL) {
        return -1;
    }
    LLVMBasicBlockRef then_bb = l_block(L, "if.then");
    LLVMBasicBlockRef else_bb = l_block(L, "if.else");
    LLVMBasicBlockRef join = l_block(L, "if.join");
    LLVMBuildCondBr(L->b, c, then_bb, else_bb);
    LLVMPositionBuilderAtEnd(L->b, then_bb);
    UF_TRY(lower_block(L, n->kids[1]));
    branch_to(L, join);
    LLVMPositionBuilderAtEnd(L->b, else_bb);
    if (n->nkids == 3) {
        UF_TRY(lower_block(L, n->kids[2]));
    }
    branch_to(L, join);
    LLVMPositionBuilderAtEnd(L->b, join);
    return 0;
}

/* Lowers a loop body with break / continue targets set. */
static int lower_loop_body(Lower *L, const KirNode *body, LLVMBasicBlockRef brk,
                           LLVMBasicBlockRef cont)
{
    LLVMBasicBlockRef old_brk = L->break_bb, old_cont = L->continue_bb;
    L->break_bb = brk;
    L->continue_bb = cont;
    int rc = lower_block(L, body);
    L->break_bb = old_brk;
    L->continue_bb = old_cont;
    branch_to(L, cont);
    return rc;
}

/* (while c body) */
static int lower_while(Lower *L, const KirNode *n)
{
    LLVMBasicBlockRef head = l_block(L, "while.cond");
    LLVMBasicBlockRef body = l_block(L, "while.body");
    LLVMBasicBlockRef done = l_block(L, "while.end");
    LLVMBuildBr(L->b, head);
    LLVMPositionBuilderAtEnd(L->b, head);
    LLVMValueRef c = lower_cond(L, n->kids[0]);
    if (c == NULL) {
        return -1;
    }
    LLVMBuildCondBr(L->b, c, body, done);
    LLVMPositionBuilderAtEnd(L->b, body);
    UF_TRY(lower_loop_body(L, n->kids[1], done, head));
    LLVMPositionBuilderAtEnd(L->b, done);
    return 0;
}

/* Python's len(range(start, stop, step)) as an unsigned i64; 0 for a zero
 * step. */
static LLVMValueRef range_count(Lower *L, LLVMValueRef start, LLVMValueRef stop,
                                LLVMValueRef step)
{
    LLVMBuilderRef b = L->b;
    LLVMTypeRef i64 = LLVMInt64TypeInContext(L->ctx);
    LLVMValueRef zero = LLVMConstInt(i64, 0, 0), one = LLVMConstInt(i64, 1, 0);
    LLVMValueRef up = LLVMBuildICmp(b, LLVMIntSGT, step, zero, "");
    LLVMValueRef lo = LLVMBuildSelect(b, up, start, stop, "");
    LLVMValueRef hi = LLVMBuildSelect(b, up, stop, start, "");
    LLVMValueRef mag =
        LLVMBuildSelect(b, up, step, LLVMBuildNeg(b, step, ""), "");
    LLVMValueRef nonempty = LLVMBuildICmp(b, LLVMIntSLT, lo, hi, "");
    LLVMValueRef safe = LLVMBuildSelect(
        b, LLVMBuildICmp(b, LLVMIntEQ, step, zero, ""), one, mag, "");
    LLVMValueRef span = LLVMBuildSub(b, LLVMBuildSub(b, hi, lo, ""), one, "");
    LLVMValueRef n = LLVMBuildAdd(b, LLVMBuildUDiv(b, span, safe, ""), one, "");
    LLVMValueRef ok = LLVMBuildAnd(
        b, nonempty, LLVMBuildICmp(b, LLVMIntNE, step, zero, ""), "");
    return LLVMBuildSelect(b, ok, n, zero, "trip");
}

LLVMValueRef l_entry_alloca(Lower *L, LLVMTypeRef t, const char *name)
{
    LLVMBasicBlockRef entry = LLVMGetEntryBasicBlock(L->fn);
    LLVMBuilderRef b = LLVMCreateBuilderInContext(L->ctx);
    LLVMValueRef first = LLVMGetFirstInstruction(entry);
    if (first != NULL) {
        LLVMPositionBuilderBefore(b, first);
    } else {
        LLVMPositionBuilderAtEnd(b, entry);
    }
    LLVMValueRef slot = LLVMBuildAlloca(b, t, name);
    LLVMDisposeBuilder(b);
    return slot;
}

/* (for i start stop step body): the trip count is fixed on entry, i is
 * start + k * step, and i keeps its last value after the loop. */
static int lower_for(Lower *L, const KirNode *n)
{
    UfType i8 = uf_type_scalar(UF_I8);
    LLVMValueRef bound[3];
    for (int i = 0; i < 3; i++) {
        if ((bound[i] = kid_as(L, n, i, i8)) == NULL) {
            return -1;
        }
    }
    LLVMTypeRef i64 = LLVMInt64TypeInContext(L->ctx);
    LLVMValueRef trip = range_count(L, bound[0], bound[1], bound[2]);
    LLVMValueRef k_slot = l_entry_alloca(L, i64, "k");
    LLVMBuildStore(L->b, LLVMConstInt(i64, 0, 0), k_slot);
    LLVMBasicBlockRef head = l_block(L, "for.cond");
    LLVMBasicBlockRef body = l_block(L, "for.body");
    LLVMBasicBlockRef next = l_block(L, "for.next");
    LLVMBasicBlockRef done = l_block(L, "for.end");
    LLVMBuildBr(L->b, head);
    LLVMPositionBuilderAtEnd(L->b, head);
    LLVMValueRef k = LLVMBuildLoad2(L->b, i64, k_slot, "");
    LLVMBuildCondBr(L->b, LLVMBuildICmp(L->b, LLVMIntULT, k, trip, ""), body,
                    done);
    LLVMPositionBuilderAtEnd(L->b, body);
    /* i lies between start and stop, so nothing here overflows: nsw
     * lets LLVM bound i (and drop index checks it makes redundant) */
    LLVMValueRef i = LLVMBuildNSWAdd(
        L->b, bound[0], LLVMBuildNSWMul(L->b, k, bound[2], ""), "");
    store_var(L, n->u.var, i, i8);
    UF_TRY(lower_loop_body(L, n->kids[3], done, next));
    LLVMPositionBuilderAtEnd(L->b, next);
    LLVMBuildStore(L->b, LLVMBuildNUWAdd(L->b, k, LLVMConstInt(i64, 1, 0), ""),
                   k_slot);
    LLVMBuildBr(L->b, head);
    LLVMPositionBuilderAtEnd(L->b, done);
    return 0;
}

static void store_output(Lower *L, LLVMValueRef ptr, LLVMValueRef v, UfType t)
{
    if (t.kind == UF_B1) { /* one byte in memory */
        v = LLVMBuildZExt(L->b, v, LLVMInt8TypeInContext(L->ctx), "");
    }
    LLVMBuildStore(L->b, v, ptr);
}

/* Leaves the kernel through its exit block. */
static void build_ret_flags(Lower *L)
{
    LLVMBuildBr(L->b, L->exit_bb);
}

/* The exit block: scratch arrays freed, the flags returned. */
static void build_exit(Lower *L)
{
    LLVMPositionBuilderAtEnd(L->b, L->exit_bb);
    if (L->scratch != NULL) {
        LLVMTypeRef ptr = LLVMPointerTypeInContext(L->ctx, 0);
        LLVMTypeRef fty =
            LLVMFunctionType(LLVMVoidTypeInContext(L->ctx), &ptr, 1, 0);
        LLVMValueRef fn = LLVMGetNamedFunction(L->mod, "uf_rt_scratch_free");
        if (fn == NULL) {
            fn = LLVMAddFunction(L->mod, "uf_rt_scratch_free", fty);
        }
        LLVMValueRef head = LLVMBuildLoad2(L->b, ptr, L->scratch, "");
        LLVMValueRef any = LLVMBuildIsNotNull(L->b, head, "");
        LLVMBasicBlockRef yes = l_block(L, "free");
        LLVMBasicBlockRef done = l_block(L, "ret");
        LLVMBuildCondBr(L->b, any, yes, done);
        LLVMPositionBuilderAtEnd(L->b, yes);
        LLVMBuildCall2(L->b, fty, fn, &L->scratch, 1, "");
        LLVMBuildBr(L->b, done);
        LLVMPositionBuilderAtEnd(L->b, done);
    }
    LLVMTypeRef i32 = LLVMInt32TypeInContext(L->ctx);
    LLVMBuildRet(L->b, LLVMBuildLoad2(L->b, i32, L->flags, "flags"));
}

/* (return e ...): each value converted to its output type and stored. */
static int lower_return(Lower *L, const KirNode *n)
{
    for (int i = 0; i < n->nkids; i++) {
        UfType want = L->sig->ret[i];
        LLVMValueRef v = kid_as(L, n, i, want);
        if (v == NULL) {
            return -1;
        }
        store_output(L, L->outs[i], v, want);
    }
    build_ret_flags(L);
    start_dead_block(L);
    return 0;
}

static int lower_jump(Lower *L, const KirNode *n, LLVMBasicBlockRef to)
{
    if (to == NULL) {
        return uf_error(L->err, UF_ERR_INTERNAL, n->loc,
                        "break or continue outside a loop");
    }
    LLVMBuildBr(L->b, to);
    start_dead_block(L);
    return 0;
}

static int lower_stmt(Lower *L, const KirNode *n)
{
    switch (n->op) {
    case KIR_SET:
        return lower_set(L, n);
    case KIR_IF:
        return lower_if(L, n);
    case KIR_WHILE:
        return lower_while(L, n);
    case KIR_FOR:
        return lower_for(L, n);
    case KIR_BREAK:
        return lower_jump(L, n, L->break_bb);
    case KIR_CONTINUE:
        return lower_jump(L, n, L->continue_bb);
    case KIR_RETURN:
        return lower_return(L, n);
    case KIR_EXPR:
        return lower_expr(L, n->kids[0]) == NULL ? -1 : 0;
    case KIR_STORE:
        return l_array_store(L, n);
    case KIR_RAISE:
        return l_raise(L, n);
    default:
        return uf_error(L->err, UF_ERR_INTERNAL, n->loc,
                        "'%s' is not a statement", kir_op_info[n->op].text);
    }
}

static int lower_block(Lower *L, const KirNode *block)
{
    for (int i = 0; i < block->nkids; i++) {
        UF_TRY(lower_stmt(L, block->kids[i]));
    }
    return 0;
}

/* ---- the function ----------------------------------------------------------
 */

/* Parameters: output pointers, then each argument: a scalar by value, an
 * array as its data pointer, extents and strides. */
static LLVMValueRef declare_kernel(Lower *L)
{
    LLVMTypeRef params[UF_MAXOUTS + UF_MAXARGS * (1 + 2 * UF_MAXNDIM)];
    int np = 0;
    for (int i = 0; i < L->sig->nret; i++) {
        params[np++] = LLVMPointerTypeInContext(L->ctx, 0);
    }
    for (int i = 0; i < L->sig->nargs; i++) {
        if (L->sig->args[i].ndim > 0) {
            l_array_param_types(L, L->sig->args[i], params, &np);
        } else {
            params[np++] = l_type(L, L->sig->args[i]);
        }
    }
    LLVMTypeRef fty = LLVMFunctionType(LLVMInt32TypeInContext(L->ctx), params,
                                       (unsigned)np, 0);
    char name[160];
    snprintf(name, sizeof name, "%s.kernel", L->k->name);
    LLVMValueRef fn = LLVMAddFunction(L->mod, name, fty);
    LLVMSetLinkage(fn, LLVMInternalLinkage);
    unsigned inl = LLVMGetEnumAttributeKindForName("alwaysinline", 12);
    LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
                            LLVMCreateEnumAttribute(L->ctx, inl, 0));
    return fn;
}

/* The entry block: outputs, an alloca per variable, arguments stored. */
static int build_entry(Lower *L)
{
    LLVMPositionBuilderAtEnd(L->b, l_block(L, "entry"));
    L->slots = uf_calloc((size_t)L->k->nvars + 1, sizeof *L->slots);
    if (L->slots == NULL) {
        return uf_error_nomem(L->err);
    }
    for (int i = 0; i < L->sig->nret; i++) {
        L->outs[i] = LLVMGetParam(L->fn, (unsigned)i);
    }
    LLVMTypeRef i32 = LLVMInt32TypeInContext(L->ctx);
    L->flags = LLVMBuildAlloca(L->b, i32, "flags.slot");
    LLVMBuildStore(L->b, LLVMConstInt(i32, 0, 0), L->flags);
    if (l_makes_arrays(L->k->body)) {
        LLVMTypeRef ptr = LLVMPointerTypeInContext(L->ctx, 0);
        L->scratch = LLVMBuildAlloca(L->b, ptr, "scratch");
        LLVMBuildStore(L->b, LLVMConstNull(ptr), L->scratch);
    }
    unsigned param = (unsigned)L->sig->nret;
    for (int i = 0; i < L->k->nvars; i++) {
        const KirVar *v = &L->k->vars[i];
        LLVMTypeRef t = l_type(L, v->type);
        L->slots[i] = LLVMBuildAlloca(L->b, t, v->name);
        /* arguments hold their value; locals start at zero (an array
         * local: no data, no extent), so a local read before any
         * assignment on some path is 0, never undefined */
        LLVMValueRef init = LLVMConstNull(t);
        if (v->is_arg && v->type.ndim > 0) {
            init = l_array_from_params(L, v->type, &param);
        } else if (v->is_arg) {
            init = LLVMGetParam(L->fn, param++);
        }
        LLVMBuildStore(L->b, init, L->slots[i]);
    }
    L->exit_bb = l_block(L, "exit");
    LLVMBasicBlockRef body = l_block(L, "body");
    LLVMBuildBr(L->b, body);
    LLVMPositionBuilderAtEnd(L->b, body);
    return 0;
}

/* Checks the concrete signature agrees with the kernel. */
static int check_sig(Lower *L)
{
    if (L->sig->ret_inferred || L->sig->nargs != L->k->nargs) {
        return uf_error(L->err, UF_ERR_INTERNAL, L->k->loc,
                        "lowering needs the resolved signature");
    }
    return 0;
}

UfLLVMValue uf_lower_kernel(UfLLVMModule m, const KirKernel *k,
                            const UfSig *sig, const UfLowerOptions *opt,
                            UfError *err)
{
    Lower L = {.mod = m, .k = k, .sig = sig, .opt = opt, .err = err};
    if (check_sig(&L) < 0) {
        return NULL;
    }
    L.ctx = LLVMGetModuleContext(m);
    L.b = LLVMCreateBuilderInContext(L.ctx);
    L.fn = declare_kernel(&L);
    int rc = build_entry(&L);
    if (rc == 0) {
        rc = lower_block(&L, k->body);
    }
    if (rc == 0 &&
        LLVMGetBasicBlockTerminator(LLVMGetInsertBlock(L.b)) == NULL) {
        build_ret_flags(&L); /* void kernels, and unreachable ends */
    }
    if (rc == 0) {
        build_exit(&L);
    }
    LLVMDisposeBuilder(L.b);
    uf_free(L.slots);
    if (rc < 0) {
        LLVMDeleteFunction(L.fn);
        return NULL;
    }
    if (L.can_fail) {
        static const char key[] = UF_KERNEL_CAN_FAIL;
        LLVMAddAttributeAtIndex(
            L.fn, LLVMAttributeFunctionIndex,
            LLVMCreateStringAttribute(L.ctx, key, sizeof key - 1, "", 0));
    }
    return L.fn;
}
