/*
 * mathlib.c -- intrinsic functions: one place that decides whether a kir
 * function becomes inline IR, an LLVM intrinsic, a libm call or a runtime
 * helper.
 *
 * libm calls are declared memory(none) and carry the call-site attribute
 *   "vector-function-abi-variant"="_ZGVeN8v_exp(_ZGVeN8v_exp),..."
 * naming glibc libmvec's vector variants that exist in this process, so
 * the loop vectorizer can widen them: transcendental functions do not stop
 * a loop from becoming SIMD code.  The variants are declared in the module
 * and kept alive through @llvm.compiler.used.
 */
#include "lower.h"

#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* ---- libmvec ---------------------------------------------------------- */

static void *mvec_handle;
static pthread_once_t mvec_once = PTHREAD_ONCE_INIT;

static void mvec_open(void)
{
    mvec_handle = dlopen("libmvec.so.1", RTLD_LAZY | RTLD_GLOBAL);
}

static bool mvec_has(const char *name)
{
    pthread_once(&mvec_once, mvec_open);
    return mvec_handle != NULL && dlsym(mvec_handle, name) != NULL;
}

/* Appends |fn| to @llvm.compiler.used (rebuilding the array). */
static void keep_used(Lower *L, LLVMValueRef fn)
{
    LLVMValueRef old = LLVMGetNamedGlobal(L->mod, "llvm.compiler.used");
    unsigned n = 0;
    LLVMValueRef elems[64];
    if (old != NULL) {
        LLVMValueRef init = LLVMGetInitializer(old);
        n = (unsigned)LLVMGetNumOperands(init);
        for (unsigned i = 0; i < n && i < 63; i++) {
            elems[i] = LLVMGetOperand(init, i);
        }
        if (n >= 63) {
            return; /* enough variants kept; later ones stay scalar */
        }
        LLVMDeleteGlobal(old);
    }
    elems[n++] = fn;
    LLVMTypeRef ptr = LLVMPointerTypeInContext(L->ctx, 0);
    LLVMValueRef init = LLVMConstArray2(ptr, elems, n);
    LLVMValueRef g =
        LLVMAddGlobal(L->mod, LLVMTypeOf(init), "llvm.compiler.used");
    LLVMSetInitializer(g, init);
    LLVMSetLinkage(g, LLVMAppendingLinkage);
    LLVMSetSection(g, "llvm.metadata");
}

/* Declares the vector variant |vname| of a |nargs|-ary function on
 * |lanes| x |elem|. */
static void declare_variant(Lower *L, const char *vname, LLVMTypeRef elem,
                            unsigned lanes, int nargs)
{
    if (LLVMGetNamedFunction(L->mod, vname) != NULL) {
        return;
    }
    LLVMTypeRef vt = LLVMVectorType(elem, lanes);
    LLVMTypeRef params[2] = {vt, vt};
    LLVMValueRef f = LLVMAddFunction(
        L->mod, vname, LLVMFunctionType(vt, params, (unsigned)nargs, 0));
    keep_used(L, f);
}

/* Builds the attribute value listing every libmvec variant of |sym| for
 * the ISAs up to the host's; empty when there are none. */
static void variant_list(Lower *L, const char *sym, bool single, int nargs,
                         char *buf, size_t n)
{
    static const struct {
        char isa;
        int f8_lanes;
    } isas[] = {{'e', 8}, {'d', 4}, {'c', 4}, {'b', 2}};
    const char *order = "bcde";
    const char *host = strchr(order, L->opt->isa.letter);
    buf[0] = '\0';
    if (L->opt->isa.letter == 0 || host == NULL) {
        return;
    }
    LLVMTypeRef elem = single ? LLVMFloatTypeInContext(L->ctx)
                              : LLVMDoubleTypeInContext(L->ctx);
    for (size_t i = 0; i < sizeof isas / sizeof isas[0]; i++) {
        if (strchr(order, isas[i].isa) > host) {
            continue;
        }
        int lanes = isas[i].f8_lanes * (single ? 2 : 1);
        char vname[64];
        snprintf(vname, sizeof vname, "_ZGV%cN%d%s_%s", isas[i].isa, lanes,
                 nargs == 2 ? "vv" : "v", sym);
        if (!mvec_has(vname)) {
            continue;
        }
        declare_variant(L, vname, elem, (unsigned)lanes, nargs);
        size_t used = strlen(buf);
        snprintf(buf + used, n - used, "%s%s(%s)", used ? "," : "", vname,
                 vname);
    }
}

