/*
 * frontend_array.c -- the array syntax of gufunc kernels: indexing and
 * slicing (LOAD, SLICE), element stores (STORE), a.shape[k] / len(a) /
 * a.size / a.ndim, new arrays (np.empty / zeros / ones), reductions
 * (np.sum, a.max(), np.dot, ...) and loops over arrays.  (Which kernel
 * arguments are arrays, and so cannot be rebound, is found in
 * frontend.c.)
 *
 * The front end knows no types: it translates what the syntax says, and
 * type inference later checks that arrays and scalars are where they
 * belong (an index is an integer, a.shape[k] has k < a.ndim, ...).
 */
#include "frontend.h"

#include <string.h>

/* ---- small helpers --------------------------------------------------- */

/* Whether |e| is the constant |v| (None, Ellipsis). */
static bool is_constant(PyObject *e, PyObject *v)
{
    if (!fe_is_kind(e, "Constant")) {
        return false;
    }
    PyObject *c = fe_field(e, "value");
    PyErr_Clear();
    Py_XDECREF(c);
    return c == v;
}

/* Whether |e| is an ast.Name. */
static bool is_name(PyObject *e)
{
    return e != NULL && fe_is_kind(e, "Name");
}

/* The identifier of |e| when it is a Name, else "a": for messages such
 * as "x.shape is only supported as x.shape[k]". */
static const char *array_name(PyObject *e)
{
    const char *id = is_name(e) ? fe_field_str(e, "id") : NULL;
    PyErr_Clear();
    return id != NULL ? id : "a";
}

/* A node of |n| children |kids|, or NULL if one of them is NULL. */
static KirNode *mk_n(Fe *fe, KirOp op, KirNode **kids, int n, PyObject *at)
{
    for (int i = 0; i < n; i++) {
        if (kids[i] == NULL) {
            return NULL;
        }
    }
    KirNode *r = fe_mk(fe, op, n, at);
    if (r != NULL && n > 0) {
        memcpy(r->kids, kids, (size_t)n * sizeof *kids);
    }
    return r;
}

/* A deep copy of the expression |n| (an index read twice by a += b). */
KirNode *fe_copy_tree(Fe *fe, const KirNode *n)
{
    if (n == NULL) {
        return NULL;
    }
    KirNode *c = kir_node_new(fe->k, (KirOp)n->op, n->nkids, n->loc);
    if (c == NULL) {
        return fe_fail_nomem(fe);
    }
    c->u = n->u;
    for (int32_t i = 0; i < n->nkids; i++) {
        if ((c->kids[i] = fe_copy_tree(fe, n->kids[i])) == NULL) {
            return NULL;
        }
    }
    return c;
}

/* |arr| as an atom: itself when it is one, else a fresh local
 * (set __view_N arr) that holds the view. */
static KirNode *bind_view(Fe *fe, KirNode *arr, PyObject *at)
{
    if (arr == NULL || kir_op_info[arr->op].cls == KIR_CLASS_ATOM) {
        return arr;
    }
    int v = fe_fresh_local(fe, "__view");
    if (v < 0 || fe_emit(fe, fe_mk_set(fe, v, arr, at)) < 0) {
        return NULL;
    }
    return fe_mk_var(fe, v, at);
}

/* Whether the call |call| is to the Python object |func| (range,
 * enumerate), resolved at compile time. */
bool fe_calls(Fe *fe, PyObject *call, PyObject *func)
{
    if (!fe_is_kind(call, "Call")) {
        return false;
    }
    PyObject *f = fe_field(call, "func");
    PyObject *v = f != NULL ? fe_static_value(fe, f) : NULL;
    Py_XDECREF(f);
    Py_XDECREF(v);
    return v == func;
}

/* ---- indices --------------------------------------------------------- */

/* The index expressions of the subscript |sub|: a tuple index's elements,
 * else the index alone.  New list, or NULL with the error recorded. */
static PyObject *index_items(Fe *fe, PyObject *sub)
{
    PyObject *idx = fe_field(sub, "slice");
    if (idx == NULL) {
        return fe_fail_python(fe);
    }
    PyObject *items;
    if (fe_is_kind(idx, "Tuple")) {
        items = fe_field(idx, "elts");
    } else {
        items = PyList_New(1);
        if (items != NULL) {
            Py_INCREF(idx);
            PyList_SET_ITEM(items, 0, idx);
        }
    }
    Py_DECREF(idx);
    if (items == NULL) {
        return fe_fail_python(fe);
    }
    if (PyList_GET_SIZE(items) == 0) {
        fe_fail(fe, sub,
                "an empty index [()] is not supported: give one "
                "index or slice per axis");
        Py_CLEAR(items);
    } else if (PyList_GET_SIZE(items) > UF_MAXNDIM) {
        fe_fail(fe, sub, "an array has at most %d axes to index", UF_MAXNDIM);
        Py_CLEAR(items);
    }
    return items;
}

