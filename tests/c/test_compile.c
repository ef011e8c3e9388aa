/*
 * test_compile.c -- the whole pipeline: kir text -> JIT'd loop, called on
 * C arrays and compared with C references of the same kernels.
 */
#include "kernel_fixture.h"

#include <complex.h>
#include <fenv.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define N 1000

/* Inputs with the awkward values every float kernel must survive. */
static void fill_f8(double *x, int n)
{
    static const double special[] = {0.0,    -0.0,     1.0,       -1.0,
                                     0.5,    -0.5,     1e300,     -1e300,
                                     5e-324, INFINITY, -INFINITY, NAN};
    int ns = (int)(sizeof special / sizeof special[0]);
    uint64_t s = 88172645463325252ULL;
    for (int i = 0; i < n; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        x[i] = i < ns ? special[i] : ((double)(s % 2000001) / 1e5 - 10.0);
    }
}

/* Same bit pattern of NaN-ness, and equal within |rel| otherwise. */
static int close_f8(double got, double want, double rel)
{
    if (isnan(want)) {
        return isnan(got);
    }
    if (isinf(want) || want == 0.0) {
        return got == want && signbit(got) == signbit(want);
    }
    return fabs(got - want) <= rel * fabs(want);
}

static void check_f8(const double *got, const double *want, int n, double rel)
{
    for (int i = 0; i < n; i++) {
        if (!close_f8(got[i], want[i], rel)) {
            fprintf(stderr, "element %d: got %.17g want %.17g\n", i, got[i],
                    want[i]);
            CU_FAIL("element differs");
            return;
        }
    }
}

/* ---- the seed kernels --------------------------------------------------- */

static const char *LEAKY_RELU =
    "(kernel leaky_relu (x) (return (select (> x 0.0) x (* 0.01 x))))";

static const char *HUBER =
    "(kernel huber_loss (prediction target)\n"
    "  (set diff (abs (- prediction target)))\n"
    "  (if (<= diff 1.0) (block (return (* (* 0.5 diff) diff))))\n"
    "  (return (- diff 0.5)))";

static const char *SELU =
    "(kernel selu (x)\n"
    "  (set alpha 1.6732632423543772)\n"
    "  (set scale 1.0507009873554805)\n"
    "  (if (> x 0.0) (block (return (* scale x))))\n"
    "  (return (* (* scale alpha) (- (** 2.718281828459045 x) 1.0))))";

static const char *PRELU = "(kernel parametric_relu (x alpha threshold)\n"
                           "  (if (>= x threshold) (block (return x)))\n"
                           "  (return (* alpha (- x threshold))))";

static double ref_leaky(double x)
{
    return x > 0.0 ? x : 0.01 * x;
}

static double ref_huber(double p, double t)
{
    double d = fabs(p - t);
    return d <= 1.0 ? 0.5 * d * d : d - 0.5;
}

static double ref_selu(double x)
{
    double a = 1.6732632423543772, s = 1.0507009873554805;
    return x > 0.0 ? s * x : s * a * (pow(2.718281828459045, x) - 1.0);
}

