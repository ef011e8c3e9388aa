/*
 * ufuncobj.c -- numpy.ufunc objects around compiled kernels.
 *
 * A ufunc made here has no legacy loops: its ufunc.types table only lists
 * the loops (publish_types).  Each signature becomes one ArrayMethod whose
 * strided loop is the JIT'd function itself (UfLoopFn has NumPy's
 * ArrayMethod loop ABI).  One catch-all promoter,
 * registered for (None, ...), handles every call that no loop matches
 * exactly (and every reduction: NumPy passes NULL for a reduction's first
 * DType, which only a None entry matches):
 *
 *   eager ufunc  picks the exact loop, else the first listed loop the
 *                inputs cast to safely, Python scalars taken as NumPy
 *                takes them (NEP 50, and its legacy type resolution's weak
 *                scalars: f(f8_array, 2) runs an (f8, i4) loop), so
 *                f(f4_array, 2.0) with loops [f8, f4] runs the f4 loop;
 *   lazy ufunc   compiles the exact loop for the inputs' DTypes, registers
 *                it, and returns its DTypes so NumPy's search finds it.
 *
 * When no loop fits, the promoter raises DTypePromotionError, which NumPy
 * reports as its own "no loop" UFuncTypeError.
 *
 * Like NumPy's frompyfunc, everything NumPy keeps pointers to lives in an
 * owner object stored in ufunc->obj, which NumPy releases with the ufunc:
 * the name and doc strings, the machine code of every loop, the kernel.
 *
 * All of this runs with the GIL held: inside make_ufunc, or inside NumPy's
 * dispatch (the promoter, the reduction initial).  NumPy caches each
 * dispatch result, and a lazy loop is compiled once per set of DTypes.
 */
#include "pyext.h"

#include <string.h>

#include "ufuncobj.h"

static void owner_dealloc(UfpyOwner *self)
{
    for (int i = 0; i < self->nloops; i++) {
        uf_compiled_free(self->loops[i].compiled); /* removes the code */
        ufpy_par_aux_free(self->loops[i].par);
    }
    PyMem_Free(self->loops);
    PyMem_Free(self->types);
    PyMem_Free(self->layout);
    PyMem_Free(self->name);
    PyMem_Free(self->doc);
    Py_XDECREF(self->identity_value);
    Py_XDECREF(self->kernel);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyTypeObject UfpyOwner_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "ufuncforge._core.UFuncOwner",
    .tp_basicsize = sizeof(UfpyOwner),
    .tp_dealloc = (destructor)owner_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Owns the loops, strings and kernel of one ufuncforge ufunc.",
};

/* new PyMem copy of |s|, or NULL with MemoryError set. */
static char *copy_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = PyMem_Malloc(n);
    if (p == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    memcpy(p, s, n);
    return p;
}

/* A new owner holding |kernel| (borrowed, incref'd), copies of |name| and
 * |doc| (may be NULL) and |identity_value| (borrowed, may be NULL).  new
 * reference or NULL. */
UfpyOwner *ufpy_owner_new(PyObject *kernel, const char *name, const char *doc,
                          Identity identity, PyObject *identity_value)
{
    if (!(UfpyOwner_Type.tp_flags & Py_TPFLAGS_READY) &&
        PyType_Ready(&UfpyOwner_Type) < 0) {
        return NULL;
    }
    UfpyOwner *o = PyObject_New(UfpyOwner, &UfpyOwner_Type);
    if (o == NULL) {
        return NULL;
    }
    memset((char *)o + sizeof(PyObject), 0, sizeof *o - sizeof(PyObject));
    o->kernel = Py_NewRef(kernel);
    o->identity = identity;
    o->identity_value = Py_XNewRef(identity_value);
    o->name = copy_string(name);
    if (o->name == NULL ||
        (doc != NULL && (o->doc = copy_string(doc)) == NULL)) {
        Py_DECREF(o);
        return NULL;
    }
    return o;
}

/* Points |ufunc|'s legacy loop table (ufunc.types, ufunc.ntypes) at the
 * type numbers of |o|'s loops, as NumPy lists its own ufuncs' loops
 * ('dd->d').  Only the table: functions stay NULL and no legacy loop is
 * registered (see no_legacy_resolution). */
static void publish_types(PyObject *ufunc, UfpyOwner *o)
{
    int nops = o->nin + o->nout;
    for (int i = 0; i < o->nloops; i++) {
        for (int j = 0; j < nops; j++) {
            o->types[i * nops + j] = (char)o->loops[i].dtypes[j]->type_num;
        }
    }
    ((PyUFuncObject *)ufunc)->types = o->types;
    ((PyUFuncObject *)ufunc)->ntypes = o->nloops;
}

/* Makes room for one more loop of |ufunc|, so that recording a loop NumPy
 * already holds cannot fail.  0, or -1 with MemoryError. */