/* ---- libm calls ------------------------------------------------------------
 */

/* Declares |sym| as a pure function of |nargs| |ft| values. */
static LLVMValueRef declare_pure(Lower *L, const char *sym, LLVMTypeRef ft,
                                 int nargs, LLVMTypeRef *fty)
{
    LLVMTypeRef params[2] = {ft, ft};
    *fty = LLVMFunctionType(ft, params, (unsigned)nargs, 0);
    LLVMValueRef f = LLVMGetNamedFunction(L->mod, sym);
    if (f != NULL) {
        return f;
    }
    f = LLVMAddFunction(L->mod, sym, *fty);
    static const char *const attrs[] = {"nounwind", "willreturn", "nosync",
                                        "nofree"};
    for (size_t i = 0; i < sizeof attrs / sizeof attrs[0]; i++) {
        unsigned kind =
            LLVMGetEnumAttributeKindForName(attrs[i], strlen(attrs[i]));
        LLVMAddAttributeAtIndex(f, LLVMAttributeFunctionIndex,
                                LLVMCreateEnumAttribute(L->ctx, kind, 0));
    }
    unsigned mem = LLVMGetEnumAttributeKindForName("memory", 6);
    LLVMAddAttributeAtIndex(f, LLVMAttributeFunctionIndex,
                            LLVMCreateEnumAttribute(L->ctx, mem, 0));
    return f;
}

/* Calls the libm function |sym| (f8) or its float form (f4). */
static LLVMValueRef libm_call(Lower *L, const KirFnInfo *fi, UfType t,
                              LLVMValueRef *args, int nargs)
{
    bool single = t.kind == UF_F4;
    const char *sym = single ? fi->f4_sym : fi->f8_sym;
    LLVMTypeRef fty;
    LLVMValueRef f = declare_pure(L, sym, l_type(L, t), nargs, &fty);
    LLVMValueRef call =
        l_fast(L, LLVMBuildCall2(L->b, fty, f, args, (unsigned)nargs, ""));
    if (!L->opt->fastmath && fi == &kir_fn_info[KIR_FN_POWF] &&
        LLVMIsAConstantFP(args[0]) != NULL) {
        /* LLVM's library-call simplifier rewrites pow(8.0, x) as
         * exp2(3 * x), which loses up to hundreds of ulp: a plain call
         * keeps libm's (or libmvec's) result.  Only there: nobuiltin also
         * keeps the vectorizer from widening a call under a branch. */
        unsigned nb = LLVMGetEnumAttributeKindForName("nobuiltin", 9);
        LLVMAddCallSiteAttribute(call, LLVMAttributeFunctionIndex,
                                 LLVMCreateEnumAttribute(L->ctx, nb, 0));
    }
    char variants[512];
    variant_list(L, sym, single, nargs, variants, sizeof variants);
    if (variants[0] != '\0') {
        static const char key[] = "vector-function-abi-variant";
        LLVMAttributeRef a = LLVMCreateStringAttribute(
            L->ctx, key, sizeof key - 1, variants, (unsigned)strlen(variants));
        LLVMAddCallSiteAttribute(call, LLVMAttributeFunctionIndex, a);
    }
    return call;
}

/* ---- complex helpers ---------------------------------------------------- */