static void test_leaky_relu_f8(void)
{
    UfCompiled *c = fx_compile(LEAKY_RELU, "f8(f8)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    double x[N], y[N], want[N];
    fill_f8(x, N);
    for (int i = 0; i < N; i++) {
        want[i] = ref_leaky(x[i]);
    }
    CU_ASSERT_EQUAL(fx_run1(c, x, 8, y, 8, N), 0);
    check_f8(y, want, N, 0.0);
    uf_compiled_free(c);
}

static void test_leaky_relu_f4(void)
{
    UfCompiled *c = fx_compile(LEAKY_RELU, "f4(f4)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    float x[N], y[N];
    for (int i = 0; i < N; i++) {
        x[i] = (float)(i - N / 2) / 7.0f;
    }
    CU_ASSERT_EQUAL(fx_run1(c, x, 4, y, 4, N), 0);
    for (int i = 0; i < N; i++) {
        float w = x[i] > 0.0f ? x[i] : 0.01f * x[i]; /* f4 arithmetic */
        CU_ASSERT_EQUAL(y[i], w);
    }
    uf_compiled_free(c);
}

static void test_huber(void)
{
    UfCompiled *c = fx_compile(HUBER, "f8(f8, f8)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    double p[N], t[N], y[N], want[N];
    fill_f8(p, N);
    for (int i = 0; i < N; i++) {
        t[i] = sin((double)i);
        want[i] = ref_huber(p[i], t[i]);
    }
    CU_ASSERT_EQUAL(fx_run2(c, p, 8, t, 8, y, 8, N), 0);
    check_f8(y, want, N, 0.0);
    uf_compiled_free(c);
}

static void test_selu(void)
{
    UfCompiled *c = fx_compile(SELU, "f8(f8)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    double x[N], y[N], want[N];
    fill_f8(x, N);
    for (int i = 0; i < N; i++) {
        want[i] = ref_selu(x[i]);
    }
    CU_ASSERT_EQUAL(fx_run1(c, x, 8, y, 8, N), 0);
    check_f8(y, want, N, 1e-14); /* libmvec pow: a few ulp */
    uf_compiled_free(c);
}

static void test_parametric_relu(void)
{
    UfCompiled *c = fx_compile(PRELU, "f8(f8, f8, f8)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    double x[N], alpha = 0.1, thr = 0.25, y[N];
    fill_f8(x, N);
    char *args[4] = {(char *)x, (char *)&alpha, (char *)&thr, (char *)y};
    intptr_t dims[1] = {N}, steps[4] = {8, 0, 0, 8}; /* broadcast scalars */
    CU_ASSERT_EQUAL(c->loop(NULL, args, dims, steps, NULL), 0);
    for (int i = 0; i < N; i++) {
        double w = x[i] >= thr ? x[i] : alpha * (x[i] - thr);
        CU_ASSERT_FATAL(close_f8(y[i], w, 0.0));
    }
    uf_compiled_free(c);
}

static void test_accumulate_overlap_runs_in_order(void)
{
    /* NumPy's accumulate: out[i + 1] = f(out[i], in[i + 1]), so an input
     * is the output one element back; the loop must not vectorize it */
    UfCompiled *c =
        fx_compile("(kernel f (a b) (return (+ a b)))", "f8(f8, f8)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    enum { M = 1000 };
    static double in[M], out[M];
    for (int i = 0; i < M; i++) {
        in[i] = 1.0;
    }
    out[0] = in[0];
    CU_ASSERT_EQUAL(fx_run2(c, out, 8, in + 1, 8, out + 1, 8, M - 1), 0);
    for (int i = 0; i < M; i++) {
        CU_ASSERT_EQUAL_FATAL(out[i], i + 1.0);
    }
    uf_compiled_free(c);
}

static void test_many_broadcast_inputs(void)
{
    /* five step-0 inputs (more than the driver's stack buffers), over
     * several chunks, an empty call, and a mix with a strided input */
    UfCompiled *c = fx_compile("(kernel f (x a b c d e)\n"
                               "  (return (+ (* x a) (+ b (+ c (+ d e))))))",
                               "f8(f8, f8, f8, f8, f8, f8)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    enum { M = 1500 };
    static double x[2 * M], y[M];
    double s[5] = {2.0, 1.0, 0.5, 0.25, 0.125};
    for (int i = 0; i < 2 * M; i++) {
        x[i] = i;
    }
    char *args[7] = {(char *)x,     (char *)&s[0], (char *)&s[1], (char *)&s[2],
                     (char *)&s[3], (char *)&s[4], (char *)y};
    intptr_t steps[7] = {8, 0, 0, 0, 0, 0, 8};
    intptr_t dims[1] = {M};
    CU_ASSERT_EQUAL(c->loop(NULL, args, dims, steps, NULL), 0);
    for (int i = 0; i < M; i++) {
        CU_ASSERT_EQUAL_FATAL(y[i], 2.0 * i + 1.875);
    }
    steps[0] = 16; /* strided x: the strided path */
    CU_ASSERT_EQUAL(c->loop(NULL, args, dims, steps, NULL), 0);
    CU_ASSERT_EQUAL(y[M - 1], 2.0 * (2 * (M - 1)) + 1.875);
    dims[0] = 0;
    y[0] = -1.0;
    CU_ASSERT_EQUAL(c->loop(NULL, args, dims, steps, NULL), 0);
    CU_ASSERT_EQUAL(y[0], -1.0);
    uf_compiled_free(c);
}

/* ---- strides --------------------------------------------------------------
 */

static void test_strided_and_negative(void)
{
    UfCompiled *c = fx_compile(LEAKY_RELU, "f8(f8)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    double x[2 * N], y[3 * N];
    fill_f8(x, 2 * N);
    memset(y, 0, sizeof y);
    /* every second input, written backwards with stride -3 elements */
    CU_ASSERT_EQUAL(fx_run1(c, x, 16, &y[3 * (N - 1)], -24, N), 0);
    for (int i = 0; i < N; i++) {
        CU_ASSERT_FATAL(close_f8(y[3 * (N - 1 - i)], ref_leaky(x[2 * i]), 0.0));
        CU_ASSERT_EQUAL(y[3 * (N - 1 - i) + 1], 0.0); /* untouched gaps */
    }
    uf_compiled_free(c);
}

static void test_zero_stride_and_empty(void)
{
    UfCompiled *c = fx_compile(LEAKY_RELU, "f8(f8)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    double x = -2.0, y[8] = {0};
    CU_ASSERT_EQUAL(fx_run1(c, &x, 0, y, 8, 8), 0);
    for (int i = 0; i < 8; i++) {
        CU_ASSERT_EQUAL(y[i], -0.02);
    }
    double sentinel = 42.0;
    CU_ASSERT_EQUAL(fx_run1(c, &x, 8, &sentinel, 8, 0), 0);
    CU_ASSERT_EQUAL(sentinel, 42.0);
    uf_compiled_free(c);
}

/* ---- every scalar type
 * ------------------------------------------------------- */

/* x + 1 as the kernel computes it, wrapping: in C, int32_t or int64_t + 1
 * past the maximum is undefined (UBSan stops there), so through unsigned. */
/* clang-format off */
#define WRAP_ADD1(x)                                                           \
    _Generic((x),                                                              \
             int32_t: (int32_t)((uint32_t)(x) + 1u),                           \
             int64_t: (int64_t)((uint64_t)(x) + 1u),                           \
             default: (x) + 1)
/* clang-format on */

#define CHECK_ADD1(T, SIG, VALUES)                                             \
    do {                                                                       \
        UfCompiled *c = fx_compile("(kernel add1 (x) (return (+ x 1)))", SIG); \
        CU_ASSERT_PTR_NOT_NULL_FATAL(c);                                       \
        T in[] = VALUES, out[sizeof in / sizeof in[0]];                        \
        int n = (int)(sizeof in / sizeof in[0]);                               \
        CU_ASSERT_EQUAL(fx_run1(c, in, sizeof(T), out, sizeof(T), n), 0);      \
        for (int i = 0; i < n; i++) {                                          \
            CU_ASSERT(out[i] == (T)WRAP_ADD1(in[i]));                          \
        }                                                                      \
        uf_compiled_free(c);                                                   \
    } while (0)

#define LIST(...)                                                              \
    {                                                                          \
        __VA_ARGS__                                                            \
    }

static void test_every_scalar_type(void)
{
    CHECK_ADD1(int8_t, "i1(i1)", LIST(0, 1, -1, 126, 127, -128));
    CHECK_ADD1(int16_t, "i2(i2)", LIST(0, -1, 32767, -32768));
    CHECK_ADD1(int32_t, "i4(i4)", LIST(0, -1, INT32_MAX, INT32_MIN));
    CHECK_ADD1(int64_t, "i8(i8)", LIST(0, -1, INT64_MAX, INT64_MIN));
    CHECK_ADD1(uint8_t, "u1(u1)", LIST(0, 1, 254, 255));
    CHECK_ADD1(uint16_t, "u2(u2)", LIST(0, 65535));
    CHECK_ADD1(uint32_t, "u4(u4)", LIST(0, UINT32_MAX));
    CHECK_ADD1(uint64_t, "u8(u8)", LIST(0, UINT64_MAX));
    CHECK_ADD1(float, "f4(f4)", LIST(0.5f, -1.0f, 3e38f, INFINITY));
    CHECK_ADD1(double, "f8(f8)", LIST(0.5, -1.0, 1e308, -0.0));
}

static void test_bool_and_complex(void)
{
    UfCompiled *c =
        fx_compile("(kernel f (a b) (return (and a (not b))))", "b1(b1, b1)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    uint8_t a[4] = {0, 0, 1, 1}, b[4] = {0, 1, 0, 1}, y[4];
    CU_ASSERT_EQUAL(fx_run2(c, a, 1, b, 1, y, 1, 4), 0);
    CU_ASSERT(y[0] == 0 && y[1] == 0 && y[2] == 1 && y[3] == 0);
    uf_compiled_free(c);

    c = fx_compile("(kernel f (z w) (return (+ (* z w) (/ z w))))",
                   "c16(c16, c16)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    double complex z[3] = {CMPLX(1, 2), CMPLX(-3, 0.5), CMPLX(0, 0)};
    double complex w[3] = {CMPLX(0.5, -1), CMPLX(2, 7), CMPLX(1e-3, 4)};
    double complex r[3];
    CU_ASSERT_EQUAL(fx_run2(c, z, 16, w, 16, r, 16, 3), 0);
    for (int i = 0; i < 3; i++) {
        double complex want = z[i] * w[i] + z[i] / w[i];
        CU_ASSERT(cabs(r[i] - want) <= 1e-15 * cabs(want) + 1e-300);
    }
    uf_compiled_free(c);

    c = fx_compile("(kernel f (z) (return (abs (exp z))))", "f4(c8)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    float complex zf[2] = {CMPLXF(0.5f, 1.0f), CMPLXF(-1.0f, 2.0f)};
    float rf[2];
    CU_ASSERT_EQUAL(fx_run1(c, zf, 8, rf, 4, 2), 0);
    CU_ASSERT_DOUBLE_EQUAL(rf[0], expf(0.5f), 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(rf[1], expf(-1.0f), 1e-6);
    uf_compiled_free(c);
}

/* ---- integer division: NumPy's results and FP flags, never a trap ----------
 */

static int64_t py_floordiv(int64_t a, int64_t b)
{
    if (b == 0) {
        return 0;
    }
    if (a == INT64_MIN && b == -1) {
        return INT64_MIN;
    }
    int64_t q = a / b, r = a % b;
    return (r != 0 && ((r < 0) != (b < 0))) ? q - 1 : q;
}

static int64_t py_mod(int64_t a, int64_t b)
{
    if (b == 0 || (a == INT64_MIN && b == -1)) {
        return 0;
    }
    int64_t r = a % b;
    return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}

static void test_int_floordiv_mod(void)
{
    UfCompiled *fd =
        fx_compile("(kernel f (a b) (return (// a b)))", "i8(i8, i8)");
    UfCompiled *md =
        fx_compile("(kernel f (a b) (return (% a b)))", "i8(i8, i8)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fd);
    CU_ASSERT_PTR_NOT_NULL_FATAL(md);
    int64_t vals[] = {0, 1, -1, 2, -2, 7, -7, 3, INT64_MAX, INT64_MIN};
    enum { NV = sizeof vals / sizeof vals[0] };
    int64_t a[NV * NV], b[NV * NV], q[NV * NV], r[NV * NV];
    for (int i = 0; i < NV * NV; i++) {
        a[i] = vals[i / NV];
        b[i] = vals[i % NV];
    }
    CU_ASSERT_EQUAL(fx_run2(fd, a, 8, b, 8, q, 8, NV * NV), 0);
    CU_ASSERT_EQUAL(fx_run2(md, a, 8, b, 8, r, 8, NV * NV), 0);
    for (int i = 0; i < NV * NV; i++) {
        CU_ASSERT_EQUAL(q[i], py_floordiv(a[i], b[i]));
        CU_ASSERT_EQUAL(r[i], py_mod(a[i], b[i]));
    }
    uf_compiled_free(fd);
    uf_compiled_free(md);
}

/* i4 // i4 computes at 64 bits: INT32_MIN // -1 is 2**31, which wraps
 * to INT32_MIN when returned as i4, with no overflow flag. */
static void test_narrow_division_wraps(void)
{
    UfCompiled *c =
        fx_compile("(kernel f (a b) (return (// a b)))", "i4(i4, i4)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    int32_t a = INT32_MIN, b = -1, q = 0;
    feclearexcept(FE_ALL_EXCEPT);
    CU_ASSERT_EQUAL(fx_run2(c, &a, 4, &b, 4, &q, 4, 1), 0);
    CU_ASSERT(!fetestexcept(FE_OVERFLOW));
    CU_ASSERT_EQUAL(q, INT32_MIN);
    uf_compiled_free(c);
}

static void test_int_division_flags(void)
{
    UfCompiled *c =
        fx_compile("(kernel f (a b) (return (// a b)))", "i8(i8, i8)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    int64_t a[2] = {5, INT64_MIN}, b[2] = {0, -1}, q[2];
    feclearexcept(FE_ALL_EXCEPT);
    CU_ASSERT_EQUAL(fx_run2(c, a, 8, b, 8, q, 8, 1), 0);
    CU_ASSERT(fetestexcept(FE_DIVBYZERO));
    CU_ASSERT(!fetestexcept(FE_OVERFLOW));
    CU_ASSERT_EQUAL(q[0], 0);
    feclearexcept(FE_ALL_EXCEPT);
    CU_ASSERT_EQUAL(fx_run2(c, a + 1, 8, b + 1, 8, q + 1, 8, 1), 0);
    CU_ASSERT(fetestexcept(FE_OVERFLOW));
    CU_ASSERT(!fetestexcept(FE_DIVBYZERO));
    CU_ASSERT_EQUAL(q[1], INT64_MIN);
    feclearexcept(FE_ALL_EXCEPT);
    int64_t ok_b[2] = {2, 3};
    CU_ASSERT_EQUAL(fx_run2(c, a, 8, ok_b, 8, q, 8, 2), 0);
    CU_ASSERT(!fetestexcept(FE_DIVBYZERO | FE_OVERFLOW));
    uf_compiled_free(c);

    c = fx_compile("(kernel f (a b) (return (% a b)))", "u2(u2, u2)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    uint16_t ua[2] = {7, 65535}, ub[2] = {0, 10}, ur[2];
    feclearexcept(FE_ALL_EXCEPT);
    CU_ASSERT_EQUAL(fx_run2(c, ua, 2, ub, 2, ur, 2, 2), 0);
    CU_ASSERT(fetestexcept(FE_DIVBYZERO));
    CU_ASSERT(ur[0] == 0 && ur[1] == 5);
    uf_compiled_free(c);
}

static void test_nan_compare_is_quiet(void)
{
    /* NaN inputs compared in a vectorized loop: no invalid flag, as in
     * Python and NumPy; an invalid operation on ordinary inputs still
     * raises it */
    UfCompiled *c = fx_compile(LEAKY_RELU, "f8(f8)");
    UfCompiled *s = fx_compile("(kernel f (x) (return (sqrt x)))", "f8(f8)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    double x[64], y[64];
    for (int i = 0; i < 64; i++) {
        x[i] = (i % 3 == 0) ? NAN : i - 30.0;
    }
    feclearexcept(FE_ALL_EXCEPT);
    CU_ASSERT_EQUAL(fx_run1(c, x, 8, y, 8, 64), 0);
    CU_ASSERT(!fetestexcept(FE_INVALID));
    CU_ASSERT(isnan(y[0]) && y[1] == -0.29);
    double neg[8] = {-1, -2, -3, -4, -5, -6, -7, -8};
    feclearexcept(FE_ALL_EXCEPT);
    CU_ASSERT_EQUAL(fx_run1(s, neg, 8, y, 8, 8), 0);
    CU_ASSERT(fetestexcept(FE_INVALID));
    uf_compiled_free(c);
    uf_compiled_free(s);
}

/* ---- float floor division and modulo: Python's results ------------------- */

static void py_fdivmod(double a, double b, double *div, double *mod)
{
    double m = fmod(a, b);
    if (b == 0.0) {
        *div = a / b;
        *mod = m;
        return;
    }
    double d = (a - m) / b;
    if (m != 0.0) {
        if ((b < 0) != (m < 0)) {
            m += b;
            d -= 1.0;
        }
    } else {
        m = copysign(0.0, b);
    }
    double f;
    if (d != 0.0) {
        f = floor(d);
        if (d - f > 0.5) {
            f += 1.0;
        }
    } else {
        f = copysign(0.0, a / b);
    }
    *div = f;
    *mod = m;
}

static void test_float_floordiv_mod(void)
{
    UfCompiled *fd =
        fx_compile("(kernel f (a b) (return (// a b)))", "f8(f8, f8)");
    UfCompiled *md =
        fx_compile("(kernel f (a b) (return (% a b)))", "f8(f8, f8)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fd);
    CU_ASSERT_PTR_NOT_NULL_FATAL(md);
    double a[N], b[N], q[N], r[N];
    fill_f8(a, N);
    fill_f8(b, N);
    for (int i = 0; i < N; i++) {
        b[i] = b[(i * 7) % N]; /* mix the specials across both operands */
    }
    CU_ASSERT_EQUAL(fx_run2(fd, a, 8, b, 8, q, 8, N), 0);
    CU_ASSERT_EQUAL(fx_run2(md, a, 8, b, 8, r, 8, N), 0);
    for (int i = 0; i < N; i++) {
        double wd, wm;
        py_fdivmod(a[i], b[i], &wd, &wm);
        if (!close_f8(q[i], wd, 0.0) || !close_f8(r[i], wm, 0.0)) {
            fprintf(stderr, "%g // %g: got %g %g want %g %g\n", a[i], b[i],
                    q[i], r[i], wd, wm);
            CU_FAIL("floor division differs");
            break;
        }
    }
    uf_compiled_free(fd);
    uf_compiled_free(md);
}

/* ---- math functions against libm ------------------------------------------
 */

typedef struct MathCase {
    const char *name;
    double (*ref)(double);
    double lo, hi;
} MathCase;

static double ref_degrees(double x)
{
    return x * (180.0 / M_PI);
}

static double ref_round(double x)
{
    return nearbyint(x); /* halves to even in the default rounding mode */
}

static void test_unary_math(void)
{
    static const MathCase cases[] = {
        {"sqrt", sqrt, 0, 100},          {"exp", exp, -50, 50},
        {"exp2", exp2, -50, 50},         {"expm1", expm1, -5, 5},
        {"log", log, 1e-3, 1e3},         {"log2", log2, 1e-3, 1e3},
        {"log10", log10, 1e-3, 1e3},     {"log1p", log1p, -0.9, 10},
        {"sin", sin, -10, 10},           {"cos", cos, -10, 10},
        {"tan", tan, -1.5, 1.5},         {"asin", asin, -1, 1},
        {"acos", acos, -1, 1},           {"atan", atan, -10, 10},
        {"sinh", sinh, -5, 5},           {"cosh", cosh, -5, 5},
        {"tanh", tanh, -5, 5},           {"asinh", asinh, -5, 5},
        {"acosh", acosh, 1, 10},         {"atanh", atanh, -0.99, 0.99},
        {"cbrt", cbrt, -10, 10},         {"erf", erf, -3, 3},
        {"erfc", erfc, -3, 3},           {"gamma", tgamma, 0.1, 10},
        {"lgamma", lgamma, 0.1, 10},     {"floor", floor, -5, 5},
        {"ceil", ceil, -5, 5},           {"trunc", trunc, -5, 5},
        {"round", ref_round, -5, 5},     {"fabs", fabs, -5, 5},
        {"degrees", ref_degrees, -5, 5},
    };
    enum { M = 257 };
    double x[M], y[M], want[M];
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char kir[128];
        snprintf(kir, sizeof kir, "(kernel f (x) (return (%s x)))",
                 cases[k].name);
        UfCompiled *c = fx_compile(kir, "f8(f8)");
        CU_ASSERT_PTR_NOT_NULL_FATAL(c);
        for (int i = 0; i < M; i++) {
            x[i] = cases[k].lo + (cases[k].hi - cases[k].lo) * i / (M - 1);
            if (i % 2 == 1 && strcmp(cases[k].name, "round") == 0) {
                x[i] = floor(x[i]) + 0.5; /* exact halves */
            }
            want[i] = cases[k].ref(x[i]);
        }
        CU_ASSERT_EQUAL(fx_run1(c, x, 8, y, 8, M), 0);
        for (int i = 0; i < M; i++) {
            double tol = 4e-15 * fabs(want[i]) + 1e-300;
            if (!(fabs(y[i] - want[i]) <= tol)) {
                fprintf(stderr, "%s(%.17g) = %.17g, libm %.17g\n",
                        cases[k].name, x[i], y[i], want[i]);
                CU_FAIL("math function differs from libm");
                break;
            }
        }
        uf_compiled_free(c);
    }
}

static void test_binary_math_and_predicates(void)
{
    UfCompiled *c =
        fx_compile("(kernel f (a b) (return (+ (+ (atan2 a b) (hypot a b)) "
                   "(+ (copysign 1.0 b) (pow (abs a) 0.5)))))",
                   "f8(f8, f8)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    double a[N], b[N], y[N], want[N];
    for (int i = 0; i < N; i++) {
        a[i] = sin(i * 0.37) * 10;
        b[i] = cos(i * 0.11) * 3;
        want[i] = atan2(a[i], b[i]) + hypot(a[i], b[i]) +
                  (copysign(1.0, b[i]) + pow(fabs(a[i]), 0.5));
    }
    CU_ASSERT_EQUAL(fx_run2(c, a, 8, b, 8, y, 8, N), 0);
    check_f8(y, want, N, 1e-14);
    uf_compiled_free(c);

    c = fx_compile("(kernel f (x) (return (+ (* 4 (isnan x)) "
                   "(+ (* 2 (isinf x)) (isfinite x)))))",
                   "i8(f8)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    double x[4] = {1.0, NAN, INFINITY, -INFINITY};
    int64_t r[4];
    CU_ASSERT_EQUAL(fx_run1(c, x, 8, r, 8, 4), 0);
    CU_ASSERT(r[0] == 1 && r[1] == 4 && r[2] == 2 && r[3] == 2);
    uf_compiled_free(c);
}

static void test_min_max_propagate_nan(void)
{
    UfCompiled *c = fx_compile("(kernel f (a b) (return (- (max a b) "
                               "(min a b))))",
                               "f8(f8, f8)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    double a[3] = {1.0, NAN, 2.0}, b[3] = {3.0, 1.0, NAN}, y[3];
    CU_ASSERT_EQUAL(fx_run2(c, a, 8, b, 8, y, 8, 3), 0);
    CU_ASSERT_EQUAL(y[0], 2.0);
    CU_ASSERT(isnan(y[1]) && isnan(y[2]));
    uf_compiled_free(c);
}

/* ---- control flow
 * ------------------------------------------------------------ */

static int64_t ref_loops(int64_t x)
{
    int64_t s = 0;
    for (int64_t i = x; i > -3; i -= 2) { /* range(x, -3, -2) */
        if (i == 4) {
            continue;
        }
        s += i;
    }
    int64_t j = 0;
    while (1) {
        j += 1;
        if (j * j > x) {
            break;
        }
    }
    return s * 100 + j;
}

static void test_loops_break_continue(void)
{
    UfCompiled *c =
        fx_compile("(kernel f (x)\n"
                   "  (set s 0)\n"
                   "  (for i x -3 -2 (block (if (== i 4) (block (continue))) "
                   "(set s (+ s i))))\n"
                   "  (set j 0)\n"
                   "  (while True (block (set j (+ j 1)) (if (> (* j j) x) "
                   "(block (break)))))\n"
                   "  (return (+ (* s 100) j)))",
                   "i8(i8)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    int64_t x[40], y[40];
    for (int i = 0; i < 40; i++) {
        x[i] = i - 5;
    }
    CU_ASSERT_EQUAL(fx_run1(c, x, 8, y, 8, 40), 0);
    for (int i = 0; i < 40; i++) {
        CU_ASSERT_EQUAL(y[i], ref_loops(x[i]));
    }
    uf_compiled_free(c);
}

static void test_range_forms(void)
{
    /* the loop variable keeps its last value; zero-trip loops leave it */
    UfCompiled *c = fx_compile("(kernel f (n)\n"
                               "  (set last -1)\n"
                               "  (for i 0 n 3 (block (set last i)))\n"
                               "  (return last))",
                               "i8(i8)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    int64_t n[5] = {0, 1, 3, 4, 10}, y[5];
    CU_ASSERT_EQUAL(fx_run1(c, n, 8, y, 8, 5), 0);
    CU_ASSERT(y[0] == -1 && y[1] == 0 && y[2] == 0 && y[3] == 3 && y[4] == 9);
    uf_compiled_free(c);
}

static void test_short_circuit_and_power(void)
{
    /* the division is never reached for b == 0: no divide-by-zero flag */
    UfCompiled *c = fx_compile("(kernel f (a b) (return (select (and (!= b 0) "
                               "(> (// a b) 1)) 1 (** a 2))))",
                               "i8(i8, i8)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    int64_t a[3] = {9, 5, -3}, b[3] = {0, 2, 1}, y[3];
    feclearexcept(FE_ALL_EXCEPT);
    CU_ASSERT_EQUAL(fx_run2(c, a, 8, b, 8, y, 8, 3), 0);
    CU_ASSERT(!fetestexcept(FE_DIVBYZERO));
    CU_ASSERT(y[0] == 81 && y[1] == 1 && y[2] == 9);
    uf_compiled_free(c);

    c = fx_compile("(kernel f (a b) (return (** a b)))", "i8(i8, i8)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    int64_t pa[3] = {2, 3, 7}, pb[3] = {10, 40, 0}, py[3];
    CU_ASSERT_EQUAL(fx_run2(c, pa, 8, pb, 8, py, 8, 3), 0);
    CU_ASSERT(py[0] == 1024 && py[1] == (int64_t)12157665459056928801ULL &&
              py[2] == 1);
    uf_compiled_free(c);
}

static void test_kernel_error_stops_the_loop(void)
{
    /* integer ** negative integer is an error, as NumPy's ValueError: the
     * loop returns -1 and stops at the first failing element, on the
     * contiguous, broadcast and strided paths */
    UfCompiled *c =
        fx_compile("(kernel f (a b) (return (** a b)))", "i4(i4, i4)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    int32_t a[6] = {2, 2, 2, 2, 2, 2}, b[6] = {1, 2, -1, 3, 4, 5};
    int32_t y[6] = {0, 0, 0, 0, 0, 0};
    CU_ASSERT_EQUAL(fx_run2(c, a, 4, b, 4, y, 4, 6), -1);
    CU_ASSERT(y[0] == 2 && y[1] == 4);
    CU_ASSERT(y[3] == 0 && y[4] == 0 && y[5] == 0); /* never reached */
    int32_t e = -2;
    CU_ASSERT_EQUAL(fx_run2(c, a, 4, &e, 0, y, 4, 6), -1); /* broadcast */
    CU_ASSERT_EQUAL(fx_run2(c, a, 8, b, 8, y, 8, 3), -1);  /* strided */
    CU_ASSERT_EQUAL(fx_run2(c, a, 4, b, 4, y, 4, 2), 0);   /* before it */
    uf_compiled_free(c);
    CU_ASSERT_STRING_EQUAL(uf_rt_error_message(UF_KFLAG_NEGPOW),
                           "Integers to negative integer powers are not "
                           "allowed.");
}

static void test_unassigned_local_is_zero(void)
{
    UfCompiled *c = fx_compile("(kernel f (x)\n"
                               "  (if (> x 0) (block (set y 7.5)))\n"
                               "  (return y))",
                               "f8(f8)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    double x[4] = {1.0, -1.0, 2.0, -3.0}, y[4];
    CU_ASSERT_EQUAL(fx_run1(c, x, 8, y, 8, 4), 0);
    CU_ASSERT(y[0] == 7.5 && y[1] == 0.0 && y[2] == 7.5 && y[3] == 0.0);
    uf_compiled_free(c);
}

/* ---- signatures: several outputs, inferred return ------------------------ */

static void test_two_outputs(void)
{
    UfCompiled *c =
        fx_compile("(kernel f (x) (return (// x 3) (% x 3)))", "(i8, i8)(i8)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    int64_t x[4] = {7, -7, 0, 3}, q[4], r[4];
    char *args[3] = {(char *)x, (char *)q, (char *)r};
    intptr_t dims[1] = {4}, steps[3] = {8, 8, 8};
    CU_ASSERT_EQUAL(c->loop(NULL, args, dims, steps, NULL), 0);
    for (int i = 0; i < 4; i++) {
        CU_ASSERT_EQUAL(q[i], py_floordiv(x[i], 3));
        CU_ASSERT_EQUAL(r[i], py_mod(x[i], 3));
    }
    uf_compiled_free(c);
}

static void test_inferred_return(void)
{
    UfCompiled *c = fx_compile("(kernel f (a b) (return (/ a b)))", "(i4, i4)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(c->sig.nret, 1);
    CU_ASSERT_EQUAL(c->sig.ret[0].kind, UF_F8);
    CU_ASSERT_FALSE(c->sig.ret_inferred);
    int32_t a[2] = {1, 7}, b[2] = {2, 0};
    double y[2];
    CU_ASSERT_EQUAL(fx_run2(c, a, 4, b, 4, y, 8, 2), 0);
    CU_ASSERT_EQUAL(y[0], 0.5);
    CU_ASSERT(isinf(y[1]));
    uf_compiled_free(c);
}

/* ---- the optimized IR vectorizes and calls libmvec ------------------------
 */

static void test_exp_loop_vectorizes_with_libmvec(void)
{
    UfCompileOptions o = {.boundscheck = true,
                          .keep = 1u << UF_DUMP_OPT | 1u << UF_DUMP_ASM};
    UfCompiled *c =
        fx_compile_opt("(kernel f (x) (return (exp x)))", "f8(f8)", &o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    const char *ir = c->text[UF_DUMP_OPT];
    CU_ASSERT_PTR_NOT_NULL_FATAL(ir);
    bool wide = strstr(ir, "<4 x double>") || strstr(ir, "<8 x double>");
    CU_ASSERT(wide);
    CU_ASSERT_PTR_NOT_NULL(strstr(ir, "call <"));
    CU_ASSERT_PTR_NOT_NULL(strstr(ir, "@_ZGV"));
    CU_ASSERT_PTR_NOT_NULL(c->text[UF_DUMP_ASM]);
    CU_ASSERT_PTR_NULL(c->text[UF_DUMP_KIR]); /* only what was asked */
    double x[N], y[N];
    fill_f8(x, N);
    CU_ASSERT_EQUAL(fx_run1(c, x, 8, y, 8, N), 0);
    for (int i = 0; i < N; i++) {
        CU_ASSERT_FATAL(close_f8(y[i], exp(x[i]), 4e-16 * 8));
    }
    uf_compiled_free(c);
}

static void test_exp_under_a_branch_vectorizes(void)
{
    /* SELU's shape: the call sits in one arm of a condition */
    UfCompileOptions o = {.boundscheck = true, .keep = 1u << UF_DUMP_OPT};
    UfCompiled *c =
        fx_compile_opt("(kernel f (x) (if (> x 0.0) (block (return x))) "
                       "(return (- (exp x) 1.0)))",
                       "f4(f4)", &o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    const char *ir = c->text[UF_DUMP_OPT];
    bool wide = strstr(ir, "x float> @_ZGVeN16v_expf") ||
                strstr(ir, "x float> @_ZGVdN8v_expf");
    CU_ASSERT(wide);
    uf_compiled_free(c);
}

static void test_dump_texts_and_spec(void)
{
    UfCompileOptions o = {.keep = (1u << UF_NDUMPS) - 1};
    UfCompiled *c = fx_compile_opt(LEAKY_RELU, "f4(f4)", &o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_PTR_NOT_NULL(strstr(c->text[UF_DUMP_KIR], "(kernel leaky_relu"));
    CU_ASSERT_PTR_NOT_NULL(strstr(c->text[UF_DUMP_TYPES], ":f4"));
    CU_ASSERT_PTR_NOT_NULL(strstr(c->text[UF_DUMP_LLVM], "leaky_relu.kernel"));
    CU_ASSERT_PTR_NOT_NULL(strstr(c->text[UF_DUMP_OPT], "<"));
    for (int i = 0; i < UF_NDUMPS; i++) {
        CU_ASSERT(c->ms[i] >= 0.0);
    }
    uf_compiled_free(c);

    unsigned bits;
    UfError err = {0};
    CU_ASSERT_EQUAL(uf_dump_parse("kir,opt", &bits, &err), 0);
    CU_ASSERT_EQUAL(bits, (1u << UF_DUMP_KIR) | (1u << UF_DUMP_OPT));
    CU_ASSERT_EQUAL(uf_dump_parse("all", &bits, &err), 0);
    CU_ASSERT_EQUAL(bits, (1u << UF_NDUMPS) - 1);
    CU_ASSERT_EQUAL(uf_dump_parse("kir,bogus", &bits, &err), -1);
    CU_ASSERT_EQUAL(err.loc.col, 5);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "'bogus'"));
}

/* ---- errors come back as errors
 * ------------------------------------------------ */

static void test_compile_errors(void)
{
    UfError e = fx_compile_error("(kernel f (x y) (return x))", "f8(f8)");
    CU_ASSERT_EQUAL(e.kind, UF_ERR_TYPE);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "takes 2 arguments"));
    e = fx_compile_error("(kernel f (a) (return (load a 0)))", "f8(f8[:])");
    CU_ASSERT_EQUAL(e.kind, UF_ERR_UNSUPPORTED);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "guvectorize"));
    e = fx_compile_error("(kernel f (x) (set y 1))", "f8(f8)");
    CU_ASSERT_NOT_EQUAL(e.kind, UF_ERR_NONE);
}

/* ---- every allocation of ours fails in turn: no crash, no leak -------------
 */

static int compile_and_run(void *ud)
{
    (void)ud;
    UfError err = {0};
    UfSig sig;
    KirKernel *k = kir_parse(HUBER, &err);
    if (k == NULL) {
        return -1;
    }
    UfCompileOptions o = {.keep = (1u << UF_NDUMPS) - 1};
    UfCompiled *c = NULL;
    if (uf_sig_parse("f8(f8, f8)", &sig, &err) == 0) {
        c = uf_compile(k, &sig, &o, &err);
    }
    kir_kernel_free(k);
    if (c == NULL) {
        return -1;
    }
    double p = 3.0, t = 1.0, y = 0.0;
    fx_run2(c, &p, 8, &t, 8, &y, 8, 1);
    uf_compiled_free(c);
    return y == 1.5 ? 0 : -2;
}

static void test_allocation_failures(void)
{
    UfError err = {0};
    CU_ASSERT_EQUAL_FATAL(uf_jit_init(&err), 0); /* LLVM's own, once */
    uf_test_alloc_sweep(compile_and_run, NULL);
}

/* ---- regressions found by fuzzing (tests/fuzz/README.md) ---------------- */

/* fuzz_compile (a timeout): uf_kir_cost_ns costed a 'for' body three times
 * per level, so 20 nested loops took minutes to compile (cost.c
 * node_cost).  40 levels, each over the one core element: s ends at 1. */
static void test_fuzz_nested_for_cost(void)
{
    enum { DEPTH = 40 };
    static char kir[4096];
    size_t len = (size_t)snprintf(kir, sizeof kir,
                                  "(kernel nest (a out)\n  (set s 0.0)\n  ");
    for (int i = 0; i < DEPTH; i++) {
        len += (size_t)snprintf(kir + len, sizeof kir - len,
                                "(for i%d 0 (shape a 0) 1 (block ", i);
    }
    len += (size_t)snprintf(kir + len, sizeof kir - len, "(set s (+ s 1.0))");
    for (int i = 0; i < DEPTH; i++) {
        len += (size_t)snprintf(kir + len, sizeof kir - len, "))");
    }
    snprintf(kir + len, sizeof kir - len, "\n  (store out 0 s))");
    UfCompiled *c =
        fx_compile_gufunc(kir, "void(f8[:], f8[:])", "(n)->()", true);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT(c->cost_ns > 0.0 && c->cost_ns < 1e3);
    double a[1] = {5.0}, out[1] = {-1.0};
    char *args[2] = {(char *)a, (char *)out};
    intptr_t dims[2] = {1, 1};
    intptr_t steps[3] = {8, 8, 8};
    CU_ASSERT_EQUAL(c->loop(NULL, args, dims, steps, NULL), 0);
    CU_ASSERT_DOUBLE_EQUAL(out[0], 1.0, 0.0);
    uf_compiled_free(c);
}

int main(void)
{
    static const UfTestCase cases[] = {
        UF_CASE(test_leaky_relu_f8),
        UF_CASE(test_leaky_relu_f4),
        UF_CASE(test_huber),
        UF_CASE(test_selu),
        UF_CASE(test_parametric_relu),
        UF_CASE(test_accumulate_overlap_runs_in_order),
        UF_CASE(test_many_broadcast_inputs),
        UF_CASE(test_strided_and_negative),
        UF_CASE(test_zero_stride_and_empty),
        UF_CASE(test_every_scalar_type),
        UF_CASE(test_bool_and_complex),
        UF_CASE(test_int_floordiv_mod),
        UF_CASE(test_int_division_flags),
        UF_CASE(test_narrow_division_wraps),
        UF_CASE(test_nan_compare_is_quiet),
        UF_CASE(test_float_floordiv_mod),
        UF_CASE(test_unary_math),
        UF_CASE(test_binary_math_and_predicates),
        UF_CASE(test_min_max_propagate_nan),
        UF_CASE(test_loops_break_continue),
        UF_CASE(test_range_forms),
        UF_CASE(test_short_circuit_and_power),
        UF_CASE(test_kernel_error_stops_the_loop),
        UF_CASE(test_unassigned_local_is_zero),
        UF_CASE(test_two_outputs),
        UF_CASE(test_inferred_return),
        UF_CASE(test_exp_loop_vectorizes_with_libmvec),
        UF_CASE(test_exp_under_a_branch_vectorizes),
        UF_CASE(test_dump_texts_and_spec),
        UF_CASE(test_compile_errors),
        UF_CASE(test_allocation_failures),
        UF_CASE(test_fuzz_nested_for_cost),
        UF_CASES_END,
    };
    return uf_test_main("compile", cases);
}
