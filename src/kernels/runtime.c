/*
 * runtime.c -- the helpers JIT'd kernels call by name.  jit.c defines each
 * of them in the JIT's symbol table (the extension module is loaded
 * RTLD_LOCAL, so the JIT could not find them otherwise).
 *
 * Complex arguments and results go through pointers to {re, im} doubles,
 * which keeps the calling convention independent of the C ABI for
 * _Complex values.
 */
#include "kernels.h"

#include <complex.h>
#include <fenv.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* glibc before 2.37 defines CMPLX only for GCC, not for clang (which has
 * the same builtin): the fuzz build (tools/mk/fuzz.mk) uses clang. */
#ifndef CMPLX
#define CMPLX(x, y) __builtin_complex((double)(x), (double)(y))
#endif

void uf_rt_raise_fpe(int32_t kflags)
{
    int ex = 0;
    if (kflags & UF_KFLAG_DIVBYZERO) {
        ex |= FE_DIVBYZERO;
    }
    if (kflags & UF_KFLAG_OVERFLOW) {
        ex |= FE_OVERFLOW;
    }
    if (kflags & UF_KFLAG_INVALID) {
        ex |= FE_INVALID;
    }
    if (ex != 0) {
        feraiseexcept(ex);
    }
}

/* ---- kernel errors ---------------------------------------------------------
 */

static UfErrorReporter error_reporter;

void uf_rt_set_error_reporter(UfErrorReporter reporter)
{
    error_reporter = reporter;
}

const char *uf_rt_error_message(int32_t kflags)
{
    if (kflags & UF_KFLAG_NEGPOW) {
        return "Integers to negative integer powers are not allowed.";
    }
    if (kflags & UF_KFLAG_NOMEM) {
        return "out of memory for a loop buffer";
    }
    return "a kernel failed";
}

/* The message of the last index or value error raised on this thread:
 * kernels format it where the error happens (the values are there), the
 * loop reports it when it stops. */
static _Thread_local char pending_message[512];

const char *uf_rt_pending_message(void)
{
    return pending_message;
}

/* The exception key of the last raise on this thread (uf_rt_raise). */
static _Thread_local char pending_exception[128];

const char *uf_rt_pending_exception(void)
{
    return pending_exception;
}

/* The capture installed on this thread (uf_rt_capture_errors), or NULL. */
static _Thread_local UfErrorCapture *error_capture;

void uf_rt_capture_errors(UfErrorCapture *c)
{
    error_capture = c;
}

UfErrorCapture *uf_rt_error_capture(void)
{
    return error_capture;
}

/* Whether |kflags| names an error whose message is the pending one. */
static bool has_pending_message(int32_t kflags)
{
    return (kflags & (UF_KFLAG_INDEX | UF_KFLAG_VALUE | UF_KFLAG_RAISE)) != 0;
}

/* Records the error into this thread's capture (first error only) or
 * hands it to the reporter. */
static void deliver_error(int32_t kflags, const char *message)
{
    UfErrorCapture *c = error_capture;
    if (c != NULL) {
        if (!c->set) {
            c->set = true;
            c->kflags = kflags;
            snprintf(c->message, sizeof c->message, "%s", message);
            snprintf(c->exc, sizeof c->exc, "%s",
                     (kflags & UF_KFLAG_RAISE) ? pending_exception : "");
        }
        return;
    }
    if (error_reporter != NULL) {
        error_reporter(kflags, message);
    }
}

void uf_rt_report_error(int32_t kflags)
{
    deliver_error(kflags, has_pending_message(kflags)
                              ? pending_message
                              : uf_rt_error_message(kflags));
}

void uf_rt_report_captured(const UfErrorCapture *c)
{
    if (c == NULL || !c->set) {
        return;
    }
    if (has_pending_message(c->kflags)) {
        snprintf(pending_message, sizeof pending_message, "%s", c->message);
    }
    if (c->kflags & UF_KFLAG_RAISE) {
        snprintf(pending_exception, sizeof pending_exception, "%s", c->exc);
    }
    deliver_error(c->kflags, c->message);
}

