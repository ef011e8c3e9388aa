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
static PyObject *index_items_of(Fe *fe, PyObject *sub, bool store)
{
    PyObject *idx = fe_field(sub, "slice");
    if (idx == NULL) {
        return fe_fail_python(fe);
    }
    PyObject *items;
    if (store && is_constant(idx, Py_Ellipsis)) { /* a[...] = v: all of a */
        Py_DECREF(idx);
        return PyList_New(0);
    }
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
    if (PyList_GET_SIZE(items) == 0 && !store) {
        fe_fail(fe, sub,
                "an empty index [()] is only supported in an assignment "
                "(a[()] = v fills a): give one index or slice per axis");
        Py_CLEAR(items);
    } else if (PyList_GET_SIZE(items) > UF_MAXNDIM) {
        fe_fail(fe, sub, "an array has at most %d axes to index", UF_MAXNDIM);
        Py_CLEAR(items);
    }
    return items;
}

static PyObject *index_items(Fe *fe, PyObject *sub)
{
    return index_items_of(fe, sub, false);
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

/* One index of the subscript |sub|: an integer expression or a slice. */
static KirNode *translate_index(Fe *fe, PyObject *idx)
{
    const char *why = bad_index(fe, idx);
    if (why != NULL || fe_failed(fe)) {
        return why != NULL ? fe_fail(fe, idx, "%s", why) : NULL;
    }
    if (!fe_is_kind(idx, "Slice")) {
        return fe_translate_expr(fe, idx);
    }
    return translate_slice(fe, idx);
}

/* Translates the indices of |sub| into |out| (room for UF_MAXNDIM);
 * returns their count (0 for a[()] = v or a[...] = v in a |store|), or
 * -1. */
/* The locals of the index tuple |e| names (for idx in np.ndindex(...)),
 * as VAR nodes into |out|: their count, 0 when |e| is no such name, -1
 * on error. */
int fe_tuple_index(Fe *fe, PyObject *e, KirNode **out, PyObject *at)
{
    PyObject *id = fe->tuples != NULL && is_name(e) ? fe_field(e, "id") : NULL;
    PyObject *vars =
        id != NULL ? PyDict_GetItemWithError(fe->tuples, id) : NULL;
    Py_XDECREF(id);
    PyErr_Clear();
    int n = vars != NULL ? (int)PyTuple_GET_SIZE(vars) : 0;
    for (int i = 0; i < n; i++) {
        out[i] =
            fe_mk_var(fe, (int)PyLong_AsLong(PyTuple_GET_ITEM(vars, i)), at);
        if (out[i] == NULL) {
            return -1;
        }
    }
    return n;
}

static int translate_indices(Fe *fe, PyObject *sub, KirNode **out, bool store)
{
    PyObject *idx = fe_field(sub, "slice");
    int tn = idx != NULL ? fe_tuple_index(fe, idx, out, sub) : -1;
    Py_XDECREF(idx);
    if (tn != 0) {
        return tn;
    }
    PyObject *items = index_items_of(fe, sub, store);
    if (items == NULL) {
        return -1;
    }
    int n = (int)PyList_GET_SIZE(items);
    for (int i = 0; i < n; i++) {
        out[i] = translate_index(fe, PyList_GET_ITEM(items, i));
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
    return n >= 0 ? fe_emit(fe, mk_store(fe, var, idx, n, value, at)) : -1;
}

/* a[i] += v  ->  (store a i (+ (load a i) v)); the indices are pure, so
 * they are translated once and read twice. */
int fe_augassign_subscript(Fe *fe, PyObject *s, PyObject *target, KirOp op)
{
    KirNode *idx[UF_MAXNDIM], *load[1 + UF_MAXNDIM];
    int var = store_array(fe, target);
    int n = var >= 0 ? translate_indices(fe, target, idx, true) : -1;
    if (n < 0) {
        return -1;
    }
    for (int i = 0; i < n; i++) {
        if (idx[i]->op == KIR_SLICE) {
            fe_fail(fe, target,
                    "augmented assignment to a slice (a[i:j] += v) is not "
                    "supported; write a loop");
            return -1;
        }
    }
    if (n == 0) {
        fe_fail(fe, target,
                "augmented assignment to a whole array (a[...] += v) is "
                "not supported; write a loop");
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
                    "name a type such as np.float32, float or 'f4', or an "
                    "array's a.dtype");
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

/* The arguments of a call by parameter name: slots[i] gets the argument
 * for names[i], positional or keyword (new references, NULL when left
 * out).  Other keywords are errors; -1 on error. */
static int call_params(Fe *fe, PyObject *call, const char *what,
                       const char *const *names, int n, PyObject **slots)
{
    PyObject *args = fe_field(call, "args"), *kws = fe_field(call, "keywords");
    int rc = args != NULL && kws != NULL ? 0 : -1;
    for (Py_ssize_t i = 0; rc == 0 && i < PyList_GET_SIZE(args); i++) {
        PyObject *a = PyList_GET_ITEM(args, i);
        if (i >= n || fe_is_kind(a, "Starred")) {
            fe_fail(fe, a, "%s takes at most %d arguments in a kernel", what,
                    n);
            rc = -1;
        } else {
            slots[i] = Py_NewRef(a);
        }
    }
    for (Py_ssize_t i = 0; rc == 0 && i < PyList_GET_SIZE(kws); i++) {
        PyObject *kw = PyList_GET_ITEM(kws, i);
        const char *arg = fe_field_str(kw, "arg");
        int slot = -1;
        for (int j = 0; arg != NULL && j < n; j++) {
            slot = strcmp(arg, names[j]) == 0 ? j : slot;
        }
        if (slot < 0) {
            fe_fail(fe, kw, "%s: %s%s= is not supported in kernels", what,
                    arg != NULL ? "" : "**", arg != NULL ? arg : "keywords");
            rc = -1;
        } else if (slots[slot] != NULL) {
            fe_fail(fe, kw, "%s got %s twice", what, arg);
            rc = -1;
        } else {
            slots[slot] = fe_field(kw, "value");
        }
    }
    Py_XDECREF(args);
    Py_XDECREF(kws);
    return rc < 0 || fe_failed(fe) ? -1 : 0;
}

/* |e| is `X.dtype` or `X.shape` for an array expression X (not a
 * compile-time value): X's AST node (borrowed from |e|), else NULL. */
static PyObject *array_attribute_of(Fe *fe, PyObject *e, const char *attr)
{
    if (!fe_is_kind(e, "Attribute")) {
        return NULL;
    }
    const char *a = fe_field_str(e, "attr");
    if (a == NULL || strcmp(a, attr) != 0) {
        PyErr_Clear();
        return NULL;
    }
    PyObject *v = fe_static_value(fe, e);
    if (v != NULL || fe_failed(fe)) {
        Py_XDECREF(v);
        return NULL;
    }
    PyObject *x = fe_field(e, "value");
    Py_XDECREF(x); /* the Attribute node keeps it alive */
    return x;
}

/* The shape kids of a new array into |out|: n, (n, m, ...) or X.shape
 * (one kid: the array X).  Returns their count, or -1. */
static int extents(Fe *fe, PyObject *shape, const char *what, KirNode **out)
{
    PyObject *of = array_attribute_of(fe, shape, "shape");
    if (of != NULL) {
        out[0] = fe_translate_expr(fe, of);
        return out[0] != NULL ? 1 : -1;
    }
    if (!fe_is_kind(shape, "Tuple") && !fe_is_kind(shape, "List")) {
        out[0] = fe_translate_expr(fe, shape);
        return out[0] != NULL ? 1 : -1;
    }
    PyObject *elts = fe_field(shape, "elts");
    int n = elts != NULL ? (int)PyList_GET_SIZE(elts) : -1;
    if (n == 0 || n > UF_MAXNDIM) {
        fe_fail(fe, shape, "%s needs 1 to %d extents in a kernel, found %d",
                what, UF_MAXNDIM, n);
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

/* What a new array's element type comes from: a kind known now, or the
 * type of a kir expression (a.dtype, the fill of np.full). */
typedef struct NewType {
    UfKind kind;
    KirNode *source; /* set: (arraylike source ...) */
    bool named;      /* given by dtype= */
} NewType;

/* The element type the dtype argument |dtype| names: X.dtype makes X
 * the type source; a type known now its kind; -1 on error. */
static int new_type(Fe *fe, PyObject *dtype, NewType *t)
{
    t->named = true;
    PyObject *of = array_attribute_of(fe, dtype, "dtype");
    if (of != NULL) {
        t->source = fe_translate_expr(fe, of);
        return t->source != NULL ? 0 : -1;
    }
    return fe_failed(fe) ? -1 : dtype_kind(fe, dtype, &t->kind);
}

/* (array KIND fill shape...) or (arraylike source fill shape...) */
static KirNode *mk_new_array(Fe *fe, const NewType *t, KirNode *fill,
                             KirNode **shape, int n, PyObject *at)
{
    KirNode *kids[2 + UF_MAXNDIM];
    int k = 0;
    if (t->source != NULL) {
        kids[k++] = t->source;
    }
    kids[k++] = fill;
    memcpy(kids + k, shape, (size_t)n * sizeof *shape);
    KirNode *r = mk_n(fe, t->source != NULL ? KIR_ARRAYLIKE : KIR_NEWARRAY,
                      kids, k + n, at);
    if (r != NULL && t->source == NULL) {
        r->u.to = uf_type_scalar(t->kind);
    }
    return r;
}

/* The fill of np.empty / zeros / ones ("None", "0", "1"). */
static KirNode *named_fill(Fe *fe, const char *fill, PyObject *at)
{
    return strcmp(fill, "None") == 0
               ? fe_mk(fe, KIR_NONE, 0, at)
               : fe_mk_int(fe, strcmp(fill, "1") == 0, at);
}

/* The arguments of np.empty/zeros/ones/full (|like| false: the first
 * is the shape) and of np.*_like (|like|: the first is the array): the
 * first argument's AST into *first (new reference), the fill into *fill
 * (np.full's value translated, else the named fill), and the element
 * type into *t: dtype= when given, else float64, or np.full's fill value
 * type.  (The *_like forms default to the array's type: their caller's
 * part.)  0, or -1 with the error recorded. */
static int new_array_args(Fe *fe, PyObject *call, const char *what,
                          const char *fill, bool like, PyObject **first,
                          KirNode **fv, NewType *t)
{
    bool is_full = strcmp(fill, "value") == 0;
    const char *names[3] = {like ? "a" : "shape",
                            is_full ? "fill_value" : "dtype", "dtype"};
    PyObject *p[3] = {NULL, NULL, NULL};
    int rc = call_params(fe, call, what, names, is_full ? 3 : 2, p);
    PyObject *dtype = p[is_full ? 2 : 1];
    if (rc == 0 && (p[0] == NULL || (is_full && p[1] == NULL))) {
        fe_fail(fe, call, "%s needs %s%s", what, like ? "an array" : "a shape",
                is_full ? " and a fill value" : "");
        rc = -1;
    }
    *fv = rc == 0 ? (is_full ? fe_translate_expr(fe, p[1])
                             : named_fill(fe, fill, call))
                  : NULL;
    if (*fv != NULL && is_full && dtype == NULL && !like) {
        t->source = fe_copy_tree(fe, *fv);
    }
    if (*fv != NULL && dtype != NULL) {
        rc = new_type(fe, dtype, t);
    }
    *first = Py_XNewRef(p[0]);
    for (int i = 0; i < 3; i++) {
        Py_XDECREF(p[i]);
    }
    return rc < 0 || fe_failed(fe) ? -1 : 0;
}

/* np.empty / zeros / ones (FILL "None", "0", "1") and np.full (FILL
 * "value"): shape n, (n, m, ...) or a.shape; the dtype float64, a type
 * named now, an array's a.dtype, or for np.full the fill value's. */
static KirNode *new_array(Fe *fe, PyObject *call, const char *what,
                          const char *fill)
{
    NewType t = {UF_F8, NULL, false};
    PyObject *shape_ast = NULL;
    KirNode *shape[UF_MAXNDIM], *fv = NULL;
    int n = new_array_args(fe, call, what, fill, false, &shape_ast, &fv, &t);
    if (n == 0) {
        n = extents(fe, shape_ast, what, shape);
    }
    Py_XDECREF(shape_ast);
    return n < 0 || fe_failed(fe) ? NULL
                                  : mk_new_array(fe, &t, fv, shape, n, call);
}

/* np.empty_like(a, dtype) / zeros_like / ones_like / full_like(a, v,
 * dtype): a new C-ordered array with a's shape and, unless dtype says,
 * a's element type. */
static KirNode *new_like(Fe *fe, PyObject *call, const char *what,
                         const char *fill)
{
    NewType t = {UF_F8, NULL, false};
    PyObject *a_ast = NULL;
    KirNode *a = NULL, *fv = NULL;
    if (new_array_args(fe, call, what, fill, true, &a_ast, &fv, &t) == 0) {
        a = fe_translate_expr(fe, a_ast);
    }
    Py_XDECREF(a_ast);
    if (a != NULL && !t.named) {
        t.source = fe_copy_tree(fe, a);
    }
    return a == NULL || fe_failed(fe) ? NULL
                                      : mk_new_array(fe, &t, fv, &a, 1, call);
}

/* X.dtype.type(v) -> (astype X v); X.dtype.type() -> (astype X 0).
 * NULL without an error when |call| is not of that form. */
KirNode *fe_dtype_type_call(Fe *fe, PyObject *call, PyObject *attr_node)
{
    PyObject *dt = fe_field(attr_node, "value");
    PyObject *of = dt != NULL ? array_attribute_of(fe, dt, "dtype") : NULL;
    Py_XDECREF(dt);
    if (of == NULL) {
        PyErr_Clear();
        return NULL;
    }
    KirNode *a[2] = {fe_translate_expr(fe, of), NULL};
    int n =
        a[0] != NULL ? fe_call_args(fe, call, a + 1, 1, "a.dtype.type") : -1;
    if (n == 0) {
        a[1] = fe_mk_int(fe, 0, call);
    }
    return n < 0 ? NULL : mk_n(fe, KIR_ELEMCAST, a, 2, call);
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

/* _empty_typed(n, sample) (_npimpl.py): (arraylike sample None n).  The
 * statements computing |sample| are kept only for typing, under `if
 * False`: the sample is never computed. */
static KirNode *typed_empty(Fe *fe, PyObject *call, const char *what)
{
    KirNode *a[2] = {NULL, NULL};
    PyObject *args = fe_field(call, "args");
    if (args == NULL || PyList_GET_SIZE(args) != 2) {
        Py_XDECREF(args);
        return fe_fail(fe, call, "internal: %s takes 2 arguments", what);
    }
    if ((a[0] = fe_translate_expr(fe, PyList_GET_ITEM(args, 0))) == NULL) {
        Py_DECREF(args);
        return NULL;
    }
    StmtList dead = {0};
    StmtList *saved = fe->cur;
    fe->cur = &dead;
    a[1] = fe_translate_expr(fe, PyList_GET_ITEM(args, 1));
    fe->cur = saved;
    Py_XDECREF(args);
    KirNode *block = a[1] != NULL ? fe_to_block(fe, &dead, call) : NULL;
    KirNode *skip = block != NULL ? fe_mk(fe, KIR_IF, 2, call) : NULL;
    if (skip == NULL) {
        uf_free(dead.items);
        return NULL;
    }
    skip->kids[0] = fe_mk_bool(fe, false, call);
    skip->kids[1] = block;
    if (fe_emit(fe, skip) < 0) {
        return NULL;
    }
    KirNode *kids[3] = {a[1], fe_mk(fe, KIR_NONE, 0, call), a[0]};
    return mk_n(fe, KIR_ARRAYLIKE, kids, 3, call);
}

/* Whether the funcmap spec kind |kind| is one of the array calls. */
bool fe_is_array_spec(const char *kind)
{
    static const char *const kinds[] = {"reduce",   "sum",  "len",
                                        "newarray", "like", "typed_empty"};
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        if (strcmp(kind, kinds[i]) == 0) {
            return true;
        }
    }
    return false;
}

/* A call with one of the array specs (see _funcmap.py):
 * ("reduce", OP), ("sum",), ("len",), ("newarray", FILL), ("like", FILL).
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
    if (strcmp(kind, "typed_empty") == 0) {
        return typed_empty(fe, call, what);
    }
    return new_like(fe, call, what, arg);
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

/* ---- NumPy functions written in Python (_npimpl.py) ------------------- */

/* The value of keyword argument |kw|'s expression when it is known now
 * (a number, None, a string, a type): new reference, or NULL (no Python
 * error) when it is only known when the kernel runs. */
static PyObject *static_keyword(Fe *fe, PyObject *kw)
{
    PyObject *e = fe_field(kw, "value");
    PyObject *v = NULL;
    if (e != NULL && fe_is_kind(e, "Constant")) {
        v = fe_field(e, "value");
    } else if (e != NULL && fe_is_kind(e, "UnaryOp")) {
        PyObject *op = fe_field(e, "op"), *x = fe_field(e, "operand");
        PyObject *c = x != NULL && fe_is_kind(x, "Constant")
                          ? fe_field(x, "value")
                          : NULL;
        v = c != NULL && op != NULL && fe_is_kind(op, "USub") && PyLong_Check(c)
                ? PyNumber_Negative(c)
                : NULL;
        Py_XDECREF(op);
        Py_XDECREF(x);
        Py_XDECREF(c);
    } else if (e != NULL) {
        v = fe_static_value(fe, e);
    }
    Py_XDECREF(e);
    PyErr_Clear();
    return v;
}

/* The keyword arguments of |call| as {name: value known now}; -1 with
 * the error recorded when one is not known now. */
static PyObject *static_keywords(Fe *fe, PyObject *call, const char *what)
{
    PyObject *kws = fe_field(call, "keywords");
    PyObject *d = kws != NULL ? PyDict_New() : NULL;
    for (Py_ssize_t i = 0; d != NULL && i < PyList_GET_SIZE(kws); i++) {
        PyObject *kw = PyList_GET_ITEM(kws, i);
        PyObject *name = fe_field(kw, "arg");
        PyObject *v =
            name != NULL && name != Py_None ? static_keyword(fe, kw) : NULL;
        if (v == NULL) {
            fe_fail(fe, kw,
                    "%s: keyword arguments must be constants known when the "
                    "kernel is translated (axis=0, ddof=1)",
                    what);
            Py_CLEAR(d);
        } else if (PyDict_SetItem(d, name, v) < 0) {
            fe_fail_python(fe);
            Py_CLEAR(d);
        }
        Py_XDECREF(name);
        Py_XDECREF(v);
    }
    Py_XDECREF(kws);
    return d;
}

/* The ("impl", chooser) spec of the array method |attr| (a.argmax(),
 * a.sum(axis=0)), or NULL; borrowed. */
PyObject *fe_method_impl(Fe *fe, const char *attr)
{
    char key[64];
    snprintf(key, sizeof key, "method:%s", attr);
    PyObject *k = PyUnicode_FromString(key);
    PyObject *spec = k != NULL ? PyDict_GetItemWithError(fe->funcmap, k) : NULL;
    Py_XDECREF(k);
    PyErr_Clear();
    return spec;
}

/* The keyword node of |call| that the message |text| ("axis=2: ...")
 * is about, else |call| itself; borrowed. */
static PyObject *keyword_named(PyObject *call, const char *text)
{
    const char *eq = text != NULL ? strchr(text, '=') : NULL;
    PyObject *kws = eq != NULL ? fe_field(call, "keywords") : NULL;
    PyObject *at = call;
    for (Py_ssize_t i = 0; kws != NULL && i < PyList_GET_SIZE(kws); i++) {
        const char *arg = fe_field_str(PyList_GET_ITEM(kws, i), "arg");
        if (arg != NULL && strlen(arg) == (size_t)(eq - text) &&
            strncmp(arg, text, (size_t)(eq - text)) == 0) {
            at = PyList_GET_ITEM(kws, i);
        }
    }
    PyErr_Clear();
    Py_XDECREF(kws);
    return at;
}

/* ("impl", chooser[, KIND, ARG]): chooser(nargs, **keywords) -> (function,
 * extra), or None when the plain spec (KIND, ARG) does the call, which
 * returns NULL here with no error recorded.  The chooser
 * picks the Python implementation to inline for this call (by the
 * number of positional arguments, the receiver counted, and keyword
 * values known now), or raises TypeError with the message to give.
 * |extra| holds numbers appended to the arguments (ddof=1 -> 1).
 * |recv| is the receiver's Attribute node of a method call, or NULL. */
KirNode *fe_impl_call(Fe *fe, PyObject *call, PyObject *spec, PyObject *recv,
                      const char *what)
{
    KirNode *a[32];
    int have = 0;
    if (recv != NULL &&
        (a[have++] = fe_expr_field(fe, recv, "value")) == NULL) {
        return NULL;
    }
    PyObject *kws = static_keywords(fe, call, what);
    PyObject *args = fe_field(call, "args");
    PyObject *n =
        args != NULL ? PyLong_FromSsize_t(PyList_GET_SIZE(args) + have) : NULL;
    PyObject *pos = n != NULL ? PyTuple_Pack(1, n) : NULL;
    PyObject *r = pos != NULL && kws != NULL
                      ? PyObject_Call(PyTuple_GET_ITEM(spec, 1), pos, kws)
                      : NULL;
    Py_XDECREF(kws);
    Py_XDECREF(args);
    Py_XDECREF(n);
    Py_XDECREF(pos);
    if (r == NULL) {
        if (fe_failed(fe)) {
            return NULL;
        }
        PyObject *msg = fe_take_error_message();
        const char *text = msg != NULL ? PyUnicode_AsUTF8(msg) : NULL;
        fe_fail(fe, keyword_named(call, text), "%s: %s", what,
                text != NULL ? text : "unsupported call");
        Py_XDECREF(msg);
        return NULL;
    }
    if (r == Py_None) { /* the plain spec does it (np.sum(a)) */
        Py_DECREF(r);
        return NULL;
    }
    PyObject *func = PyTuple_GET_ITEM(r, 0), *extra = PyTuple_GET_ITEM(r, 1);
    KirNode *res = NULL;
    int m = fe_positional_args(fe, call, a + have, 24 - have, what);
    for (Py_ssize_t i = 0; m >= 0 && i < PyTuple_GET_SIZE(extra); i++) {
        a[have + m++] = fe_const_number(fe, PyTuple_GET_ITEM(extra, i), call);
    }
    if (m >= 0 && !fe_failed(fe)) {
        res = fe_inline_values(fe, func, call, a, have + m);
    }
    Py_DECREF(r);
    return res;
}