static int owner_reserve(PyObject *ufunc, UfpyOwner *o)
{
    if (o->nloops < o->cap) {
        return 0;
    }
    int cap = o->cap == 0 ? 4 : 2 * o->cap;
    Loop *loops = PyMem_Realloc(o->loops, (size_t)cap * sizeof *loops);
    if (loops == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    o->loops = loops;
    char *types = PyMem_Realloc(o->types, (size_t)cap * (o->nin + o->nout));
    if (types == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    o->types = types;
    o->cap = cap;
    publish_types(ufunc, o); /* the table moved */
    return 0;
}

/* The owner of |ufunc| when it is one of ours, else NULL.  Borrowed. */
UfpyOwner *ufpy_owner_of(PyObject *ufunc)
{
    if (ufunc == NULL || !PyObject_TypeCheck(ufunc, &PyUFunc_Type)) {
        return NULL;
    }
    PyObject *obj = ((PyUFuncObject *)ufunc)->obj;
    if (obj == NULL || Py_TYPE(obj) != &UfpyOwner_Type) {
        return NULL;
    }
    return (UfpyOwner *)obj;
}

/* ---- kinds and DTypes ------------------------------------------------ */

/* The builtin DType class of a scalar kind; borrowed (NumPy's builtin
 * DTypes are static), or NULL for void. */
static PyArray_DTypeMeta *dtype_of_kind(UfKind k)
{
    switch (k) {
    case UF_B1:
        return &PyArray_BoolDType;
    case UF_I1:
        return &PyArray_Int8DType;
    case UF_I2:
        return &PyArray_Int16DType;
    case UF_I4:
        return &PyArray_Int32DType;
    case UF_I8:
        return &PyArray_Int64DType;
    case UF_U1:
        return &PyArray_UInt8DType;
    case UF_U2:
        return &PyArray_UInt16DType;
    case UF_U4:
        return &PyArray_UInt32DType;
    case UF_U8:
        return &PyArray_UInt64DType;
    case UF_F4:
        return &PyArray_FloatDType;
    case UF_F8:
        return &PyArray_DoubleDType;
    case UF_C8:
        return &PyArray_CFloatDType;
    case UF_C16:
        return &PyArray_CDoubleDType;
    default:
        return NULL;
    }
}

static UfKind int_kind(int bytes, bool is_signed)
{
    switch (bytes) {
    case 1:
        return is_signed ? UF_I1 : UF_U1;
    case 2:
        return is_signed ? UF_I2 : UF_U2;
    case 4:
        return is_signed ? UF_I4 : UF_U4;
    case 8:
        return is_signed ? UF_I8 : UF_U8;
    default:
        return UF_VOID;
    }
}

/* The kind a concrete DType's values have (long and longlong are both i8
 * on Linux), or UF_VOID when kernels cannot take it: object, strings,
 * datetimes, float16, longdouble, user DTypes, abstract DTypes. */
UfKind ufpy_kind_of_dtype(PyArray_DTypeMeta *dt)
{
    if (dt->flags & NPY_DT_ABSTRACT) {
        return UF_VOID;
    }
    switch (dt->type_num) {
    case NPY_BOOL:
        return UF_B1;
    case NPY_BYTE:
    case NPY_UBYTE:
        return int_kind(1, dt->type_num == NPY_BYTE);
    case NPY_SHORT:
    case NPY_USHORT:
        return int_kind(NPY_SIZEOF_SHORT, dt->type_num == NPY_SHORT);
    case NPY_INT:
    case NPY_UINT:
        return int_kind(NPY_SIZEOF_INT, dt->type_num == NPY_INT);
    case NPY_LONG:
    case NPY_ULONG:
        return int_kind(NPY_SIZEOF_LONG, dt->type_num == NPY_LONG);
    case NPY_LONGLONG:
    case NPY_ULONGLONG:
        return int_kind(NPY_SIZEOF_LONGLONG, dt->type_num == NPY_LONGLONG);
    case NPY_FLOAT:
        return UF_F4;
    case NPY_DOUBLE:
        return UF_F8;
    case NPY_CFLOAT:
        return UF_C8;
    case NPY_CDOUBLE:
        return UF_C16;
    default:
        return UF_VOID;
    }
}

/* Operand |i| of a resolved signature: the arguments, then the returns
 * (a gufunc's outputs are arguments). */
static UfType operand_type(const UfSig *sig, int i)
{
    return i < sig->nargs ? sig->args[i] : sig->ret[i - sig->nargs];
}

/* Fills |dtypes| (borrowed) from a resolved signature: each operand's
 * element DType.  0, or -1 with TypeError for a type a ufunc cannot
 * carry. */
static int dtypes_of_sig(const UfSig *sig, PyArray_DTypeMeta **dtypes)
{
    for (int i = 0; i < sig->nargs + sig->nret; i++) {
        UfType t = operand_type(sig, i);
        dtypes[i] = dtype_of_kind((UfKind)t.kind);
        if (dtypes[i] == NULL) {
            char buf[64];
            PyErr_Format(PyExc_TypeError,
                         "a ufunc cannot take or return %s values",
                         uf_type_str(t, buf, sizeof buf));
            return -1;
        }
    }
    return 0;
}

/* Index of the loop whose DTypes are exactly |dtypes| (nin + nout of
 * them), or -1. */
static int find_loop(const UfpyOwner *o, PyArray_DTypeMeta *const *dtypes)
{
    size_t n = (size_t)(o->nin + o->nout) * sizeof *dtypes;
    for (int i = 0; i < o->nloops; i++) {
        if (memcmp(o->loops[i].dtypes, dtypes, n) == 0) {
            return i;
        }
    }
    return -1;
}

/* ---- identities and the reduction initial ------------------------------ */

/* Whether |v| is the Python int (or bool) |value|. */
static bool is_small_int(PyObject *v, long value)
{
    if (!PyLong_Check(v)) {
        return false;
    }
    int overflow = 0;
    long x = PyLong_AsLongAndOverflow(v, &overflow);
    if (x == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        return false;
    }
    return overflow == 0 && x == value;
}

/* The pending exception, normalized (new reference), and cleared. */
static PyObject *fetch_exception(void)
{
#if PY_VERSION_HEX >= 0x030C0000
    return PyErr_GetRaisedException();
#else
    PyObject *t, *v, *tb;
    PyErr_Fetch(&t, &v, &tb);
    PyErr_NormalizeException(&t, &v, &tb);
    if (tb != NULL && v != NULL) {
        PyException_SetTraceback(v, tb);
    }
    Py_XDECREF(t);
    Py_XDECREF(tb);
    return v;
#endif
}

/* Makes |exc| (stolen) the pending exception. */
static void restore_exception(PyObject *exc)
{
#if PY_VERSION_HEX >= 0x030C0000
    PyErr_SetRaisedException(exc);
#else
    PyErr_Restore(Py_NewRef(Py_TYPE(exc)), exc, PyException_GetTraceback(exc));
#endif
}

/* Replaces the pending exception by |type|(PyUnicode_FromFormat(fmt, ...))
 * with the old one as its __cause__. */
static void raise_from_pending(PyObject *type, const char *fmt, ...)
{
    PyObject *cause = fetch_exception();
    va_list va;
    va_start(va, fmt);
    PyErr_FormatV(type, fmt, va);
    va_end(va);
    if (cause == NULL) {
        return;
    }
    PyObject *exc = fetch_exception();
    PyException_SetCause(exc, Py_NewRef(cause));
    PyException_SetContext(exc, cause); /* steals cause */
    restore_exception(exc);
}

/* NPY_METH_get_reduction_initial: the identity value converted to the
 * loop's output descriptor.  1 filled, 0 none, -1 error (the identity does
 * not fit the loop's type, e.g. -inf for an int64 max). */
static int reduction_initial(PyArrayMethod_Context *context,
                             npy_bool reduction_is_empty, void *initial)
{
    (void)reduction_is_empty;
    UfpyOwner *o = ufpy_owner_of(context->caller);
    if (o == NULL || o->identity != ID_VALUE) {
        return 0;
    }
    PyArray_Descr *descr = context->descriptors[0];
    PyObject *v = o->identity_value;
    if (PyTypeNum_ISUNSIGNED(descr->type_num) && is_small_int(v, -1)) {
        /* like NumPy's legacy identities: -1 means all bits set */
        memset(initial, 0xff, (size_t)PyDataType_ELSIZE(descr));
        return 1;
    }
    if (PyArray_Pack(descr, initial, v) < 0) {
        raise_from_pending(PyExc_ValueError,
                           "ufunc '%s': its identity %R cannot be the "
                           "initial value of a reduction over %S values "
                           "(pass initial= or reduce another dtype)",
                           o->name, v, (PyObject *)descr);
        return -1;
    }
    return 1;
}

/* ---- registering loops ----------------------------------------------- */

/* Adds the ArrayMethod for loop |l| to |ufunc|.  0 or -1. */
static int add_method(PyObject *ufunc, UfpyOwner *o, Loop *l)
{
    char sig[256], name[384];
    uf_sig_str(&l->compiled->sig, sig, sizeof sig);
    snprintf(name, sizeof name, "%s %s", o->name, sig); /* NumPy copies */
    bool reduces = o->nin == 2 && o->nout == 1 && o->layout == NULL;
    PyType_Slot slots[4] = {
        {NPY_METH_strided_loop, (void *)l->compiled->loop},
        {0, NULL},
        {0, NULL},
        {0, NULL},
    };
    int n = 1;
    if (o->identity == ID_VALUE && reduces) {
        slots[n].slot = NPY_METH_get_reduction_initial;
        slots[n++].pfunc = (void *)reduction_initial;
    }
    if (l->par != NULL) { /* target='parallel' */
        slots[n].slot = NPY_METH_get_loop;
        slots[n++].pfunc = (void *)ufpy_parallel_get_loop;
    }
    PyArrayMethod_Spec spec = {
        .name = name,
        .nin = o->nin,
        .nout = o->nout,
        .casting = NPY_NO_CASTING,
        .flags = o->identity == ID_NONE ? 0 : NPY_METH_IS_REORDERABLE,
        .dtypes = l->dtypes,
        .slots = slots,
    };
    return PyUFunc_AddLoopFromSpec(ufunc, &spec);
}

/* Whether |dtypes| hold the kinds of |c|'s resolved signature. */
static bool dtypes_match_sig(const UfCompiled *c,
                             PyArray_DTypeMeta *const *dtypes)
{
    for (int i = 0; i < c->sig.nargs + c->sig.nret; i++) {
        UfType t = operand_type(&c->sig, i);
        if (ufpy_kind_of_dtype(dtypes[i]) != (UfKind)t.kind) {
            return false;
        }
    }
    return true;
}

/* Registers the loop |c| (stolen: kept by the owner, or freed on failure
 * and when its DTypes duplicate a loop's) under |dtypes| (borrowed
 * builtin DTypes of c's kinds; NULL: the canonical DTypes of c's
 * signature).  Returns the index of the loop with these DTypes, or -1.
 * |*added| says whether a new one was made; a duplicate becomes natural
 * if |natural|. */
static int add_loop(PyObject *ufunc, UfpyOwner *o, UfCompiled *c,
                    PyArray_DTypeMeta *const *dtypes, bool natural, bool *added)
{
    Loop l = {.compiled = c, .natural = natural};
    *added = false;
    if (c->sig.nargs + c->sig.nret != o->nin + o->nout) {
        PyErr_Format(PyExc_SystemError,
                     "ufunc '%s': a loop compiled with %d inputs and %d "
                     "outputs for a ufunc with %d and %d",
                     o->name, c->sig.nargs, c->sig.nret, o->nin, o->nout);
        goto fail;
    }
    if (dtypes == NULL) {
        if (dtypes_of_sig(&c->sig, l.dtypes) < 0) {
            goto fail;
        }
    } else if (dtypes_match_sig(c, dtypes)) {
        memcpy(l.dtypes, dtypes, (size_t)(o->nin + o->nout) * sizeof *dtypes);
    } else {
        PyErr_Format(PyExc_SystemError,
                     "ufunc '%s': a loop compiled for other types than "
                     "requested",
                     o->name);
        goto fail;
    }
    if (owner_reserve(ufunc, o) < 0) {
        goto fail;
    }
    int dup = find_loop(o, l.dtypes);
    if (dup >= 0) {
        uf_compiled_free(c);
        o->loops[dup].natural |= natural;
        return dup;
    }
    if (o->parallel && (l.par = ufpy_par_aux_new(o, c)) == NULL) {
        goto fail;
    }
    if (add_method(ufunc, o, &l) < 0) {
        ufpy_par_aux_free(l.par);
        goto fail;
    }
    o->loops[o->nloops++] = l; /* room reserved above */
    publish_types(ufunc, o);
    *added = true;
    return o->nloops - 1;
fail:
    uf_compiled_free(c);
    return -1;
}

/* Compile options of |o| for a loop (no dumps kept). */
static UfCompileOptions loop_options(const UfpyOwner *o)
{
    UfCompileOptions opt = o->opt;
    opt.keep = 0;
    return opt;
}

/* Rejects signatures a vectorize ufunc cannot have: arrays and void
 * returns.  A signature that does not parse passes: compiling it raises
 * the CompileError that points into it.  0 or -1 with TypeError. */
static int check_scalar_sig(const UfpyOwner *o, const char *text)
{
    UfSig s;
    UfError err = {0};
    if (uf_sig_parse(text, &s, &err) < 0) {
        return 0;
    }
    for (int i = 0; i < s.nargs + s.nret; i++) {
        UfType t = i < s.nargs ? s.args[i] : s.ret[i - s.nargs];
        if (t.ndim > 0) {
            PyErr_Format(PyExc_TypeError,
                         "ufunc '%s': signature '%s' has array types; "
                         "vectorize takes scalars (arrays are for "
                         "guvectorize)",
                         o->name, text);
            return -1;
        }
    }
    if (!s.ret_inferred && s.nret == 0) {
        PyErr_Format(PyExc_TypeError,
                     "ufunc '%s': signature '%s' returns void; a vectorize "
                     "kernel returns its results",
                     o->name, text);
        return -1;
    }
    return 0;
}

/* Compiles and registers one listed signature (a duplicate of an earlier
 * loop's DTypes is skipped).  0 or -1. */
static int add_listed(PyObject *ufunc, UfpyOwner *o, const char *text)
{
    UfCompiled *c = NULL;
    if (o->layout != NULL) {
        c = ufpy_gufunc_compile_listed(o, text);
    } else if (check_scalar_sig(o, text) == 0) {
        UfCompileOptions opt = loop_options(o);
        c = ufpy_kernel_compile((UfpyKernel *)o->kernel, text, &opt);
    }
    if (c == NULL) {
        return -1;
    }
    bool added;
    return add_loop(ufunc, o, c, NULL, true, &added) < 0 ? -1 : 0;
}

/* ---- Python scalars (NEP 50) ----------------------------------------- */

/* Releases the references |dtypes[0..n)| (entries may be NULL). */
static void release_dtypes(PyArray_DTypeMeta **dtypes, int n)
{
    for (int i = 0; i < n; i++) {
        Py_XDECREF(dtypes[i]);
    }
}

/* The DType of input |i| for matching: a reduction passes NULL for its
 * first input, which is then the second's. */
static PyArray_DTypeMeta *input_dtype(PyArray_DTypeMeta *const op_dtypes[],
                                      int nin, int i)
{
    if (op_dtypes[i] == NULL && i == 0 && nin > 1) {
        return op_dtypes[1];
    }
    return op_dtypes[i];
}

/* The DType a Python int, float or complex operand has under NEP 50
 * (NumPy 2.4 does not flag these NPY_DT_ABSTRACT), mapped to the DType it
 * defaults to; NULL for any other DType.  Borrowed. */
static PyArray_DTypeMeta *pyscalar_default(PyArray_DTypeMeta *dt)
{
    if (dt == &PyArray_PyLongDType) {
        return &PyArray_Int64DType;
    }
    if (dt == &PyArray_PyFloatDType) {
        return &PyArray_DoubleDType;
    }
    return dt == &PyArray_PyComplexDType ? &PyArray_CDoubleDType : NULL;
}

/* The concrete DType of the Python-scalar DType |dt| (NEP 50): promoted
 * with every other (concrete) input, else |dt|'s default (int64, float64,
 * complex128).  new reference or NULL. */
static PyArray_DTypeMeta *concretize_scalar(const UfpyOwner *o,
                                            PyArray_DTypeMeta *const op[],
                                            PyArray_DTypeMeta *dt)
{
    PyArray_DTypeMeta *seq[UF_MAXARGS + 1] = {dt};
    int n = 1;
    for (int i = 0; i < o->nin; i++) {
        PyArray_DTypeMeta *d = input_dtype(op, o->nin, i);
        if (d != NULL && pyscalar_default(d) == NULL) {
            seq[n++] = d;
        }
    }
    PyArray_DTypeMeta *r = n == 1
                               ? (PyArray_DTypeMeta *)Py_NewRef((PyObject *)dt)
                               : PyArray_PromoteDTypeSequence(n, seq);
    PyArray_DTypeMeta *def = r == NULL ? NULL : pyscalar_default(r);
    if (def != NULL) {
        Py_SETREF(r, (PyArray_DTypeMeta *)Py_NewRef((PyObject *)def));
    }
    return r;
}

/* The kind order NumPy's legacy type resolution compares Python scalars
 * with arrays by (should_use_min_scalar_weak_literals): bool 0, integers
 * 1, floats and complex 2; a Python int counts 1, a float or complex 2. */
static int kind_rank(PyArray_DTypeMeta *dt)
{
    if (dt == &PyArray_PyLongDType) {
        return 1;
    }
    if (pyscalar_default(dt) != NULL) {
        return 2;
    }
    UfKind k = ufpy_kind_of_dtype(dt);
    return k == UF_B1 ? 0 : uf_kind_is_int(k) ? 1 : 2;
}

/* Whether Python scalar inputs stay weak for the legacy fits: NumPy's
 * rule for its own ufuncs, weak only next to an array of at least their
 * kind (f(f4_array, 2) fits an (f4, i4) loop; f(i4_array, 2.5) and
 * f(2, 3.5) take float64 for 2.5 and int64 for 2).  A gufunc's operands do
 * not promote together: there a Python scalar is always weak. */
static bool scalars_weak(const UfpyOwner *o, PyArray_DTypeMeta *const op[])
{
    int arrays = -1, scalars = -1;
    for (int i = 0; i < o->nin; i++) {
        PyArray_DTypeMeta *d = input_dtype(op, o->nin, i);
        if (d == NULL) {
            continue;
        }
        int *rank = pyscalar_default(d) != NULL ? &scalars : &arrays;
        *rank = kind_rank(d) > *rank ? kind_rank(d) : *rank;
    }
    return o->layout != NULL || (arrays >= 0 && arrays >= scalars);
}

/* The inputs as eager_select matches them.  For non-scalar inputs both
 * arrays hold the operand's DType. */
typedef struct Inputs {
    /* NEP 50: each Python scalar made concrete by promotion with the
     * other inputs (concretize_scalar), as np.add(f4_array, 2.0) makes
     * 2.0 float32; a gufunc's scalars stay weak.  New references. */
    PyArray_DTypeMeta *nep50[UF_MAXARGS];
    /* NumPy's legacy type resolution: a Python scalar weak (its Python
     * DType, which casts safely to any loop type of its kind or above:
     * an int to any integer, float or complex; a float to any float or
     * complex; a complex to complex) or at its default DType, as
     * scalars_weak says.  Borrowed. */
    PyArray_DTypeMeta *legacy[UF_MAXARGS];
    bool scalar[UF_MAXARGS]; /* a Python int, float or complex */
} Inputs;

/* Fills |m| from the operands' DTypes |op|.  0 or -1. */
static int match_inputs(const UfpyOwner *o, PyArray_DTypeMeta *const op[],
                        Inputs *m)
{
    bool weak = scalars_weak(o, op);
    for (int i = 0; i < o->nin; i++) {
        PyArray_DTypeMeta *d = input_dtype(op, o->nin, i);
        m->scalar[i] = d != NULL && pyscalar_default(d) != NULL;
        m->legacy[i] = m->scalar[i] && !weak ? pyscalar_default(d) : d;
        bool concrete = m->scalar[i] && o->layout == NULL;
        m->nep50[i] = concrete ? concretize_scalar(o, op, d)
                               : (PyArray_DTypeMeta *)Py_XNewRef((PyObject *)d);
        if (m->nep50[i] == NULL && d != NULL) {
            if (!PyErr_ExceptionMatches(PyExc_TypeError)) {
                release_dtypes(m->nep50, i);
                return -1;
            }
            PyErr_Clear(); /* no common DType: NumPy reports no loop */
            m->nep50[i] = (PyArray_DTypeMeta *)Py_NewRef((PyObject *)d);
        }
    }
    return 0;
}

/* ---- the promoter: eager ufuncs -------------------------------------- */

/* Whether |from| casts safely to |to|: they hold the same values, or
 * their common DType is |to| (for a Python scalar's DType: NEP 50's weak
 * casts).  1 yes, 0 no, -1 error. */
static int casts_safely(PyArray_DTypeMeta *from, PyArray_DTypeMeta *to)
{
    UfKind k = ufpy_kind_of_dtype(from);
    if (from == to || (k != UF_VOID && k == ufpy_kind_of_dtype(to))) {
        return 1; /* the same values: longlong and long on Linux */
    }
    PyArray_DTypeMeta *common = PyArray_CommonDType(from, to);
    if (common == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_TypeError)) {
            return -1;
        }
        PyErr_Clear(); /* DTypePromotionError: no common DType */
        return 0;
    }
    int ok = common == to;
    Py_DECREF(common);
    return ok;
}

