/*
 * ufdemo.c -- the demo driver (`make demo`).
 *
 * Compiles the seed kernels, written as kir text, through uf_compile for
 * the host CPU; runs each JIT'd loop on 5,000,000 pseudo-random elements;
 * checks every element against a plain C version of the same kernel; and
 * prints a table of compile time, run time, bandwidth and error.  Exits 1
 * when a kernel fails to compile or gives a wrong element.
 */
#include "targets/targets.h"
#include "timing.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define N_ELEMS 5000000
#define N_RUNS 7
#define MAX_IN 3

/* ---- the seed kernels --------------------------------------------------- */

static const char LEAKY_RELU[] =
    "(kernel leaky_relu (x)\n"
    "  (return (select (> x 0.0) x (* 0.01 x))))\n";

static const char HUBER_LOSS[] = "(kernel huber_loss (prediction target)\n"
                                 "  (set diff (abs (- prediction target)))\n"
                                 "  (if (<= diff 1.0)\n"
                                 "    (block\n"
                                 "      (return (* (* 0.5 diff) diff))))\n"
                                 "  (return (- diff 0.5)))\n";

static const char PARAMETRIC_RELU[] =
    "(kernel parametric_relu (x alpha threshold)\n"
    "  (if (>= x threshold)\n"
    "    (block\n"
    "      (return x)))\n"
    "  (return (* alpha (- x threshold))))\n";

static const char SELU[] =
    "(kernel selu (x)\n"
    "  (set alpha 1.6732632423543772)\n"
    "  (set scale 1.0507009873554805)\n"
    "  (if (> x 0.0)\n"
    "    (block\n"
    "      (return (* scale x))))\n"
    "  (return (* (* scale alpha) (- (** 2.718281828459045 x) 1.0))))\n";

/* ---- the same kernels in plain C, one element at a time --------------- */

static double leaky_relu_f8(const double *in)
{
    double x = in[0];
    return x > 0.0 ? x : 0.01 * x;
}

static float leaky_relu_f4(const float *in)
{
    float x = in[0];
    return x > 0.0f ? x : 0.01f * x;
}

static double huber_loss_f8(const double *in)
{
    double diff = fabs(in[0] - in[1]);
    if (diff <= 1.0) {
        return 0.5 * diff * diff;
    }
    return diff - 0.5;
}

static double parametric_relu_f8(const double *in)
{
    double x = in[0], alpha = in[1], threshold = in[2];
    if (x >= threshold) {
        return x;
    }
    return alpha * (x - threshold);
}

static double selu_f8(const double *in)
{
    const double alpha = 1.6732632423543772;
    const double scale = 1.0507009873554805;
    double x = in[0];
    if (x > 0.0) {
        return scale * x;
    }
    return (scale * alpha) * (pow(2.718281828459045, x) - 1.0);
}

/* ---- the cases ---------------------------------------------------------- */

typedef struct DemoCase {
    const char *name;
    const char *source; /* kir text */
    const char *sig;
    int nin;
    int nrandom;          /* inputs [0, nrandom) are random ... */
    double fixed[MAX_IN]; /* ... the others are fixed[j] everywhere */
    double (*ref_f8)(const double *in);
    float (*ref_f4)(const float *in); /* set for f4 signatures */
} DemoCase;

static const DemoCase CASES[] = {
    {"leaky_relu", LEAKY_RELU, "f8(f8)", 1, 1, {0}, leaky_relu_f8, NULL},
    {"leaky_relu", LEAKY_RELU, "f4(f4)", 1, 1, {0}, NULL, leaky_relu_f4},
    {"huber_loss", HUBER_LOSS, "f8(f8, f8)", 2, 2, {0}, huber_loss_f8, NULL},
    {"parametric_relu",
     PARAMETRIC_RELU,
     "f8(f8, f8, f8)",
     3,
     1,
     {0.0, 0.1, 0.0},
     parametric_relu_f8,
     NULL},
    {"selu", SELU, "f8(f8)", 1, 1, {0}, selu_f8, NULL},
};
#define N_CASES ((int)(sizeof CASES / sizeof CASES[0]))

/* One line of the final table. */
typedef struct Row {
    double compile_ms;
    double run_ms;
    double gbps;
    double abs_err;
    double rel_err;
    const char *status; /* "ok" or what went wrong */
} Row;

/* ---- helpers ------------------------------------------------------------ */

