/*
 * types.c -- scalar kinds, UfType values, and NumPy 2 promotion.
 *
 * Every fact about a kind lives in one table (name, bits, itemsize,
 * class).  Promotion follows np.result_type under NEP 50: a weak Python
 * literal takes the other operand's type unless it is of a higher class
 * (bool < int < float < complex).  tests/c/test_types.c checks every pair
 * against tables generated from NumPy by tests/c/gen_promotion_table.py.
 */
#include "kernels.h"

#include <stdio.h>
#include <string.h>

/* Ordered as NumPy's 'same_kind' casting: a kind casts to any kind of the
 * same or a later class (b < u < i < f < c). */
typedef enum KindClass {
    CLASS_NONE = 0, /* void, or an invalid kind */
    CLASS_BOOL,
    CLASS_UINT,
    CLASS_INT,
    CLASS_FLOAT,
    CLASS_COMPLEX
} KindClass;

typedef struct KindInfo {
    const char *name; /* the short name: "f8" */
    int bits;         /* value bits: 1 for b1, 128 for c16 */
    int itemsize;     /* bytes in memory */
    KindClass cls;
} KindInfo;

static const KindInfo kind_info[UF_NKINDS] = {
    [UF_VOID] = {"void", 0, 0, CLASS_NONE},
    [UF_B1] = {"b1", 1, 1, CLASS_BOOL},
    [UF_I1] = {"i1", 8, 1, CLASS_INT},
    [UF_I2] = {"i2", 16, 2, CLASS_INT},
    [UF_I4] = {"i4", 32, 4, CLASS_INT},
    [UF_I8] = {"i8", 64, 8, CLASS_INT},
    [UF_U1] = {"u1", 8, 1, CLASS_UINT},
    [UF_U2] = {"u2", 16, 2, CLASS_UINT},
    [UF_U4] = {"u4", 32, 4, CLASS_UINT},
    [UF_U8] = {"u8", 64, 8, CLASS_UINT},
    [UF_F4] = {"f4", 32, 4, CLASS_FLOAT},
    [UF_F8] = {"f8", 64, 8, CLASS_FLOAT},
    [UF_C8] = {"c8", 64, 8, CLASS_COMPLEX},
    [UF_C16] = {"c16", 128, 16, CLASS_COMPLEX},
};

static const KindInfo invalid_kind = {"?", 0, 0, CLASS_NONE};

static const KindInfo *info(UfKind k)
{
    if ((unsigned)k >= UF_NKINDS) {
        return &invalid_kind;
    }
    return &kind_info[k];
}

static KindClass kind_class(UfKind k)
{
    return info(k)->cls;
}

/* The kind of class |cls| with |bits| value bits; UF_VOID if none. */
static UfKind kind_of(KindClass cls, int bits)
{
    for (int k = 0; k < UF_NKINDS; k++) {
        if (kind_info[k].cls == cls && kind_info[k].bits == bits) {
            return (UfKind)k;
        }
    }
    return UF_VOID;
}

/* The wider of two kinds of one class. */
static UfKind wider(UfKind a, UfKind b)
{
    return info(a)->bits >= info(b)->bits ? a : b;
}

/* A scalar of kind |k| (UF_VOID gives the void type). */
UfType uf_type_scalar(UfKind k)
{
    UfType t = {(uint8_t)k, 0, UF_LAYOUT_A, 0};
    return t;
}

/* A weak literal type: |k| is UF_I8, UF_F8 or UF_C16. */
UfType uf_type_weak(UfKind k)
{
    UfType t = {(uint8_t)k, 0, UF_LAYOUT_A, UF_TYPE_WEAK};
    return t;
}

/* An array of |ndim| (1..UF_MAXNDIM) dims of |k|; ndim <= 0 gives the
 * scalar, whose layout is always UF_LAYOUT_A. */
UfType uf_type_array(UfKind k, int ndim, UfLayout layout)
{
    if (ndim <= 0) {
        return uf_type_scalar(k);
    }
    UfType t = {(uint8_t)k, (uint8_t)ndim, (uint8_t)layout, 0};
    return t;
}