int32_t uf_rt_index_error(const char *kernel, int32_t line, int64_t index,
                          int32_t axis, int64_t size)
{
    snprintf(pending_message, sizeof pending_message,
             "index %lld is out of bounds for axis %d with size %lld "
             "(kernel '%s', line %d)",
             (long long)index, (int)axis, (long long)size, kernel, (int)line);
    return UF_KFLAG_ERROR | UF_KFLAG_INDEX;
}

int32_t uf_rt_value_error(const char *kernel, int32_t line, int32_t what,
                          int64_t a, int64_t b)
{
    char msg[160];
    switch (what) {
    case UF_VALERR_NEGATIVE_DIM:
        snprintf(msg, sizeof msg,
                 "negative dimensions are not allowed (size %lld)",
                 (long long)a);
        break;
    case UF_VALERR_EMPTY_MIN:
    case UF_VALERR_EMPTY_MAX:
        snprintf(msg, sizeof msg,
                 "zero-size array to reduction operation %s which has no "
                 "identity",
                 what == UF_VALERR_EMPTY_MIN ? "minimum" : "maximum");
        break;
    case UF_VALERR_DOT_SHAPES:
        snprintf(msg, sizeof msg,
                 "shapes (%lld,) and (%lld,) not aligned: %lld (dim 0) != "
                 "%lld (dim 0)",
                 (long long)a, (long long)b, (long long)a, (long long)b);
        break;
    case UF_VALERR_BROADCAST:
        snprintf(msg, sizeof msg,
                 "could not broadcast input array with an axis of size %lld "
                 "into an axis of size %lld",
                 (long long)a, (long long)b);
        break;
    default: /* UF_VALERR_ZERO_STEP */
        snprintf(msg, sizeof msg, "slice step cannot be zero");
        break;
    }
    snprintf(pending_message, sizeof pending_message,
             "%s (kernel '%s', line %d)", msg, kernel, (int)line);
    return UF_KFLAG_ERROR | UF_KFLAG_VALUE;
}

int32_t uf_rt_raise(const char *kernel, int32_t line, const char *exc,
                    const char *msg)
{
    snprintf(pending_exception, sizeof pending_exception, "%s", exc);
    snprintf(pending_message, sizeof pending_message,
             "%s%s(kernel '%s', line %d)", msg, msg[0] != '\0' ? " " : "",
             kernel, (int)line);
    return UF_KFLAG_ERROR | UF_KFLAG_RAISE;
}

/* Scratch arrays: blocks on a list whose head the kernel keeps; the data
 * after a 16-byte header keeps malloc's alignment. */
#define SCRATCH_HEADER 16

void *uf_rt_scratch_alloc(void **head, int64_t nbytes)
{
    if (nbytes < 0 || (uint64_t)nbytes > SIZE_MAX - SCRATCH_HEADER) {
        return NULL;
    }
    char *block = uf_malloc(SCRATCH_HEADER + (size_t)nbytes);
    if (block == NULL) {
        return NULL;
    }
    *(void **)block = *head;
    *head = block;
    return block + SCRATCH_HEADER;
}

void uf_rt_scratch_pop(void **head)
{
    char *block = *head;
    if (block != NULL) {
        *head = *(void **)block;
        uf_free(block);
    }
}

void uf_rt_scratch_free(void **head)
{
    char *block = *head;
    while (block != NULL) {
        char *next = *(void **)block;
        uf_free(block);
        block = next;
    }
    *head = NULL;
}

/* Whether the |n| items at |p| (|step| apart; 0: one item) of float kind
 * |fkind| hold a NaN. */
static bool has_nan(const char *p, intptr_t step, int fkind, int64_t n)
{
    int64_t count = step == 0 ? 1 : n;
    int parts = fkind >= UF_DESC_C8 ? 2 : 1;
    bool single = fkind == UF_DESC_F4 || fkind == UF_DESC_C8;
    for (int64_t i = 0; i < count; i++) {
        const char *item = p + i * step;
        for (int part = 0; part < parts; part++) {
            double v;
            if (single) {
                float f;
                memcpy(&f, item + part * sizeof f, sizeof f);
                v = f;
            } else {
                memcpy(&v, item + part * sizeof v, sizeof v);
            }
            if (isnan(v)) {
                return true;
            }
        }
    }
    return false;
}