/* xorshift64: deterministic inputs, uniform in [-3, 3). */
static double next_input(uint64_t *state)
{
    uint64_t s = *state;
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    *state = s;
    return -3.0 + 6.0 * (double)(s >> 11) * 0x1.0p-53;
}

static bool is_f4(const DemoCase *c)
{
    return c->ref_f4 != NULL;
}

/* Relative error, absolute where |want| < 1; NaN where only one is NaN
 * counts as infinitely wrong. */
static double rel_error(double got, double want)
{
    if (isnan(got) || isnan(want)) {
        return (isnan(got) && isnan(want)) ? 0.0 : INFINITY;
    }
    double scale = fabs(want) > 1.0 ? fabs(want) : 1.0;
    return fabs(got - want) / scale;
}

/* ---- compiling ---------------------------------------------------------- */

static void print_error(const UfError *err, const char *file,
                        const char *source)
{
    char buf[1024];
    uf_error_render(err, file, source, 1, buf, sizeof buf);
    fprintf(stderr, "%s\n", buf);
}

static void print_stages(const DemoCase *c, const UfCompiled *uc, double ms)
{
    static const char *const names[UF_NDUMPS] = {"kir", "types", "llvm", "opt",
                                                 "asm"};
    printf("  %-16s %-15s compiled in %7.2f ms:", c->name, c->sig, ms);
    for (int s = 0; s < UF_NDUMPS; s++) {
        printf(" %s %.3f", names[s], uc->ms[s]);
    }
    printf("\n");
}

/* Parses and compiles case |c|; new UfCompiled, or NULL after printing the
 * error.  *ms is the wall time of uf_compile. */
static UfCompiled *compile_case(const DemoCase *c, double *ms)
{
    char file[64];
    snprintf(file, sizeof file, "%s.kir", c->name);
    UfError err = {0};
    KirKernel *k = kir_parse(c->source, &err);
    if (k == NULL) {
        print_error(&err, file, c->source);
        return NULL;
    }
    UfSig sig;
    if (uf_sig_parse(c->sig, &sig, &err) < 0) {
        print_error(&err, "signature", c->sig);
        kir_kernel_free(k);
        return NULL;
    }
    UfCompileOptions opt = uf_compile_options_default();
    double t0 = now_ms();
    UfCompiled *uc = uf_compile(k, &sig, &opt, &err);
    *ms = now_ms() - t0;
    if (uc == NULL) {
        print_error(&err, file, c->source);
    }
    kir_kernel_free(k);
    return uc;
}

/* ---- running ------------------------------------------------------------ */

/* The loop's arguments: inputs then the output, all contiguous. */
typedef struct Arrays {
    int nargs;
    int itemsize;
    char *data[MAX_IN + 1];
} Arrays;

static void arrays_free(Arrays *a)
{
    for (int j = 0; j < a->nargs; j++) {
        free(a->data[j]);
    }
}

static void store(char *p, intptr_t i, double v, bool f4)
{
    if (f4) {
        ((float *)p)[i] = (float)v;
    } else {
        ((double *)p)[i] = v;
    }
}

static double load(const char *p, intptr_t i, bool f4)
{
    return f4 ? (double)((const float *)p)[i] : ((const double *)p)[i];
}

/* Allocates and fills the inputs of |c|; 0, or -1 when out of memory. */
static int arrays_make(const DemoCase *c, Arrays *a)
{
    memset(a, 0, sizeof *a);
    a->nargs = c->nin + 1;
    a->itemsize = is_f4(c) ? 4 : 8;
    for (int j = 0; j < a->nargs; j++) {
        a->data[j] = calloc(N_ELEMS, (size_t)a->itemsize);
        if (a->data[j] == NULL) {
            arrays_free(a);
            return -1;
        }
    }
    uint64_t state = 0x9E3779B97F4A7C15u;
    for (intptr_t i = 0; i < N_ELEMS; i++) {
        for (int j = 0; j < c->nin; j++) {
            double v = j < c->nrandom ? next_input(&state) : c->fixed[j];
            store(a->data[j], i, v, is_f4(c));
        }
    }
    return 0;
}

/* Runs the loop N_RUNS times; median milliseconds, *rc -1 on a loop
 * error. */
static double time_loop(UfLoopFn loop, const Arrays *a, int *rc)
{
    intptr_t dims[1] = {N_ELEMS};
    intptr_t steps[MAX_IN + 1];
    for (int j = 0; j < a->nargs; j++) {
        steps[j] = a->itemsize;
    }
    double t[N_RUNS];
    *rc = 0;
    for (int r = 0; r < N_RUNS; r++) {
        double t0 = now_ms();
        if (loop(NULL, a->data, dims, steps, NULL) < 0) {
            *rc = -1;
        }
        t[r] = now_ms() - t0;
    }
    return median(t, N_RUNS);
}

