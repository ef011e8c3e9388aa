/*
 * infer.c -- type inference of a kir kernel for one signature.
 *
 * Arguments take their types from the signature.  Every local gets one
 * type: the NumPy promotion of all values assigned to it (so a variable
 * given 0 and later 0.5 is f8, as in Numba).  Locals are solved by
 * iterating over the kernel until no local type changes; a local that was
 * only given weak Python literals then defaults to i8 / f8 / c16, and a
 * last pass types every node and reports errors.  Python literals are weak
 * (NEP 50): `0.01 * x` with x: f4 stays f4.
 */
#include "kernels.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MAX_PASSES 64

typedef struct Infer {
    KirKernel *k;
    const UfSig *sig;
    UfError *err;
    bool final;   /* last pass: report errors, types are settled */
    bool changed; /* a local or return type changed in this pass */
    int nret;     /* values per return statement; -1 before the first */
    UfType ret[UF_MAXOUTS];
    bool infer_elem[UF_MAXARGS]; /* array argument of unknown element kind */
    bool numpy_ints;             /* narrow integers keep NumPy's types (see
                                    uf_infer_kernel) */
} Infer;

static const UfType T_UNKNOWN = {UF_VOID, 0, 0, 0};

static bool known(UfType t)
{
    return t.kind != UF_VOID;
}

static bool is_array(UfType t)
{
    return t.ndim > 0;
}

static bool is_intlike(UfType t)
{
    return t.kind == UF_B1 || uf_kind_is_int(t.kind);
}

static const char *tname(UfType t, char *buf, size_t n)
{
    return uf_type_str(t, buf, n);
}

