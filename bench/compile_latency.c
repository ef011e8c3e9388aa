/*
 * compile_latency.c -- how long uf_compile takes for one signature
 * (`make bench-compile`).  Goal: < 10 ms per signature.
 *
 *   (a) the first kernel of the process: one compile, which includes
 *       starting LLVM and the JIT;
 *   (b) later kernels: 30 compiles each of leaky_relu 'f8(f8)',
 *       huber_loss 'f8(f8, f8)' and selu 'f8(f8)', every one with a
 *       different constant so no two kernels are the same text.
 *
 * Prints a markdown table (median and min of uf_compile's wall time, the
 * median of each stage from UfCompiled.ms, kir_parse's median) and writes
 * the numbers to bench/results/compile_latency.json (or argv[1]).
 */
#include "targets/targets.h"
#include "timing.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define N_COMPILES 30
#define GOAL_MS 10.0
#define DEFAULT_JSON "bench/results/compile_latency.json"

/* A kernel family: kir text with one "%.12f" for the varying constant. */
typedef struct BenchKernel {
    const char *name;
    const char *sig;
    const char *tmpl;
    double base;
    double delta;
} BenchKernel;

static const BenchKernel KERNELS[] = {
    {"leaky_relu", "f8(f8)",
     "(kernel leaky_relu (x)\n"
     "  (return (select (> x 0.0) x (* %.12f x))))\n",
     0.01, 1e-4},
    {"huber_loss", "f8(f8, f8)",
     "(kernel huber_loss (prediction target)\n"
     "  (set diff (abs (- prediction target)))\n"
     "  (if (<= diff %.12f)\n"
     "    (block\n"
     "      (return (* (* 0.5 diff) diff))))\n"
     "  (return (- diff 0.5)))\n",
     1.0, 1e-3},
    {"selu", "f8(f8)",
     "(kernel selu (x)\n"
     "  (set alpha %.12f)\n"
     "  (set scale 1.0507009873554805)\n"
     "  (if (> x 0.0)\n"
     "    (block\n"
     "      (return (* scale x))))\n"
     "  (return (* (* scale alpha) (- (** 2.718281828459045 x) 1.0))))\n",
     1.6732632423543772, 1e-9},
};
#define N_KERNELS ((int)(sizeof KERNELS / sizeof KERNELS[0]))

static const char *const STAGES[UF_NDUMPS] = {"kir", "types", "llvm", "opt",
                                              "asm"};

/* One compile. */
typedef struct Sample {
    double parse_ms;   /* kir_parse + uf_sig_parse */
    double compile_ms; /* uf_compile */
    double stage_ms[UF_NDUMPS];
} Sample;

/* What the table and the JSON show for one series of compiles. */
typedef struct Summary {
    const char *label;
    const char *name;
    const char *sig;
    int n;
    double median_ms;
    double min_ms;
    double max_ms;
    double parse_ms;
    double stage_ms[UF_NDUMPS];
} Summary;

/* ---- compiling ---------------------------------------------------------- */

static void print_error(const UfError *err, const char *file,
                        const char *source)
{
    char buf[1024];
    uf_error_render(err, file, source, 1, buf, sizeof buf);
    fprintf(stderr, "%s\n", buf);
}

/* Compiles kernel number |i| of family |bk| and frees the result; 0, or -1
 * after printing the error. */
static int compile_one(const BenchKernel *bk, int i, Sample *s)
{
    char text[1024];
    snprintf(text, sizeof text, bk->tmpl, bk->base + i * bk->delta);
    UfError err = {0};
    double t0 = now_ms();
    KirKernel *k = kir_parse(text, &err);
    UfSig sig;
    if (k == NULL || uf_sig_parse(bk->sig, &sig, &err) < 0) {
        print_error(&err, bk->name, k == NULL ? text : bk->sig);
        kir_kernel_free(k);
        return -1;
    }
    UfCompileOptions opt = uf_compile_options_default();
    double t1 = now_ms();
    UfCompiled *uc = uf_compile(k, &sig, &opt, &err);
    s->compile_ms = now_ms() - t1;
    s->parse_ms = t1 - t0;
    kir_kernel_free(k);
    if (uc == NULL) {
        print_error(&err, bk->name, text);
        return -1;
    }
    memcpy(s->stage_ms, uc->ms, sizeof s->stage_ms);
    uf_compiled_free(uc);
    return 0;
}