/* Whether kind, ndim, layout and flags all agree. */
bool uf_type_eq(UfType a, UfType b)
{
    return a.kind == b.kind && a.ndim == b.ndim && a.layout == b.layout &&
           a.flags == b.flags;
}

/* Whether |t| is an untyped Python literal (NEP 50). */
bool uf_type_is_weak(UfType t)
{
    return (t.flags & UF_TYPE_WEAK) != 0;
}

/* Kind predicates; false for void and for out-of-range values. */
bool uf_kind_is_int(UfKind k)
{
    KindClass c = kind_class(k);
    return c == CLASS_INT || c == CLASS_UINT;
}

bool uf_kind_is_signed(UfKind k)
{
    return kind_class(k) == CLASS_INT;
}

bool uf_kind_is_float(UfKind k)
{
    return kind_class(k) == CLASS_FLOAT;
}

bool uf_kind_is_complex(UfKind k)
{
    return kind_class(k) == CLASS_COMPLEX;
}

/* Value bits: 1 for b1, 128 for c16, 0 for void. */
int uf_kind_bits(UfKind k)
{
    return info(k)->bits;
}

/* Bytes in memory: 1 for b1, 0 for void. */
int uf_kind_itemsize(UfKind k)
{
    return info(k)->itemsize;
}

/* Static short name ("f8", "void"); "?" for an out-of-range kind. */
const char *uf_kind_name(UfKind k)
{
    return info(k)->name;
}

/* Writes "f8", "weak f8", "f8[:, ::1]" into |buf| (truncated to |n|,
 * always NUL-terminated when n > 0); returns |buf|. */
const char *uf_type_str(UfType t, char *buf, size_t n)
{
    if (n == 0) {
        return buf;
    }
    const char *weak = uf_type_is_weak(t)                  ? "weak "
                       : (t.flags & UF_TYPE_READONLY) != 0 ? "readonly "
                                                           : "";
    int used = snprintf(buf, n, "%s%s", weak, uf_kind_name(t.kind));
    if (t.ndim == 0) {
        return buf;
    }
    for (int d = 0; d < t.ndim && used >= 0 && (size_t)used < n; d++) {
        bool last = d == t.ndim - 1;
        const char *dim = last && t.layout == UF_LAYOUT_C ? "::1" : ":";
        used += snprintf(buf + used, n - (size_t)used, "%s%s%s",
                         d == 0 ? "[" : "", dim, last ? "]" : ", ");
    }
    return buf;
}

/* The float kind with an int's precision: NumPy promotes i1..u2 with f4 to
 * f4 and i4..u8 to f8. */
static UfKind int_as_float(UfKind k)
{
    return info(k)->bits <= 16 ? UF_F4 : UF_F8;
}

/* The real part of a complex kind; other kinds are returned unchanged. */
static UfKind real_part(UfKind k)
{
    if (k == UF_C8) {
        return UF_F4;
    }
    return k == UF_C16 ? UF_F8 : k;
}

/* The complex kind whose parts are the float kind |f|. */
static UfKind complex_of(UfKind f)
{
    return f == UF_F4 ? UF_C8 : UF_C16;
}

/* Two integer kinds. */
static UfKind promote_ints(UfKind a, UfKind b)
{
    /* (iN, iM) or (uN, uM) -> the wider */
    if (uf_kind_is_signed(a) == uf_kind_is_signed(b)) {
        return wider(a, b);
    }
    UfKind s = uf_kind_is_signed(a) ? a : b;
    UfKind u = uf_kind_is_signed(a) ? b : a;
    /* (iN, uM) -> iN if N > M, else the next signed wider than M; u8 -> f8 */
    if (info(s)->bits > info(u)->bits) {
        return s;
    }
    if (info(u)->bits == 64) {
        return UF_F8;
    }
    return kind_of(CLASS_INT, 2 * info(u)->bits);
}

/* Two concrete, non-bool, non-complex kinds, at least one a float. */
static UfKind promote_floats(UfKind a, UfKind b)
{
    /* (f, int) -> the wider of f and the int's float-equivalent */
    UfKind fa = uf_kind_is_float(a) ? a : int_as_float(a);
    UfKind fb = uf_kind_is_float(b) ? b : int_as_float(b);
    return wider(fa, fb);
}