/* Whether the core at |p| of a gufunc operand holds a NaN: |ncore| axes
 * of extents ext[] and byte strides str[]. */
static bool core_has_nan(const char *p, int ncore, const intptr_t *ext,
                         const intptr_t *str, int fkind)
{
    if (ncore == 0) {
        return has_nan(p, 0, fkind, 1);
    }
    if (ncore == 1) {
        return has_nan(p, str[0], fkind, ext[0]);
    }
    for (intptr_t i = 0; i < ext[0]; i++) {
        if (core_has_nan(p + i * str[0], ncore - 1, ext + 1, str + 1, fkind)) {
            return true;
        }
    }
    return false;
}

/* Whether float input |k| of a gufunc call holds a NaN anywhere. */
static bool gufunc_input_has_nan(const int32_t *op, int fkind, char *arg,
                                 intptr_t step, const intptr_t *dims,
                                 const intptr_t *core_steps)
{
    int ncore = op[0];
    intptr_t ext[UF_MAXNDIM];
    for (int d = 0; d < ncore; d++) {
        ext[d] = dims[1 + op[1 + d]];
    }
    for (intptr_t i = 0; i < dims[0]; i++) {
        if (core_has_nan(arg + i * step, ncore, ext, core_steps, fkind)) {
            return true;
        }
    }
    return false;
}

void uf_rt_gufunc_finish_fpe(int32_t kflags, const int32_t *gdesc,
                             char *const *args, const intptr_t *dims,
                             const intptr_t *steps)
{
    int nops = gdesc[0], nin = gdesc[1];
    const int32_t *op = gdesc + 2;
    const intptr_t *core_steps = steps + nops;
    for (int k = 0; k < nin && fetestexcept(FE_INVALID); k++) {
        int fkind = op[0], ncore = op[1];
        if (fkind != 0 && gufunc_input_has_nan(op + 1, fkind, args[k], steps[k],
                                               dims, core_steps)) {
            feclearexcept(FE_INVALID);
        }
        core_steps += ncore;
        op += 2 + ncore;
    }
    if (kflags & (UF_KFLAG_DIVBYZERO | UF_KFLAG_OVERFLOW | UF_KFLAG_INVALID)) {
        uf_rt_raise_fpe(kflags);
    }
}

void uf_rt_finish_fpe(int32_t kflags, const int32_t *desc, char *const *args,
                      const intptr_t *dims, const intptr_t *steps)
{
    if (fetestexcept(FE_INVALID)) {
        int nops = desc[0], nin = desc[1];
        const int32_t *fkind = desc + 2 + nops;
        for (int k = 0; k < nin; k++) {
            if (fkind[k] != 0 &&
                has_nan(args[k], steps[k], fkind[k], dims[0])) {
                feclearexcept(FE_INVALID);
                break;
            }
        }
    }
    if (kflags & (UF_KFLAG_DIVBYZERO | UF_KFLAG_OVERFLOW | UF_KFLAG_INVALID)) {
        uf_rt_raise_fpe(kflags);
    }
}

/* base ** exp on unsigned 64-bit integers, wrapping. */
uint64_t uf_rt_upow(uint64_t base, uint64_t exp)
{
    uint64_t r = 1;
    while (exp != 0) {
        if (exp & 1) {
            r *= base;
        }
        base *= base;
        exp >>= 1;
    }
    return r;
}

/* base ** exp on signed 64-bit integers, wrapping.  Kernels raise
 * UF_KFLAG_NEGPOW before calling this with a negative exponent; for it the
 * result is the truncated 1 / base ** -exp (1, -1 or 0). */
int64_t uf_rt_ipow(int64_t base, int64_t exp)
{
    if (exp >= 0) {
        return (int64_t)uf_rt_upow((uint64_t)base, (uint64_t)exp);
    }
    if (base == 1) {
        return 1;
    }
    if (base == -1) {
        return (exp & 1) ? -1 : 1;
    }
    return 0;
}