/* Whether |e| names None at compile time (np.newaxis). */
static bool is_static_none(Fe *fe, PyObject *e)
{
    if (!fe_is_kind(e, "Name") && !fe_is_kind(e, "Attribute")) {
        return false;
    }
    PyObject *v = fe_static_value(fe, e);
    Py_XDECREF(v);
    return v == Py_None;
}

/* Why |idx| cannot index an array, or NULL when it may. */
static const char *bad_index(Fe *fe, PyObject *idx)
{
    if (is_constant(idx, Py_Ellipsis)) {
        return "'...' (Ellipsis) is not supported in array indices: give one "
               "index or slice per axis";
    }
    if (is_constant(idx, Py_None) || is_static_none(fe, idx)) {
        return "None (np.newaxis) is not supported in array indices: a "
               "kernel cannot add axes";
    }
    if (fe_is_kind(idx, "List") || fe_is_kind(idx, "ListComp")) {
        return "indexing with a list (fancy or boolean-mask indexing) is not "
               "supported in a kernel: write a loop";
    }
    if (fe_is_kind(idx, "Tuple")) {
        return "nested tuples are not supported in array indices: give one "
               "index or slice per axis";
    }
    if (fe_is_kind(idx, "Starred")) {
        return "*unpacking is not supported in array indices";
    }
    return NULL;
}

/* A slice bound: None when left out (or written None). */
static KirNode *slice_bound(Fe *fe, PyObject *slice, const char *attr)
{
    PyObject *b = fe_field(slice, attr);
    if (b == NULL) {
        return fe_fail_python(fe);
    }
    KirNode *n = (b == Py_None || is_constant(b, Py_None))
                     ? fe_mk(fe, KIR_NONE, 0, slice)
                     : fe_translate_expr(fe, b);
    Py_DECREF(b);
    return n;
}

/* start:stop:step  ->  (slice start stop step) */
static KirNode *translate_slice(Fe *fe, PyObject *slice)
{
    KirNode *b[3];
    static const char *const attrs[3] = {"lower", "upper", "step"};
    for (int i = 0; i < 3; i++) {
        if ((b[i] = slice_bound(fe, slice, attrs[i])) == NULL) {
            return NULL;
        }
    }
    return mk_n(fe, KIR_SLICE, b, 3, slice);
}

/* One index of the subscript |sub|: an integer expression or, unless
 * |store|, a slice. */
static KirNode *translate_index(Fe *fe, PyObject *idx, PyObject *sub,
                                bool store)
{
    const char *why = bad_index(fe, idx);
    if (why != NULL || fe_failed(fe)) {
        return why != NULL ? fe_fail(fe, idx, "%s", why) : NULL;
    }
    if (!fe_is_kind(idx, "Slice")) {
        return fe_translate_expr(fe, idx);
    }
    if (store) {
        return fe_fail(fe, sub,
                       "assigning to a slice is not supported; write a loop");
    }
    return translate_slice(fe, idx);
}

/* Translates the indices of |sub| into |out| (room for UF_MAXNDIM);
 * returns their count, or -1. */
static int translate_indices(Fe *fe, PyObject *sub, KirNode **out, bool store)
{
    PyObject *items = index_items(fe, sub);
    if (items == NULL) {
        return -1;
    }
    int n = (int)PyList_GET_SIZE(items);
    for (int i = 0; i < n; i++) {
        out[i] = translate_index(fe, PyList_GET_ITEM(items, i), sub, store);
        if (out[i] == NULL) {
            n = -1;
            break;
        }
    }
    Py_DECREF(items);
    return n;
}

/* ---- a.shape --------------------------------------------------------- */

/* Whether |e| is `X.shape` for an array expression X (not a compile-time
 * value such as a global's shape). */
bool fe_is_shape_attribute(Fe *fe, PyObject *e)
{
    if (!fe_is_kind(e, "Attribute")) {
        return false;
    }
    const char *attr = fe_field_str(e, "attr");
    if (attr == NULL || strcmp(attr, "shape") != 0) {
        PyErr_Clear();
        return false;
    }
    PyObject *v = fe_static_value(fe, e);
    Py_XDECREF(v);
    return v == NULL && !fe_failed(fe);
}