LLVMValueRef l_complex_helper(Lower *L, const char *name, UfType t,
                              LLVMValueRef *args, int nargs)
{
    UfType c16 = uf_type_scalar(UF_C16);
    LLVMTypeRef ct = l_type(L, c16);
    LLVMTypeRef ptr = LLVMPointerTypeInContext(L->ctx, 0);
    LLVMValueRef slots[3];
    for (int i = 0; i <= nargs; i++) {
        slots[i] = l_entry_alloca(L, ct, "cplx");
        if (i > 0) {
            LLVMBuildStore(L->b, l_convert(L, args[i - 1], t, c16), slots[i]);
        }
    }
    LLVMTypeRef params[3] = {ptr, ptr, ptr};
    LLVMTypeRef fty = LLVMFunctionType(LLVMVoidTypeInContext(L->ctx), params,
                                       (unsigned)nargs + 1, 0);
    LLVMValueRef f = LLVMGetNamedFunction(L->mod, name);
    if (f == NULL) {
        f = LLVMAddFunction(L->mod, name, fty);
    }
    LLVMBuildCall2(L->b, fty, f, slots, (unsigned)nargs + 1, "");
    LLVMValueRef r = LLVMBuildLoad2(L->b, ct, slots[0], "");
    return l_convert(L, r, c16, t);
}

/* ---- inline functions ------------------------------------------------------
 */

static LLVMValueRef intrinsic1(Lower *L, const char *name, LLVMValueRef x)
{
    LLVMTypeRef t = LLVMTypeOf(x);
    return l_intrinsic(L, name, &t, 1, &x, 1);
}

static LLVMValueRef intrinsic2(Lower *L, const char *name, LLVMValueRef a,
                               LLVMValueRef b)
{
    LLVMTypeRef t = LLVMTypeOf(a);
    LLVMValueRef args[2] = {a, b};
    return l_intrinsic(L, name, &t, 1, args, 2);
}

static LLVMValueRef fabs_of(Lower *L, LLVMValueRef x)
{
    return intrinsic1(L, "llvm.fabs", x);
}

/* (isnan x), (isinf x), (isfinite x); complex: either / both parts. */
static LLVMValueRef fp_class(Lower *L, KirFn fn, UfType t, LLVMValueRef x)
{
    LLVMBuilderRef B = L->b;
    if (uf_kind_is_complex(t.kind)) {
        UfType p = uf_type_scalar(t.kind == UF_C8 ? UF_F4 : UF_F8);
        LLVMValueRef re = fp_class(L, fn, p, l_re(L, x));
        LLVMValueRef im = fp_class(L, fn, p, l_im(L, x));
        return fn == KIR_FN_ISFINITE ? LLVMBuildAnd(B, re, im, "")
                                     : LLVMBuildOr(B, re, im, "");
    }
    LLVMTypeRef i1 = LLVMInt1TypeInContext(L->ctx);
    if (!uf_kind_is_float(t.kind)) { /* integers are finite numbers */
        return LLVMConstInt(i1, fn == KIR_FN_ISFINITE, 0);
    }
    LLVMValueRef inf = LLVMConstReal(LLVMTypeOf(x), INFINITY);
    switch (fn) {
    case KIR_FN_ISNAN:
        return LLVMBuildFCmp(B, LLVMRealUNO, x, x, "");
    case KIR_FN_ISINF:
        return LLVMBuildFCmp(B, LLVMRealOEQ, fabs_of(L, x), inf, "");
    default:
        return LLVMBuildFCmp(B, LLVMRealOLT, fabs_of(L, x), inf, "");
    }
}

