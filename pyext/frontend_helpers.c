/*
 * frontend_helpers.c -- plain Python functions a kernel calls, inlined at
 * each call: their parameters bound to the argument values, their returns
 * turned into sets of the call's result locals (one per value of a
 * tuple), their body placed in the caller's statements.
 */
#include "frontend.h"

#include <string.h>

/* ---- helpers: plain Python functions inlined at their calls ---------- */

/* Counts the return statements in |node| (not in nested functions). */
static int count_returns(PyObject *node)
{
    if (PyList_Check(node)) {
        int n = 0;
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(node); i++) {
            n += count_returns(PyList_GET_ITEM(node, i));
        }
        return n;
    }
    if (fe_is_kind(node, "FunctionDef") || fe_is_kind(node, "Lambda") ||
        fe_is_kind(node, "ClassDef")) {
        return 0;
    }
    int n = fe_is_kind(node, "Return");
    static const char *const blocks[] = {"body", "orelse"};
    for (int b = 0; b < 2; b++) {
        PyObject *child = PyObject_GetAttrString(node, blocks[b]);
        if (child == NULL) {
            PyErr_Clear();
            continue;
        }
        if (PyList_Check(child)) {
            n += count_returns(child);
        }
        Py_DECREF(child);
    }
    return n;
}

/* Whether a statement list returns on every path (conservatively). */
static bool always_returns(PyObject *stmts)
{
    Py_ssize_t n = PyList_GET_SIZE(stmts);
    if (n == 0) {
        return false;
    }
    PyObject *last = PyList_GET_ITEM(stmts, n - 1);
    if (fe_is_kind(last, "Return") || fe_is_kind(last, "Raise")) {
        return true;
    }
    if (!fe_is_kind(last, "If")) {
        return false;
    }
    PyObject *body = fe_field(last, "body"), *orelse = fe_field(last, "orelse");
    bool r = body && orelse && always_returns(body) && always_returns(orelse);
    Py_XDECREF(body);
    Py_XDECREF(orelse);
    return r;
}

