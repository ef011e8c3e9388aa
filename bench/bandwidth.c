/*
 * bandwidth.c -- the memory bandwidth limit that bench/ measures the
 * elementwise kernels against (`make bench` builds it as
 * build/bench_bandwidth).
 *
 * Two loops over three arrays of doubles far larger than the caches:
 *
 *   copy       c[i] = a[i]             16 bytes per element (1 in, 1 out)
 *   scale-add  c[i] = a[i] + s * b[i]  24 bytes per element (2 in, 1 out)
 *
 * each on 1 thread and on all threads (every thread a contiguous slice),
 * best of |passes| passes.  Bytes are counted as STREAM counts them (what
 * the loop reads plus what it writes), the same count bench/ uses for a
 * ufunc, so a ufunc's fraction of the limit compares like with like.  Both
 * loops store the ordinary way, as a compiled ufunc loop does; glibc's
 * memcpy (non-temporal stores above a size threshold, no read for
 * ownership) is reported too, as `memcpy`, for reference.
 *
 *   bench_bandwidth [MiB per array, 256] [passes, 10] [threads, all cores]
 *
 * Prints one JSON object on stdout: GB/s (1e9 bytes per second) per loop
 * and thread count.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { COPY, SCALE_ADD, MEMCPY, N_LOOPS };

static const char *const LOOP_NAMES[N_LOOPS] = {"copy", "scale_add", "memcpy"};
static const int LOOP_BYTES[N_LOOPS] = {16, 24, 16};

typedef struct Shared {
    double *a, *b, *c;
    size_t n;
    int nthreads;
    int loop;
    pthread_barrier_t start, done;
} Shared;

typedef struct Worker {
    Shared *sh;
    int id;
} Worker;

/* Keeps GCC and clang from turning the copy loop into a memcpy call: the
 * point of `copy` is ordinary stores.  |zero| is 0.0, read at run time. */
static volatile double zero_source = 0.0;

static void run_loop(int loop, double *restrict a, double *restrict b,
                     double *restrict c, size_t n, double zero)
{
    const double s = 3.0;
    if (loop == COPY) {
        for (size_t i = 0; i < n; i++) {
            c[i] = a[i] + zero; /* x + 0.0 is not x for x = -0.0 */
        }
    } else if (loop == SCALE_ADD) {
        for (size_t i = 0; i < n; i++) {
            c[i] = a[i] + s * b[i];
        }
    } else {
        memcpy(c, a, n * sizeof *c);
    }
}

/* [begin, end) of thread |id|'s slice. */
static void slice(const Shared *sh, int id, size_t *begin, size_t *end)
{
    size_t per = sh->n / (size_t)sh->nthreads;
    *begin = per * (size_t)id;
    *end = id == sh->nthreads - 1 ? sh->n : *begin + per;
}

/* A thread: waits at |start|, runs sh->loop over its slice, waits at
 * |done|; loop < 0 ends it.  The first pass (loop == N_LOOPS) writes the
 * arrays from the thread that later reads them. */