/* Two concrete scalar kinds (neither void). */
static UfKind promote_kinds(UfKind a, UfKind b)
{
    if (a == b) {
        return a;
    }
    /* (b1, X) -> X */
    if (a == UF_B1 || b == UF_B1) {
        return a == UF_B1 ? b : a;
    }
    /* (cN, X) -> complex with the precision of promote(real(cN), real(X)) */
    if (uf_kind_is_complex(a) || uf_kind_is_complex(b)) {
        return complex_of(promote_kinds(real_part(a), real_part(b)));
    }
    if (uf_kind_is_float(a) || uf_kind_is_float(b)) {
        return promote_floats(a, b);
    }
    return promote_ints(a, b);
}

/* A weak literal's class, for comparing with a concrete kind: a weak int
 * ranks with the unsigned ints so that it yields to every int kind. */
static KindClass weak_class(UfKind w)
{
    KindClass c = kind_class(w);
    return c == CLASS_INT ? CLASS_UINT : c;
}

/* The kind a weak literal of class |cls| defaults to. */
static UfKind weak_default(KindClass cls)
{
    if (cls == CLASS_COMPLEX) {
        return UF_C16;
    }
    return cls == CLASS_FLOAT ? UF_F8 : UF_I8;
}

/* A weak literal of kind |w| with a concrete kind |t|. */
static UfKind promote_weak(UfKind w, UfKind t)
{
    /* (weak, T) -> T when T's class is at least the literal's */
    if (weak_class(w) <= kind_class(t)) {
        return t;
    }
    /* (weak complex, fN) -> the complex with fN parts */
    if (uf_kind_is_complex(w) && uf_kind_is_float(t)) {
        return complex_of(t);
    }
    /* (weak int, b1) -> i8; (weak float, int) -> f8; (weak complex, int)
     * -> c16 */
    return weak_default(kind_class(w));
}

/* A non-void scalar, weak or not. */
static bool is_value_scalar(UfType t)
{
    return t.ndim == 0 && kind_class(t.kind) != CLASS_NONE;
}

/* np.result_type(a, b) under NEP 50; two weak types give a weak type of
 * the higher class; an array or void operand gives void. */
UfType uf_type_promote(UfType a, UfType b)
{
    if (!is_value_scalar(a) || !is_value_scalar(b)) {
        return uf_type_scalar(UF_VOID);
    }
    bool wa = uf_type_is_weak(a);
    bool wb = uf_type_is_weak(b);
    if (wa && wb) {
        KindClass ca = weak_class(a.kind);
        KindClass cb = weak_class(b.kind);
        return uf_type_weak(weak_default(ca >= cb ? ca : cb));
    }
    if (wa || wb) {
        UfKind w = wa ? a.kind : b.kind;
        UfKind t = wa ? b.kind : a.kind;
        return uf_type_scalar(promote_weak(w, t));
    }
    return uf_type_scalar(promote_kinds(a.kind, b.kind));
}

/* A weak literal's default type (i8, f8, c16); others unchanged. */
UfType uf_type_concrete(UfType t)
{
    if (!uf_type_is_weak(t)) {
        return t;
    }
    return uf_type_scalar(weak_default(kind_class(t.kind)));
}

/* np.can_cast(from, to, 'same_kind') for scalar kinds; a weak int may
 * also go to unsigned kinds.  False for arrays and void. */
bool uf_type_can_cast_same_kind(UfType from, UfType to)
{
    if (!is_value_scalar(from) || !is_value_scalar(to)) {
        return false;
    }
    /* a weak int literal casts to unsigned kinds too (NEP 50: u1 + 1 -> u1) */
    KindClass cf =
        uf_type_is_weak(from) ? weak_class(from.kind) : kind_class(from.kind);
    return cf <= kind_class(to.kind);
}

bool uf_kind_holds(UfKind k, int64_t v)
{
    int bits = uf_kind_bits(k);
    if (!uf_kind_is_int(k)) {
        return false;
    }
    if (!uf_kind_is_signed(k)) {
        return v >= 0 && (bits == 64 || v < ((int64_t)1 << bits));
    }
    if (bits == 64) {
        return true;
    }
    int64_t lim = (int64_t)1 << (bits - 1);
    return v >= -lim && v < lim;
}