/* a.shape[k]  ->  (shape a k); k must be an integer known now. */
static KirNode *shape_index(Fe *fe, PyObject *sub, PyObject *attr)
{
    PyObject *value = fe_field(attr, "value");
    const char *name = array_name(value);
    KirNode *arr = value != NULL ? fe_translate_expr(fe, value) : NULL;
    PyObject *items = arr != NULL ? index_items(fe, sub) : NULL;
    KirNode *k = NULL;
    if (items != NULL && PyList_GET_SIZE(items) == 1 &&
        !fe_is_kind(PyList_GET_ITEM(items, 0), "Slice")) {
        k = fe_translate_expr(fe, PyList_GET_ITEM(items, 0));
    }
    if (items != NULL && !fe_failed(fe) && (k == NULL || k->op != KIR_INT)) {
        fe_fail(fe, sub,
                "%s.shape[k] needs an integer literal k, such as "
                "%s.shape[0] or %s.shape[-1]",
                name, name, name);
    }
    Py_XDECREF(items);
    Py_XDECREF(value);
    return fe_failed(fe) ? NULL : fe_mk2(fe, KIR_SHAPE, arr, k, sub);
}

/* n, m = a.shape  ->  (set n (shape a 0)) (set m (shape a 1)); the rank
 * is checked by type inference. */
int fe_assign_shape(Fe *fe, PyObject *elts, PyObject *attr, PyObject *at)
{
    KirNode *arr = fe_expr_field(fe, attr, "value");
    arr = bind_view(fe, arr, attr);
    int rc = arr != NULL ? 0 : -1;
    for (Py_ssize_t i = 0; rc == 0 && i < PyList_GET_SIZE(elts); i++) {
        KirNode *a = i == 0 ? arr : fe_copy_atom(fe, arr);
        KirNode *shape = fe_mk2(fe, KIR_SHAPE, a, fe_mk_int(fe, i, attr), attr);
        rc = shape != NULL
                 ? fe_assign(fe, PyList_GET_ITEM(elts, i), shape, NULL, at)
                 : -1;
    }
    return rc;
}

/* ---- loads ----------------------------------------------------------- */

/* a[i, j], a[i:j, k], a[i][j]: (load ARRAY INDEX...); a.shape[k] */
KirNode *fe_translate_subscript(Fe *fe, PyObject *e)
{
    PyObject *value = fe_field(e, "value");
    if (value == NULL) {
        return fe_fail_python(fe);
    }
    KirNode *r = NULL;
    if (fe_is_shape_attribute(fe, value)) {
        r = shape_index(fe, e, value);
    } else if (!fe_failed(fe)) {
        KirNode *kids[1 + UF_MAXNDIM];
        kids[0] = fe_translate_expr(fe, value);
        int n =
            kids[0] != NULL ? translate_indices(fe, e, kids + 1, false) : -1;
        r = n > 0 ? mk_n(fe, KIR_LOAD, kids, n + 1, e) : NULL;
    }
    Py_DECREF(value);
    return r;
}

/* a.size -> (size a); a.ndim -> (ndim a); a.shape alone is an error. */
bool fe_is_array_attribute(const char *attr)
{
    return strcmp(attr, "shape") == 0 || strcmp(attr, "size") == 0 ||
           strcmp(attr, "ndim") == 0;
}

KirNode *fe_array_attribute(Fe *fe, PyObject *e, const char *attr)
{
    if (strcmp(attr, "shape") == 0) {
        PyObject *value = fe_field(e, "value");
        const char *name = array_name(value);
        fe_fail(fe, e,
                "%s.shape is only supported as %s.shape[k] or in "
                "`n, m = %s.shape`",
                name, name, name);
        Py_XDECREF(value);
        return NULL;
    }
    KirOp op = strcmp(attr, "size") == 0 ? KIR_SIZE : KIR_NDIM;
    return fe_mk1(fe, op, fe_expr_field(fe, e, "value"), e);
}

/* ---- stores ---------------------------------------------------------- */

/* The array variable a store into the subscript |target| writes: the
 * array's own variable, or a fresh local bound to the view (a[i][j] = v
 * stores into __view_N = a[i]).  -1 on error. */