/* How loop_fits compares the inputs with a loop's DTypes, in the order
 * eager_select tries them. */
typedef enum Fit {
    FIT_EXACT,        /* the same DTypes (Inputs.nep50) */
    FIT_EXACT_LEGACY, /* arrays the same, Python scalars fit (legacy) */
    FIT_SAFE,         /* each input casts safely (nep50) */
    FIT_SAFE_LEGACY,  /* each input casts safely (legacy) */
    FIT_ANY           /* only the fixed DTypes count */
} Fit;

/* Whether input |i| (of |m|) fits |to| as |how| says.  1, 0 or -1. */
static int input_fits(const Inputs *m, int i, PyArray_DTypeMeta *to, Fit how)
{
    switch (how) {
    case FIT_EXACT:
        return m->nep50[i] == to;
    case FIT_EXACT_LEGACY:
        return m->scalar[i] ? casts_safely(m->legacy[i], to)
                            : m->legacy[i] == to;
    case FIT_SAFE:
        return casts_safely(m->nep50[i], to);
    case FIT_SAFE_LEGACY:
        return casts_safely(m->legacy[i], to);
    default:
        return 1;
    }
}

/* Whether loop |l| fits: the DTypes fixed by |signature| are its own and
 * the other inputs fit as |how| says.  1, 0 or -1. */
