/*
 * frontend_frozen.c -- globals and literals frozen when the kernel is
 * translated, beyond plain numbers (frontend.c):
 *
 *   COEFFS = (1.0, 0.5, 0.25)     a tuple, list or NumPy array: a
 *                                 read-only constant array (constarray)
 *   Color.RED, Color['RED']       an Enum member: its value
 *   float('inf'), np.float32('nan')  a conversion of a constant string:
 *                                 its result
 *   a, b = PAIR                   unpacking a frozen tuple
 *
 * Each frozen array is bound once per kernel to a local set at the top
 * of the kernel (fe_frozen_prologue), whatever helper or branch first
 * uses it; later changes to the global are not seen.
 */
#include "frontend.h"

#include <string.h>

/* Elements a frozen array may have: embedded in the generated code, and
 * written out in kir text. */
#define FROZEN_MAX_ELEMENTS (1 << 20)

/* The text of the pending Python error (new reference, or NULL), which
 * is cleared. */
static PyObject *error_text(void)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyObject *text = value != NULL ? PyObject_Str(value) : NULL;
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    PyErr_Clear();
    return text;
}

/* ---- what is frozen ---------------------------------------------------- */

static bool is_sequence(PyObject *v)
{
    return PyTuple_Check(v) || PyList_Check(v) || PyArray_Check(v);
}

/* Whether |v| is an instance of enum.Enum (or, with |cls|, a subclass). */
static bool is_enum(PyObject *v, bool cls)
{
    PyObject *mod = PyImport_ImportModule("enum");
    PyObject *base = mod != NULL ? PyObject_GetAttrString(mod, "Enum") : NULL;
    int r = base == NULL ? 0
            : cls        ? PyType_Check(v) && PyObject_IsSubclass(v, base)
                         : PyObject_IsInstance(v, base);
    Py_XDECREF(base);
    Py_XDECREF(mod);
    PyErr_Clear();
    return r == 1;
}

/* The compile-time value of |e| when it is a Name or an attribute chain
 * naming a tuple, list or array (new reference), else NULL. */
static PyObject *frozen_sequence(Fe *fe, PyObject *e)
{
    if (!fe_is_kind(e, "Name") && !fe_is_kind(e, "Attribute")) {
        return NULL;
    }
    PyObject *v = fe_static_value(fe, e);
    if (v != NULL && !is_sequence(v)) {
        Py_CLEAR(v);
    }
    return v;
}

bool fe_is_frozen_sequence(Fe *fe, PyObject *e)
{
    PyObject *v = frozen_sequence(fe, e);
    Py_XDECREF(v);
    return v != NULL;
}

/* ---- constant arrays ----------------------------------------------------- */

/* Whether the tuple or list |v| holds (at any depth) a Python int
 * outside int64, which NumPy would make uint64, float64 or object. */
static bool has_big_int(PyObject *v)
{
    if (PyLong_Check(v)) {
        int overflow = 0;
        PyLong_AsLongLongAndOverflow(v, &overflow);
        PyErr_Clear();
        return overflow != 0;
    }
    if (!PyTuple_Check(v) && !PyList_Check(v)) {
        return false;
    }
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(v); i++) {
        if (has_big_int(PySequence_Fast_GET_ITEM(v, i))) {
            return true;
        }
    }
    return false;
}

/* |v| (a tuple, list or array) as a C-contiguous native array of a kind
 * kir has (new reference), or NULL with the error recorded. */
