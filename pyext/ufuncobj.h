/*
 * ufuncobj.h -- internal to ufuncobj.c and gufuncobj.c: the owner object
 * every ufunc made here carries on ufunc->obj, and what the gufunc file
 * uses of the ufunc file.
 */
#ifndef UFPY_UFUNCOBJ_H
#define UFPY_UFUNCOBJ_H

#include "pyext.h"

#define MAXOPS (UF_MAXARGS + UF_MAXOUTS)

typedef enum Identity {
    ID_NONE,        /* no identity: empty reductions fail */
    ID_REORDERABLE, /* no identity, but multi-axis reductions are fine */
    ID_VALUE        /* identity_value is the reductions' initial value */
} Identity;

typedef struct UfpyParAux UfpyParAux; /* parallelobj.c */

/* One registered loop. */
typedef struct Loop {
    UfCompiled *compiled; /* owned: its machine code is the loop */
    UfpyParAux *par;      /* target='parallel': owned; else NULL */
    /* builtin DTypes (static in NumPy, never freed): inputs then outputs */
    PyArray_DTypeMeta *dtypes[MAXOPS];
    /* Whether a call that fixes no output gets this loop: its return types
     * were listed by the user (eager) or inferred (lazy), not forced by
     * dtype= / signature=. */
    bool natural;
} Loop;

typedef struct UfpyOwner {
    PyObject ob_base;     /* PyObject_HEAD, spelt so clang-format keeps it */
    PyObject *kernel;     /* UfpyKernel, owned */
    char *name;           /* owned (PyMem); ufunc->name points here */
    char *doc;            /* owned (PyMem) or NULL; ufunc->doc points here */
    UfCompileOptions opt; /* fastmath, boundscheck; no dumps kept */
    bool lazy;            /* no signatures: compile per new input DTypes */
    int nin, nout;
    Identity identity;
    PyObject *identity_value; /* ID_VALUE: owned; else NULL */
    Loop *loops;              /* PyMem array in registration order */
    int nloops, cap;
    /* PyMem, cap * (nin + nout): each loop's type numbers, what NumPy's
     * ufunc.types and ufunc.ntypes show (ufunc->types points here) */
    char *types;
    UfGuLayout *layout; /* gufuncs: owned (PyMem); NULL for ufuncs */
    bool parallel;      /* target='parallel' */
} UfpyOwner;

/* A new owner holding |kernel| (borrowed, incref'd), copies of |name| and
 * |doc| (may be NULL) and |identity_value| (borrowed, may be NULL).  new
 * reference or NULL. */
UfpyOwner *ufpy_owner_new(PyObject *kernel, const char *name, const char *doc,
                          Identity identity, PyObject *identity_value);

/* The owner of |ufunc| when it is one of ours, else NULL.  Borrowed. */
UfpyOwner *ufpy_owner_of(PyObject *ufunc);

/* The ufunc (a gufunc when o->layout is set) for owner |o| (stolen), with
 * every signature of |sigs| (a list or tuple; empty: lazy) compiled and
 * registered.  new reference or NULL. */
PyObject *ufpy_build_ufunc(UfpyOwner *o, PyObject *sigs);

/* The kind of a concrete builtin DType's values, or UF_VOID. */
UfKind ufpy_kind_of_dtype(PyArray_DTypeMeta *dt);

/* Reads |identity| and |options| as make_ufunc takes them.  0 or -1. */
int ufpy_parse_identity(PyObject *identity, Identity *kind, PyObject **value);
int ufpy_parse_options(PyObject *options, UfCompileOptions *opt);
/* Reads the bool |key| of |options| (a dict or None) into |flag|, which
 * keeps its value when the key is absent.  0 or -1. */
int ufpy_option_flag(PyObject *options, const char *key, bool *flag);

/* ---- parallelobj.c ---------------------------------------------------- */

/* The auxdata of a parallel loop for compiled loop |c| of |o|: new (PyMem)
 * or NULL with MemoryError; freed with the owner. */
UfpyParAux *ufpy_par_aux_new(const UfpyOwner *o, const UfCompiled *c);
void ufpy_par_aux_free(UfpyParAux *p); /* p may be NULL */
/* NPY_METH_get_loop of every loop of a parallel ufunc. */
extern PyArrayMethod_GetLoop *ufpy_parallel_get_loop;

/* ---- gufuncobj.c ------------------------------------------------------ */

/* Parses |text| into a new PyMem layout; a syntax error raises
 * CompileError pointing into the layout. */
UfGuLayout *ufpy_parse_layout(const char *text);

/* Sets up a new gufunc for owner |o|: the process_core_dims_func hook
 * when the layout needs it (NumPy >= 2.1; an error before).  0 or -1. */
int ufpy_gufunc_setup(PyObject *ufunc, UfpyOwner *o);

/* Compiles a listed signature text of a gufunc: it must be void and
 * agree with the layout.  new UfCompiled or NULL with an exception. */
UfCompiled *ufpy_gufunc_compile_listed(UfpyOwner *o, const char *text);

/* Compiles the loop of a lazy gufunc for |dtypes| (the inputs' and, when
 * |natural| is false, the outputs'; a natural loop's output types are
 * inferred from what the kernel stores).  new UfCompiled or NULL. */
UfCompiled *ufpy_gufunc_compile_lazy(UfpyOwner *o,
                                     PyArray_DTypeMeta *const *dtypes,
                                     bool natural);

#endif /* UFPY_UFUNCOBJ_H */