static int loop_fits(const UfpyOwner *o, const Loop *l, const Inputs *m,
                     PyArray_DTypeMeta *const signature[], Fit how)
{
    for (int i = 0; i < o->nin + o->nout; i++) {
        if (signature[i] != NULL) {
            if (signature[i] != l->dtypes[i]) {
                return 0;
            }
            continue;
        }
        if (i >= o->nin || m->nep50[i] == NULL) {
            continue;
        }
        int ok = input_fits(m, i, l->dtypes[i], how);
        if (ok <= 0) {
            return ok;
        }
    }
    return 1;
}

/* The first listed loop that fits as |how| says.  Sets |*idx| (-1: none);
 * 0 or -1. */
static int first_fit(const UfpyOwner *o, const Inputs *m,
                     PyArray_DTypeMeta *const signature[], Fit how, int *idx)
{
    *idx = -1;
    for (int i = 0; i < o->nloops; i++) {
        int ok = loop_fits(o, &o->loops[i], m, signature, how);
        if (ok != 0) {
            *idx = ok < 0 ? -1 : i;
            return ok < 0 ? -1 : 0;
        }
    }
    return 0;
}

/* Eager: the loop for the inputs as NumPy sees them, tried in Fit's order:
 *  1. the exact loop, Python scalars made concrete the NEP 50 way (and
 *     the first input of a reduction, which comes in NULL), so
 *     f(f4_array, 2.0) and f(2**53 + 1, 0) keep float32 and int64 as
 *     np.add does;
 *  2. a loop exact for the arrays that the Python scalars fit as NumPy's
 *     legacy type resolution lets them (weak), so f(f4_array, 2) runs an
 *     (f4, i8) loop listed after an (f8, i8) one;
 *  3. the first loop every input casts to safely (NEP 50 scalars);
 *  4. the same with the legacy scalars: f(f8_array, 2) runs the only
 *     loop (f8, i4), as np.ldexp(x, 2) does;
 *  5. with dtype= / signature=, the first loop with the fixed DTypes:
 *     NumPy then checks the casts against casting=, as for its own ufuncs.
 * Sets |*idx| (-1: none); 0 or -1. */