static PyArrayObject *as_frozen_array(Fe *fe, PyObject *v, PyObject *at)
{
    PyObject *a =
        PyArray_FROM_OF(v, NPY_ARRAY_C_CONTIGUOUS | NPY_ARRAY_ALIGNED);
    if (a == NULL) {
        PyObject *text = error_text();
        fe_fail(fe, at, "cannot freeze this %s as an array: %s",
                Py_TYPE(v)->tp_name,
                text != NULL ? PyUnicode_AsUTF8(text) : "?");
        Py_XDECREF(text);
        PyErr_Clear();
        return NULL;
    }
    PyArrayObject *arr = (PyArrayObject *)a;
    UfKind kind = fe_kind_of_descr(PyArray_DESCR(arr));
    const char *why = NULL;
    if (kind == UF_VOID || uf_kind_is_complex(kind)) {
        why = "its elements must be booleans, integers or floats "
              "(complex numbers, strings and objects cannot be frozen)";
    } else if (!PyArray_ISNOTSWAPPED(arr)) {
        why = "its byte order is not the machine's";
    } else if (!PyArray_Check(v) && has_big_int(v)) {
        why = "a Python int in it does not fit in int64";
    } else if (PyArray_SIZE(arr) > FROZEN_MAX_ELEMENTS ||
               PyArray_NDIM(arr) > UF_MAXNDIM) {
        why = "it is too large to be embedded in the code (more than "
              "2**20 elements, or more than 32 axes): pass it as an "
              "argument of a guvectorize kernel instead";
    }
    if (why != NULL) {
        PyObject *dt = PyObject_Str((PyObject *)PyArray_DESCR(arr));
        fe_fail(fe, at, "cannot freeze this %s (dtype %s): %s",
                Py_TYPE(v)->tp_name, dt != NULL ? PyUnicode_AsUTF8(dt) : "?",
                why);
        Py_XDECREF(dt);
        PyErr_Clear();
        Py_CLEAR(arr);
    }
    return arr;
}

/* (constarray KIND (SHAPE) ...) of the array |arr|. */
static KirNode *const_array_node(Fe *fe, PyArrayObject *arr, PyObject *at)
{
    KirConstArray *c = kir_arena_alloc(fe->k->arena, sizeof *c);
    size_t nbytes = (size_t)PyArray_NBYTES(arr);
    void *data = kir_arena_alloc(fe->k->arena, nbytes > 0 ? nbytes : 1);
    KirNode *n = fe_mk(fe, KIR_CONSTARRAY, 0, at);
    if (c == NULL || data == NULL) {
        return fe_fail_nomem(fe);
    }
    if (n == NULL) {
        return NULL;
    }
    c->kind = (uint8_t)fe_kind_of_descr(PyArray_DESCR(arr));
    c->ndim = PyArray_NDIM(arr);
    for (int d = 0; d < c->ndim; d++) {
        c->shape[d] = PyArray_DIM(arr, d);
    }
    memcpy(data, PyArray_DATA(arr), nbytes);
    if (c->kind == UF_B1) { /* NumPy bools are 0 or 1 bytes already */
        for (size_t i = 0; i < nbytes; i++) {
            ((unsigned char *)data)[i] = ((unsigned char *)data)[i] != 0;
        }
    }
    c->data = data;
    n->u.carr = c;
    return n;
}

/* A kir name for the local of a frozen array read through |at|. */
static void frozen_name(PyObject *at, char *out, size_t n)
{
    const char *id = fe_is_kind(at, "Name")        ? fe_field_str(at, "id")
                     : fe_is_kind(at, "Attribute") ? fe_field_str(at, "attr")
                                                   : NULL;
    PyErr_Clear();
    fe_kir_name(id != NULL ? id : "frozen", out, n);
}

/* The local holding the frozen array |v| (bound at the top of the kernel
 * on first use), as a VAR node. */