/* Fills |out| from samples[0..n). */
static void summarize(const Sample *samples, int n, Summary *out)
{
    double v[N_COMPILES];
    for (int i = 0; i < n; i++) {
        v[i] = samples[i].compile_ms;
    }
    out->n = n;
    out->median_ms = median(v, n);
    out->min_ms = v[0];
    out->max_ms = v[n - 1];
    for (int i = 0; i < n; i++) {
        v[i] = samples[i].parse_ms;
    }
    out->parse_ms = median(v, n);
    for (int s = 0; s < UF_NDUMPS; s++) {
        for (int i = 0; i < n; i++) {
            v[i] = samples[i].stage_ms[s];
        }
        out->stage_ms[s] = median(v, n);
    }
}

/* N_COMPILES distinct kernels of family |bk|, starting at constant
 * number |first|; 0 or -1. */
static int bench_family(const BenchKernel *bk, int first, Summary *out)
{
    Sample samples[N_COMPILES];
    for (int i = 0; i < N_COMPILES; i++) {
        if (compile_one(bk, first + i, &samples[i]) < 0) {
            return -1;
        }
    }
    out->label = "later kernels";
    out->name = bk->name;
    out->sig = bk->sig;
    summarize(samples, N_COMPILES, out);
    return 0;
}

/* Whether every later-kernel median meets the goal. */
static bool goal_met(const Summary *rows, int n)
{
    for (int i = 1; i < n; i++) {
        if (rows[i].median_ms >= GOAL_MS) {
            return false;
        }
    }
    return true;
}

/* ---- reporting ---------------------------------------------------------- */

/* The "model name" line of /proc/cpuinfo, or "unknown". */
static void cpu_model(char *buf, size_t n)
{
    snprintf(buf, n, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f == NULL) {
        return;
    }
    char line[512];
    while (fgets(line, sizeof line, f) != NULL) {
        char *colon = strchr(line, ':');
        if (strncmp(line, "model name", 10) == 0 && colon != NULL) {
            colon += strspn(colon, ": \t");
            colon[strcspn(colon, "\n")] = '\0';
            snprintf(buf, n, "%s", colon);
            break;
        }
    }
    fclose(f);
}

static void print_row(const Summary *s)
{
    printf("| %-24s | %-10s | %-10s | %2d | %6.2f | %6.2f |", s->label, s->name,
           s->sig, s->n, s->median_ms, s->min_ms);
    for (int i = 0; i < UF_NDUMPS; i++) {
        printf(" %5.3f |", s->stage_ms[i]);
    }
    printf(" %5.3f |\n", s->parse_ms);
}

static void print_table(const Summary *rows, int n)
{
    printf("| %-24s | %-10s | %-10s | %2s | %6s | %6s |", "case", "kernel",
           "signature", "n", "median", "min");
    for (int i = 0; i < UF_NDUMPS; i++) {
        printf(" %5s |", STAGES[i]);
    }
    printf(" %5s |\n", "parse");
    printf("|---|---|---|---:|---:|---:|");
    for (int i = 0; i < UF_NDUMPS; i++) {
        printf("---:|");
    }
    printf("---:|\n");
    for (int i = 0; i < n; i++) {
        print_row(&rows[i]);
    }
}

/* mkdir -p of the folder part of |path|; 0 or -1. */
static int make_parent_dirs(const char *path)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", path);
    for (char *p = dir + 1; *p != '\0'; p++) {
        if (*p != '/') {
            continue;
        }
        *p = '\0';
        if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
            return -1;
        }
        *p = '/';
    }
    return 0;
}