/* The C reference for element |i|, in the signature's precision. */
static double reference(const DemoCase *c, const Arrays *a, intptr_t i)
{
    if (is_f4(c)) {
        float in[MAX_IN];
        for (int j = 0; j < c->nin; j++) {
            in[j] = ((const float *)a->data[j])[i];
        }
        return c->ref_f4(in);
    }
    double in[MAX_IN];
    for (int j = 0; j < c->nin; j++) {
        in[j] = ((const double *)a->data[j])[i];
    }
    return c->ref_f8(in);
}

/* Compares every output element with the reference. */
static void check(const DemoCase *c, const Arrays *a, Row *row)
{
    const char *out = a->data[c->nin];
    row->abs_err = 0.0;
    row->rel_err = 0.0;
    for (intptr_t i = 0; i < N_ELEMS; i++) {
        double want = reference(c, a, i);
        double got = load(out, i, is_f4(c));
        double rel = rel_error(got, want);
        double abs_err = isinf(rel) ? INFINITY : fabs(got - want);
        row->abs_err = fmax(row->abs_err, abs_err);
        row->rel_err = fmax(row->rel_err, rel);
    }
    double tol = is_f4(c) ? 1e-6 : 1e-12;
    row->status = row->rel_err <= tol ? "ok" : "WRONG";
}

/* Compiles, runs and checks one case; 0 when it passed. */
static int run_case(const DemoCase *c, Row *row)
{
    memset(row, 0, sizeof *row);
    UfCompiled *uc = compile_case(c, &row->compile_ms);
    if (uc == NULL) {
        row->status = "compile error";
        return 1;
    }
    print_stages(c, uc, row->compile_ms);
    Arrays a;
    if (arrays_make(c, &a) < 0) {
        row->status = "out of memory";
        uf_compiled_free(uc);
        return 1;
    }
    int rc;
    row->run_ms = time_loop(uc->loop, &a, &rc);
    double bytes = (double)a.nargs * N_ELEMS * a.itemsize;
    row->gbps = bytes / (row->run_ms * 1e-3) / 1e9;
    check(c, &a, row);
    if (rc < 0) {
        row->status = "loop error";
    }
    arrays_free(&a);
    uf_compiled_free(uc);
    return strcmp(row->status, "ok") != 0;
}

/* ---- the report --------------------------------------------------------- */

static void print_table(const Row *rows)
{
    printf("\n| %-15s | %-14s | %10s | %8s | %6s | %11s | %11s | %-13s |\n",
           "kernel", "signature", "compile ms", "run ms", "GB/s", "max abs err",
           "max rel err", "status");
    printf("|%s|%s|%s|%s|%s|%s|%s|%s|\n", "-----------------",
           "----------------", "-----------:", "---------:", "-------:",
           "------------:", "------------:", "---------------");
    for (int i = 0; i < N_CASES; i++) {
        const Row *r = &rows[i];
        printf("| %-15s | %-14s | %10.2f | %8.2f | %6.2f | %11.3g |"
               " %11.3g | %-13s |\n",
               CASES[i].name, CASES[i].sig, r->compile_ms, r->run_ms, r->gbps,
               r->abs_err, r->rel_err, r->status);
    }
}

int main(void)
{
    printf("ufdemo: compiles %d seed kernels (kir text) with uf_compile for "
           "this CPU, runs each loop on %d pseudo-random elements (median "
           "of %d runs) and checks every element against plain C.\n",
           N_CASES, N_ELEMS, N_RUNS);
    printf("Compile times per stage in ms; the first includes starting the "
           "JIT.\n");
    Row rows[N_CASES];
    int failures = 0;
    for (int i = 0; i < N_CASES; i++) {
        failures += run_case(&CASES[i], &rows[i]);
    }
    print_table(rows);
    printf("\nrel err is relative where |reference| > 1, absolute below; "
           "limits 1e-12 (f8), 1e-6 (f4).\n");
    if (failures > 0) {
        printf("ufdemo: %d of %d kernels FAILED\n", failures, N_CASES);
        return 1;
    }
    printf("ufdemo: all %d kernels match the C reference\n", N_CASES);
    return 0;
}