static KirNode *frozen_array(Fe *fe, PyObject *v, PyObject *at)
{
    if (fe->frozen == NULL && (fe->frozen = PyDict_New()) == NULL) {
        return fe_fail_python(fe);
    }
    PyObject *key = PyLong_FromVoidPtr(v);
    PyObject *have = key != NULL ? PyDict_GetItem(fe->frozen, key) : NULL;
    if (have != NULL) { /* (object, var): the object keeps its id unique */
        Py_DECREF(key);
        return fe_mk_var(fe, (int)PyLong_AsLong(PyTuple_GET_ITEM(have, 1)), at);
    }
    PyArrayObject *arr = key != NULL ? as_frozen_array(fe, v, at) : NULL;
    if (arr != NULL && PyArray_NDIM(arr) == 0) { /* np.array(2.5) */
        PyObject *s = PyArray_ToScalar(PyArray_DATA(arr), arr);
        Py_DECREF(arr);
        Py_DECREF(key);
        KirNode *r =
            s != NULL ? fe_const_number(fe, s, at) : fe_fail_python(fe);
        Py_XDECREF(s);
        return r;
    }
    char name[96];
    frozen_name(at, name, sizeof name);
    int var = arr != NULL ? fe_fresh_local(fe, name) : -1;
    StmtList *saved = fe->cur;
    fe->cur = &fe->frozen_sets;
    int rc =
        var >= 0
            ? fe_emit(fe, fe_mk_set(fe, var, const_array_node(fe, arr, at), at))
            : -1;
    fe->cur = saved;
    PyObject *entry = rc == 0 ? Py_BuildValue("(Oi)", v, var) : NULL;
    if (entry != NULL && PyDict_SetItem(fe->frozen, key, entry) < 0) {
        Py_CLEAR(entry);
    }
    if (rc == 0 && entry == NULL) {
        fe_fail_python(fe);
    }
    Py_XDECREF(entry);
    Py_XDECREF(key);
    Py_XDECREF(arr);
    return entry != NULL ? fe_mk_var(fe, var, at) : NULL;
}

int fe_frozen_prologue(Fe *fe, StmtList *top)
{
    StmtList *l = &fe->frozen_sets;
    if (l->n == 0) {
        return 0;
    }
    KirNode **items =
        uf_realloc(l->items, (size_t)(l->n + top->n) * sizeof *items);
    if (items == NULL) {
        fe_fail_nomem(fe);
        return -1;
    }
    if (top->n > 0) {
        memcpy(items + l->n, top->items, (size_t)top->n * sizeof *items);
    }
    uf_free(top->items);
    top->items = items;
    top->n = top->cap = l->n + top->n;
    memset(l, 0, sizeof *l);
    return 0;
}

/* ---- frozen values ----------------------------------------------------- */

KirNode *fe_frozen_expr(Fe *fe, PyObject *v, PyObject *at)
{
    if (is_sequence(v)) {
        return frozen_array(fe, v, at);
    }
    if (!is_enum(v, false)) {
        return NULL;
    }
    PyObject *value = PyObject_GetAttrString(v, "value");
    KirNode *n = NULL;
    if (value == NULL) {
        fe_fail_python(fe);
    } else if (fe_is_number(value)) {
        n = fe_const_number(fe, value, at);
    } else {
        PyObject *r = PyObject_Str(v);
        fe_fail(fe, at,
                "the Enum member %s has a value of type '%s': only "
                "numbers are frozen",
                r != NULL ? PyUnicode_AsUTF8(r) : "?", Py_TYPE(value)->tp_name);
        Py_XDECREF(r);
    }
    Py_XDECREF(value);
    return n;
}

/* ---- subscripts, stores and unpacking ------------------------------------ */

/* The constant index of |sub| (new reference), or NULL. */
static PyObject *constant_index(PyObject *sub)
{
    PyObject *idx = fe_field(sub, "slice");
    PyObject *v = idx != NULL && fe_is_kind(idx, "Constant")
                      ? fe_field(idx, "value")
                      : NULL;
    Py_XDECREF(idx);
    PyErr_Clear();
    return v;
}

