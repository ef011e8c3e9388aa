/*
 * frontend_lib.c -- library calls made of kernel code, not of kir
 * intrinsics:
 *
 *   round(x, ndigits), math.comb, math.perm, math.factorial,
 *   math.isclose(a, b, rel_tol=..., abs_tol=...), n.bit_length()
 *       the functions of ufuncforge/_kernelfns.py that _funcmap.py names
 *       (spec ("inline", F, ...) or ("round", F)), inlined like helpers
 *   q, r = divmod(a, b)  /  return divmod(a, b)
 *       (// a b) and (% a b) of a and b evaluated once
 */
#include "frontend.h"

#include <string.h>

/* The number of positional arguments of |call|. */
static Py_ssize_t positional_count(PyObject *call)
{
    PyObject *args = fe_field(call, "args");
    Py_ssize_t n = args != NULL ? PyList_GET_SIZE(args) : -1;
    Py_XDECREF(args);
    PyErr_Clear();
    return n;
}

/* Whether the Python function |f| takes |n| positional arguments. */
static bool takes(PyObject *f, Py_ssize_t n)
{
    PyObject *code = PyObject_GetAttrString(f, "__code__");
    PyObject *argc =
        code != NULL ? PyObject_GetAttrString(code, "co_argcount") : NULL;
    PyObject *defaults = PyObject_GetAttrString(f, "__defaults__");
    PyErr_Clear();
    long most = argc != NULL ? PyLong_AsLong(argc) : -1;
    long least = most - (defaults != NULL && PyTuple_Check(defaults)
                             ? (long)PyTuple_GET_SIZE(defaults)
                             : 0);
    Py_XDECREF(code);
    Py_XDECREF(argc);
    Py_XDECREF(defaults);
    return n >= least && n <= most;
}

/* ("inline", F1, F2, ...): the first F that takes the call's positional
 * arguments (math.perm(n) is factorial, math.perm(n, k) perm), else the
 * last, which then reports the mismatch. */
static PyObject *pick(PyObject *spec, PyObject *call)
{
    Py_ssize_t n = positional_count(call);
    Py_ssize_t last = PyTuple_GET_SIZE(spec) - 1;
    for (Py_ssize_t i = 1; i < last; i++) {
        if (takes(PyTuple_GET_ITEM(spec, i), n)) {
            return PyTuple_GET_ITEM(spec, i);
        }
    }
    return PyTuple_GET_ITEM(spec, last);
}

KirNode *fe_inline_spec(Fe *fe, PyObject *call, const char *what,
                        const char *kind, PyObject *spec)
{
    bool with_ndigits = strcmp(kind, "round") == 0 &&
                        PyTuple_GET_SIZE(spec) > 1 &&
                        positional_count(call) == 2;
    if (with_ndigits) { /* round(x, ndigits) */
        return fe_inline_helper(fe, PyTuple_GET_ITEM(spec, 1), call);
    }
    if (strcmp(kind, "inline") == 0 && PyTuple_GET_SIZE(spec) > 1) {
        return fe_inline_helper(fe, pick(spec, call), call);
    }
    if (strcmp(kind, "divmod") == 0) {
        return fe_fail(fe, call,
                       "%s gives a tuple: unpack it (q, r = divmod(a, b)) "
                       "or return it",
                       what);
    }
    return NULL;
}

KirNode *fe_int_method(Fe *fe, PyObject *call, PyObject *attr_node,
                       const char *attr)
{
    PyObject *method = PyObject_GetAttrString((PyObject *)&PyLong_Type, attr);
    PyObject *spec =
        method != NULL ? PyDict_GetItemWithError(fe->funcmap, method) : NULL;
    Py_XDECREF(method);
    PyErr_Clear();
    if (spec == NULL || !PyTuple_Check(spec) || PyTuple_GET_SIZE(spec) < 2 ||
        !PyFunction_Check(PyTuple_GET_ITEM(spec, 1))) {
        return NULL;
    }
    char what[64];
    snprintf(what, sizeof what, ".%s()", attr);
    KirNode *a[2];
    a[0] = fe_call_args(fe, call, a + 1, 0, what) < 0
               ? NULL
               : fe_expr_field(fe, attr_node, "value");
    return a[0] != NULL
               ? fe_inline_values(fe, PyTuple_GET_ITEM(spec, 1), call, a, 1)
               : NULL;
}

int fe_tuple_call(Fe *fe, PyObject *e, KirNode **vals, int max)
{
    if (!fe_calls_spec(fe, e, "divmod")) {
        return fe_failed(fe) ? -1 : fe_inline_tuple(fe, e, vals, max);
    }
    KirNode *a[2];
    int n = fe_call_args(fe, e, a, 2, "divmod()");
    if (n < 0 || !fe_arity_ok(fe, e, "divmod()", n, 2, 2)) {
        return -1;
    }
    if (max < 2) {
        fe_fail(fe, e, "divmod() gives 2 values, %d expected here", max);
        return -1;
    }
    KirNode *x = fe_once(fe, a[0], e);
    KirNode *y = x != NULL ? fe_once(fe, a[1], e) : NULL;
    if (y == NULL) {
        return -1;
    }
    vals[0] = fe_mk2(fe, KIR_FLOORDIV, x, y, e);
    vals[1] = fe_mk2(fe, KIR_MOD, fe_copy_atom(fe, x), fe_copy_atom(fe, y), e);
    return vals[0] != NULL && vals[1] != NULL ? 2 : -1;
}

int fe_assign_tuple_call(Fe *fe, PyObject *elts, PyObject *value, PyObject *at)
{
    KirNode *vals[UF_MAXOUTS];
    int n = fe_tuple_call(fe, value, vals, UF_MAXOUTS);
    if (n <= 0) {
        return n < 0 ? -1 : 1;
    }
    if (PyList_GET_SIZE(elts) != n) {
        fe_fail(fe, at, "cannot unpack %d values into %zd names", n,
                PyList_GET_SIZE(elts));
        return -1;
    }
    int temps[UF_MAXOUTS];
    for (int i = 0; i < n; i++) { /* all computed before any is bound */
        temps[i] = fe_fresh_local(fe, "t");
        if (temps[i] < 0 || fe_emit(fe, fe_mk_set(fe, temps[i], vals[i], at))) {
            return -1;
        }
    }
    for (int i = 0; i < n; i++) {
        UF_TRY(fe_assign(fe, PyList_GET_ITEM(elts, i),
                         fe_mk_var(fe, temps[i], at), value, at));
    }
    return 0;
}