static void *worker(void *arg)
{
    Worker *w = arg;
    Shared *sh = w->sh;
    double zero = zero_source;
    for (;;) {
        pthread_barrier_wait(&sh->start);
        if (sh->loop < 0) {
            return NULL;
        }
        size_t begin, end;
        slice(sh, w->id, &begin, &end);
        if (sh->loop == N_LOOPS) {
            for (size_t i = begin; i < end; i++) {
                sh->a[i] = 1.0 + (double)(i & 7);
                sh->b[i] = 2.0;
                sh->c[i] = 0.0;
            }
        } else {
            run_loop(sh->loop, sh->a + begin, sh->b + begin, sh->c + begin,
                     end - begin, zero);
        }
        pthread_barrier_wait(&sh->done);
    }
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* One pass of |loop| on every thread; seconds.  The caller is thread 0. */
static double pass(Shared *sh, Worker *self, int loop)
{
    sh->loop = loop;
    double t0 = now_s();
    pthread_barrier_wait(&sh->start);
    size_t begin, end;
    slice(sh, self->id, &begin, &end);
    if (loop == N_LOOPS) {
        pthread_barrier_wait(&sh->done);
        return 0.0;
    }
    run_loop(loop, sh->a + begin, sh->b + begin, sh->c + begin, end - begin,
             zero_source);
    pthread_barrier_wait(&sh->done);
    return now_s() - t0;
}

/* Best GB/s of each loop over |passes| passes on |nthreads| threads;
 * 0 or -1. */
static int measure(Shared *sh, int nthreads, int passes, double *gbs)
{
    pthread_t tids[256];
    Worker workers[256];
    sh->nthreads = nthreads;
    pthread_barrier_init(&sh->start, NULL, (unsigned)nthreads);
    pthread_barrier_init(&sh->done, NULL, (unsigned)nthreads);
    workers[0] = (Worker){sh, 0};
    for (int t = 1; t < nthreads; t++) {
        workers[t] = (Worker){sh, t};
        if (pthread_create(&tids[t], NULL, worker, &workers[t]) != 0) {
            return -1;
        }
    }
    pass(sh, &workers[0], N_LOOPS); /* first touch */
    for (int loop = 0; loop < N_LOOPS; loop++) {
        double best = 1e30;
        for (int p = 0; p < passes; p++) {
            double t = pass(sh, &workers[0], loop);
            best = t < best ? t : best;
        }
        gbs[loop] = (double)LOOP_BYTES[loop] * (double)sh->n / best / 1e9;
    }
    sh->loop = -1;
    pthread_barrier_wait(&sh->start);
    for (int t = 1; t < nthreads; t++) {
        pthread_join(tids[t], NULL);
    }
    pthread_barrier_destroy(&sh->start);
    pthread_barrier_destroy(&sh->done);
    return 0;
}

static void print_json(const Shared *sh, int passes, const int *threads,
                       double gbs[2][N_LOOPS])
{
    printf("{\"array_mib\": %zu, \"passes\": %d, \"unit\": \"GB/s\",\n",
           sh->n * sizeof(double) >> 20, passes);
    for (int k = 0; k < 2; k++) {
        printf(" \"%s\": {\"threads\": %d", k == 0 ? "one_thread" : "all",
               threads[k]);
        for (int loop = 0; loop < N_LOOPS; loop++) {
            printf(", \"%s\": %.2f", LOOP_NAMES[loop], gbs[k][loop]);
        }
        printf("}%s\n", k == 0 ? "," : "}");
    }
}

int main(int argc, char **argv)
{
    size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 256;
    int passes = argc > 2 ? atoi(argv[2]) : 10;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int all = argc > 3 ? atoi(argv[3]) : (int)cores;
    all = all < 1 ? 1 : all > 256 ? 256 : all;
    Shared sh = {.n = (mib << 20) / sizeof(double)};
    sh.a = aligned_alloc(64, sh.n * sizeof(double));
    sh.b = aligned_alloc(64, sh.n * sizeof(double));
    sh.c = aligned_alloc(64, sh.n * sizeof(double));
    if (sh.a == NULL || sh.b == NULL || sh.c == NULL || passes < 1) {
        fprintf(stderr, "bench_bandwidth: cannot allocate 3 x %zu MiB\n", mib);
        return 1;
    }
    int threads[2] = {1, all};
    double gbs[2][N_LOOPS];
    for (int k = 0; k < 2; k++) {
        if (measure(&sh, threads[k], passes, gbs[k]) < 0) {
            fprintf(stderr, "bench_bandwidth: cannot start threads\n");
            return 1;
        }
    }
    print_json(&sh, passes, threads, gbs);
    free(sh.a);
    free(sh.b);
    free(sh.c);
    return 0;
}
