/*
 * parallelobj.c -- target='parallel': the loops of a parallel ufunc run
 * through uf_parallel_run (src/targets/parallel.c), which splits large
 * work across oneTBB threads and runs small work on the calling thread;
 * and the thread-count functions of the package.
 *
 * Each loop's ArrayMethod gets a get_loop that hands NumPy a trampoline
 * and, as the loop's auxdata, the loop's UfParallel: its serial loop and
 * its cost.  The auxdata lives as long as the ufunc (the owner frees it)
 * and NumPy's per-call free of it does nothing.
 */
#include "pyext.h"

#include "ufuncobj.h"

struct UfpyParAux {
    NpyAuxData base; /* first: NumPy sees an NpyAuxData */
    UfParallel par;
};

static void aux_keep(NpyAuxData *aux)
{
    (void)aux; /* owned by the ufunc's owner, not by the call */
}

static NpyAuxData *aux_same(NpyAuxData *aux)
{
    return aux; /* lives as long as the ufunc: a clone is itself */
}

/* The strided loop NumPy calls: the parallel run of this loop. */
static int parallel_loop(PyArrayMethod_Context *context, char *const *data,
                         const npy_intp *dims, const npy_intp *strides,
                         NpyAuxData *aux)
{
    const UfpyParAux *p = (const UfpyParAux *)aux;
    return uf_parallel_run(&p->par, context, data, (const intptr_t *)dims,
                           (const intptr_t *)strides);
}

UfpyParAux *ufpy_par_aux_new(const UfpyOwner *o, const UfCompiled *c)
{
    UfpyParAux *p = PyMem_Calloc(1, sizeof *p);
    if (p == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    p->base.free = aux_keep;
    p->base.clone = aux_same;
    p->par.serial = c->loop;
    p->par.nin = o->nin;
    p->par.nout = o->nout;
    p->par.ncore = o->layout != NULL ? o->layout->nnames : 0;
    p->par.ns_per_item = c->cost_ns;
    for (int i = 0; i < o->nin + o->nout; i++) {
        UfType t =
            i < c->sig.nargs ? c->sig.args[i] : c->sig.ret[i - c->sig.nargs];
        p->par.itemsize[i] = uf_kind_itemsize((UfKind)t.kind);
    }
    return p;
}

void ufpy_par_aux_free(UfpyParAux *p)
{
    PyMem_Free(p);
}

/* The loop of |o| whose DTypes are the descriptors' (NULL if none). */
static const Loop *loop_of_context(const UfpyOwner *o,
                                   PyArrayMethod_Context *context)
{
    for (int i = 0; i < o->nloops; i++) {
        bool same = true;
        for (int k = 0; same && k < o->nin + o->nout; k++) {
            same = NPY_DTYPE(context->descriptors[k]) == o->loops[i].dtypes[k];
        }
        if (same) {
            return &o->loops[i];
        }
    }
    return NULL;
}

/* NPY_METH_get_loop of a parallel ufunc's loops. */
static int parallel_get_loop(PyArrayMethod_Context *context, int aligned,
                             int move_references, const npy_intp *strides,
                             PyArrayMethod_StridedLoop **out_loop,
                             NpyAuxData **out_transferdata,
                             NPY_ARRAYMETHOD_FLAGS *flags)
{
    (void)aligned, (void)move_references, (void)strides;
    UfpyOwner *o = ufpy_owner_of(context->caller);
    const Loop *l = o != NULL ? loop_of_context(o, context) : NULL;
    if (l == NULL || l->par == NULL) {
        PyErr_SetString(PyExc_SystemError,
                        "ufuncforge: no parallel loop for these dtypes");
        return -1;
    }
    *out_loop = parallel_loop;
    *out_transferdata = &l->par->base;
    *flags = 0;
    return 0;
}

PyArrayMethod_GetLoop *ufpy_parallel_get_loop = parallel_get_loop;

/* ---- thread counts ---------------------------------------------------- */

/* An int >= 1 from |arg| (any integer type: np.int64(4) too, not a
 * bool), or -1 with TypeError / ValueError. */
static int thread_count(PyObject *arg, const char *what)
{
    PyObject *i =
        PyIndex_Check(arg) && !PyBool_Check(arg) && !PyArray_IsScalar(arg, Bool)
            ? PyNumber_Index(arg)
            : NULL;
    if (i == NULL) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "%s takes an int, not %.100s", what,
                     Py_TYPE(arg)->tp_name);
        return -1;
    }
    int overflow = 0;
    long n = PyLong_AsLongAndOverflow(i, &overflow);
    if (overflow != 0 || n < 1 || n > 4096) {
        PyErr_Format(PyExc_ValueError,
                     "%s: the number of threads must be 1 to 4096, got %S",
                     what, i);
        n = -1;
    }
    Py_DECREF(i);
    return (int)n;
}

PyObject *ufpy_set_num_threads(PyObject *module, PyObject *arg)
{
    (void)module;
    int n = thread_count(arg, "set_num_threads()");
    if (n < 0) {
        return NULL;
    }
    uf_par_set_num_threads(n);
    Py_RETURN_NONE;
}

PyObject *ufpy_get_num_threads(PyObject *module, PyObject *noargs)
{
    (void)module, (void)noargs;
    return PyLong_FromLong(uf_par_get_num_threads());
}

PyObject *ufpy_set_thread_override(PyObject *module, PyObject *arg)
{
    (void)module;
    int n = 0;
    if (arg != Py_None && (n = thread_count(arg, "num_threads()")) < 0) {
        return NULL;
    }
    int old = uf_par_set_thread_override(n);
    if (old == 0) {
        Py_RETURN_NONE;
    }
    return PyLong_FromLong(old);
}

PyObject *ufpy_set_parallel_min_work(PyObject *module, PyObject *arg)
{
    (void)module;
    double ns = PyFloat_AsDouble(arg);
    if (ns == -1.0 && PyErr_Occurred()) {
        return NULL;
    }
    if (!(ns >= 0)) {
        PyErr_SetString(PyExc_ValueError, "the work must be >= 0 ns");
        return NULL;
    }
    return PyFloat_FromDouble(uf_par_set_min_work(ns));
}
