/*
 * parallel.c -- the parallel target: a serial loop (NumPy's strided ABI)
 * split along dims[0] into contiguous chunks run on oneTBB threads
 * (uf_par_for), with FP flags and the first kernel error brought back to
 * the calling thread.
 *
 * Each chunk runs on whatever thread picks it up: it saves that thread's
 * FP flags, clears them, runs the serial loop with error capture on
 * (uf_rt_capture_errors: a worker never calls the reporter, which may
 * take the GIL), collects the flags it raised and restores the saved
 * ones.  A failing chunk stops every later chunk that has not started; the
 * error of the lowest failing chunk is reported on the calling thread.
 */
#include "targets/targets.h"

#include <fenv.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

/* The most chunks of one call (their bookkeeping lives on the stack). */
#define UF_PAR_MAX_CHUNKS 256
/* Chunks per thread, for balance when chunks take unequal time. */
#define UF_PAR_CHUNKS_PER_THREAD 4

/* One parallel call: the operands, the chunking and what chunks report. */
typedef struct ParRun {
    const UfParallel *p;
    void *ctx;
    char *const *args;
    const intptr_t *dims;
    const intptr_t *steps;
    int nops;
    int64_t nchunks;
    atomic_int fpe;             /* FE_* raised by any chunk */
    atomic_llong first_failed;  /* lowest failing chunk, or INT64_MAX */
    pthread_mutex_t error_lock; /* guards |error| */
    UfErrorCapture error;       /* of chunk |first_failed| */
    atomic_char claimed[UF_PAR_MAX_CHUNKS]; /* a thread took the chunk */
} ParRun;

/* The estimated serial nanoseconds of the call: outer items times the
 * core size (the product of dims[1..ncore]) times the cost per item. */
static double estimated_work_ns(const UfParallel *p, const intptr_t *dims)
{
    double work = (double)dims[0] * p->ns_per_item;
    for (int d = 1; d <= p->ncore; d++) {
        work *= (double)dims[d];
    }
    return work > 0 ? work : 0;
}

/* The byte range [*lo, *hi) operand |k| covers over |n| outer items. */
static void operand_range(const UfParallel *p, char *const *args,
                          const intptr_t *steps, int k, intptr_t n,
                          uintptr_t *lo, uintptr_t *hi)
{
    uintptr_t base = (uintptr_t)args[k];
    intptr_t span = (n - 1) * steps[k]; /* first to last item, signed */
    uintptr_t size = p->itemsize[k] > 0 ? (uintptr_t)p->itemsize[k] : 1;
    *lo = span < 0 ? base - (uintptr_t)-span : base;
    *hi = (span < 0 ? base : base + (uintptr_t)span) + size;
}

/* Whether output |j| and operand |k| share bytes without being the same
 * items in the same order (elementwise in place is fine). */
static bool operands_conflict(const UfParallel *p, char *const *args,
                              const intptr_t *steps, int j, int k, intptr_t n)
{
    if (args[j] == args[k] && steps[j] == steps[k]) {
        return false;
    }
    uintptr_t jlo, jhi, klo, khi;
    operand_range(p, args, steps, j, n, &jlo, &jhi);
    operand_range(p, args, steps, k, n, &klo, &khi);
    return jlo < khi && klo < jhi;
}

/* Whether the outer items must run in order: an output with step 0
 * (NumPy's reduce) or an output overlapping another operand
 * (accumulate, or aliased outputs). */
static bool must_run_in_order(const UfParallel *p, char *const *args,
                              const intptr_t *steps, intptr_t n)
{
    int nops = p->nin + p->nout;
    for (int j = p->nin; j < nops; j++) {
        if (steps[j] == 0) {
            return true;
        }
        for (int k = 0; k < nops; k++) {
            if (k != j && operands_conflict(p, args, steps, j, k, n)) {
                return true;
            }
        }
    }
    return false;
}