static int eager_select(const UfpyOwner *o,
                        PyArray_DTypeMeta *const op_dtypes[],
                        PyArray_DTypeMeta *const signature[], int *idx)
{
    Inputs m;
    *idx = -1;
    if (match_inputs(o, op_dtypes, &m) < 0) {
        return -1;
    }
    bool fixed = false;
    for (int i = 0; i < o->nin + o->nout; i++) {
        fixed = fixed || signature[i] != NULL;
    }
    int r = 0;
    for (int f = FIT_EXACT; r == 0 && *idx < 0 && f <= FIT_ANY; f++) {
        if (f != FIT_ANY || fixed) {
            r = first_fit(o, &m, signature, (Fit)f, idx);
        }
    }
    release_dtypes(m.nep50, o->nin);
    return r;
}

/* ---- the promoter: lazy ufuncs --------------------------------------- */

/* TypeError for a DType kernels cannot take.  Returns -1. */
static int unsupported_dtype(const UfpyOwner *o, PyArray_DTypeMeta *dt)
{
    /* a parametric DType's singleton is a prototype (<U0): name the class */
    PyObject *what = dt->singleton != NULL && !(dt->flags & NPY_DT_PARAMETRIC)
                         ? (PyObject *)dt->singleton
                         : (PyObject *)dt;
    PyErr_Format(PyExc_TypeError,
                 "ufunc '%s' cannot compile a loop for %S values: kernels "
                 "take bool, int8-int64, uint8-uint64, float32, float64, "
                 "complex64 and complex128",
                 o->name, what);
    return -1;
}

/* The concrete DTypes of the inputs into |in| (borrowed: only NumPy's
 * static builtin DTypes pass kind_of_dtype).  0, or -1 with TypeError for
 * a DType kernels cannot take. */
static int concretize_inputs(const UfpyOwner *o, PyArray_DTypeMeta *const op[],
                             PyArray_DTypeMeta **in)
{
    for (int i = 0; i < o->nin; i++) {
        PyArray_DTypeMeta *d = input_dtype(op, o->nin, i);
        if (d == NULL) { /* only the first input of a reduction is NULL */
            PyErr_Format(PyExc_SystemError,
                         "ufunc '%s': input %d has no "
                         "DType",
                         o->name, i);
            return -1;
        }
        PyArray_DTypeMeta *def = pyscalar_default(d);
        PyArray_DTypeMeta *c =
            def == NULL ? (PyArray_DTypeMeta *)Py_NewRef((PyObject *)d)
            : o->layout != NULL /* each gufunc scalar on its own */
                ? (PyArray_DTypeMeta *)Py_NewRef((PyObject *)def)
                : concretize_scalar(o, op, d);
        if (c == NULL) {
            return -1;
        }
        UfKind k = ufpy_kind_of_dtype(c);
        if (k == UF_VOID) {
            unsupported_dtype(o, c);
        }
        Py_DECREF(c);
        if (k == UF_VOID) {
            return -1;
        }
        in[i] = c; /* a builtin DType: static, it lives as long as NumPy */
    }
    return 0;
}

/* Index of the natural loop for exactly the inputs |in|, or -1. */
static int find_natural(const UfpyOwner *o, PyArray_DTypeMeta *const *in)
{
    for (int i = 0; i < o->nloops; i++) {
        if (o->loops[i].natural &&
            memcmp(o->loops[i].dtypes, in, (size_t)o->nin * sizeof *in) == 0) {
            return i;
        }
    }
    return -1;
}

/* Compiles and registers the loop for |dtypes|: inputs, then (when
 * |natural| is false) the outputs; a natural loop infers its return types.
 * Index of the loop, or -1. */
static UfCompiled *compile_scalar_lazy(UfpyOwner *o,
                                       PyArray_DTypeMeta *const *dtypes,
                                       bool natural);

static int compile_lazy(PyObject *ufunc, UfpyOwner *o,
                        PyArray_DTypeMeta *const *dtypes, bool natural,
                        bool *added)
{
    UfCompiled *c = o->layout != NULL
                        ? ufpy_gufunc_compile_lazy(o, dtypes, natural)
                        : compile_scalar_lazy(o, dtypes, natural);
    if (c == NULL) {
        return -1;
    }
    /* a natural loop's outputs: the DTypes of the inferred returns */
    PyArray_DTypeMeta *all[MAXOPS];
    if (natural && dtypes_of_sig(&c->sig, all) < 0) {
        uf_compiled_free(c);
        return -1;
    }
    /* the inputs (and given outputs) stay the caller's DTypes: longlong
     * stays longlong, so the loop matches exactly */
    memcpy(all, dtypes,
           (size_t)(natural ? o->nin : o->nin + o->nout) * sizeof *all);
    return add_loop(ufunc, o, c, all, natural, added);
}

/* The elementwise loop of a lazy ufunc for |dtypes| (see compile_lazy). */
static UfCompiled *compile_scalar_lazy(UfpyOwner *o,
                                       PyArray_DTypeMeta *const *dtypes,
                                       bool natural)
{
    UfSig s = {.nargs = o->nin, .ret_inferred = natural};
    for (int i = 0; i < o->nin; i++) {
        s.args[i] = uf_type_scalar(ufpy_kind_of_dtype(dtypes[i]));
    }
    for (int j = 0; !natural && j < o->nout; j++) {
        s.ret[s.nret++] =
            uf_type_scalar(ufpy_kind_of_dtype(dtypes[o->nin + j]));
    }
    char text[512];
    uf_sig_str(&s, text, sizeof text);
    UfCompileOptions opt = loop_options(o);
    return ufpy_kernel_compile((UfpyKernel *)o->kernel, text, &opt);
}