/* (abs x): integers wrap (abs(INT_MIN) is INT_MIN), complex is hypot. */
static LLVMValueRef abs_of(Lower *L, UfType t, LLVMValueRef x)
{
    if (uf_kind_is_complex(t.kind)) {
        UfType p = uf_type_scalar(t.kind == UF_C8 ? UF_F4 : UF_F8);
        LLVMValueRef parts[2] = {l_re(L, x), l_im(L, x)};
        return libm_call(L, &kir_fn_info[KIR_FN_HYPOT], p, parts, 2);
    }
    if (uf_kind_is_float(t.kind)) {
        return fabs_of(L, x);
    }
    if (!uf_kind_is_signed(t.kind)) {
        return x;
    }
    LLVMTypeRef i1 = LLVMInt1TypeInContext(L->ctx);
    LLVMValueRef args[2] = {x, LLVMConstInt(i1, 0, 0)};
    LLVMTypeRef xt = LLVMTypeOf(x);
    return l_intrinsic(L, "llvm.abs", &xt, 1, args, 2);
}

/* (min a b), (max a b): NaN propagates, as np.minimum / np.maximum. */
static LLVMValueRef min_max(Lower *L, KirFn fn, UfType t, LLVMValueRef a,
                            LLVMValueRef b)
{
    bool is_max = fn == KIR_FN_MAX;
    if (uf_kind_is_float(t.kind)) {
        return intrinsic2(L, is_max ? "llvm.maximum" : "llvm.minimum", a, b);
    }
    if (t.kind == UF_B1) {
        return is_max ? LLVMBuildOr(L->b, a, b, "")
                      : LLVMBuildAnd(L->b, a, b, "");
    }
    bool sign = uf_kind_is_signed(t.kind);
    const char *name = is_max ? (sign ? "llvm.smax" : "llvm.umax")
                              : (sign ? "llvm.smin" : "llvm.umin");
    return intrinsic2(L, name, a, b);
}

/* (ldexp x i): i is clamped to the int range libm takes. */
static LLVMValueRef ldexp_of(Lower *L, UfType t, LLVMValueRef x, LLVMValueRef i)
{
    LLVMTypeRef i32 = LLVMInt32TypeInContext(L->ctx);
    LLVMValueRef lo =
        LLVMConstInt(LLVMTypeOf(i), (unsigned long long)-100000, 1);
    LLVMValueRef hi = LLVMConstInt(LLVMTypeOf(i), 100000, 1);
    LLVMTypeRef it = LLVMTypeOf(i);
    LLVMValueRef args[2] = {i, lo};
    LLVMValueRef c = l_intrinsic(L, "llvm.smax", &it, 1, args, 2);
    args[0] = c;
    args[1] = hi;
    c = l_intrinsic(L, "llvm.smin", &it, 1, args, 2);
    LLVMValueRef e = LLVMBuildTrunc(L->b, c, i32, "");
    LLVMTypeRef tys[2] = {LLVMTypeOf(x), i32};
    LLVMValueRef call_args[2] = {x, e};
    return l_intrinsic(L, "llvm.ldexp", tys, 2, call_args, 2);
}

/* (gcd a b) through a runtime helper on 64 bits. */
static LLVMValueRef gcd_of(Lower *L, UfType t, LLVMValueRef a, LLVMValueRef b)
{
    UfType i8 = uf_type_scalar(UF_I8);
    LLVMTypeRef fty;
    LLVMValueRef f =
        declare_pure(L, "uf_rt_gcd", LLVMInt64TypeInContext(L->ctx), 2, &fty);
    LLVMValueRef args[2] = {l_convert(L, a, t, i8), l_convert(L, b, t, i8)};
    return l_convert(L, LLVMBuildCall2(L->b, fty, f, args, 2, ""), i8, t);
}

/* (real z), (imag z), (conj z); real arguments give x, 0, x. */
static LLVMValueRef complex_part(Lower *L, KirFn fn, UfType t, UfType rt,
                                 LLVMValueRef z)
{
    if (!uf_kind_is_complex(t.kind)) {
        return fn == KIR_FN_IMAGF ? LLVMConstNull(l_type(L, rt)) : z;
    }
    switch (fn) {
    case KIR_FN_REAL:
        return l_re(L, z);
    case KIR_FN_IMAGF:
        return l_im(L, z);
    default:
        return l_complex(L, t, l_re(L, z), LLVMBuildFNeg(L->b, l_im(L, z), ""));
    }
}