/* The thresholds in use (uf_par_set_min_work changes them for tests). */
static _Atomic double min_work_ns = UF_PAR_MIN_WORK_NS;
static _Atomic double min_chunk_ns = UF_PAR_MIN_CHUNK_NS;

double uf_par_set_min_work(double ns)
{
    double old = min_work_ns;
    min_work_ns = ns;
    min_chunk_ns = ns * (UF_PAR_MIN_CHUNK_NS / UF_PAR_MIN_WORK_NS);
    return old;
}

/* How many chunks to make for |work_ns| over |n| items on |threads|, or 0
 * when the call should run serially. */
static int64_t chunk_count(intptr_t n, double work_ns, int threads)
{
    if (threads <= 1 || n < 2 || !(work_ns >= min_work_ns)) {
        return 0;
    }
    double chunk = min_chunk_ns;
    double by_work = chunk > 0 ? work_ns / chunk : (double)n;
    int64_t c = (int64_t)threads * UF_PAR_CHUNKS_PER_THREAD;
    if (c > n) {
        c = n;
    }
    if (by_work < (double)c) {
        c = (int64_t)by_work;
    }
    if (c > UF_PAR_MAX_CHUNKS) {
        c = UF_PAR_MAX_CHUNKS;
    }
    return c < 2 ? 2 : c;
}

/* Elementwise chunks start at multiples of this many items, so each
 * element takes the same path (vector body or scalar remainder, vector or
 * scalar libm) as in one serial call, and results are bit for bit the
 * same; 512 is also the broadcast driver's buffer length. */
#define CHUNK_ALIGN 512

/* Chunk |i|'s first outer item and item count: contiguous ranges whose
 * lengths differ by at most one, or by at most |align| items with every
 * chunk but the last a multiple of |align| long. */
static void chunk_bounds(int64_t n, int64_t nchunks, int64_t align, int64_t i,
                         int64_t *begin, int64_t *len)
{
    if (align > 1 && n >= nchunks * align) {
        int64_t q = (n / nchunks + align - 1) / align * align;
        *begin = i * q < n ? i * q : n;
        *len =
            i == nchunks - 1 ? n - *begin : (*begin + q < n ? q : n - *begin);
        return;
    }
    int64_t q = n / nchunks, r = n % nchunks;
    *begin = i * q + (i < r ? i : r);
    *len = q + (i < r ? 1 : 0);
}

/* Keeps |cap| as the call's error when chunk |i| is the lowest failing
 * chunk so far; later chunks that have not started then skip. */
static void record_failure(ParRun *r, int64_t i, const UfErrorCapture *cap)
{
    pthread_mutex_lock(&r->error_lock);
    if (i < atomic_load(&r->first_failed)) {
        r->error = *cap;
        atomic_store(&r->first_failed, i);
    }
    pthread_mutex_unlock(&r->error_lock);
}

/* Runs the serial loop over chunk |i| with errors captured; returns its
 * result, |cap| holding the error. */
static int run_serial_chunk(ParRun *r, int64_t i, UfErrorCapture *cap)
{
    const UfParallel *p = r->p;
    int64_t begin, len;
    chunk_bounds(r->dims[0], r->nchunks, r->p->ncore == 0 ? CHUNK_ALIGN : 1, i,
                 &begin, &len);
    char *args[UF_MAXARGS + UF_MAXOUTS];
    for (int k = 0; k < r->nops; k++) {
        args[k] = r->args[k] + begin * r->steps[k];
    }
    intptr_t dims[1 + UF_GU_MAXNAMES];
    memcpy(dims, r->dims, (size_t)(1 + p->ncore) * sizeof *dims);
    dims[0] = (intptr_t)len;
    UfErrorCapture *outer = uf_rt_error_capture();
    uf_rt_capture_errors(cap);
    int rc = p->serial(r->ctx, args, dims, r->steps, NULL);
    uf_rt_capture_errors(outer);
    return rc;
}