/* math.gcd: non-negative, gcd(0, 0) == 0. */
int64_t uf_rt_gcd(int64_t a, int64_t b)
{
    uint64_t x = a < 0 ? 0 - (uint64_t)a : (uint64_t)a;
    uint64_t y = b < 0 ? 0 - (uint64_t)b : (uint64_t)b;
    while (y != 0) {
        uint64_t t = x % y;
        x = y;
        y = t;
    }
    return (int64_t)x;
}

/* lgamma without touching the global signgam (thread-safe). */
double uf_rt_lgamma(double x)
{
    int sign;
    return lgamma_r(x, &sign);
}

float uf_rt_lgammaf(float x)
{
    int sign;
    return lgammaf_r(x, &sign);
}

/* ---- the chunked driver for broadcast inputs -------------------------------
 */

#define UF_CHUNK 512 /* elements per call of the contiguous loop */
#define UF_CHUNK_BYTES (UF_CHUNK * 16) /* one buffer: the widest item */
#define UF_STACK_BUFFERS 4

/* Fills |buf| with |count| copies of the |size|-byte item at |item|. */
static void replicate(char *buf, const char *item, int size, int64_t count)
{
    for (int64_t i = 0; i < count; i++) {
        memcpy(buf + i * size, item, (size_t)size);
    }
}

int32_t uf_rt_run_broadcast(UfRtLoopFn loop, const int32_t *desc,
                            char *const *args, const intptr_t *dims,
                            const intptr_t *steps)
{
    int nops = desc[0], nin = desc[1];
    const int32_t *size = desc + 2;
    int64_t n = dims[0], first = n < UF_CHUNK ? n : UF_CHUNK;
    _Alignas(64) char stack[UF_STACK_BUFFERS][UF_CHUNK_BYTES];
    char *heap = NULL, *ptrs[UF_MAXARGS + UF_MAXOUTS];
    intptr_t unit[UF_MAXARGS + UF_MAXOUTS];
    int nb = 0;
    for (int k = 0; k < nin; k++) {
        nb += steps[k] == 0;
    }
    if (nb > UF_STACK_BUFFERS &&
        (heap = uf_malloc((size_t)nb * UF_CHUNK_BYTES)) == NULL) {
        return UF_KFLAG_ERROR | UF_KFLAG_NOMEM;
    }
    for (int k = 0, b = 0; k < nops; k++) {
        unit[k] = size[k];
        if (k < nin && steps[k] == 0) { /* broadcast: one buffer, filled once */
            ptrs[k] = heap ? heap + (size_t)b * UF_CHUNK_BYTES : stack[b];
            replicate(ptrs[k], args[k], size[k], first);
            b++;
        }
    }
    int rc = 0;
    for (int64_t off = 0; off < n && rc == 0; off += UF_CHUNK) {
        for (int k = 0; k < nops; k++) {
            if (k >= nin || steps[k] != 0) {
                ptrs[k] = args[k] + off * steps[k];
            }
        }
        intptr_t m = n - off < UF_CHUNK ? n - off : UF_CHUNK;
        rc = loop(NULL, ptrs, &m, unit, NULL);
    }
    uf_free(heap);
    /* a failing chunk reported its error itself */
    return rc == 0 ? 0 : UF_KFLAG_ERROR | UF_KFLAG_REPORTED;
}

/* Whether input |k| partly overlaps output |j|: they share bytes but are
 * not the same element in the same order (steps: the input's is its item
 * size or 0, the output's its item size). */
static bool partly_overlap(const char *in, intptr_t in_step, int in_size,
                           const char *out, int out_size, int64_t n)
{
    uintptr_t a = (uintptr_t)in, o = (uintptr_t)out;
    uintptr_t in_len =
        in_step == 0 ? (uintptr_t)in_size : (uintptr_t)n * (uintptr_t)in_size;
    uintptr_t out_len = (uintptr_t)n * (uintptr_t)out_size;
    bool share = a < o + out_len && o < a + in_len;
    bool same_element = a == o && in_step != 0;
    return share && !same_element;
}