/* (ifloor x) ...: an integer argument is the result as it is; a float is
 * rounded, then converted (saturating) to i8. */
static LLVMValueRef int_rounding(Lower *L, KirFn fn, UfType t, UfType rt,
                                 LLVMValueRef x)
{
    if (!uf_kind_is_float(t.kind)) {
        return l_convert(L, x, t, rt);
    }
    static const char *const names[] = {"llvm.floor", "llvm.ceil", "llvm.trunc",
                                        "llvm.roundeven"};
    const char *name = names[fn - KIR_FN_IFLOOR];
    return l_convert(L, intrinsic1(L, name, x), t, rt);
}

/* (degrees x), (radians x) */
static LLVMValueRef scale(Lower *L, LLVMValueRef x, double by)
{
    return l_fast(L,
                  LLVMBuildFMul(L->b, x, LLVMConstReal(LLVMTypeOf(x), by), ""));
}

static const char *llvm_intrinsic_name(KirFn fn)
{
    switch (fn) {
    case KIR_FN_SQRT:
        return "llvm.sqrt";
    case KIR_FN_FLOOR:
        return "llvm.floor";
    case KIR_FN_CEIL:
        return "llvm.ceil";
    case KIR_FN_TRUNC:
        return "llvm.trunc";
    case KIR_FN_ROUND: /* Python's round(): halves to even */
        return "llvm.roundeven";
    case KIR_FN_FABS:
        return "llvm.fabs";
    case KIR_FN_COPYSIGN:
        return "llvm.copysign";
    default:
        return NULL;
    }
}

LLVMValueRef l_math_call(Lower *L, KirFn fn, UfType rt, const UfType *argt,
                         LLVMValueRef *args, int nargs, UfLoc loc)
{
    const KirFnInfo *fi = &kir_fn_info[fn];
    UfType t = argt[0];
    if (uf_kind_is_complex(t.kind) && fi->rule == KIR_RULE_FLOAT) {
        return l_complex_helper(L, fi->c16_sym, t, args, nargs);
    }
    const char *intr = llvm_intrinsic_name(fn);
    if (intr != NULL && !uf_kind_is_float(t.kind)) {
        return args[0]; /* floor / ceil / trunc of an integer: itself */
    }
    if (intr != NULL) {
        return nargs == 1 ? intrinsic1(L, intr, args[0])
                          : intrinsic2(L, intr, args[0], args[1]);
    }
    switch (fn) {
    case KIR_FN_DEGREES:
        return scale(L, args[0], 180.0 / M_PI);
    case KIR_FN_RADIANS:
        return scale(L, args[0], M_PI / 180.0);
    case KIR_FN_ISNAN:
    case KIR_FN_ISINF:
    case KIR_FN_ISFINITE:
        return fp_class(L, fn, t, args[0]);
    case KIR_FN_ABS:
        return abs_of(L, t, args[0]);
    case KIR_FN_MIN:
    case KIR_FN_MAX:
        return min_max(L, fn, t, args[0], args[1]);
    case KIR_FN_LDEXP:
        return ldexp_of(L, t, args[0], args[1]);
    case KIR_FN_GCD:
        return gcd_of(L, t, args[0], args[1]);
    case KIR_FN_REAL:
    case KIR_FN_IMAGF:
    case KIR_FN_CONJ:
        return complex_part(L, fn, t, rt, args[0]);
    case KIR_FN_COMPLEX:
        return l_complex(L, rt, args[0], args[1]);
    case KIR_FN_IFLOOR:
    case KIR_FN_ICEIL:
    case KIR_FN_ITRUNC:
    case KIR_FN_IROUND:
        return int_rounding(L, fn, t, rt, args[0]);
    default:
        break;
    }
    if (fi->f8_sym[0] == '\0') {
        uf_error(L->err, UF_ERR_INTERNAL, loc, "no lowering for %s()",
                 fi->name);
        return NULL;
    }
    return libm_call(L, fi, t, args, nargs);
}