/* The chunk body for uf_par_for: chunk |i| on this thread, unless another
 * thread took it or a lower chunk failed.  This thread's FP flags are
 * left as they were; the chunk's go into |r->fpe|. */
static void run_chunk(void *ctx, int64_t i)
{
    ParRun *r = ctx;
    if (atomic_exchange(&r->claimed[i], 1) != 0 ||
        atomic_load(&r->first_failed) < i) {
        return;
    }
    fexcept_t saved;
    fegetexceptflag(&saved, FE_ALL_EXCEPT);
    feclearexcept(FE_ALL_EXCEPT);
    UfErrorCapture cap;
    cap.kflags = 0;
    cap.set = false;
    cap.message[0] = '\0';
    cap.exc[0] = '\0';
    int rc = run_serial_chunk(r, i, &cap);
    int raised = fetestexcept(FE_ALL_EXCEPT);
    fesetexceptflag(&saved, FE_ALL_EXCEPT);
    if (raised != 0) {
        atomic_fetch_or(&r->fpe, raised);
    }
    if (rc != 0) {
        record_failure(r, i, &cap);
    }
}

/* After the chunks: the flags raised on the calling thread, the error
 * reported from it.  0 or -1. */
static int finish_run(ParRun *r)
{
    int raised = atomic_load(&r->fpe);
    if (raised != 0) {
        feraiseexcept(raised);
    }
    if (atomic_load(&r->first_failed) == INT64_MAX) {
        return 0;
    }
    uf_rt_report_captured(&r->error);
    return -1;
}

/* Whether any chunk was taken by a thread. */
static bool any_claimed(ParRun *r)
{
    for (int64_t i = 0; i < r->nchunks; i++) {
        if (atomic_load(&r->claimed[i]) != 0) {
            return true;
        }
    }
    return false;
}

/* Splits the call into |nchunks| chunks and runs them on |threads|. */
static int run_chunked(const UfParallel *p, void *ctx, char *const *args,
                       const intptr_t *dims, const intptr_t *steps, int threads,
                       int64_t nchunks)
{
    ParRun r = {.p = p,
                .ctx = ctx,
                .args = args,
                .dims = dims,
                .steps = steps,
                .nops = p->nin + p->nout,
                .nchunks = nchunks};
    atomic_init(&r.fpe, 0);
    atomic_init(&r.first_failed, INT64_MAX);
    pthread_mutex_init(&r.error_lock, NULL);
    for (int64_t i = 0; i < nchunks; i++) {
        atomic_init(&r.claimed[i], 0);
    }
    int rc;
    if (uf_par_for(threads, nchunks, run_chunk, &r) == 0) {
        rc = finish_run(&r);
    } else if (!any_claimed(&r)) { /* oneTBB unusable: nothing ran */
        rc = p->serial(ctx, args, dims, steps, NULL);
    } else { /* oneTBB failed part way: the rest here, in order */
        for (int64_t i = 0; i < nchunks; i++) {
            run_chunk(&r, i);
        }
        rc = finish_run(&r);
    }
    pthread_mutex_destroy(&r.error_lock);
    return rc;
}

int uf_parallel_run(const UfParallel *p, void *ctx, char *const *args,
                    const intptr_t *dims, const intptr_t *steps)
{
    intptr_t n = dims[0];
    int64_t nchunks = 0;
    double work = estimated_work_ns(p, dims);
    /* the common small call decides here, before the thread count (a
     * thread-local read in the bridge) is asked for */
    if (work >= min_work_ns && p->ncore >= 0 && p->ncore <= UF_GU_MAXNAMES &&
        p->nin + p->nout <= UF_MAXARGS + UF_MAXOUTS) {
        nchunks = chunk_count(n, work, uf_par_get_num_threads());
    }
    if (nchunks == 0 || must_run_in_order(p, args, steps, n)) {
        return p->serial(ctx, args, dims, steps, NULL);
    }
    return run_chunked(p, ctx, args, dims, steps, uf_par_get_num_threads(),
                       nchunks);
}