static int store_array(Fe *fe, PyObject *target)
{
    PyObject *value = fe_field(target, "value");
    if (value == NULL) {
        fe_fail_python(fe);
        return -1;
    }
    if (fe_check_frozen_store(fe, value) < 0) { /* COEFFS[0] = ... */
        Py_DECREF(value);
        return -1;
    }
    const char *id = is_name(value) ? fe_field_str(value, "id") : NULL;
    int var = id != NULL ? fe_scope_lookup(fe, id) : -1;
    if (var < 0 && fe_is_shape_attribute(fe, value)) {
        fe_fail(fe, target, "array shapes cannot be assigned to");
    } else if (var < 0 && !fe_failed(fe)) {
        KirNode *view = bind_view(fe, fe_translate_expr(fe, value), target);
        var = view != NULL ? view->u.var : -1;
        if (view != NULL && view->op != KIR_VAR) {
            fe_fail(fe, value, "only arrays can be assigned into");
            var = -1;
        }
    }
    Py_DECREF(value);
    return fe_failed(fe) ? -1 : var;
}

/* (store VAR INDEX... value) */
static KirNode *mk_store(Fe *fe, int var, KirNode **idx, int n, KirNode *value,
                         PyObject *at)
{
    KirNode *kids[2 + UF_MAXNDIM];
    kids[0] = fe_mk_var(fe, var, at);
    memcpy(kids + 1, idx, (size_t)n * sizeof *idx);
    kids[n + 1] = value;
    return mk_n(fe, KIR_STORE, kids, n + 2, at);
}

/* a[i, j] = value (value already translated: Python evaluates it
 * first). */
int fe_store_subscript(Fe *fe, PyObject *target, KirNode *value, PyObject *at)
{
    KirNode *idx[UF_MAXNDIM];
    int var = value != NULL ? store_array(fe, target) : -1;
    int n = var >= 0 ? translate_indices(fe, target, idx, true) : -1;
    return n > 0 ? fe_emit(fe, mk_store(fe, var, idx, n, value, at)) : -1;
}

/* a[i] += v  ->  (store a i (+ (load a i) v)); the indices are pure, so
 * they are translated once and read twice. */
int fe_augassign_subscript(Fe *fe, PyObject *s, PyObject *target, KirOp op)
{
    KirNode *idx[UF_MAXNDIM], *load[1 + UF_MAXNDIM];
    int var = store_array(fe, target);
    int n = var >= 0 ? translate_indices(fe, target, idx, true) : -1;
    if (n <= 0) {
        return -1;
    }
    load[0] = fe_mk_var(fe, var, target);
    for (int i = 0; i < n; i++) {
        load[i + 1] = fe_copy_tree(fe, idx[i]);
    }
    KirNode *old = mk_n(fe, KIR_LOAD, load, n + 1, target);
    KirNode *value = old != NULL ? fe_expr_field(fe, s, "value") : NULL;
    return fe_emit(fe,
                   mk_store(fe, var, idx, n, fe_mk2(fe, op, old, value, s), s));
}

/* ---- calls: reductions, len(), new arrays ---------------------------- */

/* Rejects keyword arguments of a reduction (axis=, keepdims=, ...). */
static bool no_keywords(Fe *fe, PyObject *call, const char *what)
{
    PyObject *kws = fe_field(call, "keywords");
    PyObject *kw = kws != NULL && PyList_GET_SIZE(kws) > 0
                       ? PyList_GET_ITEM(kws, 0)
                       : NULL;
    if (kw != NULL) {
        const char *arg = fe_field_str(kw, "arg");
        PyErr_Clear();
        if (arg == NULL) {
            fe_fail(fe, kw,
                    "%s: **keyword arguments are not supported in "
                    "kernels",
                    what);
        } else {
            fe_fail(fe, kw, "%s: %s= is not supported in kernels%s", what, arg,
                    strcmp(arg, "axis") == 0
                        ? " (a reduction covers a whole 1-D array; for a "
                          "2-D one, loop over its rows)"
                        : "");
        }
    }
    Py_XDECREF(kws);
    return kw == NULL;
}

/* np.sum(a), a.sum(), np.dot(a, b), a.dot(b), ...: (OP a [b]).  |recv|
 * is the Attribute node of a method call, else NULL. */