int32_t uf_rt_operands_overlap(const int32_t *desc, char *const *args,
                               const intptr_t *dims, const intptr_t *steps)
{
    int nops = desc[0], nin = desc[1];
    const int32_t *size = desc + 2;
    for (int j = nin; j < nops; j++) {
        for (int k = 0; k < nin; k++) {
            if (partly_overlap(args[k], steps[k], size[k], args[j], size[j],
                               dims[0])) {
                return 1;
            }
        }
    }
    return 0;
}

/* ---- complex ------------------------------------------------------------ */

static double complex load_c(const double *p)
{
    return CMPLX(p[0], p[1]);
}

static void store_c(double *out, double complex z)
{
    out[0] = creal(z);
    out[1] = cimag(z);
}

#define UF_COMPLEX_UNARY(name, expr)                                           \
    void name(double *out, const double *a)                                    \
    {                                                                          \
        double complex z = load_c(a);                                          \
        store_c(out, (expr));                                                  \
    }

UF_COMPLEX_UNARY(uf_rt_csqrt, csqrt(z))
UF_COMPLEX_UNARY(uf_rt_cexp, cexp(z))
UF_COMPLEX_UNARY(uf_rt_clog, clog(z))
UF_COMPLEX_UNARY(uf_rt_clog10, clog(z) / M_LN10)
UF_COMPLEX_UNARY(uf_rt_csin, csin(z))
UF_COMPLEX_UNARY(uf_rt_ccos, ccos(z))
UF_COMPLEX_UNARY(uf_rt_ctan, ctan(z))
UF_COMPLEX_UNARY(uf_rt_ctanh, ctanh(z))

/* a ** b; 0 ** 0 is 1, as Python. */
void uf_rt_cpow(double *out, const double *a, const double *b)
{
    double complex x = load_c(a), y = load_c(b);
    if (y == 0.0) {
        store_c(out, 1.0);
        return;
    }
    if (x == 0.0 && cimag(y) == 0.0 && creal(y) > 0.0) {
        store_c(out, 0.0);
        return;
    }
    store_c(out, cpow(x, y));
}

const UfRuntimeSymbol uf_runtime_symbols[] = {
    {"uf_rt_raise_fpe", (void *)uf_rt_raise_fpe},
    {"uf_rt_finish_fpe", (void *)uf_rt_finish_fpe},
    {"uf_rt_gufunc_finish_fpe", (void *)uf_rt_gufunc_finish_fpe},
    {"uf_rt_report_error", (void *)uf_rt_report_error},
    {"uf_rt_index_error", (void *)uf_rt_index_error},
    {"uf_rt_value_error", (void *)uf_rt_value_error},
    {"uf_rt_raise", (void *)uf_rt_raise},
    {"uf_rt_scratch_alloc", (void *)uf_rt_scratch_alloc},
    {"uf_rt_scratch_free", (void *)uf_rt_scratch_free},
    {"uf_rt_scratch_pop", (void *)uf_rt_scratch_pop},
    {"uf_rt_run_broadcast", (void *)uf_rt_run_broadcast},
    {"uf_rt_operands_overlap", (void *)uf_rt_operands_overlap},
    {"uf_rt_upow", (void *)uf_rt_upow},
    {"uf_rt_ipow", (void *)uf_rt_ipow},
    {"uf_rt_gcd", (void *)uf_rt_gcd},
    {"uf_rt_lgamma", (void *)uf_rt_lgamma},
    {"uf_rt_lgammaf", (void *)uf_rt_lgammaf},
    {"uf_rt_csqrt", (void *)uf_rt_csqrt},
    {"uf_rt_cexp", (void *)uf_rt_cexp},
    {"uf_rt_clog", (void *)uf_rt_clog},
    {"uf_rt_clog10", (void *)uf_rt_clog10},
    {"uf_rt_csin", (void *)uf_rt_csin},
    {"uf_rt_ccos", (void *)uf_rt_ccos},
    {"uf_rt_ctan", (void *)uf_rt_ctan},
    {"uf_rt_ctanh", (void *)uf_rt_ctanh},
    {"uf_rt_cpow", (void *)uf_rt_cpow},
    {NULL, NULL},
};