/* |s| as a JSON string (quotes and backslashes escaped). */
static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s != '\0'; s++) {
        if (*s == '"' || *s == '\\') {
            fputc('\\', f);
        }
        fputc((unsigned char)*s >= 0x20 ? *s : ' ', f);
    }
    fputc('"', f);
}

static void json_summary(FILE *f, const Summary *s, bool last)
{
    fprintf(f, "    {\"case\": ");
    json_string(f, s->label);
    fprintf(f, ", \"kernel\": \"%s\", \"signature\": \"%s\", \"n\": %d,\n",
            s->name, s->sig, s->n);
    fprintf(f,
            "     \"median_ms\": %.4f, \"min_ms\": %.4f, \"max_ms\": %.4f, "
            "\"parse_median_ms\": %.4f,\n     \"stage_median_ms\": {",
            s->median_ms, s->min_ms, s->max_ms, s->parse_ms);
    for (int i = 0; i < UF_NDUMPS; i++) {
        fprintf(f, "%s\"%s\": %.4f", i ? ", " : "", STAGES[i], s->stage_ms[i]);
    }
    fprintf(f, "}}%s\n", last ? "" : ",");
}

/* Writes the results to |path|; 0 or -1. */
static int write_json(const char *path, const Summary *rows, int n)
{
    char cpu[256];
    cpu_model(cpu, sizeof cpu);
    FILE *f = make_parent_dirs(path) == 0 ? fopen(path, "w") : NULL;
    if (f == NULL) {
        fprintf(stderr, "bench_compile: cannot write %s: %s\n", path,
                strerror(errno));
        return -1;
    }
    fprintf(f, "{\n  \"benchmark\": \"compile_latency\",\n  \"cpu\": ");
    json_string(f, cpu);
    fprintf(f, ",\n  \"llvm_version\": \"19\",\n  \"goal_ms\": %.1f,\n",
            GOAL_MS);
    fprintf(f, "  \"goal_met\": %s,\n", goal_met(rows, n) ? "true" : "false");
    fprintf(f, "  \"compiles_per_kernel\": %d,\n  \"results\": [\n",
            N_COMPILES);
    for (int i = 0; i < n; i++) {
        json_summary(f, &rows[i], i == n - 1);
    }
    fprintf(f, "  ]\n}\n");
    return fclose(f) == 0 ? 0 : -1;
}

/* ---- main --------------------------------------------------------------- */

/* (a): the first kernel of the process, one measurement. */
static int bench_first(Summary *out)
{
    Sample s;
    if (compile_one(&KERNELS[0], -1, &s) < 0) {
        return -1;
    }
    out->label = "first kernel (JIT start)";
    out->name = KERNELS[0].name;
    out->sig = KERNELS[0].sig;
    summarize(&s, 1, out);
    return 0;
}

int main(int argc, char **argv)
{
    const char *json = argc > 1 ? argv[1] : DEFAULT_JSON;
    printf("bench_compile: uf_compile latency per signature, goal < %.0f ms "
           "(times in ms; stages from UfCompiled.ms, medians).\n\n",
           GOAL_MS);
    Summary rows[1 + N_KERNELS];
    if (bench_first(&rows[0]) < 0) {
        return 1;
    }
    for (int i = 0; i < N_KERNELS; i++) {
        if (bench_family(&KERNELS[i], i * N_COMPILES, &rows[1 + i]) < 0) {
            return 1;
        }
    }
    print_table(rows, 1 + N_KERNELS);
    bool met = goal_met(rows, 1 + N_KERNELS);
    printf("\ngoal < %.0f ms per signature (median, later kernels): %s\n",
           GOAL_MS, met ? "met" : "NOT met");
    if (write_json(json, rows, 1 + N_KERNELS) < 0) {
        return 1;
    }
    printf("wrote %s\n", json);
    return 0;
}