static KirNode *reduction(Fe *fe, PyObject *call, const char *what, KirOp op,
                          PyObject *recv)
{
    if (!no_keywords(fe, call, what)) {
        return NULL;
    }
    KirNode *a[8];
    int have = 0;
    if (recv != NULL) {
        if ((a[have++] = fe_expr_field(fe, recv, "value")) == NULL) {
            return NULL;
        }
    }
    int n = fe_call_args(fe, call, a + have, 8 - have, what);
    int want = kir_op_info[op].nkids - have;
    if (n >= 0 && n != want) {
        return fe_fail(fe, call,
                       "%s takes %d argument%s in a kernel, %d given%s", what,
                       want, want == 1 ? "" : "s", n,
                       n > want ? " (axis is not supported)" : "");
    }
    return n < 0 ? NULL : mk_n(fe, op, a, have + n, call);
}

static const struct {
    const char *method;
    KirOp op;
} array_methods[] = {
    {"sum", KIR_SUM},  {"prod", KIR_PROD}, {"mean", KIR_MEAN},
    {"min", KIR_AMIN}, {"max", KIR_AMAX},  {"dot", KIR_DOT},
};

/* The reduction op of the array method |attr|, or -1. */
static int method_op(const char *attr)
{
    for (size_t i = 0; i < sizeof array_methods / sizeof *array_methods; i++) {
        if (strcmp(attr, array_methods[i].method) == 0) {
            return array_methods[i].op;
        }
    }
    return -1;
}

bool fe_is_array_method(const char *attr)
{
    return method_op(attr) >= 0;
}

/* a.sum(), a.prod(), a.mean(), a.min(), a.max(), a.dot(b) */
KirNode *fe_array_method(Fe *fe, PyObject *call, PyObject *attr_node,
                         const char *attr)
{
    char what[32];
    snprintf(what, sizeof what, ".%s()", attr);
    return reduction(fe, call, what, (KirOp)method_op(attr), attr_node);
}

/* Whether the dtype expression is an array's .dtype (known only when the
 * kernel runs). */
static bool is_dtype_attribute(PyObject *e)
{
    const char *attr =
        fe_is_kind(e, "Attribute") ? fe_field_str(e, "attr") : NULL;
    PyErr_Clear();
    return attr != NULL && strcmp(attr, "dtype") == 0;
}

/* The scalar kind a compile-time dtype names: a ufuncforge type
 * (uf.float32), or anything numpy.dtype() accepts (np.float32, float,
 * 'f4', None for float64); UF_VOID if none. */
static UfKind dtype_object_kind(PyObject *v)
{
    PyObject *code = PyObject_GetAttrString(v, "code");
    PyErr_Clear();
    if (code != NULL && PyUnicode_Check(code)) {
        const char *text = PyUnicode_AsUTF8(code);
        UfType t;
        UfError err = {0};
        int pos = 0;
        bool ok = text != NULL && uf_type_parse(text, &pos, &t, &err) == 0 &&
                  text[pos] == '\0' && t.ndim == 0 && !uf_type_is_weak(t);
        Py_DECREF(code);
        PyErr_Clear();
        return ok ? (UfKind)t.kind : UF_VOID;
    }
    Py_XDECREF(code);
    PyArray_Descr *d = NULL;
    if (!PyArray_DescrConverter(v, &d)) {
        PyErr_Clear();
        return UF_VOID;
    }
    UfKind k = PyArray_ISNBO(d->byteorder) ? fe_kind_of_descr(d) : UF_VOID;
    Py_DECREF(d);
    return k;
}

/* The element kind the dtype expression |e| names; -1 on error. */
static int dtype_kind(Fe *fe, PyObject *e, UfKind *kind)
{
    PyObject *v = fe_is_kind(e, "Constant") ? fe_field(e, "value")
                                            : fe_static_value(fe, e);
    if (v == NULL) {
        if (!fe_failed(fe)) {
            fe_fail(fe, e,
                    "the dtype must be known when the kernel is translated: "
                    "name a type such as np.float32, float or 'f4'%s",
                    is_dtype_attribute(e) ? " (an array's .dtype is not "
                                            "supported)"
                                          : "");
        }
        return -1;
    }
    *kind = dtype_object_kind(v);
    if (*kind == UF_VOID) {
        PyObject *r = PyObject_Repr(v);
        fe_fail(fe, e,
                "dtype %s is not a scalar type a kernel supports (bool, "
                "integers, floats and complex, such as np.int32 or 'f4')",
                r != NULL ? PyUnicode_AsUTF8(r) : "?");
        Py_XDECREF(r);
        PyErr_Clear();
    }
    Py_DECREF(v);
    return *kind == UF_VOID ? -1 : 0;
}