/* Whether |signature| has the form NumPy's reductions give a binary
 * ufunc: the first input fixed, the second not, the output unfixed or the
 * same (dtype= fixes both; a loop whose output differs from its first
 * input is retried with the first input fixed to that output).  Such
 * calls get a uniform loop, as accumulate and reduceat require. */
static bool reduction_form(const UfpyOwner *o,
                           PyArray_DTypeMeta *const signature[])
{
    return o->layout == NULL && o->nin == 2 && o->nout == 1 &&
           signature[0] != NULL && signature[1] == NULL &&
           (signature[2] == NULL || signature[2] == signature[0]);
}

/* Lazy: the loop for exactly the inputs' DTypes (Python scalars made
 * concrete) and the outputs fixed by |signature|, compiled and registered
 * now if new.  The natural loop for the inputs is made first, so that
 * calls fixing no output keep finding it (NumPy matches such calls on the
 * inputs alone).  Reductions get uniform loops (reduction_form).  Sets
 * |*idx|; 0 or -1. */
static int lazy_select(PyObject *ufunc, UfpyOwner *o,
                       PyArray_DTypeMeta *const op_dtypes[],
                       PyArray_DTypeMeta *const signature[], int *idx,
                       bool *added)
{
    PyArray_DTypeMeta *want[MAXOPS];
    bool made = false;
    *added = false;
    if (concretize_inputs(o, op_dtypes, want) < 0) {
        return -1;
    }
    if (reduction_form(o, signature)) {
        want[1] = signature[0];
    }
    int nat = find_natural(o, want);
    if (nat < 0 && (nat = compile_lazy(ufunc, o, want, true, added)) < 0) {
        return -1;
    }
    for (int j = o->nin; j < o->nin + o->nout; j++) {
        want[j] = o->loops[nat].dtypes[j];
        if (signature[j] != NULL) {
            if (ufpy_kind_of_dtype(signature[j]) == UF_VOID) {
                return unsupported_dtype(o, signature[j]);
            }
            want[j] = signature[j];
        }
    }
    *idx = find_loop(o, want);
    if (*idx < 0) {
        *idx = compile_lazy(ufunc, o, want, false, &made);
        *added |= made;
    }
    return *idx < 0 ? -1 : 0;
}

/* Fills |new_op_dtypes| (new references) with loop |l|'s DTypes.
 * Returns the promoter's result, 0 or 1 (see below). */
static int fill_dtypes(const UfpyOwner *o, const Loop *l, bool added,
                       PyArray_DTypeMeta *const op_dtypes[],
                       PyArray_DTypeMeta *new_op_dtypes[])
{
    bool same = true;
    for (int i = 0; i < o->nin + o->nout; i++) {
        PyArray_DTypeMeta *d = l->dtypes[i];
        new_op_dtypes[i] = (PyArray_DTypeMeta *)Py_NewRef((PyObject *)d);
        same = same && d == op_dtypes[i];
    }
    if (!same) {
        return 0;
    }
    /*
     * Every operand was fixed (inputs exact, outputs by dtype= or
     * signature=) and the loop was just added.  NumPy 2.0-2.4 give up when
     * a promoter returns the DTypes it was given, so return DTypes that
     * differ but lead to the same loop without caching a wrong answer:
     *  - a natural loop is what the same inputs find when no output is
     *    fixed: pass the outputs as NULL (NumPy still checks the loop it
     *    finds against signature[]);
     *  - two equal inputs: pass the first as NULL, the form reductions
     *    use, which only this promoter matches and which it maps to two
     *    equal inputs again (also for a gufunc without outputs).
     * Otherwise return 1: NumPy >= 2.5 then searches again and finds the
     * new loop; 2.0-2.4 treat 1 as 0, so this first call fails with "no
     * loop matching" and the next call finds the loop (a known limitation:
     * e.g. a unary f(int32_array, dtype=float64) whose kernel does not
     * naturally return float64).
     */
    if (l->natural && o->nout > 0) {
        for (int i = o->nin; i < o->nin + o->nout; i++) {
            Py_CLEAR(new_op_dtypes[i]);
        }
        return 0;
    }
    if (o->nin == 2 && l->dtypes[0] == l->dtypes[1]) {
        Py_CLEAR(new_op_dtypes[0]);
        return 0;
    }
    return added ? 1 : 0;
}

/* Raises numpy.exceptions.DTypePromotionError saying that no loop of |o|
 * fits: NumPy turns it into its own "did not contain a loop with signature
 * matching types" UFuncTypeError, with this one as its cause.  -1. */
static int raise_no_loop(PyObject *ufunc, const UfpyOwner *o)
{
    PyObject *mod = PyImport_ImportModule("numpy.exceptions");
    PyObject *cls =
        mod != NULL ? PyObject_GetAttrString(mod, "DTypePromotionError") : NULL;
    PyObject *types =
        cls != NULL ? PyObject_GetAttrString(ufunc, "types") : NULL;
    if (types != NULL) {
        PyErr_Format(cls,
                     "ufunc '%s': the inputs fit none of its loops %R "
                     "(Python scalars fit as NumPy's type resolution lets "
                     "them)",
                     o->name, types);
    }
    Py_XDECREF(types);
    Py_XDECREF(cls);
    Py_XDECREF(mod);
    return -1;
}

/* PyArrayMethod_PromoterFunction registered for (None, ...) on every
 * ufunc made here: NumPy calls it when no loop matches the operands'
 * DTypes exactly. */
static int promoter(PyObject *ufunc, PyArray_DTypeMeta *const op_dtypes[],
                    PyArray_DTypeMeta *const signature[],
                    PyArray_DTypeMeta *new_op_dtypes[])
{
    UfpyOwner *o = ufpy_owner_of(ufunc);
    if (o == NULL) {
        PyErr_SetString(PyExc_SystemError,
                        "ufuncforge promoter called for a foreign ufunc");
        return -1;
    }
    int idx = -1;
    bool added = false;
    int r = o->lazy ? lazy_select(ufunc, o, op_dtypes, signature, &idx, &added)
                    : eager_select(o, op_dtypes, signature, &idx);
    if (r < 0) {
        return -1;
    }
    if (idx < 0) {
        return raise_no_loop(ufunc, o);
    }
    return fill_dtypes(o, &o->loops[idx], added, op_dtypes, new_op_dtypes);
}

/* The ufunc's legacy type_resolver, which NumPy calls only when the
 * promoter found no loop although the ufunc lists legacy loops (ntypes >
 * 0: publish_types), on NumPy 2.0-2.4 after a lazy loop was just added
 * for a call that fixed every DType (fill_dtypes), and under NumPy 2.0-2.1's
 * deprecated legacy promotion states.  There is no legacy loop to resolve
 * to, so it fails as the promoter does; NumPy reports its "no loop" error.
 * -1. */