/* Reports a type error at |n| in the final pass; returns T_UNKNOWN. */
static UfType fail(Infer *I, const KirNode *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static UfType fail(Infer *I, const KirNode *n, const char *fmt, ...)
{
    if (I->final) {
        char msg[sizeof I->err->msg];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        uf_error(I->err, UF_ERR_TYPE, n->loc, "%s", msg);
    }
    return T_UNKNOWN;
}

/* fail() with the name of one type in the message. */
static UfType fail_type(Infer *I, const KirNode *n, const char *fmt, UfType a)
{
    char sa[48];
    return fail(I, n, fmt, tname(a, sa, sizeof sa));
}

/* fail() with the names of two types in the message. */
static UfType fail_types(Infer *I, const KirNode *n, const char *fmt, UfType a,
                         UfType b)
{
    char sa[48], sb[48];
    return fail(I, n, fmt, tname(a, sa, sizeof sa), tname(b, sb, sizeof sb));
}

/* Scalar promotion that rejects arrays and void. */
static UfType promote(UfType a, UfType b)
{
    if (is_array(a) || is_array(b)) {
        return T_UNKNOWN;
    }
    return uf_type_promote(a, b);
}

/* Python arithmetic on bools gives ints: True + True == 2. */
static UfType bool_to_int(UfType t)
{
    return t.kind == UF_B1 ? uf_type_scalar(UF_I8) : t;
}

/* The float type math on |t| computes in: ints -> f8, weak int -> weak f8. */
static UfType float_of(UfType t)
{
    if (uf_kind_is_float(t.kind) || uf_kind_is_complex(t.kind)) {
        return t;
    }
    return uf_type_is_weak(t) ? uf_type_weak(UF_F8) : uf_type_scalar(UF_F8);
}

/* The real type of a complex one (c8 -> f4, c16 -> f8), or |t|. */
static UfType real_of(UfType t)
{
    UfType r = t;
    if (t.kind == UF_C8) {
        r.kind = UF_F4;
    } else if (t.kind == UF_C16) {
        r.kind = UF_F8;
    }
    return r;
}

/* The complex type with |t|'s precision: f4 -> c8, others -> c16. */
static UfType complex_of(UfType t)
{
    UfType c = t;
    c.kind = (t.kind == UF_F4 || t.kind == UF_C8) ? UF_C8 : UF_C16;
    return c;
}

static UfType infer_expr(Infer *I, KirNode *n);

/* ---- binary arithmetic ------------------------------------------------ */

/* Whether |t| is a fixed-width integer narrower than 64 bits. */
static bool is_narrow_int(UfType t)
{
    return uf_kind_is_int(t.kind) && uf_kind_bits(t.kind) < 64 &&
           !uf_type_is_weak(t);
}

/* Numba's integer rule: arithmetic on integers narrower than 64 bits is
 * done in int64, so `a + b` of two int8 values is the Python sum; the
 * result is cast to the output type only where it is stored or returned.
 * (Numba makes u1 + u1 a u8; i8 here keeps `(a & b) | (a ^ 5)` an
 * integer, where NumPy would promote u8 | i8 to f8.)  64-bit operands
 * keep NumPy's promotion. */
static UfType widen_narrow_ints(const Infer *I, UfType t, UfType a, UfType b)
{
    if (I->numpy_ints || !uf_kind_is_int(t.kind) ||
        !(is_narrow_int(a) || is_narrow_int(b))) {
        return t;
    }
    return uf_type_scalar(UF_I8);
}

/* (op a b) for + - * // % **: promote; two bools make an int; narrow
 * integers compute at 64 bits. */
static UfType rule_arith(Infer *I, KirNode *n, UfType a, UfType b)
{
    UfType t = promote(a, b);
    if (!known(t)) {
        return fail_types(I, n, "unsupported operand types %s and %s", a, b);
    }
    t = widen_narrow_ints(I, bool_to_int(t), a, b);
    bool floor_op = n->op == KIR_FLOORDIV || n->op == KIR_MOD;
    if (floor_op && uf_kind_is_complex(t.kind)) {
        return fail_types(I, n,
                          "complex numbers have no floor division or "
                          "modulo (%s, %s)",
                          a, b);
    }
    return t;
}

/* (/ a b): true division; integers divide as f8. */
static UfType rule_truediv(Infer *I, KirNode *n, UfType a, UfType b)
{
    UfType t = promote(a, b);
    if (!known(t)) {
        return fail_types(I, n, "unsupported operand types %s and %s", a, b);
    }
    return float_of(t);
}

/* (<< a b), (& a b) ...: integers only; & | ^ keep bools as bools. */
static UfType rule_bitwise(Infer *I, KirNode *n, UfType a, UfType b)
{
    UfType t = promote(a, b);
    if (!known(t) || !is_intlike(t)) {
        return fail_types(I, n,
                          "bitwise operations need integers or "
                          "booleans, found %s and %s",
                          a, b);
    }
    bool shift = n->op == KIR_LSHIFT || n->op == KIR_RSHIFT;
    return widen_narrow_ints(I, shift ? bool_to_int(t) : t, a, b);
}

/* (< a b) ...: real operands (== and != also complex) -> b1. */
static UfType rule_compare(Infer *I, KirNode *n, UfType a, UfType b)
{
    UfType t = promote(a, b);
    if (!known(t)) {
        return fail_types(I, n, "cannot compare %s with %s", a, b);
    }
    bool equality = n->op == KIR_EQ || n->op == KIR_NE;
    if (!equality && uf_kind_is_complex(t.kind)) {
        return fail_types(I, n, "complex numbers are not ordered (%s, %s)", a,
                          b);
    }
    return uf_type_scalar(UF_B1);
}

/* (and a b), (or a b): Python's value: b1 for bools, else the promotion. */
static UfType rule_logical(Infer *I, KirNode *n, UfType a, UfType b)
{
    UfType t = promote(a, b);
    if (!known(t)) {
        return fail_types(I, n, "cannot combine %s and %s with and/or", a, b);
    }
    return t;
}

/* NEP 50: a Python int must fit the integer type it meets, except in a
 * comparison (x < 300 with x: i1 is simply true): NumPy's OverflowError. */
static bool literal_fits(Infer *I, KirNode *n, const KirNode *lit, UfType other)
{
    if (lit->op != KIR_INT || !uf_kind_is_int(other.kind) ||
        uf_type_is_weak(other) || is_narrow_int(other) ||
        uf_kind_holds((UfKind)other.kind, lit->u.ival)) {
        return true;
    }
    char s[48];
    if (I->final) {
        uf_error(I->err, UF_ERR_TYPE, lit->loc,
                 "Python integer %lld out of bounds for %s",
                 (long long)lit->u.ival, tname(other, s, sizeof s));
    }
    (void)n;
    return false;
}

static UfType infer_binary(Infer *I, KirNode *n)
{
    UfType a = infer_expr(I, n->kids[0]);
    UfType b = infer_expr(I, n->kids[1]);
    if (!known(a) || !known(b)) {
        return T_UNKNOWN;
    }
    bool cmp = n->op >= KIR_LT && n->op <= KIR_NE;
    bool shift = n->op == KIR_LSHIFT || n->op == KIR_RSHIFT || n->op == KIR_POW;
    if (!cmp && !shift &&
        (!literal_fits(I, n, n->kids[0], b) ||
         !literal_fits(I, n, n->kids[1], a))) {
        return T_UNKNOWN;
    }
    switch (n->op) {
    case KIR_DIV:
        return rule_truediv(I, n, a, b);
    case KIR_LSHIFT:
    case KIR_RSHIFT:
    case KIR_BITAND:
    case KIR_BITOR:
    case KIR_BITXOR:
        return rule_bitwise(I, n, a, b);
    case KIR_LT:
    case KIR_LE:
    case KIR_GT:
    case KIR_GE:
    case KIR_EQ:
    case KIR_NE:
        return rule_compare(I, n, a, b);
    case KIR_AND:
    case KIR_OR:
        return rule_logical(I, n, a, b);
    default:
        return rule_arith(I, n, a, b);
    }
}

/* ---- unary ------------------------------------------------------------ */

static UfType infer_unary(Infer *I, KirNode *n)
{
    UfType a = infer_expr(I, n->kids[0]);
    if (!known(a)) {
        return T_UNKNOWN;
    }
    if (is_array(a)) {
        return fail_type(I, n, "an array (%s) is not a scalar", a);
    }
    switch (n->op) {
    case KIR_NOT: /* (not a) -> b1 */
        return uf_type_scalar(UF_B1);
    case KIR_INVERT: /* (~ a): integers; ~b1 is logical not, as NumPy */
        if (!is_intlike(a)) {
            return fail_type(I, n, "'~' needs an integer or boolean, found %s",
                             a);
        }
        return a;
    default: /* (neg a), (pos a): bools become ints; narrow ints i8/u8 */
        return widen_narrow_ints(I, bool_to_int(a), a, a);
    }
}

/* ---- casts and calls ------------------------------------------------- */

/* (cast T a): any scalar to any scalar, but complex only to complex. */
static UfType infer_cast(Infer *I, KirNode *n)
{
    UfType a = infer_expr(I, n->kids[0]);
    UfType to = n->u.to;
    if (!known(a)) {
        return T_UNKNOWN;
    }
    if (is_array(a) || is_array(to) || to.kind == UF_VOID) {
        return fail_types(I, n, "cannot convert %s to %s", a, to);
    }
    if (uf_kind_is_complex(a.kind) && !uf_kind_is_complex(to.kind) &&
        to.kind != UF_B1) { /* bool(z) is its truth value, as in Python */
        return fail_types(I, n,
                          "cannot convert complex %s to %s; take "
                          ".real or abs() first",
                          a, to);
    }
    return to;
}

/* FLOAT rule: float math; complex only where a helper exists. */
static UfType rule_float_fn(Infer *I, KirNode *n, UfType t)
{
    const KirFnInfo *fi = &kir_fn_info[n->u.fn];
    bool rounding = n->u.fn == KIR_FN_FLOOR || n->u.fn == KIR_FN_CEIL ||
                    n->u.fn == KIR_FN_TRUNC;
    if (rounding && is_intlike(t)) { /* (floor n:i8) -> i8, as NumPy 2 */
        return bool_to_int(t);
    }
    if (uf_kind_is_complex(t.kind) && fi->c16_sym[0] == '\0') {
        return fail(I, n, "%s() does not accept complex arguments", fi->name);
    }
    return float_of(t);
}

/* SAME rule: abs / min / max keep the (promoted) argument type. */
static UfType rule_same_fn(Infer *I, KirNode *n, UfType t)
{
    if (n->u.fn == KIR_FN_ABS) { /* (abs z:c16) -> f8; abs(True) -> 1 */
        return uf_kind_is_complex(t.kind) ? real_of(t) : bool_to_int(t);
    }
    if (uf_kind_is_complex(t.kind)) {
        return fail(I, n, "%s() of complex numbers is not defined",
                    kir_fn_info[n->u.fn].name);
    }
    return t;
}

static UfType rule_special_fn(Infer *I, KirNode *n, UfType t, UfType a0,
                              UfType a1)
{
    switch (n->u.fn) {
    case KIR_FN_LDEXP: /* (ldexp x:float i:int) -> float of x */
        if (!is_intlike(a1) || uf_kind_is_complex(a0.kind)) {
            return fail_types(I, n,
                              "ldexp() takes a real and an integer, "
                              "found %s and %s",
                              a0, a1);
        }
        return float_of(a0);
    case KIR_FN_GCD: /* (gcd a:int b:int) -> promoted int */
        if (!is_intlike(t)) {
            return fail_types(I, n, "gcd() takes integers, found %s and %s", a0,
                              a1);
        }
        return bool_to_int(t);
    case KIR_FN_REAL: /* (real z:c16) -> f8; (real x) -> x; True.real: 1 */
    case KIR_FN_IMAGF:
        return real_of(bool_to_int(t));
    case KIR_FN_CONJ: /* (conj z) -> z */
        return bool_to_int(t);
    case KIR_FN_IFLOOR: /* (ifloor x:f8) -> i8; (ifloor n:u8) -> u8 */
    case KIR_FN_ICEIL:
    case KIR_FN_ITRUNC:
    case KIR_FN_IROUND:
        if (uf_kind_is_complex(t.kind)) {
            return fail_type(I, n, "%s takes a real number", a0);
        }
        return is_intlike(t) ? bool_to_int(t) : uf_type_scalar(UF_I8);
    case KIR_FN_COMPLEX: /* (complex re im): f4 parts -> c8, else c16 */
        if (uf_kind_is_complex(t.kind)) {
            return fail_types(I, n,
                              "complex() takes real parts, found %s "
                              "and %s",
                              a0, a1);
        }
        return complex_of(float_of(t));
    default:
        assert(!"unhandled special function");
        return T_UNKNOWN;
    }
}

static UfType infer_call(Infer *I, KirNode *n)
{
    const KirFnInfo *fi = &kir_fn_info[n->u.fn];
    UfType args[2] = {T_UNKNOWN, T_UNKNOWN};
    UfType t = T_UNKNOWN;
    for (int i = 0; i < n->nkids; i++) {
        args[i] = infer_expr(I, n->kids[i]);
        if (!known(args[i])) {
            return T_UNKNOWN;
        }
        if (is_array(args[i])) {
            return fail(I, n, "%s() takes scalars, not arrays", fi->name);
        }
        t = (i == 0) ? args[0] : promote(t, args[i]);
    }
    if (!known(t) && fi->rule != KIR_RULE_SPECIAL) {
        return fail_types(I, n, "no common type for %s and %s", args[0],
                          args[1]);
    }
    switch (fi->rule) {
    case KIR_RULE_FLOAT:
        return rule_float_fn(I, n, t);
    case KIR_RULE_PRED: /* (isnan x) -> b1 */
        return uf_type_scalar(UF_B1);
    case KIR_RULE_SAME:
        return rule_same_fn(I, n, t);
    default:
        return rule_special_fn(I, n, t, args[0], args[1]);
    }
}

/* ---- arrays ------------------------------------------------------------ */

/* kid 0 of an array op: an array expression. */
static UfType array_of(Infer *I, KirNode *n)
{
    UfType a = infer_expr(I, n->kids[0]);
    if (known(a) && !is_array(a)) {
        char s[48];
        return fail(I, n->kids[0],
                    "'%s' needs an array, found %s (array code belongs to "
                    "guvectorize kernels, whose arguments are arrays)",
                    kir_op_info[n->op].text, tname(a, s, sizeof s));
    }
    return a;
}

/* |view| of the array |a|: read-only when |a| is. */
static UfType readonly_like(UfType a, UfType view)
{
    view.flags |= a.flags & UF_TYPE_READONLY;
    return view;
}

/* An integer index (or slice bound, or extent); false when not (yet). */
static bool int_operand(Infer *I, KirNode *n, const char *what)
{
    UfType t = infer_expr(I, n);
    if (!known(t)) {
        return false;
    }
    if (!uf_kind_is_int(t.kind) || is_array(t)) {
        fail(I, n, "%s must be integers, found %s", what,
             tname(t, (char[48]){0}, 48));
        return false;
    }
    return true;
}

/* (slice start stop step): each bound an integer or None. */
static bool infer_slice(Infer *I, KirNode *n)
{
    bool ok = true;
    for (int i = 0; i < 3; i++) {
        if (n->kids[i]->op != KIR_NONE) {
            ok = int_operand(I, n->kids[i], "slice bounds") && ok;
        }
    }
    return ok;
}

/* What (load a i ...) or the target of (store a i ... v) is, with
 * |count| indices after the array: an element when every index is an
 * integer and there is one per axis; otherwise a view keeping the sliced
 * and unindexed axes (read-only when |a| is). */
static UfType indexed(Infer *I, KirNode *n, int count)
{
    UfType a = array_of(I, n);
    int kept = 0;
    bool ok = known(a);
    for (int i = 1; i <= count; i++) {
        KirNode *ix = n->kids[i];
        bool slice = ix->op == KIR_SLICE;
        ok = (slice ? infer_slice(I, ix)
                    : int_operand(I, ix, "array indices")) &&
             ok;
        kept += slice;
    }
    if (!ok) {
        return T_UNKNOWN;
    }
    if (count > a.ndim) {
        return fail(I, n, "too many indices: a %d-D array indexed with %d",
                    a.ndim, count);
    }
    kept += a.ndim - count;
    return kept == 0 ? uf_type_scalar((UfKind)a.kind)
                     : readonly_like(
                           a, uf_type_array((UfKind)a.kind, kept, UF_LAYOUT_A));
}

/* (load a i ...): an element, or a view */
static UfType infer_load(Infer *I, KirNode *n)
{
    return indexed(I, n, n->nkids - 1);
}

/* (shape a k) -> i8; a negative axis counts from the end */
static UfType infer_shape(Infer *I, KirNode *n)
{
    UfType a = array_of(I, n);
    if (!known(a)) {
        return T_UNKNOWN;
    }
    int64_t axis = n->kids[1]->u.ival;
    if (axis >= a.ndim || axis < -(int64_t)a.ndim) {
        return fail(I, n, "axis %lld is out of range for a %d-D array",
                    (long long)axis, a.ndim);
    }
    n->kids[1]->type = uf_type_scalar(UF_I8);
    return uf_type_scalar(UF_I8);
}

/* (ndim a), (size a) -> i8 */
static UfType infer_array_int(Infer *I, KirNode *n)
{
    UfType a = array_of(I, n);
    return known(a) ? uf_type_scalar(UF_I8) : T_UNKNOWN;
}

static bool storable(UfType from, UfType to);

/* The rank of a new array's shape, kids |first| on: integer extents, or
 * one array whose shape is copied.  0 when not known (yet). */
static int new_shape_rank(Infer *I, KirNode *n, int first)
{
    if (n->nkids == first + 1) {
        UfType t = infer_expr(I, n->kids[first]);
        if (!known(t)) {
            return 0;
        }
        if (is_array(t)) {
            return t.ndim;
        }
    }
    bool ok = true;
    for (int i = first; i < n->nkids; i++) {
        ok = int_operand(I, n->kids[i], "array sizes") && ok;
    }
    return ok ? n->nkids - first : 0;
}

/* A new C-contiguous array of |elem| filled with kid |fill| and shaped
 * by the kids after it. */
static UfType new_array_type(Infer *I, KirNode *n, UfType elem, int fill_kid)
{
    int rank = new_shape_rank(I, n, fill_kid + 1);
    KirNode *fill = n->kids[fill_kid];
    bool ok = rank > 0;
    if (fill->op != KIR_NONE) {
        UfType f = infer_expr(I, fill);
        ok = known(f) && ok;
        if (known(f) && (is_array(f) || !storable(f, elem))) {
            return fail_types(I, fill, "cannot fill an array of %s with %s",
                              elem, f);
        }
    }
    return ok ? uf_type_array((UfKind)elem.kind, rank, UF_LAYOUT_C) : T_UNKNOWN;
}

/* (array T fill shape...) -> a new C-contiguous array of T */
static UfType infer_newarray(Infer *I, KirNode *n)
{
    return new_array_type(I, n, uf_type_scalar((UfKind)n->u.to.kind), 0);
}

/* The scalar type kid 0 of arraylike / astype names: an array's element
 * type, or a scalar's own (concrete) type. */
static UfType type_source(Infer *I, KirNode *n)
{
    UfType t = infer_expr(I, n->kids[0]);
    return known(t) ? uf_type_concrete(uf_type_scalar((UfKind)t.kind))
                    : T_UNKNOWN;
}

/* (arraylike src fill shape...) -> a new array of src's element type */
static UfType infer_arraylike(Infer *I, KirNode *n)
{
    UfType elem = type_source(I, n);
    return known(elem) ? new_array_type(I, n, elem, 1) : T_UNKNOWN;
}

/* (astype src v) -> v converted to src's element type */
static UfType infer_elemcast(Infer *I, KirNode *n)
{
    UfType elem = type_source(I, n);
    UfType v = infer_expr(I, n->kids[1]);
    if (!known(elem) || !known(v)) {
        return T_UNKNOWN;
    }
    if (is_array(v) || !storable(v, elem)) {
        return fail_types(I, n, "cannot convert %s to %s", v, elem);
    }
    return elem;
}

/* The 1-D array operand |i| of a reduction. */
static UfType vector_of(Infer *I, KirNode *n, int i)
{
    UfType a = infer_expr(I, n->kids[i]);
    if (known(a) && a.ndim != 1) {
        char s[48];
        return fail(I, n, "np.%s needs a 1-D array here, found %s",
                    n->op == KIR_AMIN   ? "min"
                    : n->op == KIR_AMAX ? "max"
                                        : kir_op_info[n->op].text,
                    tname(a, s, sizeof s));
    }
    return a;
}

/* np.sum / np.prod accumulate small integers in the default int (i8 or
 * u8), as NumPy does; np.mean gives f8 for integers. */
static UfType reduction_type(KirOp op, UfKind k)
{
    if (op == KIR_AMIN || op == KIR_AMAX) {
        return uf_type_scalar(k);
    }
    if (op == KIR_MEAN) {
        return uf_kind_is_float(k) || uf_kind_is_complex(k)
                   ? uf_type_scalar(k)
                   : uf_type_scalar(UF_F8);
    }
    if (k == UF_B1 || uf_kind_is_signed(k)) {
        return uf_type_scalar(UF_I8);
    }
    return uf_type_scalar(uf_kind_is_int(k) ? UF_U8 : k);
}

/* (sum a) (prod a) (mean a) (amin a) (amax a) (dot a b) */
static UfType infer_reduce(Infer *I, KirNode *n)
{
    UfType a = vector_of(I, n, 0);
    if ((n->op == KIR_AMIN || n->op == KIR_AMAX) && known(a) &&
        uf_kind_is_complex(a.kind)) {
        return fail(I, n,
                    "np.%s of complex values is not supported: complex "
                    "numbers have no order",
                    n->op == KIR_AMIN ? "min" : "max");
    }
    if (n->op != KIR_DOT) {
        return known(a) ? reduction_type((KirOp)n->op, (UfKind)a.kind)
                        : T_UNKNOWN;
    }
    UfType b = vector_of(I, n, 1);
    if (!known(a) || !known(b)) {
        return T_UNKNOWN;
    }
    return uf_type_promote(uf_type_scalar((UfKind)a.kind),
                           uf_type_scalar((UfKind)b.kind));
}

/* ---- the loop NumPy picks for a ufunc called in a kernel ----------------- */

/* Whether NumPy's can_cast(from, to, 'safe') holds; a weak literal goes
 * to any type of its kind or a wider kind (NEP 50). */
static bool casts_safely(UfType from, UfType to)
{
    if (uf_type_is_weak(from)) {
        int rank = uf_kind_is_int(from.kind) ? 0 : from.kind == UF_F8 ? 1 : 2;
        int to_rank = uf_kind_is_int(to.kind)       ? 0
                      : uf_kind_is_float(to.kind)   ? 1
                      : uf_kind_is_complex(to.kind) ? 2
                                                    : -1;
        return to_rank >= rank;
    }
    UfType p = uf_type_promote(from, to);
    return p.kind == to.kind;
}

/* The types of loop |text| ("f8 f8>f8") into |t| (inputs, then the
 * output); their count, or -1. */
static int loop_types(const char *text, size_t len, UfType *t, int max)
{
    int n = 0, pos = 0;
    UfError err = {0};
    while ((size_t)pos < len && n < max) {
        if (text[pos] == ' ' || text[pos] == '>') {
            pos++;
            continue;
        }
        if (uf_type_parse(text, &pos, &t[n++], &err) < 0) {
            return -1;
        }
    }
    return n;
}

/* (ufcast "NAME|LOOPS" WHICH v arg...): the first loop whose inputs are
 * exactly the args' types, else the first the args cast to safely. */
static UfType infer_ufcast(Infer *I, KirNode *n)
{
    int nargs = n->nkids - 3;
    UfType args[UF_MAXARGS];
    bool ok = known(infer_expr(I, n->kids[2]));
    for (int i = 0; i < nargs; i++) {
        args[i] = infer_expr(I, n->kids[3 + i]);
        ok = known(args[i]) && ok;
    }
    if (!ok) {
        return T_UNKNOWN;
    }
    const char *name = n->kids[0]->u.str, *bar = strchr(name, '|');
    int which = (int)n->kids[1]->u.ival;
    for (int pass = 0; bar != NULL && pass < 2; pass++) {
        for (const char *p = bar + 1; *p != '\0';) {
            const char *end = strchr(p, ';');
            size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
            UfType t[UF_MAXARGS + 1];
            char loop[160];
            snprintf(loop, sizeof loop, "%.*s", (int)len, p);
            int m = loop_types(loop, strlen(loop), t, UF_MAXARGS + 1);
            bool fits = m == nargs + 1;
            for (int i = 0; fits && i < nargs; i++) {
                fits = pass == 0 ? uf_type_eq(args[i], t[i])
                                 : casts_safely(args[i], t[i]);
            }
            if (fits) {
                return which < 0 ? t[nargs] : t[which];
            }
            p += len + (end != NULL);
        }
    }
    char s[64] = "";
    for (int i = 0; i < nargs; i++) {
        char one[24];
        snprintf(s + strlen(s), sizeof s - strlen(s), "%s%s", i ? ", " : "",
                 tname(args[i], one, sizeof one));
    }
    return fail(I, n, "no loop of the ufunc '%.*s' takes (%s)",
                bar != NULL ? (int)(bar - name) : 0, name, s);
}

/* ---- expressions --------------------------------------------------------- */

static UfType const_array_type(const KirConstArray *c)
{
    UfType t = uf_type_array((UfKind)c->kind, c->ndim, UF_LAYOUT_C);
    t.flags |= UF_TYPE_READONLY;
    return t;
}

static UfType infer_var(Infer *I, KirNode *n)
{
    return I->k->vars[n->u.var].type;
}

/* (select c a b) -> promote(a, b); c is any scalar */
static UfType infer_select(Infer *I, KirNode *n)
{
    UfType c = infer_expr(I, n->kids[0]);
    UfType a = infer_expr(I, n->kids[1]);
    UfType b = infer_expr(I, n->kids[2]);
    if (!known(c) || !known(a) || !known(b)) {
        return T_UNKNOWN;
    }
    UfType t = promote(a, b);
    if (!known(t) || is_array(c)) {
        return fail_types(I, n,
                          "the branches of a conditional expression "
                          "have no common type (%s, %s)",
                          a, b);
    }
    return t;
}

static UfType infer_expr_kind(Infer *I, KirNode *n)
{
    switch (n->op) {
    case KIR_INT:
        return uf_type_weak(UF_I8);
    case KIR_FLOAT:
        return uf_type_weak(UF_F8);
    case KIR_IMAG:
        return uf_type_weak(UF_C16);
    case KIR_BOOL:
        return uf_type_scalar(UF_B1);
    case KIR_VAR:
        return infer_var(I, n);
    case KIR_NEG:
    case KIR_POS:
    case KIR_INVERT:
    case KIR_NOT:
        return infer_unary(I, n);
    case KIR_SELECT:
        return infer_select(I, n);
    case KIR_CAST:
        return infer_cast(I, n);
    case KIR_CALL:
        return infer_call(I, n);
    case KIR_LOAD:
        return infer_load(I, n);
    case KIR_SHAPE:
        return infer_shape(I, n);
    case KIR_NDIM:
    case KIR_SIZE:
        return infer_array_int(I, n);
    case KIR_NEWARRAY:
        return infer_newarray(I, n);
    case KIR_ARRAYLIKE:
        return infer_arraylike(I, n);
    case KIR_ELEMCAST:
        return infer_elemcast(I, n);
    case KIR_UFCAST:
        return infer_ufcast(I, n);
    case KIR_SUM:
    case KIR_PROD:
    case KIR_MEAN:
    case KIR_AMIN:
    case KIR_AMAX:
    case KIR_DOT:
        return infer_reduce(I, n);
    case KIR_CONSTARRAY: /* a read-only C-ordered array of its kind */
        return const_array_type(n->u.carr);
    case KIR_SLICE:
    case KIR_NONE:
        return fail(I, n, "'%s' is not a value",
                    n->op == KIR_NONE ? "None" : "slice");
    default:
        assert(kir_op_info[n->op].cls == KIR_CLASS_EXPR && n->nkids == 2);
        return infer_binary(I, n);
    }
}

static UfType infer_expr(Infer *I, KirNode *n)
{
    UfType t = infer_expr_kind(I, n);
    n->type = t;
    return t;
}

/* ---- statements ---------------------------------------------------------- */

/* The type of a variable that holds arrays |a| and |b|: the same element
 * and rank; any layout unless both are contiguous. */
static UfType join_arrays(UfType a, UfType b)
{
    if (!is_array(a) || !is_array(b) || a.kind != b.kind || a.ndim != b.ndim) {
        return T_UNKNOWN;
    }
    UfType t = a.layout == b.layout
                   ? a
                   : uf_type_array((UfKind)a.kind, a.ndim, UF_LAYOUT_A);
    t.flags |= (a.flags | b.flags) & UF_TYPE_READONLY; /* either: read-only */
    return t;
}

/* Widens local |v| to hold |t|; notes a change. */
static void widen_local(Infer *I, const KirNode *n, int v, UfType t)
{
    KirVar *var = &I->k->vars[v];
    UfType u = !known(var->type) ? t
               : is_array(t)     ? join_arrays(var->type, t)
                                 : promote(var->type, t);
    if (!known(u)) {
        fail_types(I, n, "a variable cannot hold both %s and %s", var->type, t);
        return;
    }
    if (!uf_type_eq(u, var->type)) {
        var->type = u;
        I->changed = true;
    }
}

/* Whether a value of type |from| may be stored as |to| (return values,
 * array stores): any real to any real; complex only to complex. */
static bool storable(UfType from, UfType to)
{
    return !(uf_kind_is_complex(from.kind) && !uf_kind_is_complex(to.kind));
}

static int infer_block(Infer *I, KirNode *block);

/* (set x e): x widens to hold e.  A value made of literals alone
 * (`s = 0.0`, `k = 1`) is concrete, f8 / i8 / c16, as in Numba and
 * Python: `s = 0.0; s += x` accumulates float32 data in float64.  A
 * literal inside an expression stays weak (`0.01 * x` is f4). */
static void infer_set(Infer *I, KirNode *n)
{
    UfType t = uf_type_concrete(infer_expr(I, n->kids[0]));
    if (known(t)) {
        widen_local(I, n, n->u.var, t);
    }
}

/* An array argument declared with element kind void (a gufunc output
 * whose dtype is to be inferred) takes the promotion of what is stored. */
static void widen_output(Infer *I, const KirNode *n, int v, UfType value)
{
    KirVar *var = &I->k->vars[v];
    UfType elem = var->type.kind == UF_VOID
                      ? value
                      : promote(uf_type_scalar((UfKind)var->type.kind), value);
    if (known(elem) && elem.kind != var->type.kind) {
        var->type.kind = elem.kind;
        I->changed = true;
    }
}

/* The type (store a i ... v) writes into: an element, or a view that a
 * slice assignment fills. */
static UfType store_target(Infer *I, KirNode *n)
{
    return indexed(I, n, n->nkids - 2);
}

/* (store a i ... v): v is converted to the element type.  Into a view
 * (a[:] = v, a[i] = row of a 2-D a, a[()] = v) a scalar fills it and an
 * array of at most its rank is broadcast to it, NumPy's rules. */
static void infer_store(Infer *I, KirNode *n)
{
    int var = n->kids[0]->u.var;
    KirNode *value = n->kids[n->nkids - 1];
    UfType v = infer_expr(I, value);
    if (known(v) && I->infer_elem[var]) {
        widen_output(I, n, var, uf_type_scalar((UfKind)v.kind));
    }
    UfType t = store_target(I, n);
    if (!known(t) || !known(v)) {
        return;
    }
    UfType elem = uf_type_scalar((UfKind)t.kind);
    if (!storable(v, elem) || (is_array(v) && !is_array(t))) {
        fail_types(I, n, "cannot store %s into an array of %s", v, elem);
    } else if (is_array(v) && v.ndim > t.ndim) {
        fail(I, n, "cannot assign a %d-D array to a %d-D view of '%s'", v.ndim,
             t.ndim, I->k->vars[var].name);
    }
}

/* A store's array is not read-only (a frozen global or a view of it). */
static bool writable_target(Infer *I, KirNode *n)
{
    const KirVar *v = &I->k->vars[n->kids[0]->u.var];
    if ((v->type.flags & UF_TYPE_READONLY) == 0) {
        return true;
    }
    fail(I, n,
         "cannot store into '%s': it is a read-only array (a frozen "
         "global, or a view of one)",
         v->name);
    return false;
}

/* (for i start stop step body): integer bounds; i is i8 */
static void infer_for(Infer *I, KirNode *n)
{
    for (int i = 0; i < 3; i++) {
        UfType t = infer_expr(I, n->kids[i]);
        if (known(t) && (!is_intlike(t) || is_array(t))) {
            fail_type(I, n->kids[i], "range() takes integers, found %s", t);
        }
    }
    widen_local(I, n, n->u.var, uf_type_scalar(UF_I8));
    infer_block(I, n->kids[3]);
}

/* Checks one returned value against the signature or widens the inferred
 * return type. */
static void infer_return_value(Infer *I, KirNode *n, int i, UfType t)
{
    if (!I->sig->ret_inferred) {
        UfType want = I->sig->ret[i];
        if (!storable(t, want) || is_array(t)) {
            fail_types(I, n,
                       "cannot return %s from a kernel declared to "
                       "return %s",
                       t, want);
        }
        return;
    }
    UfType u = known(I->ret[i]) ? promote(I->ret[i], t) : t;
    if (!known(u)) {
        fail_types(I, n,
                   "return values of types %s and %s have no common "
                   "type",
                   I->ret[i], t);
    } else if (!uf_type_eq(u, I->ret[i])) {
        I->ret[i] = u;
        I->changed = true;
    }
}

/* (return e ...): the count must match the signature and other returns */
static void infer_return(Infer *I, KirNode *n)
{
    int want = I->sig->ret_inferred ? I->nret : I->sig->nret;
    if (want >= 0 && n->nkids != want) {
        if (I->final) {
            uf_error(I->err, UF_ERR_TYPE, n->loc,
                     "returns %d value%s where the signature expects %d",
                     n->nkids, n->nkids == 1 ? "" : "s", want);
        }
        return;
    }
    if (n->nkids > UF_MAXOUTS) {
        fail(I, n, "too many return values (at most 8)%s", "");
        return;
    }
    I->nret = n->nkids;
    for (int i = 0; i < n->nkids; i++) {
        UfType t = infer_expr(I, n->kids[i]);
        if (known(t)) {
            infer_return_value(I, n, i, t);
        }
    }
}

static void infer_cond(Infer *I, KirNode *c)
{
    UfType t = infer_expr(I, c);
    if (known(t) && is_array(t)) {
        fail_type(I, c, "an array (%s) has no truth value", t);
    }
}

static void infer_stmt(Infer *I, KirNode *n)
{
    switch (n->op) {
    case KIR_SET:
        infer_set(I, n);
        break;
    case KIR_STORE:
        if (writable_target(I, n)) {
            infer_store(I, n);
        }
        break;
    case KIR_IF:
        infer_cond(I, n->kids[0]);
        for (int i = 1; i < n->nkids; i++) {
            infer_block(I, n->kids[i]);
        }
        break;
    case KIR_WHILE:
        infer_cond(I, n->kids[0]);
        infer_block(I, n->kids[1]);
        break;
    case KIR_FOR:
        infer_for(I, n);
        break;
    case KIR_RETURN:
        infer_return(I, n);
        break;
    case KIR_EXPR:
        infer_expr(I, n->kids[0]);
        break;
    default: /* break, continue, raise */
        break;
    }
    n->type = T_UNKNOWN;
}

static int infer_block(Infer *I, KirNode *block)
{
    for (int i = 0; i < block->nkids; i++) {
        infer_stmt(I, block->kids[i]);
    }
    return 0;
}

/* ---- falling off the end ----------------------------------------------------
 */

static bool has_break(const KirNode *n)
{
    if (n->op == KIR_BREAK) {
        return true;
    }
    if (n->op == KIR_WHILE || n->op == KIR_FOR) {
        return false; /* a nested loop's break is its own */
    }
    for (int i = 0; i < n->nkids; i++) {
        if (has_break(n->kids[i])) {
            return true;
        }
    }
    return false;
}

static bool always_true(const KirNode *c)
{
    return (c->op == KIR_BOOL || c->op == KIR_INT) && c->u.ival != 0;
}

/* Whether control never leaves |n| normally (returns on every path). */
static bool never_falls_through(const KirNode *n)
{
    switch (n->op) {
    case KIR_RETURN:
    case KIR_RAISE:
        return true;
    case KIR_BLOCK:
        return n->nkids > 0 && never_falls_through(n->kids[n->nkids - 1]);
    case KIR_IF:
        return n->nkids == 3 && never_falls_through(n->kids[1]) &&
               never_falls_through(n->kids[2]);
    case KIR_WHILE:
        return always_true(n->kids[0]) && !has_break(n->kids[1]);
    default:
        return false;
    }
}

/* ---- driver
 * ------------------------------------------------------------------ */

static void reset_locals(KirKernel *k)
{
    for (int i = k->nargs; i < k->nvars; i++) {
        k->vars[i].type = T_UNKNOWN;
    }
}

/* Whether |n| holds a SET or FOR of |var|. */
static bool assigns(const KirNode *n, int var)
{
    if ((n->op == KIR_SET || n->op == KIR_FOR) && n->u.var == var) {
        return true;
    }
    for (int i = 0; i < n->nkids; i++) {
        if (assigns(n->kids[i], var)) {
            return true;
        }
    }
    return false;
}

/* Locals never given a type, and weak ones, become concrete.  A local
 * that is never assigned is never read either (kir_verify): i8. */
static int settle_locals(Infer *I)
{
    KirKernel *k = I->k;
    for (int i = k->nargs; i < k->nvars; i++) {
        if (!known(k->vars[i].type) && !assigns(k->body, i)) {
            k->vars[i].type = uf_type_scalar(UF_I8);
        }
        if (!known(k->vars[i].type)) {
            /* usually an expression that has no type: report that one */
            I->final = true;
            infer_block(I, k->body);
            I->final = false;
            UfLoc none = {0, 0, 0};
            return uf_error(I->err, UF_ERR_TYPE, none,
                            "cannot infer a type for '%s': it is only "
                            "assigned values computed from itself",
                            k->vars[i].name);
        }
        k->vars[i].type = uf_type_concrete(k->vars[i].type);
    }
    return 0;
}

static int check_signature(Infer *I)
{
    const KirKernel *k = I->k;
    if (I->sig->nargs != k->nargs) {
        return uf_error(I->err, UF_ERR_TYPE, k->loc,
                        "kernel '%s' takes %d argument%s but the signature "
                        "has %d",
                        k->name, k->nargs, k->nargs == 1 ? "" : "s",
                        I->sig->nargs);
    }
    for (int i = 0; i < k->nargs; i++) {
        UfType t = I->sig->args[i];
        k->vars[i].type = t;
        I->infer_elem[i] = t.kind == UF_VOID && is_array(t);
        if (t.kind == UF_VOID && !is_array(t)) {
            return uf_error(I->err, UF_ERR_TYPE, k->loc,
                            "argument %d cannot be void", i + 1);
        }
    }
    return 0;
}

/* Array arguments whose element kind was to be inferred: what was stored
 * into them (concrete), or f8 when nothing was. */
static void settle_outputs(Infer *I)
{
    for (int i = 0; i < I->k->nargs; i++) {
        UfType *t = &I->k->vars[i].type;
        if (I->infer_elem[i]) {
            t->kind =
                t->kind == UF_VOID
                    ? UF_F8
                    : uf_type_concrete(uf_type_scalar((UfKind)t->kind)).kind;
        }
    }
}

/* The resolved signature: inferred returns made concrete. */
static int resolve_returns(Infer *I, UfSig *resolved)
{
    *resolved = *I->sig;
    for (int i = 0; i < I->k->nargs; i++) {
        resolved->args[i] = I->k->vars[i].type;
    }
    bool returns_values = I->sig->ret_inferred ? I->nret > 0 : I->sig->nret > 0;
    if (returns_values && !never_falls_through(I->k->body)) {
        return uf_error(I->err, UF_ERR_TYPE, I->k->loc,
                        "kernel '%s' can reach its end without returning a "
                        "value",
                        I->k->name);
    }
    if (!I->sig->ret_inferred) {
        return 0;
    }
    if (I->nret <= 0) {
        return uf_error(I->err, UF_ERR_TYPE, I->k->loc,
                        "kernel '%s' returns no value, so its return type "
                        "cannot be inferred",
                        I->k->name);
    }
    resolved->ret_inferred = false;
    resolved->nret = I->nret;
    for (int i = 0; i < I->nret; i++) {
        resolved->ret[i] = uf_type_concrete(I->ret[i]);
    }
    return 0;
}

/* Iterates until no local or return type changes. */
static int solve(Infer *I)
{
    int pass = 0;
    do {
        I->changed = false;
        I->nret = -1;
        infer_block(I, I->k->body);
        if (++pass > MAX_PASSES) {
            return uf_error(I->err, UF_ERR_INTERNAL, I->k->loc,
                            "type inference did not settle");
        }
    } while (I->changed);
    return 0;
}

/* One inference of |k| for |sig| into |resolved|. */
static int infer_once(KirKernel *k, const UfSig *sig, UfSig *resolved,
                      UfError *err, bool numpy_ints)
{
    Infer I = {
        .k = k, .sig = sig, .err = err, .nret = -1, .numpy_ints = numpy_ints};
    UF_TRY(check_signature(&I));
    reset_locals(k);
    /* Literals stay weak while solving, so `y = 0.01 * x` follows x; then
     * weak locals default to i8 / f8 / c16 and the others adapt. */
    UF_TRY(solve(&I));
    UF_TRY(settle_locals(&I));
    settle_outputs(&I);
    UF_TRY(solve(&I));
    for (int i = 0; i < UF_MAXOUTS; i++) {
        I.ret[i] = uf_type_concrete(I.ret[i]);
    }
    I.final = true;
    I.nret = -1;
    infer_block(&I, k->body);
    if (err->kind != UF_ERR_NONE) {
        return -1;
    }
    return resolve_returns(&I, resolved);
}

/* Whether |sig| leaves a type to infer: returns, or output elements. */
static bool infers_outputs(const UfSig *sig)
{
    for (int i = 0; i < sig->nargs; i++) {
        if (sig->args[i].kind == UF_VOID && is_array(sig->args[i])) {
            return true;
        }
    }
    return sig->ret_inferred;
}

/* Types that are inferred (a lazy ufunc's output) follow NumPy: i1 + i1
 * gives an i1 output, as np.add does.  So they are found with NumPy's
 * integer promotion first; the body is then typed again for that
 * signature with narrow integers computing in int64. */
int uf_infer_kernel(KirKernel *k, const UfSig *sig, UfSig *resolved,
                    UfError *err)
{
    if (!infers_outputs(sig)) {
        return infer_once(k, sig, resolved, err, false);
    }
    UfSig outputs;
    UF_TRY(infer_once(k, sig, &outputs, err, true));
    return infer_once(k, &outputs, resolved, err, false);
}