/* The shape and dtype arguments of np.empty(shape, dtype) (positional
 * or keyword; new references, *dtype NULL when left out); -1 on error. */
static int new_array_args(Fe *fe, PyObject *call, const char *what,
                          PyObject **shape, PyObject **dtype)
{
    PyObject *args = fe_field(call, "args"), *kws = fe_field(call, "keywords");
    PyObject **slots[2] = {shape, dtype};
    int rc = args != NULL && kws != NULL ? 0 : -1;
    for (Py_ssize_t i = 0; rc == 0 && i < PyList_GET_SIZE(args); i++) {
        PyObject *a = PyList_GET_ITEM(args, i);
        if (i >= 2 || fe_is_kind(a, "Starred")) {
            fe_fail(fe, a, "%s takes a shape and a dtype in a kernel", what);
            rc = -1;
        } else {
            *slots[i] = Py_NewRef(a);
        }
    }
    for (Py_ssize_t i = 0; rc == 0 && i < PyList_GET_SIZE(kws); i++) {
        PyObject *kw = PyList_GET_ITEM(kws, i);
        const char *arg = fe_field_str(kw, "arg");
        int slot = arg == NULL                 ? -1
                   : strcmp(arg, "shape") == 0 ? 0
                   : strcmp(arg, "dtype") == 0 ? 1
                                               : -1;
        if (slot < 0) {
            fe_fail(fe, kw, "%s: %s%s= is not supported in kernels", what,
                    arg != NULL ? "" : "**", arg != NULL ? arg : "keywords");
            rc = -1;
        } else if (*slots[slot] != NULL) {
            fe_fail(fe, kw, "%s got %s twice", what, arg);
            rc = -1;
        } else {
            *slots[slot] = fe_field(kw, "value");
        }
    }
    if (rc == 0 && *shape == NULL) {
        fe_fail(fe, call, "%s needs a shape", what);
        rc = -1;
    }
    Py_XDECREF(args);
    Py_XDECREF(kws);
    return rc < 0 || fe_failed(fe) ? -1 : 0;
}

/* The extents of a new array's shape: n or (n,) or (n, m).  Returns their
 * count, or -1. */
static int extents(Fe *fe, PyObject *shape, const char *what, KirNode **out)
{
    if (fe_is_shape_attribute(fe, shape)) {
        PyObject *value = fe_field(shape, "value");
        const char *a = array_name(value);
        fe_fail(fe, shape,
                "%s with %s.shape is not supported (its length is not known "
                "yet): give the extents, such as (%s.shape[0], %s.shape[1])",
                what, a, a, a);
        Py_XDECREF(value);
        return -1;
    }
    if (!fe_is_kind(shape, "Tuple") && !fe_is_kind(shape, "List")) {
        out[0] = fe_translate_expr(fe, shape);
        return out[0] != NULL ? 1 : -1;
    }
    PyObject *elts = fe_field(shape, "elts");
    int n = elts != NULL ? (int)PyList_GET_SIZE(elts) : -1;
    if (n == 0 || n > 2) {
        fe_fail(fe, shape,
                "%s makes 1-D and 2-D arrays in a kernel: give 1 or 2 "
                "extents, found %d",
                what, n);
        n = -1;
    }
    for (int i = 0; i < n; i++) {
        if ((out[i] = fe_translate_expr(fe, PyList_GET_ITEM(elts, i))) ==
            NULL) {
            n = -1;
        }
    }
    Py_XDECREF(elts);
    return n;
}

/* np.empty / np.zeros / np.ones: (array TYPE FILL EXTENT...), FILL None
 * (uninitialized), 0 or 1; the type is float64 unless dtype says. */
static KirNode *new_array(Fe *fe, PyObject *call, const char *what,
                          const char *fill)
{
    PyObject *shape = NULL, *dtype = NULL;
    UfKind kind = UF_F8;
    KirNode *kids[3];
    int n = -1;
    if (new_array_args(fe, call, what, &shape, &dtype) == 0 &&
        (dtype == NULL || dtype_kind(fe, dtype, &kind) == 0)) {
        n = extents(fe, shape, what, kids + 1);
    }
    Py_XDECREF(shape);
    Py_XDECREF(dtype);
    if (n < 0) {
        return NULL;
    }
    kids[0] = strcmp(fill, "None") == 0
                  ? fe_mk(fe, KIR_NONE, 0, call)
                  : fe_mk_int(fe, strcmp(fill, "1") == 0, call);
    KirNode *r = mk_n(fe, KIR_NEWARRAY, kids, n + 1, call);
    if (r != NULL) {
        r->u.to = uf_type_scalar(kind);
    }
    return r;
}