static int no_legacy_resolution(PyUFuncObject *ufunc, NPY_CASTING casting,
                                PyArrayObject **operands, PyObject *type_tup,
                                PyArray_Descr **out_dtypes)
{
    (void)casting;
    (void)operands;
    (void)type_tup;
    (void)out_dtypes;
    UfpyOwner *o = ufpy_owner_of((PyObject *)ufunc);
    if (o == NULL) {
        PyErr_SetString(PyExc_SystemError,
                        "ufuncforge type resolver called for a foreign ufunc");
        return -1;
    }
    return raise_no_loop((PyObject *)ufunc, o);
}

/* ---- make_ufunc ------------------------------------------------------ */

/* Reads |identity| (None, ("reorderable", None) or ("value", v)) into
 * |*kind| and |*value| (borrowed).  0 or -1 with TypeError. */
int ufpy_parse_identity(PyObject *identity, Identity *kind, PyObject **value)
{
    *kind = ID_NONE;
    *value = NULL;
    if (identity == Py_None) {
        return 0;
    }
    const char *tag = NULL;
    if (PyTuple_Check(identity) && PyTuple_GET_SIZE(identity) == 2 &&
        PyUnicode_Check(PyTuple_GET_ITEM(identity, 0))) {
        tag = PyUnicode_AsUTF8(PyTuple_GET_ITEM(identity, 0));
    }
    if (tag != NULL && strcmp(tag, "reorderable") == 0) {
        *kind = ID_REORDERABLE;
        return 0;
    }
    if (tag != NULL && strcmp(tag, "value") == 0) {
        *kind = ID_VALUE;
        *value = PyTuple_GET_ITEM(identity, 1);
        return 0;
    }
    if (!PyErr_Occurred()) {
        PyErr_Format(PyExc_TypeError,
                     "identity must be None, ('reorderable', None) or "
                     "('value', v), not %R",
                     identity);
    }
    return -1;
}

/* NumPy's identity code for an owner's identity. */
static int identity_code(Identity kind, PyObject *value)
{
    if (kind == ID_NONE) {
        return PyUFunc_None;
    }
    if (kind == ID_REORDERABLE) {
        return PyUFunc_ReorderableNone;
    }
    if (is_small_int(value, 0)) {
        return PyUFunc_Zero;
    }
    if (is_small_int(value, 1)) {
        return PyUFunc_One;
    }
    return is_small_int(value, -1) ? PyUFunc_MinusOne : PyUFunc_IdentityValue;
}

/* Reads the "fastmath" and "boundscheck" entries of |options| (a dict or
 * None) over the defaults.  0 or -1. */
int ufpy_option_flag(PyObject *options, const char *key, bool *flag)
{
    if (options == Py_None) {
        return 0;
    }
    if (!PyDict_Check(options)) {
        PyErr_Format(PyExc_TypeError, "options must be a dict, not %.100s",
                     Py_TYPE(options)->tp_name);
        return -1;
    }
    PyObject *v = PyDict_GetItemString(options, key); /* borrowed */
    int b = v == NULL ? *flag : PyObject_IsTrue(v);
    if (b < 0) {
        return -1;
    }
    *flag = b;
    return 0;
}

int ufpy_parse_options(PyObject *options, UfCompileOptions *opt)
{
    *opt = uf_compile_options_default();
    return ufpy_option_flag(options, "fastmath", &opt->fastmath) < 0
               ? -1
               : ufpy_option_flag(options, "boundscheck", &opt->boundscheck);
}

/* Registers the catch-all promoter on |ufunc|.  0 or -1. */
static int add_promoter(PyObject *ufunc, int nargs)
{
    PyObject *nones = PyTuple_New(nargs);
    if (nones == NULL) {
        return -1;
    }
    for (int i = 0; i < nargs; i++) {
        PyTuple_SET_ITEM(nones, i, Py_NewRef(Py_None));
    }
    PyObject *capsule =
        PyCapsule_New((void *)promoter, "numpy._ufunc_promoter", NULL);
    int r = capsule == NULL ? -1 : PyUFunc_AddPromoter(ufunc, nones, capsule);
    Py_XDECREF(capsule);
    Py_DECREF(nones);
    return r;
}

/* The ufunc for owner |o| (stolen: on success ufunc->obj, else released),
 * with the promoter but no loops.  new reference or NULL. */
static PyObject *new_ufunc(UfpyOwner *o)
{
    PyObject *ufunc = PyUFunc_FromFuncAndDataAndSignatureAndIdentity(
        NULL, NULL, NULL, 0, o->nin, o->nout,
        identity_code(o->identity, o->identity_value), o->name, o->doc, 0,
        o->layout != NULL ? o->layout->numpy_sig : NULL,
        o->identity == ID_VALUE ? o->identity_value : NULL);
    if (ufunc == NULL) {
        Py_DECREF(o);
        return NULL;
    }
    /* NumPy releases obj with the ufunc (as for frompyfunc) */
    ((PyUFuncObject *)ufunc)->obj = (PyObject *)o;
    ((PyUFuncObject *)ufunc)->type_resolver = no_legacy_resolution;
    if ((o->layout != NULL && ufpy_gufunc_setup(ufunc, o) < 0) ||
        add_promoter(ufunc, o->nin + o->nout) < 0) {
        Py_DECREF(ufunc);
        return NULL;
    }
    return ufunc;
}

/* Checks the kernel's shape for vectorize.  0 or -1 with TypeError. */
static int check_kernel(const UfpyKernel *k)
{
    const char *name = k->kernel->name;
    if (k->nout <= 0) {
        UfError err = {0};
        uf_error(&err, UF_ERR_TYPE, k->kernel->loc,
                 "kernel '%s' returns no value: a vectorize kernel must "
                 "return one (or a tuple, for several outputs)",
                 name);
        ufpy_raise_compile_error(&err, &k->src);
        return -1;
    }
    if (k->kernel->nargs < 1 || k->kernel->nargs > UF_MAXARGS ||
        k->nout > UF_MAXOUTS) {
        PyErr_Format(PyExc_TypeError,
                     "kernel '%s': a vectorize kernel takes 1 to %d "
                     "arguments and returns 1 to %d values",
                     name, UF_MAXARGS, UF_MAXOUTS);
        return -1;
    }
    return 0;
}

/* Compiles and registers every signature of |sigs| (a list or tuple).
 * 0 or -1. */
static int add_listed_all(PyObject *ufunc, UfpyOwner *o, PyObject *sigs)
{
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(sigs); i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(sigs, i);
        const char *text =
            PyUnicode_Check(item) ? PyUnicode_AsUTF8(item) : NULL;
        if (text == NULL) {
            if (!PyErr_Occurred()) {
                PyErr_Format(PyExc_TypeError,
                             "signatures must be strings, not %.100s",
                             Py_TYPE(item)->tp_name);
            }
            return -1;
        }
        if (add_listed(ufunc, o, text) < 0) {
            return -1;
        }
    }
    return 0;
}

PyObject *ufpy_build_ufunc(UfpyOwner *o, PyObject *sigs)
{
    o->lazy = PySequence_Fast_GET_SIZE(sigs) == 0;
    PyObject *ufunc = new_ufunc(o); /* steals o */
    if (ufunc != NULL && add_listed_all(ufunc, o, sigs) < 0) {
        Py_CLEAR(ufunc); /* frees the owner and the loops compiled so far */
    }
    return ufunc;
}

