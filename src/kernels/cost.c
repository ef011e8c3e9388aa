/*
 * cost.c -- a rough estimate of what one call of a typed kernel costs,
 * in nanoseconds, for the parallel target's choice between running on
 * the calling thread and splitting the work (src/targets/parallel.c).
 *
 * The model counts each node once with a price per kind, fitted to the
 * serial throughput of ufuncforge's vectorized loops on one core of a
 * 2-vCPU AVX-512 VM at the sizes where the choice is made (10^4 to 10^5
 * elements: operands in L2 or L3 cache).  bench/suite_threshold.py
 * measures it; docs/parallel.md shows the fit:
 *
 *   moving a byte of an elementwise operand   0.01 ns
 *   an element read or written in a gufunc    0.1 ns
 *   an add, compare, select, cast ...         0.04 ns
 *   a division, sqrt, modulo                  0.3 ns
 *   exp, log, sin ... (libmvec in SIMD loops) 0.6 ns
 *   tanh, erf, gamma ... (slower variants)    3.5 ns
 *   a power with a non-integer exponent       2 ns
 *   a scratch array (malloc and free)         60 ns
 *
 * Both branches of an if count (the larger one), a loop body counts once
 * in a gufunc kernel (the caller multiplies by the core size) and eight
 * times in an elementwise kernel, whose loops have no known trip count.
 * It errs high for the cheapest kernels (leaky ReLU: 0.33 ns estimated,
 * 0.21 measured), which only moves their split a little later.
 */
#include "kernels.h"

#define NS_PER_BYTE 0.01
#define NS_ELEM 0.1
#define NS_SIMPLE 0.04
#define NS_DIVIDE 0.3
#define NS_MATH 0.6
#define NS_SLOW_MATH 3.5
#define NS_POW 2.0
#define NS_NEWARRAY 60.0
#define NS_CALL 0.05 /* the loop's own work per element */
#define ELEMENTWISE_TRIPS 8.0

typedef struct Cost {
    bool gufunc; /* loop bodies count once */
} Cost;

static double node_cost(const Cost *c, const KirNode *n);

static double kids_cost(const Cost *c, const KirNode *n, int from)
{
    double sum = 0;
    for (int i = from; i < n->nkids; i++) {
        sum += node_cost(c, n->kids[i]);
    }
    return sum;
}

/* The price of a call to intrinsic |fn|. */
static double call_price(int fn)
{
    switch (fn) {
    case KIR_FN_SQRT:
    case KIR_FN_FMOD:
        return NS_DIVIDE;
    case KIR_FN_POWF:
        return NS_POW;
    case KIR_FN_TANH:
    case KIR_FN_ERF:
    case KIR_FN_ERFC:
    case KIR_FN_GAMMA:
    case KIR_FN_LGAMMA:
    case KIR_FN_ASINH:
    case KIR_FN_ACOSH:
    case KIR_FN_ATANH:
        return NS_SLOW_MATH;
    case KIR_FN_ABS:
    case KIR_FN_MIN:
    case KIR_FN_MAX:
    case KIR_FN_FLOOR:
    case KIR_FN_CEIL:
    case KIR_FN_TRUNC:
    case KIR_FN_ROUND:
    case KIR_FN_FABS:
    case KIR_FN_COPYSIGN:
    case KIR_FN_ISNAN:
    case KIR_FN_ISINF:
    case KIR_FN_ISFINITE:
    case KIR_FN_REAL:
    case KIR_FN_IMAGF:
    case KIR_FN_CONJ:
    case KIR_FN_COMPLEX:
    case KIR_FN_IFLOOR:
    case KIR_FN_ICEIL:
    case KIR_FN_ITRUNC:
    case KIR_FN_IROUND:
    case KIR_FN_DEGREES:
    case KIR_FN_RADIANS:
    case KIR_FN_LDEXP:
        return NS_SIMPLE;
    default:
        return NS_MATH;
    }
}

/* The price of |n| itself, without its children. */
static double own_price(const Cost *c, const KirNode *n)
{
    switch (n->op) {
    case KIR_INT:
    case KIR_FLOAT:
    case KIR_IMAG:
    case KIR_BOOL:
    case KIR_VAR:
    case KIR_NONE:
    case KIR_BLOCK:
    case KIR_BREAK:
    case KIR_CONTINUE:
    case KIR_RETURN:
    case KIR_EXPR:
    case KIR_SHAPE:
    case KIR_NDIM:
    case KIR_SIZE:
        return 0;
    case KIR_DIV:
    case KIR_FLOORDIV:
    case KIR_MOD:
        return NS_DIVIDE;
    case KIR_POW:
        return uf_kind_is_int(n->type.kind) ? NS_DIVIDE : NS_POW;
    case KIR_CALL:
        return call_price(n->u.fn);
    case KIR_LOAD:
    case KIR_STORE:
    case KIR_SUM:
    case KIR_PROD:
    case KIR_MEAN:
    case KIR_AMIN:
    case KIR_AMAX:
        return NS_ELEM;
    case KIR_DOT:
        return 2 * NS_ELEM;
    case KIR_NEWARRAY:
    case KIR_ARRAYLIKE:
        return NS_NEWARRAY;
    default:
        return NS_SIMPLE;
    }
}

static double node_cost(const Cost *c, const KirNode *n)
{
    double trips = c->gufunc ? 1.0 : ELEMENTWISE_TRIPS;
    switch (n->op) {
    case KIR_IF: { /* the condition, then the dearer branch */
        double a = node_cost(c, n->kids[1]);
        double b = n->nkids == 3 ? node_cost(c, n->kids[2]) : 0;
        return node_cost(c, n->kids[0]) + NS_SIMPLE + (a > b ? a : b);
    }
    case KIR_WHILE:
        return trips * (kids_cost(c, n, 0) + NS_SIMPLE);
    case KIR_FOR: { /* the bounds once, the body each trip; each kid is
                       costed once, or nested loops take exponential time */
        double bounds = 0;
        for (int i = 0; i < 3; i++) {
            bounds += node_cost(c, n->kids[i]);
        }
        return bounds + trips * (node_cost(c, n->kids[3]) + NS_SIMPLE);
    }
    default:
        return own_price(c, n) + kids_cost(c, n, 0);
    }
}

double uf_kir_cost_ns(const KirKernel *k, const UfSig *sig, bool gufunc)
{
    Cost c = {.gufunc = gufunc};
    double ns = NS_CALL + node_cost(&c, k->body);
    if (!gufunc) { /* the operands' bytes, read and written once */
        for (int i = 0; i < sig->nargs; i++) {
            ns += NS_PER_BYTE * uf_kind_itemsize((UfKind)sig->args[i].kind);
        }
        for (int i = 0; i < sig->nret; i++) {
            ns += NS_PER_BYTE * uf_kind_itemsize((UfKind)sig->ret[i].kind);
        }
    }
    return ns;
}