/* len(a)  ->  (shape a 0) */
static KirNode *len_call(Fe *fe, PyObject *call, const char *what)
{
    KirNode *a[8];
    int n = fe_call_args(fe, call, a, 8, what);
    if (n < 0 || !fe_arity_ok(fe, call, what, n, 1, 1)) {
        return NULL;
    }
    return fe_mk2(fe, KIR_SHAPE, a[0], fe_mk_int(fe, 0, call), call);
}

/* builtin sum(a)  ->  (sum a);  sum(a, start)  ->  (+ start (sum a)) */
static KirNode *builtin_sum(Fe *fe, PyObject *call, const char *what)
{
    KirNode *a[8];
    int n = fe_call_args(fe, call, a, 8, what);
    if (n < 0 || !fe_arity_ok(fe, call, what, n, 1, 2)) {
        return NULL;
    }
    KirNode *sum = fe_mk1(fe, KIR_SUM, a[0], call);
    return n == 1 ? sum : fe_mk2(fe, KIR_ADD, a[1], sum, call);
}

/* Whether the funcmap spec kind |kind| is one of the array calls. */
bool fe_is_array_spec(const char *kind)
{
    static const char *const kinds[] = {"reduce", "sum", "len", "newarray",
                                        "like"};
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        if (strcmp(kind, kinds[i]) == 0) {
            return true;
        }
    }
    return false;
}

/* A call with one of the array specs (see _funcmap.py):
 * ("reduce", OP), ("sum",), ("len",), ("newarray", FILL), ("like", NAME).
 */
KirNode *fe_array_spec(Fe *fe, PyObject *call, const char *what,
                       const char *kind, const char *arg)
{
    if (strcmp(kind, "reduce") == 0) {
        int op = kir_op_lookup(arg, strlen(arg));
        return op < 0 ? fe_fail(fe, call, "internal: no kir op '%s'", arg)
                      : reduction(fe, call, what, (KirOp)op, NULL);
    }
    if (strcmp(kind, "sum") == 0) {
        return builtin_sum(fe, call, what);
    }
    if (strcmp(kind, "len") == 0) {
        return len_call(fe, call, what);
    }
    if (strcmp(kind, "newarray") == 0) {
        return new_array(fe, call, what, arg);
    }
    return fe_fail(fe, call,
                   "np.%s_like() is not supported in kernels (the element "
                   "type must be known when the kernel is translated): "
                   "write np.%s(len(a), dtype) or np.%s((n, m), dtype)",
                   arg, arg, arg);
}

/* ---- loops over arrays ----------------------------------------------- */

/* The sequence of `for ... in ITER` when ITER is an array (a name or a
 * subscript) or enumerate(array[, start]); *start is enumerate's start
 * (new references).  -1 with the error otherwise. */
static int loop_sequence(Fe *fe, PyObject *iter, PyObject **seq,
                         PyObject **start, bool *enumerated)
{
    *enumerated = fe_calls(fe, iter, (PyObject *)&PyEnum_Type);
    const char *id = is_name(iter) ? fe_field_str(iter, "id") : NULL;
    if (!*enumerated) {
        bool array = (id != NULL && fe_scope_lookup(fe, id) >= 0) ||
                     fe_is_kind(iter, "Subscript") ||
                     fe_is_frozen_sequence(fe, iter);
        if (array) {
            *seq = Py_NewRef(iter);
        } else if (!fe_failed(fe)) {
            fe_fail(fe, iter,
                    "a kernel can only loop over range(...), an array, a "
                    "global tuple or enumerate(array)");
        }
        return array ? 0 : -1;
    }
    PyObject *args = fe_field(iter, "args"), *kws = fe_field(iter, "keywords");
    Py_ssize_t n = args != NULL ? PyList_GET_SIZE(args) : 0;
    Py_ssize_t nk = kws != NULL ? PyList_GET_SIZE(kws) : 0;
    const char *kw =
        nk == 1 ? fe_field_str(PyList_GET_ITEM(kws, 0), "arg") : NULL;
    bool ok =
        (n == 1 || n == 2) &&
        (nk == 0 || (nk == 1 && n == 1 && kw && strcmp(kw, "start") == 0));
    if (ok) {
        *seq = Py_NewRef(PyList_GET_ITEM(args, 0));
        *start = n == 2    ? Py_NewRef(PyList_GET_ITEM(args, 1))
                 : nk == 1 ? fe_field(PyList_GET_ITEM(kws, 0), "value")
                           : NULL;
    } else {
        fe_fail(fe, iter, "enumerate() takes an array and an optional start");
    }
    Py_XDECREF(args);
    Py_XDECREF(kws);
    return ok ? 0 : -1;
}

