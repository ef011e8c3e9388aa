/*
 * gufuncobj.c -- generalized ufuncs: the layout given to NumPy, the
 * process_core_dims_func hook for what NumPy's own grammar lacks
 * (broadcastable n|1, computed output sizes, output-only dims), inputs
 * the kernel writes into (found in the kernel, or listed in
 * writable_args: NumPy passes them read-write), and the signatures of
 * the loops a gufunc compiles, listed or lazily.
 *
 * Everything else -- the owner, loop registration, the promoter, lazy
 * compilation on first call -- is ufuncobj.c's, shared with vectorize.
 */
#define NPY_TARGET_VERSION NPY_2_1_API_VERSION /* process_core_dims_func */
#include "pyext.h"

#include <string.h>

#include "ufuncobj.h"

/* ---- the layout -----------------------------------------------------------
 */

UfGuLayout *ufpy_parse_layout(const char *text)
{
    UfGuLayout *l = PyMem_Malloc(sizeof *l);
    if (l == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    UfError err = {0};
    if (uf_gu_layout_parse(text, l, &err) == 0) {
        return l;
    }
    PyMem_Free(l);
    UfpySource src = {PyUnicode_FromString("<layout>"),
                      PyUnicode_FromString(text), 1};
    ufpy_raise_compile_error(&err, &src);
    Py_XDECREF(src.filename);
    Py_XDECREF(src.text);
    return NULL;
}

/* NumPy's process_core_dims_func: checks the n|1 dims, fills computed
 * and output-only sizes (only entries NumPy left at -1). */
static int process_core_dims(PyUFuncObject *ufunc, npy_intp *sizes)
{
    UfpyOwner *o = ufpy_owner_of((PyObject *)ufunc);
    if (o == NULL || o->layout == NULL) {
        PyErr_SetString(PyExc_SystemError, "ufuncforge: not a gufunc of ours");
        return -1;
    }
    int64_t s[UF_GU_MAXNAMES];
    for (int j = 0; j < o->layout->nnames; j++) {
        s[j] = sizes[j];
    }
    UfError err = {0};
    if (uf_gu_resolve_sizes(o->layout, s, &err) < 0) {
        PyErr_Format(PyExc_ValueError, "%s: %s", o->name, err.msg);
        return -1;
    }
    for (int j = 0; j < o->layout->nnames; j++) {
        if (sizes[j] == -1) {
            sizes[j] = (npy_intp)s[j];
        }
    }
    return 0;
}

int ufpy_gufunc_setup(PyObject *ufunc, UfpyOwner *o)
{
    PyUFuncObject *uf = (PyUFuncObject *)ufunc;
    if (uf->core_enabled && uf->core_num_dim_ix != o->layout->nnames) {
        PyErr_Format(PyExc_SystemError,
                     "gufunc '%s': NumPy numbers %d core dims, the layout %d",
                     o->name, uf->core_num_dim_ix, o->layout->nnames);
        return -1;
    }
    if (!o->layout->needs_resolve) {
        return 0;
    }
    if (PyArray_GetNDArrayCFeatureVersion() < NPY_2_1_API_VERSION) {
        PyErr_Format(PyExc_NotImplementedError,
                     "gufunc '%s': layout '%s' needs NumPy >= 2.1 (for "
                     "broadcastable, computed or output-only sizes)",
                     o->name, o->layout->text);
        return -1;
    }
    uf->process_core_dims_func = process_core_dims;
    return 0;
}

/* Marks the inputs of |mask| (bit i: input i) read-write, so NumPy hands
 * the kernel the caller's arrays, or a cast copy that it writes back when
 * the call ends (NPY_ITER_UPDATEIFCOPY): stores are never lost. */
static void set_writable(PyObject *ufunc, const UfpyOwner *o, uint64_t mask)
{
    PyUFuncObject *uf = (PyUFuncObject *)ufunc;
    for (int i = 0; i < o->nin; i++) {
        if (mask & (1ull << i)) {
            uf->op_flags[i] = NPY_ITER_READWRITE | NPY_ITER_UPDATEIFCOPY;
        }
    }
}

/* ---- what the kernel writes -----------------------------------------------
 */

/* Refuses a kernel that returns values or takes another count of
 * arguments than the layout has operands.  Sets |*written| to the inputs
 * it stores into (kir_written_args: directly or through views).  0 or -1
 * with CompileError (MemoryError). */
static int check_gufunc_kernel(const UfpyKernel *kern, const UfGuLayout *l,
                               uint64_t *written)
{
    const KirKernel *k = kern->kernel;
    UfError err = {0};
    if (kern->nout > 0) {
        uf_error(&err, UF_ERR_TYPE, k->loc,
                 "kernel '%s' returns a value: a guvectorize kernel returns "
                 "nothing and writes its results into its output arguments "
                 "(out[i] = ..., out[0] = ... for a '()' output)",
                 k->name);
    } else if (k->nargs != l->nin + l->nout) {
        uf_error(&err, UF_ERR_TYPE, k->loc,
                 "kernel '%s' takes %d argument%s but layout '%s' has %d "
                 "input%s and %d output%s",
                 k->name, k->nargs, k->nargs == 1 ? "" : "s", l->text, l->nin,
                 l->nin == 1 ? "" : "s", l->nout, l->nout == 1 ? "" : "s");
    } else if (kir_written_args(k, written, &err) == 0) {
        *written &= (1ull << l->nin) - 1;
    }
    if (err.kind == UF_ERR_MEMORY) {
        PyErr_NoMemory();
        return -1;
    }
    if (err.kind != UF_ERR_NONE) {
        ufpy_raise_compile_error(&err, &kern->src);
        return -1;
    }
    return 0;
}

/* ---- the signatures of loops ----------------------------------------------
 */

static UfCompileOptions loop_options(const UfpyOwner *o)
{
    UfCompileOptions opt = o->opt;
    opt.keep = 0;
    return opt;
}

UfCompiled *ufpy_gufunc_compile_listed(UfpyOwner *o, const char *text)
{
    UfCompileOptions opt = loop_options(o);
    return ufpy_kernel_compile_gufunc((UfpyKernel *)o->kernel, text, NULL,
                                      o->layout, &opt);
}

UfCompiled *ufpy_gufunc_compile_lazy(UfpyOwner *o,
                                     PyArray_DTypeMeta *const *dtypes,
                                     bool natural)
{
    UfSig s = {.nargs = o->nin + o->nout};
    for (int k = 0; k < s.nargs; k++) {
        int core = o->layout->ops[k].ndim;
        bool out = k >= o->nin;
        UfKind kind = out && natural ? UF_VOID : ufpy_kind_of_dtype(dtypes[k]);
        s.args[k] = core == 0 && !out
                        ? uf_type_scalar(kind)
                        : uf_type_array(kind, core > 0 ? core : 1, UF_LAYOUT_A);
    }
    UfCompileOptions opt = loop_options(o);
    return ufpy_kernel_compile_gufunc((UfpyKernel *)o->kernel, NULL, &s,
                                      o->layout, &opt);
}

/* ---- make_gufunc ----------------------------------------------------------
 */

/* Bit i set for each input position in |writable| (a tuple of ints, the
 * inputs writable_args names).  0, or -1 with ValueError for a position
 * that is not an input. */
static int writable_mask(PyObject *writable, const UfGuLayout *l,
                         const char *name, uint64_t *mask)
{
    *mask = 0;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(writable); i++) {
        long k = PyLong_AsLong(PyTuple_GET_ITEM(writable, i));
        if (k == -1 && PyErr_Occurred()) {
            return -1;
        }
        if (k < 0 || k >= l->nin) {
            PyErr_Format(PyExc_ValueError,
                         "gufunc '%s': writable argument %ld is not one of "
                         "its %d inputs",
                         name, k, l->nin);
            return -1;
        }
        *mask |= 1ull << k;
    }
    return 0;
}

