/*
 * pyext.h -- the CPython extension ufuncforge._core: the only code that
 * reads Python objects.
 *
 * Table of contents:
 *   module.c    module init: NumPy C API import, types, functions
 *   errors.c    ufuncforge.CompileError and rendering UfError with source
 *   exceptions.c the exception classes kernels raise, by key
 *   kernelobj.c the Kernel type: a translated kir kernel plus its source
 *   frontend.c  Python AST (ast.FunctionDef) -> kir (with frontend_expr.c,
 *               frontend_stmt.c; internal header frontend.h)
 *   ufuncobj.c  creating numpy.ufunc objects: one ArrayMethod loop per
 *               signature, the dispatch promoter, identities, lazy
 *               compilation, and the owner object on ufunc->obj
 *               (internal header ufuncobj.h)
 *   gufuncobj.c gufuncs: layouts, core-size hooks, writable inputs, the
 *               gufunc signatures of eager and lazy loops
 *   parallelobj.c target='parallel': the loops' get_loop and auxdata, and
 *               the thread-count functions
 *
 * Every file of the extension includes this header first.
 */
#ifndef UFPY_PYEXT_H
#define UFPY_PYEXT_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define NPY_NO_DEPRECATED_API NPY_2_0_API_VERSION
#ifndef NPY_TARGET_VERSION /* gufuncobj.c asks for 2.1 (process_core_dims) */
#define NPY_TARGET_VERSION NPY_2_0_API_VERSION
#endif
#define PY_ARRAY_UNIQUE_SYMBOL ufpy_ARRAY_API
#define PY_UFUNC_UNIQUE_SYMBOL ufpy_UFUNC_API
#ifndef UFPY_IMPORT_NUMPY /* defined by module.c only */
#define NO_IMPORT_ARRAY
#define NO_IMPORT_UFUNC
#endif
#include <numpy/arrayobject.h>
#include <numpy/dtype_api.h>
#include <numpy/ufuncobject.h>

#include "kernels/kernels.h"
#include "targets/targets.h"

/* ---- errors.c -------------------------------------------------------- */

/* ufuncforge.CompileError, a TypeError subclass (new reference kept by
 * the module). */
extern PyObject *ufpy_CompileError;

/* Where a kernel's source came from, for rendering errors. */
typedef struct UfpySource {
    PyObject *filename; /* str */
    PyObject *text;     /* str: the source lines, starting at first_line */
    int first_line;     /* file line number of text's first line */
} UfpySource;

/* Raises CompileError with "file:line:col: error: msg", the source line and
 * a caret (|src| may be NULL: no source line).  Returns NULL. */
PyObject *ufpy_raise_compile_error(const UfError *e, const UfpySource *src);

/* ---- kernelobj.c ----------------------------------------------------- */

/* A translated kernel.  Immutable after translation; compiling re-types
 * its nodes in place, so compiles of one kernel take turns on |lock|.
 * They run without the GIL: LLVM's work does not stop other threads. */
typedef struct UfpyKernel {
    PyObject_HEAD KirKernel *kernel; /* owned */
    UfpySource src;                  /* owned references */
    int nout;                        /* values each return gives (0: none) */
    PyThread_type_lock lock;         /* held while compiling (no GIL) */
} UfpyKernel;

extern PyTypeObject UfpyKernel_Type;

/* A new Kernel owning |k| (stolen, freed on failure) with |src| (borrowed
 * references, incref'd). */
PyObject *ufpy_kernel_new(KirKernel *k, const UfpySource *src);

/* Compiles |self| for the signature text |sig|, releasing the GIL while
 * LLVM works.  On a compile error raises CompileError rendered against the
 * kernel's source.  new UfCompiled or NULL. */
UfCompiled *ufpy_kernel_compile(UfpyKernel *self, const char *sig,
                                const UfCompileOptions *opt);

/* The same for a gufunc kernel under |layout|: |sig| is a signature text,
 * or NULL to compile |parsed|. */
UfCompiled *ufpy_kernel_compile_gufunc(UfpyKernel *self, const char *sig,
                                       const UfSig *parsed,
                                       const UfGuLayout *layout,
                                       const UfCompileOptions *opt);

/* _core.kernel_from_kir(text[, filename]) -> Kernel: a kernel written in
 * kir text (tests and debugging). */
PyObject *ufpy_kernel_from_kir(PyObject *module, PyObject *args);

/* ---- frontend.c ------------------------------------------------------ */