PyObject *fe_enum_item(Fe *fe, PyObject *e)
{
    PyObject *value = fe_field(e, "value");
    bool named = value != NULL &&
                 (fe_is_kind(value, "Name") || fe_is_kind(value, "Attribute"));
    PyObject *cls = named ? fe_static_value(fe, value) : NULL;
    Py_XDECREF(value);
    PyErr_Clear();
    if (cls == NULL || !is_enum(cls, true)) {
        Py_XDECREF(cls);
        return NULL;
    }
    PyObject *key = constant_index(e);
    PyObject *member = key != NULL ? PyObject_GetItem(cls, key) : NULL;
    if (member == NULL) {
        PyErr_Clear();
        fe_fail(fe, e,
                "an Enum is indexed by the constant name of a member, such "
                "as Color['RED']%s",
                key != NULL ? ": it has no such member" : "");
    }
    Py_XDECREF(key);
    Py_DECREF(cls);
    return member;
}

KirNode *fe_static_subscript(Fe *fe, PyObject *e)
{
    PyObject *member = fe_enum_item(fe, e);
    KirNode *n = member != NULL ? fe_frozen_expr(fe, member, e) : NULL;
    Py_XDECREF(member);
    return n;
}

int fe_check_frozen_store(Fe *fe, PyObject *value)
{
    PyObject *v = frozen_sequence(fe, value);
    if (v == NULL) {
        return fe_failed(fe) ? -1 : 0;
    }
    Py_DECREF(v);
    const char *id = fe_is_kind(value, "Name") ? fe_field_str(value, "id")
                                               : fe_field_str(value, "attr");
    PyErr_Clear();
    fe_fail(fe, value,
            "cannot assign into '%s': a global tuple, list or array is "
            "frozen when the kernel is compiled, and read-only in it",
            id != NULL ? id : "?");
    return -1;
}

int fe_assign_frozen(Fe *fe, PyObject *elts, PyObject *value, PyObject *at)
{
    PyObject *v = frozen_sequence(fe, value);
    if (v == NULL) {
        return fe_failed(fe) ? -1 : 1;
    }
    Py_ssize_t n = PySequence_Size(v);
    int rc = n == PyList_GET_SIZE(elts) ? 0 : -1;
    if (rc < 0) {
        PyErr_Clear();
        fe_fail(fe, at, "cannot unpack %zd values into %zd names", n,
                PyList_GET_SIZE(elts));
    }
    for (Py_ssize_t i = 0; rc == 0 && i < n; i++) {
        PyObject *item = PySequence_GetItem(v, i);
        KirNode *k =
            item != NULL ? fe_static_expr(fe, item, value) : fe_fail_python(fe);
        rc = fe_assign(fe, PyList_GET_ITEM(elts, i), k, NULL, at);
        Py_XDECREF(item);
    }
    Py_DECREF(v);
    return rc;
}

/* ---- conversions of constant strings ------------------------------------- */

KirNode *fe_const_call(Fe *fe, PyObject *call, PyObject *func, const char *kind)
{
    if (strcmp(kind, "cast") != 0 && strcmp(kind, "int") != 0) {
        return NULL;
    }
    PyObject *args = fe_field(call, "args"), *kws = fe_field(call, "keywords");
    PyObject *arg = args != NULL && kws != NULL && PyList_GET_SIZE(args) == 1 &&
                            PyList_GET_SIZE(kws) == 0
                        ? PyList_GET_ITEM(args, 0)
                        : NULL;
    PyObject *s = arg != NULL && fe_is_kind(arg, "Constant")
                      ? fe_field(arg, "value")
                      : NULL;
    Py_XDECREF(args);
    Py_XDECREF(kws);
    PyErr_Clear();
    if (s == NULL || !PyUnicode_Check(s)) {
        Py_XDECREF(s);
        return NULL;
    }
    PyObject *v = PyObject_CallOneArg(func, s);
    KirNode *n = NULL;
    if (v != NULL && fe_is_number(v)) {
        n = fe_const_number(fe, v, call);
    } else {
        PyObject *text = PyErr_Occurred() ? error_text() : NULL;
        fe_fail(fe, call, "this conversion of a constant string fails: %s",
                text != NULL ? PyUnicode_AsUTF8(text) : "not a number");
        Py_XDECREF(text);
        PyErr_Clear();
    }
    Py_XDECREF(v);
    Py_DECREF(s);
    return n;
}