PyObject *ufpy_make_gufunc(PyObject *module, PyObject *args)
{
    (void)module;
    PyObject *kernel, *sigs, *options, *writable;
    const char *layout_text, *name, *doc;
    if (!PyArg_ParseTuple(args, "O!OszzOO!:make_gufunc", &UfpyKernel_Type,
                          &kernel, &sigs, &layout_text, &name, &doc, &options,
                          &PyTuple_Type, &writable)) {
        return NULL;
    }
    UfCompileOptions opt;
    uint64_t listed, written = 0;
    bool parallel = false;
    if (ufpy_parse_options(options, &opt) < 0 ||
        ufpy_option_flag(options, "parallel", &parallel) < 0) {
        return NULL;
    }
    PyObject *seq = PySequence_Fast(sigs, "signatures must be a list");
    UfGuLayout *l = seq == NULL ? NULL : ufpy_parse_layout(layout_text);
    if (l == NULL || writable_mask(writable, l, name, &listed) < 0 ||
        check_gufunc_kernel((UfpyKernel *)kernel, l, &written) < 0) {
        PyMem_Free(l);
        Py_XDECREF(seq);
        return NULL;
    }
    UfpyOwner *o = ufpy_owner_new(kernel, name, doc, ID_NONE, NULL);
    if (o == NULL) {
        PyMem_Free(l);
        Py_DECREF(seq);
        return NULL;
    }
    o->opt = opt;
    o->parallel = parallel;
    o->layout = l; /* the owner frees it */
    o->nin = l->nin;
    o->nout = l->nout;
    PyObject *ufunc = ufpy_build_ufunc(o, seq);
    Py_DECREF(seq);
    if (ufunc != NULL) {
        set_writable(ufunc, o, listed | written);
    }
    return ufunc;
}