/* _core.translate(fdef, source, resolve, funcmap, load_helper[, outputs]):
 *   fdef         the ast.FunctionDef of the kernel
 *   source       (filename, text, first_line, col_offset): where fdef came
 *                from; col_offset is added to every AST column (the
 *                indentation textwrap.dedent removed)
 *   resolve      callable(name) -> value for a name that is not a local
 *                (closure, globals, builtins); raises NameError if none
 *   funcmap      dict {python object: spec tuple} of the functions and
 *                types a kernel may call (see _funcmap.py)
 *   load_helper  callable(function) -> (fdef, source, resolve) for a plain
 *                Python function called by the kernel, inlined
 *   outputs      optional, default 0: how many trailing arguments are a
 *                gufunc's outputs (arrays: rebinding one is an error)
 * Returns a Kernel or raises CompileError. */
PyObject *ufpy_translate(PyObject *module, PyObject *args);

/* ---- ufuncobj.c ------------------------------------------------------ */

/* _core.make_ufunc(kernel, sigs, name, doc, identity, options) -> ufunc
 *   kernel    a Kernel
 *   sigs      list of signature strings in our grammar ('f8(f8, f8)',
 *             '(f8, f8)' to infer the return, '(f8, f8)(f8)' for two
 *             outputs), in dispatch order; an empty list makes a lazy
 *             ufunc that compiles the exact loop for each new set of input
 *             dtypes on first use
 *   identity  None (no identity), or ("reorderable", None), or
 *             ("value", obj) for 0, 1, -1, True, -inf, any value
 *   options   dict: fastmath (bool), boundscheck (bool), parallel (bool:
 *             target='parallel', loops run through uf_parallel_run)
 * The ufunc's name and doc strings are kept alive by its owner. */
PyObject *ufpy_make_ufunc(PyObject *module, PyObject *args);

/* _core.make_gufunc(kernel, sigs, layout, name, doc, options, writable)
 *   layout    the gufunc layout "(n),(n)->()" (src/gufunc/gufunc.h)
 *   sigs      'void(f8[:], f8[:])' ...; empty: lazy, per input dtypes
 *   writable  tuple of input positions listed in writable_args
 * The inputs listed and those the kernel stores into (kir_written_args)
 * are passed read-write.  Other arguments as for make_ufunc; gufuncs
 * have no identity. */
PyObject *ufpy_make_gufunc(PyObject *module, PyObject *args);

/* ---- parallelobj.c (the rest is internal: ufuncobj.h) ----------------- */

/* _core.set_num_threads(n), _core.get_num_threads() -> n: the process-wide
 * thread count of target='parallel' (1 to 4096, above the CPU count too).
 * _core.set_thread_override(n or None) -> the previous override or None:
 * the calling thread's own count (the num_threads context manager). */
PyObject *ufpy_set_num_threads(PyObject *module, PyObject *arg);
PyObject *ufpy_get_num_threads(PyObject *module, PyObject *noargs);
PyObject *ufpy_set_thread_override(PyObject *module, PyObject *arg);
/* _core.set_parallel_min_work(ns) -> old: the serial threshold (tests). */
PyObject *ufpy_set_parallel_min_work(PyObject *module, PyObject *arg);

/* _core.ufunc_info(ufunc) -> dict or None: {"signatures": [str, ...],
 * "kernel": Kernel, "lazy": bool, "options": dict, "layout": str or None
 * (gufuncs), "target": "cpu" or "parallel", "costs": [estimated ns per
 * item of each loop (uf_kir_cost_ns)], "writable": (input positions NumPy
 * passes read-write, ...)}: None when |ufunc| is not one of ours. */
PyObject *ufpy_ufunc_info(PyObject *module, PyObject *ufunc);

/* _core.inspect(kernel, sig, options[, layout]) -> dict {"kir": str,
 * "types": str, "llvm": str, "opt": str, "asm": str} compiled afresh for
 * |sig| (a gufunc's under |layout|). */
PyObject *ufpy_inspect(PyObject *module, PyObject *args);

/* ---- exceptions.c ---------------------------------------------------- */

/* Bytes of an exception key, NUL included (UfErrorCapture.exc). */
#define UFPY_EXC_KEY_MAX 128

/* The key naming the exception class |cls| in a kernel's (raise KEY
 * MSG): a builtin's name, else "module.qualname" (made unique, and the
 * class kept alive, in a process-wide registry).  0, or -1 with a
 * Python error. */
int ufpy_exception_key(PyObject *cls, char *out, size_t n);

/* Sets the Python exception for a kernel's raise: the class of |key|
 * called with |message|; RuntimeError when the key names no class. */
void ufpy_set_kernel_exception(const char *key, const char *message);

#endif /* UFPY_PYEXT_H */
