/*
 * kir_writes.c -- which arguments a kernel writes into.
 *
 * A gufunc kernel may store into an input as well as into its outputs
 * (a layout without outputs, such as '(n),(n)', has nothing else to write
 * into).  NumPy must then pass that input read-write, or the stores land
 * in a temporary cast copy and are lost; the extension asks this walk
 * which inputs those are.
 *
 * A store writes into the memory of its target variable: an argument, or
 * a local bound to a view of one (v = a[1:]; v[0] = x, and a[i][j] = x,
 * which the front end writes as __view = a[i]; __view[j] = x).  So each
 * local gets the set of arguments whose memory it may hold, grown over
 * every assignment to it until nothing changes (a view of a view, a local
 * reassigned later in a loop), and each store adds the set of its target.
 */
#include "kernels.h"

/* The arguments (bit i: argument i) whose memory the value of |n| may
 * be, when each local may hold the memory of |holds[local]|.  An element
 * or a new array is no one's memory; an expression kind without its own
 * case counts every argument its children mention (scalar expressions
 * never reach a store target, so being generous costs nothing there). */
static uint64_t memory_of(const KirKernel *k, const KirNode *n,
                          const uint64_t *holds)
{
    uint64_t m = 0;
    switch (n->op) {
    case KIR_VAR:
        return k->vars[n->u.var].is_arg ? 1ull << n->u.var : holds[n->u.var];
    case KIR_LOAD: /* an element or a view of kid 0; not its indices */
        return memory_of(k, n->kids[0], holds);
    case KIR_SELECT: /* either branch, not the condition */
        return memory_of(k, n->kids[1], holds) |
               memory_of(k, n->kids[2], holds);
    case KIR_NEWARRAY:
    case KIR_ARRAYLIKE: /* kid 0 only gives the element type */
    case KIR_ELEMCAST:  /* a scalar */
    case KIR_UFCAST:
        return 0;
    default:
        for (int i = 0; i < n->nkids; i++) {
            m |= memory_of(k, n->kids[i], holds);
        }
        return m;
    }
}

/* One pass over |n|: each SET adds what its value may be to its local's
 * |holds|, each STORE its target's to |*written|.  Whether any set grew. */
static bool pass(const KirKernel *k, const KirNode *n, uint64_t *holds,
                 uint64_t *written)
{
    bool grew = false;
    uint64_t *into = n->op == KIR_SET     ? &holds[n->u.var]
                     : n->op == KIR_STORE ? written
                                          : NULL;
    if (into != NULL) {
        uint64_t m = memory_of(k, n->kids[0], holds);
        grew = (*into | m) != *into;
        *into |= m;
    }
    for (int i = 0; i < n->nkids; i++) {
        grew |= pass(k, n->kids[i], holds, written);
    }
    return grew;
}

/* See kernels.h.  The sets only grow, so the passes end (after at most
 * one more pass than the longest chain of locals). */
int kir_written_args(const KirKernel *k, uint64_t *written, UfError *err)
{
    *written = 0;
    uint64_t *holds = uf_calloc((size_t)k->nvars + 1, sizeof *holds);
    if (holds == NULL) {
        return uf_error_nomem(err);
    }
    while (pass(k, k->body, holds, written)) {
    }
    uf_free(holds);
    return 0;
}