/* A name valid in kir text made from a Python identifier. */
void fe_kir_name(const char *py, char *out, size_t n)
{
    size_t j = 0;
    for (size_t i = 0; py[i] != '\0' && j + 1 < n; i++) {
        char c = py[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  c == '_' || (j > 0 && c >= '0' && c <= '9');
        out[j++] = ok ? c : '_';
    }
    out[j] = '\0';
    if (j == 0) {
        snprintf(out, n, "v");
    }
}

/* Binds every local of a function body to a kir variable: its own name
 * when free and valid (the kernel), else a fresh one prefixed with
 * |prefix| (helpers, reserved words). */
int fe_bind_locals(Fe *fe, PyObject *stmts, const char *prefix)
{
    PyObject *names = PyDict_New();
    if (names == NULL || fe_collect_stores(stmts, names) < 0) {
        Py_XDECREF(names);
        fe_fail_python(fe);
        return -1;
    }
    PyObject *name;
    Py_ssize_t pos = 0;
    int rc = 0;
    while (rc == 0 && PyDict_Next(names, &pos, &name, NULL)) {
        const char *py = PyUnicode_AsUTF8(name);
        if (PyDict_GetItem(fe->scope, name) != NULL) {
            continue; /* a parameter: bound already */
        }
        char base[96], full[128];
        fe_kir_name(py, base, sizeof base);
        snprintf(full, sizeof full, "%s%s", prefix, base);
        static const char *const reserved[] = {"True", "False", "inf",
                                               "nan",  "infj",  "nanj"};
        bool plain = prefix[0] == '\0' && strcmp(base, py) == 0;
        for (size_t r = 0; r < sizeof reserved / sizeof *reserved; r++) {
            plain = plain && strcmp(base, reserved[r]) != 0;
        }
        int var = plain && kir_kernel_find_var(fe->k, base, strlen(base)) < 0
                      ? kir_kernel_add_var(fe->k, base, strlen(base), false)
                      : fe_fresh_local(fe, full);
        rc = var < 0 ? (fe_fail_nomem(fe), -1) : fe_scope_bind(fe, py, var);
    }
    Py_DECREF(names);
    return rc;
}

/* The parameter names of an ast.FunctionDef; only positional ones are
 * supported.  New list, or NULL with the error recorded. */
PyObject *fe_param_names(Fe *fe, PyObject *fdef)
{
    PyObject *args = fe_field(fdef, "args");
    PyObject *out = PyList_New(0);
    static const char *const positional[] = {"posonlyargs", "args"};
    for (int p = 0; args != NULL && out != NULL && p < 2; p++) {
        PyObject *list = fe_field(args, positional[p]);
        for (Py_ssize_t i = 0; list != NULL && i < PyList_GET_SIZE(list); i++) {
            PyObject *id = fe_field(PyList_GET_ITEM(list, i), "arg");
            if (id == NULL || PyList_Append(out, id) < 0) {
                Py_CLEAR(out);
            }
            Py_XDECREF(id);
        }
        Py_XDECREF(list);
    }
    static const char *const other[] = {"vararg", "kwarg", "kwonlyargs"};
    for (int p = 0; args != NULL && out != NULL && p < 3; p++) {
        PyObject *v = fe_field(args, other[p]);
        bool used = v != NULL && v != Py_None &&
                    !(PyList_Check(v) && PyList_GET_SIZE(v) == 0);
        Py_XDECREF(v);
        if (used) {
            fe_fail(fe, fdef,
                    "kernels take positional arguments only (no "
                    "*args, **kwargs or keyword-only arguments)");
            Py_CLEAR(out);
        }
    }
    Py_XDECREF(args);
    if (out == NULL && !fe_failed(fe)) {
        fe_fail_python(fe);
    }
    return out;
}

/* Saved translation state around an inlined helper. */
typedef struct FeState {
    PyObject *resolve, *scope, *tuples;
    UfpySource src;
    int col_offset;
    bool use_call_loc;
    UfLoc call_loc;
    StmtList *cur;
    HelperCtx *helper;
} FeState;

static FeState save_state(const Fe *fe)
{
    FeState s = {fe->resolve,  fe->scope,      fe->tuples,
                 fe->src,      fe->col_offset, fe->use_call_loc,
                 fe->call_loc, fe->cur,        fe->helper};
    return s;
}

static void restore_state(Fe *fe, const FeState *s)
{
    fe->resolve = s->resolve;
    fe->scope = s->scope;
    if (fe->tuples != s->tuples) { /* the helper's own index tuples */
        Py_XDECREF(fe->tuples);
        fe->tuples = s->tuples;
    }
    fe->src = s->src;
    fe->col_offset = s->col_offset;
    fe->use_call_loc = s->use_call_loc;
    fe->call_loc = s->call_loc;
    fe->cur = s->cur;
    fe->helper = s->helper;
}

/* Reads (filename, text, first_line, col_offset) into |src|. */
int fe_parse_source(PyObject *t, UfpySource *src, int *col_offset)
{
    if (!PyArg_ParseTuple(t, "UUii", &src->filename, &src->text,
                          &src->first_line, col_offset)) {
        return -1;
    }
    return 0;
}

/* Binds the helper's parameters to the argument values (temporaries):
 * a[i] for i < n unless NULL (a keyword left it out), else the
 * parameter's default. */
static int bind_params(Fe *fe, PyObject *func, PyObject *params, KirNode **a,
                       int n, PyObject *call, const char *fname)
{
    Py_ssize_t np = PyList_GET_SIZE(params);
    PyObject *defaults = PyObject_GetAttrString(func, "__defaults__");
    Py_ssize_t nd = defaults != NULL && PyTuple_Check(defaults)
                        ? PyTuple_GET_SIZE(defaults)
                        : 0;
    PyErr_Clear();
    int rc = 0;
    if (n > np) {
        fe_fail(fe, call, "%s() takes %zd arguments, %d given", fname, np, n);
        rc = -1;
    }
    for (Py_ssize_t i = 0; rc == 0 && i < np; i++) {
        const char *pname = PyUnicode_AsUTF8(PyList_GET_ITEM(params, i));
        KirNode *v = i < n ? a[i] : NULL;
        if (v == NULL && i < np - nd) {
            fe_fail(fe, call, "%s() is missing the argument '%s'", fname,
                    pname);
            rc = -1;
            break;
        }
        if (v == NULL) {
            v = fe_static_expr(fe, PyTuple_GET_ITEM(defaults, i - (np - nd)),
                               call);
        }
        char base[96];
        fe_kir_name(pname, base, sizeof base);
        char full[200];
        snprintf(full, sizeof full, "%s_%s", fname, base);
        int t = fe_fresh_local(fe, full);
        rc = (v == NULL || t < 0) ? -1 : fe_emit(fe, fe_mk_set(fe, t, v, call));
        if (rc == 0) {
            rc = fe_scope_bind(fe, pname, t);
        }
    }
    Py_XDECREF(defaults);
    return rc;
}

/* Translates the helper's body into |inner| with returns going to |h|. */
static int helper_body(Fe *fe, PyObject *fdef, HelperCtx *h, StmtList *inner,
                       const char *fname)
{
    PyObject *body = fe_field(fdef, "body");
    if (body == NULL) {
        fe_fail_python(fe);
        return -1;
    }
    int rc = 0;
    if (!always_returns(body)) {
        fe_fail(fe, fdef,
                "the helper '%s' can reach its end without returning "
                "a value",
                fname);
        rc = -1;
    }
    char prefix[112];
    snprintf(prefix, sizeof prefix, "%s_", fname);
    if (rc == 0) {
        rc = fe_bind_locals(fe, body, prefix);
    }
    Py_ssize_t nb = PyList_GET_SIZE(body);
    h->wrapped = !(count_returns(body) == 1 &&
                   fe_is_kind(PyList_GET_ITEM(body, nb - 1), "Return"));
    fe->cur = inner;
    fe->helper = h;
    if (rc == 0 && count_returns(body) == 0) {
        /* it only raises: its value, never used, must not widen the
         * caller's types (b1 promotes to anything) */
        rc = fe_emit(
            fe, fe_mk_set(fe, h->ret_var, fe_mk_bool(fe, false, fdef), fdef));
    }
    if (rc == 0) {
        rc = fe_translate_body(fe, body);
    }
    Py_DECREF(body);
    return rc;
}

/* Places the translated helper body into the caller's statements:
 * directly, or as `while True: body; break` when it returns early. */
static int place_helper(Fe *fe, HelperCtx *h, StmtList *inner, PyObject *at)
{
    if (!h->wrapped) {
        int rc = 0;
        for (int i = 0; rc == 0 && i < inner->n; i++) {
            rc = fe_emit(fe, inner->items[i]);
        }
        uf_free(inner->items);
        return rc;
    }
    if (h->done_var >= 0) {
        UF_TRY(fe_emit(
            fe, fe_mk_set(fe, h->done_var, fe_mk_bool(fe, false, at), at)));
    }
    bool ends_in_break =
        inner->n > 0 && inner->items[inner->n - 1]->op == KIR_BREAK;
    StmtList *saved = fe->cur;
    fe->cur = inner;
    if (!ends_in_break) {
        fe_emit(fe, fe_mk(fe, KIR_BREAK, 0, at));
    }
    fe->cur = saved;
    KirNode *body = fe_to_block(fe, inner, at);
    return fe_emit(fe,
                   fe_mk2(fe, KIR_WHILE, fe_mk_bool(fe, true, at), body, at));
}

/* fe_check_ast for a helper's tree, once per tree in a translation (a
 * helper inlined at many calls is loaded once). */
static int check_helper_ast(Fe *fe, PyObject *fdef)
{
    if (fe->checked == NULL && (fe->checked = PySet_New(NULL)) == NULL) {
        return -1;
    }
    int seen = PySet_Contains(fe->checked, fdef);
    if (seen != 0) {
        return seen < 0 ? -1 : 0;
    }
    return fe_check_ast(fdef) < 0 ? -1 : PySet_Add(fe->checked, fdef);
}

/* Inlines the helper |fdef| (from |info| = (fdef, source, resolve)). */
static KirNode *inline_body(Fe *fe, PyObject *func, PyObject *info,
                            PyObject *call, KirNode **a, int n)
{
    PyObject *fdef, *source, *resolve;
    if (!PyArg_ParseTuple(info, "OOO", &fdef, &source, &resolve) ||
        check_helper_ast(fe, fdef) < 0) {
        return fe_fail_python(fe);
    }
    char fname[96];
    fe_kir_name(PyUnicode_AsUTF8(PyObject_GetAttrString(func, "__name__")),
                fname, sizeof fname);
    PyErr_Clear();
    FeState saved = save_state(fe);
    UfLoc call_loc = fe_ast_loc(fe, call);
    PyObject *scope = PyDict_New();
    PyObject *params = NULL;
    HelperCtx h = {.done_var = -1};
    TupleOut *want = fe->tuple_out != NULL && fe->tuple_out->call == call
                         ? fe->tuple_out
                         : NULL; /* for this call, not nested ones */
    fe->tuples = NULL;           /* restore_state gives back the caller's */
    StmtList inner = {0};
    int rc = scope != NULL ? 0 : -1;
    fe->scope = scope;
    if (rc == 0) {
        rc = fe_parse_source(source, &fe->src, &fe->col_offset);
    }
    fe->resolve = resolve;
    params = rc == 0 ? fe_param_names(fe, fdef) : NULL;
    /* arguments are stored in the caller's statement list */
    rc = params != NULL ? bind_params(fe, func, params, a, n, call, fname) : -1;
    fe->use_call_loc = true;
    fe->call_loc = call_loc;
    if (rc == 0 && (h.ret_var = fe_fresh_local(fe, fname)) < 0) {
        rc = -1;
    }
    if (rc == 0) {
        rc = helper_body(fe, fdef, &h, &inner, fname);
    }
    if (h.deep_return && h.done_var < 0) {
        rc = -1; /* cannot happen: helper_return creates it */
    }
    restore_state(fe, &saved);
    if (rc == 0) {
        rc = place_helper(fe, &h, &inner, call);
    } else {
        uf_free(inner.items);
    }
    Py_XDECREF(params);
    Py_XDECREF(scope);
    if (rc < 0 && !fe_failed(fe)) {
        fe_fail_python(fe);
    }
    if (rc == 0 && want != NULL) {
        want->n = h.nret > 0 ? h.nret : 1;
        want->vars[0] = h.ret_var;
        memcpy(want->vars + 1, h.more_vars + 1,
               (size_t)(want->n - 1) * sizeof *h.more_vars);
    } else if (rc == 0 && h.nret > 1) {
        return fe_fail(fe, call,
                       "the helper '%s' returns %d values: unpack them "
                       "(a, b = %s(...))",
                       fname, h.nret, fname);
    }
    return rc == 0 ? fe_mk_var(fe, h.ret_var, call) : NULL;
}

int fe_inline_tuple(Fe *fe, PyObject *call, KirNode **out, int max)
{
    PyObject *f = fe_is_kind(call, "Call") ? fe_field(call, "func") : NULL;
    PyObject *v = f != NULL ? fe_static_value(fe, f) : NULL;
    Py_XDECREF(f);
    if (v != NULL && !PyFunction_Check(v)) { /* Numba's @njit: .py_func */
        PyObject *py = PyObject_GetAttrString(v, "py_func");
        PyErr_Clear();
        Py_SETREF(v, py);
    }
    if (v == NULL || !PyFunction_Check(v) ||
        PyDict_GetItemWithError(fe->funcmap, v) != NULL) {
        PyErr_Clear();
        Py_XDECREF(v);
        return fe_failed(fe) ? -1 : 0;
    }
    TupleOut t = {.call = call};
    TupleOut *saved = fe->tuple_out;
    fe->tuple_out = &t;
    KirNode *r = fe_inline_helper(fe, v, call);
    fe->tuple_out = saved;
    Py_DECREF(v);
    if (r == NULL) {
        return -1;
    }
    if (t.n == 0) {
        fe_fail(fe, call, "internal: the helper's values were not seen");
        return -1;
    }
    if (t.n > max) {
        fe_fail(fe, call, "the helper returns %d values, %d expected here", t.n,
                max);
        return -1;
    }
    for (int i = 0; i < t.n; i++) {
        if ((out[i] = fe_mk_var(fe, t.vars[i], call)) == NULL) {
            return -1;
        }
    }
    return t.n;
}

/* The position of the parameter |name| among the positional parameters
 * of |fdef|, or -1. */
static int param_index(PyObject *fdef, PyObject *name)
{
    PyObject *args = fe_field(fdef, "args");
    int found = -1, pos = 0;
    static const char *const kinds[] = {"posonlyargs", "args"};
    for (int p = 0; args != NULL && found < 0 && p < 2; p++) {
        PyObject *list = fe_field(args, kinds[p]);
        for (Py_ssize_t i = 0; list != NULL && i < PyList_GET_SIZE(list);
             i++, pos++) {
            PyObject *id = fe_field(PyList_GET_ITEM(list, i), "arg");
            if (found < 0 && id != NULL && PyUnicode_Compare(id, name) == 0) {
                found = pos;
            }
            Py_XDECREF(id);
        }
        Py_XDECREF(list);
    }
    Py_XDECREF(args);
    PyErr_Clear();
    return found;
}

/* The call's keyword arguments into a[] at their parameters' positions
 * (of the helper |fdef|), raising *n past the last one filled. */
static int keyword_args(Fe *fe, PyObject *call, PyObject *fdef, KirNode **a,
                        int *n, int max)
{
    PyObject *kws = fe_field(call, "keywords");
    int rc = kws != NULL ? 0 : -1;
    for (Py_ssize_t i = 0; rc == 0 && i < PyList_GET_SIZE(kws); i++) {
        PyObject *kw = PyList_GET_ITEM(kws, i);
        PyObject *name = fe_field(kw, "arg");
        int at = name != NULL && name != Py_None ? param_index(fdef, name) : -2;
        if (at < 0 || at >= max) {
            fe_fail(fe, kw,
                    at == -2 ? "**arguments are not supported in a kernel"
                             : "the helper has no parameter '%s'",
                    at == -2 ? "" : PyUnicode_AsUTF8(name));
            rc = -1;
        } else if (at < *n && a[at] != NULL) {
            fe_fail(fe, kw, "the argument '%s' is given twice",
                    PyUnicode_AsUTF8(name));
            rc = -1;
        } else {
            for (int j = *n; j < at; j++) {
                a[j] = NULL; /* their defaults apply */
            }
            *n = at >= *n ? at + 1 : *n;
            PyObject *value = fe_field(kw, "value");
            a[at] = value != NULL ? fe_translate_expr(fe, value) : NULL;
            rc = a[at] != NULL ? 0 : -1;
            Py_XDECREF(value);
        }
        Py_XDECREF(name);
    }
    Py_XDECREF(kws);
    return rc;
}

/* Inlines |func| (loaded as |info|) with the argument values a[0..n). */
static KirNode *inline_loaded(Fe *fe, PyObject *func, PyObject *info,
                              PyObject *call, KirNode **a, int n)
{
    PyList_Append(fe->helper_stack, func);
    KirNode *r = inline_body(fe, func, info, call, a, n);
    PySequence_DelItem(fe->helper_stack, PyList_GET_SIZE(fe->helper_stack) - 1);
    return r;
}

/* Recursion, depth and size checks before inlining |func|; 0 or -1. */
static int check_inline(Fe *fe, PyObject *func, PyObject *call)
{
    int seen = PySequence_Contains(fe->helper_stack, func);
    if (seen != 0) {
        if (seen < 0) {
            fe_fail_python(fe);
        } else {
            fe_fail(fe, call,
                    "recursive calls cannot be inlined into a "
                    "kernel");
        }
        return -1;
    }
    if (PyList_GET_SIZE(fe->helper_stack) >= MAX_HELPER_DEPTH) {
        fe_fail(fe, call, "helper functions are nested too deeply");
        return -1;
    }
    if (fe->nodes > MAX_KERNEL_NODES) {
        PyObject *name = PyObject_GetAttrString(func, "__name__");
        PyErr_Clear();
        fe_fail(fe, call,
                "the kernel grows past %d operations with its helpers "
                "inlined (here '%s'): a helper called several times at "
                "each of many levels multiplies its size; call fewer "
                "helpers, or compute in a loop",
                MAX_KERNEL_NODES,
                name != NULL && PyUnicode_Check(name) ? PyUnicode_AsUTF8(name)
                                                      : "?");
        Py_XDECREF(name);
        return -1;
    }
    return 0;
}

KirNode *fe_inline_helper(Fe *fe, PyObject *func, PyObject *call)
{
    if (check_inline(fe, func, call) < 0) {
        return NULL;
    }
    PyObject *info = PyObject_CallOneArg(fe->load_helper, func);
    if (info == NULL || !PyTuple_Check(info) || PyTuple_GET_SIZE(info) != 3) {
        Py_XDECREF(info);
        return fe_fail_python(fe);
    }
    KirNode *a[32]; /* positional arguments, then keywords in place */
    int n = fe_positional_args(fe, call, a, 32, "a helper function");
    if (n >= 0 &&
        keyword_args(fe, call, PyTuple_GET_ITEM(info, 0), a, &n, 32) < 0) {
        n = -1;
    }
    KirNode *r = n >= 0 ? inline_loaded(fe, func, info, call, a, n) : NULL;
    Py_DECREF(info);
    return r;
}

KirNode *fe_inline_values(Fe *fe, PyObject *func, PyObject *call, KirNode **a,
                          int n)
{
    if (check_inline(fe, func, call) < 0) {
        return NULL;
    }
    PyObject *info = PyObject_CallOneArg(fe->load_helper, func);
    if (info == NULL) {
        return fe_fail_python(fe);
    }
    KirNode *r = inline_loaded(fe, func, info, call, a, n);
    Py_DECREF(info);
    return r;
}