/* The ufunc for |kernel| with |sigs| (a list or tuple; empty: lazy). */
static PyObject *make_ufunc(PyObject *kernel, PyObject *sigs, const char *name,
                            const char *doc, Identity id, PyObject *id_value,
                            const UfCompileOptions *opt, bool parallel)
{
    UfpyOwner *o = ufpy_owner_new(kernel, name, doc, id, id_value);
    if (o == NULL) {
        return NULL;
    }
    o->opt = *opt;
    o->parallel = parallel;
    o->nin = ((UfpyKernel *)kernel)->kernel->nargs;
    o->nout = ((UfpyKernel *)kernel)->nout;
    return ufpy_build_ufunc(o, sigs);
}

PyObject *ufpy_make_ufunc(PyObject *module, PyObject *args)
{
    (void)module;
    PyObject *kernel, *sigs, *identity, *options;
    const char *name, *doc;
    if (!PyArg_ParseTuple(args, "O!OszOO:make_ufunc", &UfpyKernel_Type, &kernel,
                          &sigs, &name, &doc, &identity, &options)) {
        return NULL;
    }
    Identity id;
    PyObject *id_value;
    UfCompileOptions opt;
    bool parallel = false;
    if (check_kernel((UfpyKernel *)kernel) < 0 ||
        ufpy_parse_identity(identity, &id, &id_value) < 0 ||
        ufpy_parse_options(options, &opt) < 0 ||
        ufpy_option_flag(options, "parallel", &parallel) < 0) {
        return NULL;
    }
    if (PyUnicode_Check(sigs)) {
        PyErr_SetString(PyExc_TypeError,
                        "signatures must be a list of strings, not a str");
        return NULL;
    }
    PyObject *seq = PySequence_Fast(sigs, "signatures must be a list");
    if (seq == NULL) {
        return NULL;
    }
    PyObject *ufunc =
        make_ufunc(kernel, seq, name, doc, id, id_value, &opt, parallel);
    Py_DECREF(seq);
    return ufunc;
}

/* ---- ufunc_info and inspect ------------------------------------------ */

/* {"fastmath": bool, "boundscheck": bool}: new reference or NULL. */
static PyObject *options_dict(const UfCompileOptions *opt)
{
    return Py_BuildValue("{sOsO}", "fastmath",
                         opt->fastmath ? Py_True : Py_False, "boundscheck",
                         opt->boundscheck ? Py_True : Py_False);
}

/* The resolved signature strings of |o|'s loops, in registration order. */
static PyObject *signature_list(const UfpyOwner *o)
{
    PyObject *list = PyList_New(o->nloops);
    for (int i = 0; list != NULL && i < o->nloops; i++) {
        char buf[512];
        uf_sig_str(&o->loops[i].compiled->sig, buf, sizeof buf);
        PyObject *s = PyUnicode_FromString(buf);
        if (s == NULL) {
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, i, s);
    }
    return list;
}

/* The positions of the inputs NumPy passes read-write: new tuple, or
 * NULL. */
static PyObject *writable_inputs(PyObject *ufunc, const UfpyOwner *o)
{
    const npy_uint32 *flags = ((PyUFuncObject *)ufunc)->op_flags;
    PyObject *list = PyList_New(0);
    for (int i = 0; list != NULL && i < o->nin; i++) {
        if (!(flags[i] & NPY_ITER_READWRITE)) {
            continue;
        }
        PyObject *k = PyLong_FromLong(i);
        if (k == NULL || PyList_Append(list, k) < 0) {
            Py_CLEAR(list);
        }
        Py_XDECREF(k);
    }
    PyObject *t = list != NULL ? PyList_AsTuple(list) : NULL;
    Py_XDECREF(list);
    return t;
}

PyObject *ufpy_ufunc_info(PyObject *module, PyObject *ufunc)
{
    (void)module;
    UfpyOwner *o = ufpy_owner_of(ufunc);
    if (o == NULL) {
        Py_RETURN_NONE;
    }
    PyObject *sigs = signature_list(o);
    PyObject *opts = sigs == NULL ? NULL : options_dict(&o->opt);
    if (opts == NULL) {
        Py_XDECREF(sigs);
        return NULL;
    }
    PyObject *costs = PyList_New(o->nloops);
    for (int i = 0; costs != NULL && i < o->nloops; i++) {
        PyObject *c = PyFloat_FromDouble(o->loops[i].compiled->cost_ns);
        if (c == NULL) {
            Py_CLEAR(costs);
            break;
        }
        PyList_SET_ITEM(costs, i, c);
    }
    if (costs == NULL) {
        Py_DECREF(sigs);
        Py_DECREF(opts);
        return NULL;
    }
    PyObject *writable = writable_inputs(ufunc, o);
    if (writable == NULL) {
        Py_DECREF(sigs);
        Py_DECREF(opts);
        Py_DECREF(costs);
        return NULL;
    }
    return Py_BuildValue(
        "{sNsOsOsNszsssNsN}", "signatures", sigs, "kernel", o->kernel, "lazy",
        o->lazy ? Py_True : Py_False, "options", opts, "layout",
        o->layout != NULL ? o->layout->text : NULL, "target",
        o->parallel ? "parallel" : "cpu", "costs", costs, "writable", writable);
}

/* {"kir": str, ...} from the kept stage texts of |c| ("" when a stage
 * kept nothing).  new reference or NULL. */
static PyObject *stage_dict(const UfCompiled *c)
{
    static const char *const keys[UF_NDUMPS] = {"kir", "types", "llvm", "opt",
                                                "asm"};
    PyObject *d = PyDict_New();
    for (int i = 0; d != NULL && i < UF_NDUMPS; i++) {
        PyObject *s = PyUnicode_FromString(c->text[i] ? c->text[i] : "");
        if (s == NULL || PyDict_SetItemString(d, keys[i], s) < 0) {
            Py_XDECREF(s);
            Py_CLEAR(d);
            break;
        }
        Py_DECREF(s);
    }
    return d;
}

PyObject *ufpy_inspect(PyObject *module, PyObject *args)
{
    (void)module;
    PyObject *kernel, *options;
    const char *sig, *layout_text = NULL;
    if (!PyArg_ParseTuple(args, "O!sO|z:inspect", &UfpyKernel_Type, &kernel,
                          &sig, &options, &layout_text)) {
        return NULL;
    }
    UfCompileOptions opt;
    if (ufpy_parse_options(options, &opt) < 0) {
        return NULL;
    }
    opt.keep = (1u << UF_NDUMPS) - 1;
    opt.print = 0;
    UfCompiled *c = NULL;
    if (layout_text != NULL) {
        UfGuLayout *l = ufpy_parse_layout(layout_text);
        c = l == NULL ? NULL
                      : ufpy_kernel_compile_gufunc((UfpyKernel *)kernel, sig,
                                                   NULL, l, &opt);
        PyMem_Free(l);
    } else {
        c = ufpy_kernel_compile((UfpyKernel *)kernel, sig, &opt);
    }
    if (c == NULL) {
        return NULL;
    }
    PyObject *d = stage_dict(c);
    uf_compiled_free(c);
    return d;
}