/* The targets of `for i, x in enumerate(a)`: i and x (borrowed). */
static int enumerate_targets(Fe *fe, PyObject *target, PyObject **index,
                             PyObject **item)
{
    bool pair = fe_is_kind(target, "Tuple") || fe_is_kind(target, "List");
    PyObject *elts = pair ? fe_field(target, "elts") : NULL;
    bool ok = elts != NULL && PyList_GET_SIZE(elts) == 2;
    if (ok) {
        *index = PyList_GET_ITEM(elts, 0); /* kept alive by |target| */
        *item = PyList_GET_ITEM(elts, 1);
    } else {
        fe_fail(fe, target,
                "a loop over enumerate() needs two names: "
                "`for i, x in enumerate(a)`");
    }
    Py_XDECREF(elts);
    return ok ? 0 : -1;
}

/* The local enumerate's index name stands for when it can be the loop
 * index itself (a plain name, start 0), else -1. */
static int direct_index(Fe *fe, PyObject *index_target, bool has_start)
{
    const char *id = index_target != NULL && !has_start && is_name(index_target)
                         ? fe_field_str(index_target, "id")
                         : NULL;
    return id != NULL ? fe_scope_lookup(fe, id) : -1;
}

/* Statements that start each iteration: i = __i + start (unless i is
 * the loop index itself: |direct|), x = a[__i]. */
static int loop_prefix(Fe *fe, int var, bool direct, KirNode *arr,
                       KirNode *start, PyObject *index_target,
                       PyObject *item_target, PyObject *at)
{
    int rc = 0;
    if (index_target != NULL && !direct) {
        KirNode *i = fe_mk_var(fe, var, at);
        KirNode *v = start != NULL ? fe_mk2(fe, KIR_ADD, i, start, at) : i;
        rc = fe_assign(fe, index_target, v, NULL, at);
    }
    KirNode *load =
        fe_mk2(fe, KIR_LOAD, fe_copy_atom(fe, arr), fe_mk_var(fe, var, at), at);
    return rc == 0 && load != NULL ? fe_assign(fe, item_target, load, NULL, at)
                                   : -1;
}

/* for x in a / for i, x in enumerate(a[, start]): a FOR over the index
 * range 0 .. len(a) whose body starts with x = a[i].  Sets the FOR's
 * variable and bounds; the first statements of the body go to |prefix|.
 * An array given by an expression is bound to a local first. */
int fe_array_loop(Fe *fe, PyObject *target, PyObject *iter, int *var,
                  KirNode **bounds, StmtList *prefix)
{
    PyObject *seq = NULL, *start_ast = NULL, *index_target = NULL;
    PyObject *item_target = target;
    bool enumerated = false;
    int rc = loop_sequence(fe, iter, &seq, &start_ast, &enumerated);
    if (rc == 0 && enumerated) {
        rc = enumerate_targets(fe, target, &index_target, &item_target);
    }
    KirNode *arr =
        rc == 0 ? bind_view(fe, fe_translate_expr(fe, seq), iter) : NULL;
    KirNode *start = arr != NULL && start_ast != NULL
                         ? fe_once(fe, fe_translate_expr(fe, start_ast), iter)
                         : NULL;
    Py_XDECREF(seq);
    Py_XDECREF(start_ast);
    if (arr == NULL || fe_failed(fe)) {
        return -1;
    }
    int direct = direct_index(fe, index_target, start != NULL);
    *var = direct >= 0 ? direct : fe_fresh_local(fe, "__i");
    bounds[0] = fe_mk_int(fe, 0, iter);
    bounds[1] = fe_mk2(fe, KIR_SHAPE, arr, fe_mk_int(fe, 0, iter), iter);
    bounds[2] = fe_mk_int(fe, 1, iter);
    StmtList *saved = fe->cur;
    fe->cur = prefix;
    rc = *var >= 0 ? loop_prefix(fe, *var, direct >= 0, arr, start,
                                 index_target, item_target, iter)
                   : -1;
    fe->cur = saved;
    return rc < 0 || fe_failed(fe) ? -1 : 0;
}
