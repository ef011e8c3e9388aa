/*
 * frontend.c -- Python AST (an ast.FunctionDef) to kir.
 *
 * The translation walks the AST objects Python's `ast` module made.
 * Names assigned anywhere in a function are its locals (Python's rule);
 * any other name is resolved once, at compile time, through the
 * `resolve` callable: numbers are frozen as constants (tuples, lists and
 * arrays as constant arrays: frontend_frozen.c), modules give
 * attributes, functions listed in `funcmap` become kir operations, and
 * plain Python functions are translated too and inlined.
 *
 * Expressions may need statements before them (an inlined helper is a
 * block of statements): those go into the statement list being built
 * (`Fe.cur`) ahead of the statement that uses the value.  Where Python
 * evaluates lazily (`and`, `or`, `x if c else y`, a `while` condition),
 * such statements are kept inside the branch that runs them.
 */
#include "frontend.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

/* ---- errors and locations -------------------------------------------- */

/* The 1-based character column of the 1-based byte column |byte_col| on
 * source line |line| (AST offsets count UTF-8 bytes; carets count
 * characters). */
static int char_column(const Fe *fe, int line, int byte_col)
{
    Py_ssize_t len;
    const char *text =
        fe->src.text ? PyUnicode_AsUTF8AndSize(fe->src.text, &len) : NULL;
    if (text == NULL) {
        PyErr_Clear();
        return byte_col;
    }
    const char *p = text, *end = text + len;
    for (int l = fe->src.first_line; l < line && p < end; l++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        p = nl != NULL ? nl + 1 : end;
    }
    int chars = 0;
    for (int b = 0; b < byte_col - 1 && p + b < end && p[b] != '\n'; b++) {
        chars += ((unsigned char)p[b] & 0xC0) != 0x80; /* not a continuation */
    }
    return chars + 1;
}

UfLoc fe_ast_loc(Fe *fe, PyObject *node)
{
    UfLoc loc = {0, 0, 0};
    if (fe->use_call_loc) {
        return fe->call_loc;
    }
    PyObject *ln = PyObject_GetAttrString(node, "lineno");
    PyObject *col = PyObject_GetAttrString(node, "col_offset");
    PyObject *eln = PyObject_GetAttrString(node, "end_lineno");
    PyObject *ecol = PyObject_GetAttrString(node, "end_col_offset");
    PyErr_Clear();
    if (ln != NULL && col != NULL && PyLong_Check(ln) && PyLong_Check(col)) {
        loc.line = (int)PyLong_AsLong(ln) + fe->src.first_line - 1;
        loc.col = (int)PyLong_AsLong(col) + fe->col_offset + 1;
        loc.end_col = loc.col + 1;
        if (eln != NULL && ecol != NULL && PyLong_Check(ecol) &&
            PyObject_RichCompareBool(eln, ln, Py_EQ) == 1) {
            loc.end_col = (int)PyLong_AsLong(ecol) + fe->col_offset + 1;
        }
        int col_chars = char_column(fe, loc.line, loc.col);
        if (col_chars != loc.col) { /* non-ASCII text before the node */
            loc.end_col = char_column(fe, loc.line, loc.end_col);
            loc.col = col_chars;
        }
    }
    Py_XDECREF(ln);
    Py_XDECREF(col);
    Py_XDECREF(eln);
    Py_XDECREF(ecol);
    return loc;
}

/* Records an error at |node| (first error wins); returns NULL. */

void *fe_fail(Fe *fe, PyObject *node, const char *fmt, ...)
{
    if (fe->err.kind != UF_ERR_NONE || fe->err_is_python) {
        return NULL;
    }
    char msg[sizeof fe->err.msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    bool saved = fe->use_call_loc;
    fe->use_call_loc = false; /* translation errors point into the helper */
    UfLoc loc = node != NULL ? fe_ast_loc(fe, node) : fe->call_loc;
    fe->use_call_loc = saved;
    uf_error(&fe->err, UF_ERR_UNSUPPORTED, loc, "%s", msg);
    fe->err_src = fe->src; /* owned: a helper's source may go away */
    Py_XINCREF(fe->err_src.filename);
    Py_XINCREF(fe->err_src.text);
    return NULL;
}

/* A new reference to the pending exception, which stays pending. */
static PyObject *peek_exception(void)
{
#if PY_VERSION_HEX >= 0x030C0000
    PyObject *exc = PyErr_GetRaisedException();
    PyErr_SetRaisedException(Py_NewRef(exc));
    return exc;
#else
    PyObject *t, *v, *tb;
    PyErr_Fetch(&t, &v, &tb);
    PyErr_NormalizeException(&t, &v, &tb);
    if (tb != NULL) {
        PyException_SetTraceback(v, tb);
    }
    PyErr_Restore(t, Py_XNewRef(v), tb);
    return v;
#endif
}

/* Makes |exc| (stolen) the pending exception. */
static void raise_exception(PyObject *exc)
{
#if PY_VERSION_HEX >= 0x030C0000
    PyErr_SetRaisedException(exc);
#else
    PyErr_Restore(Py_NewRef(Py_TYPE(exc)), exc, PyException_GetTraceback(exc));
#endif
}

/* A Python exception is set (from a callback or an allocation).  The
 * first one is kept: translation goes on, and a later lookup may clear
 * it (a helper's CompileError used to end as "internal front-end
 * error"). */
void *fe_fail_python(Fe *fe)
{
    if (fe->py_exc == NULL && PyErr_Occurred()) {
        fe->py_exc = peek_exception();
    }
    fe->err_is_python = true;
    return NULL;
}

void *fe_fail_nomem(Fe *fe)
{
    PyErr_NoMemory();
    return fe_fail_python(fe);
}

PyObject *fe_take_error_message(void)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyObject *msg = value != NULL ? PyObject_Str(value) : NULL;
    PyErr_Clear();
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    return msg;
}

bool fe_failed(const Fe *fe)
{
    return fe->err.kind != UF_ERR_NONE || fe->err_is_python;
}

/* ---- AST access ------------------------------------------------------ */

/* The AST node's class name, e.g. "BinOp" (borrowed C string). */
const char *fe_kind_of(PyObject *node)
{
    return Py_TYPE(node)->tp_name;
}

bool fe_is_kind(PyObject *node, const char *kind)
{
    return strcmp(fe_kind_of(node), kind) == 0;
}

/* The name |names| gives |node|'s kind, or the kind itself. */
const char *fe_name_of(PyObject *node, const FeName *names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (fe_is_kind(node, names[i].ast)) {
            return names[i].what;
        }
    }
    return fe_kind_of(node);
}

/* A new reference to node.attr, or NULL with a Python error. */
PyObject *fe_field(PyObject *node, const char *attr)
{
    return PyObject_GetAttrString(node, attr);
}

/* The identifier in field |attr| as a C string valid while |node| lives. */
const char *fe_field_str(PyObject *node, const char *attr)
{
    PyObject *s = fe_field(node, attr);
    if (s == NULL) {
        return NULL;
    }
    const char *c = PyUnicode_Check(s) ? PyUnicode_AsUTF8(s) : NULL;
    Py_DECREF(s); /* interned identifier: kept alive by the node */
    return c;
}

/* ---- building kir ---------------------------------------------------- */

KirNode *fe_mk(Fe *fe, KirOp op, int nkids, PyObject *at)
{
    fe->nodes++;
    KirNode *n = kir_node_new(fe->k, op, nkids, fe_ast_loc(fe, at));
    return n != NULL ? n : fe_fail_nomem(fe);
}

KirNode *fe_mk1(Fe *fe, KirOp op, KirNode *a, PyObject *at)
{
    KirNode *n = a != NULL ? fe_mk(fe, op, 1, at) : NULL;
    if (n != NULL) {
        n->kids[0] = a;
    }
    return n;
}

KirNode *fe_mk2(Fe *fe, KirOp op, KirNode *a, KirNode *b, PyObject *at)
{
    KirNode *n = (a != NULL && b != NULL) ? fe_mk(fe, op, 2, at) : NULL;
    if (n != NULL) {
        n->kids[0] = a;
        n->kids[1] = b;
    }
    return n;
}

KirNode *fe_mk_var(Fe *fe, int var, PyObject *at)
{
    KirNode *n = fe_mk(fe, KIR_VAR, 0, at);
    if (n != NULL) {
        n->u.var = var;
    }
    return n;
}

KirNode *fe_mk_set(Fe *fe, int var, KirNode *value, PyObject *at)
{
    KirNode *n = fe_mk1(fe, KIR_SET, value, at);
    if (n != NULL) {
        n->u.var = var;
    }
    return n;
}

KirNode *fe_mk_call(Fe *fe, KirFn fn, KirNode **args, int nargs, PyObject *at)
{
    for (int i = 0; i < nargs; i++) {
        if (args[i] == NULL) {
            return NULL;
        }
    }
    KirNode *n = fe_mk(fe, KIR_CALL, nargs, at);
    if (n != NULL) {
        n->u.fn = fn;
        memcpy(n->kids, args, (size_t)nargs * sizeof *args);
    }
    return n;
}

KirNode *fe_mk_cast(Fe *fe, UfKind kind, KirNode *a, PyObject *at)
{
    KirNode *n = fe_mk1(fe, KIR_CAST, a, at);
    if (n != NULL) {
        n->u.to = uf_type_scalar(kind);
    }
    return n;
}

KirNode *fe_mk_bool(Fe *fe, bool v, PyObject *at)
{
    KirNode *n = fe_mk(fe, KIR_BOOL, 0, at);
    if (n != NULL) {
        n->u.ival = v;
    }
    return n;
}

/* Appends |s| to the statement list being built. */
int fe_emit(Fe *fe, KirNode *s)
{
    if (s == NULL) {
        return -1;
    }
    StmtList *l = fe->cur;
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 8;
        KirNode **items = uf_realloc(l->items, (size_t)cap * sizeof *items);
        if (items == NULL) {
            fe_fail_nomem(fe);
            return -1;
        }
        l->items = items;
        l->cap = cap;
    }
    l->items[l->n++] = s;
    return 0;
}

/* A KIR_BLOCK of |l|'s statements; frees the list. */
KirNode *fe_to_block(Fe *fe, StmtList *l, PyObject *at)
{
    KirNode *b = fe_failed(fe) ? NULL : fe_mk(fe, KIR_BLOCK, l->n, at);
    if (b != NULL && l->n > 0) {
        memcpy(b->kids, l->items, (size_t)l->n * sizeof *l->items);
    }
    uf_free(l->items);
    memset(l, 0, sizeof *l);
    return b;
}

/* ---- variables ------------------------------------------------------- */

/* A fresh kir local named after |base| that no Python name uses. */
int fe_fresh_local(Fe *fe, const char *base)
{
    char name[128];
    for (;;) {
        snprintf(name, sizeof name, "%s_%d", base, ++fe->temps);
        if (kir_kernel_find_var(fe->k, name, strlen(name)) < 0) {
            break;
        }
    }
    int v = kir_kernel_add_var(fe->k, name, strlen(name), false);
    if (v < 0) {
        fe_fail_nomem(fe);
    }
    return v;
}

/* The kir variable of Python name |name| in the current scope, or -1. */
int fe_scope_lookup(Fe *fe, const char *name)
{
    PyObject *v = PyDict_GetItemString(fe->scope, name);
    return v != NULL ? (int)PyLong_AsLong(v) : -1;
}

int fe_scope_bind(Fe *fe, const char *name, int var)
{
    PyObject *v = PyLong_FromLong(var);
    int rc = v != NULL ? PyDict_SetItemString(fe->scope, name, v) : -1;
    Py_XDECREF(v);
    if (rc < 0) {
        fe_fail_python(fe);
    }
    return rc;
}

/* Adds every name |node| (a statement list or a node) uses with the
 * context |ctx_kind| ("Store", "Load") to the dict |names| (keys in order
 * of first appearance), without entering nested functions or classes. */
static int collect_names(PyObject *node, PyObject *names, const char *ctx_kind)
{
    if (PyList_Check(node)) {
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(node); i++) {
            if (collect_names(PyList_GET_ITEM(node, i), names, ctx_kind) < 0) {
                return -1;
            }
        }
        return 0;
    }
    if (fe_is_kind(node, "FunctionDef") || fe_is_kind(node, "Lambda") ||
        fe_is_kind(node, "ClassDef") || fe_is_kind(node, "AsyncFunctionDef")) {
        return 0;
    }
    if (fe_is_kind(node, "Name")) {
        PyObject *ctx = fe_field(node, "ctx");
        int store = ctx != NULL && fe_is_kind(ctx, ctx_kind);
        Py_XDECREF(ctx);
        if (store) {
            PyObject *id = fe_field(node, "id");
            int rc = id != NULL ? PyDict_SetItem(names, id, Py_None) : -1;
            Py_XDECREF(id);
            return rc;
        }
        return 0;
    }
    PyObject *fields = fe_field((PyObject *)Py_TYPE(node), "_fields");
    if (fields == NULL) {
        PyErr_Clear();
        return 0;
    }
    int rc = 0;
    for (Py_ssize_t i = 0; rc == 0 && i < PyTuple_GET_SIZE(fields); i++) {
        PyObject *child = PyObject_GetAttr(node, PyTuple_GET_ITEM(fields, i));
        if (child == NULL) {
            PyErr_Clear();
            continue;
        }
        if (PyList_Check(child) || PyObject_HasAttrString(child, "_fields")) {
            rc = collect_names(child, names, ctx_kind);
        }
        Py_DECREF(child);
    }
    Py_DECREF(fields);
    return rc;
}

int fe_collect_stores(PyObject *node, PyObject *names)
{
    return collect_names(node, names, "Store");
}

int fe_collect_loads(PyObject *node, PyObject *names)
{
    return collect_names(node, names, "Load");
}

/* ---- static values: names resolved at compile time ------------------- */

/* Whether |v| is a number the kernel can freeze as a constant. */
bool fe_is_number(PyObject *v)
{
    return PyBool_Check(v) || PyLong_Check(v) || PyFloat_Check(v) ||
           PyComplex_Check(v) || PyArray_IsScalar(v, Number) ||
           PyArray_IsScalar(v, Bool);
}

static KirNode *const_int(Fe *fe, PyObject *v, PyObject *at)
{
    int overflow = 0;
    long long x = PyLong_AsLongLongAndOverflow(v, &overflow);
    if (overflow != 0) {
        PyObject *text = PyObject_Str(v);
        fe_fail(fe, at, "the integer %s does not fit in 64 bits",
                text != NULL ? PyUnicode_AsUTF8(text) : "?");
        Py_XDECREF(text);
        return NULL;
    }
    KirNode *n = fe_mk(fe, KIR_INT, 0, at);
    if (n != NULL) {
        n->u.ival = x;
    }
    return n;
}

KirNode *fe_mk_int(Fe *fe, long long v, PyObject *at)
{
    KirNode *n = fe_mk(fe, KIR_INT, 0, at);
    if (n != NULL) {
        n->u.ival = v;
    }
    return n;
}

KirNode *fe_const_float(Fe *fe, double x, PyObject *at)
{
    KirNode *n = fe_mk(fe, KIR_FLOAT, 0, at);
    if (n != NULL) {
        n->u.fval = x;
    }
    return n;
}

/* A complex constant: 2j is an imaginary atom, a+bj (complex a b). */
static KirNode *const_complex(Fe *fe, Py_complex c, PyObject *at)
{
    KirNode *im = fe_mk(fe, KIR_IMAG, 0, at);
    if (im == NULL) {
        return NULL;
    }
    im->u.fval = c.imag;
    if (c.real == 0.0 && !signbit(c.real)) {
        return im;
    }
    KirNode *args[2] = {fe_const_float(fe, c.real, at),
                        fe_const_float(fe, c.imag, at)};
    return fe_mk_call(fe, KIR_FN_COMPLEX, args, 2, at);
}

/* The kir kind of a native NumPy dtype of bool, integer, float or
 * complex kind (by kind and size, so np.longlong is i8), or UF_VOID. */
UfKind fe_kind_of_descr(PyArray_Descr *d)
{
    static const struct {
        char kind;
        int size;
        UfKind k;
    } kinds[] = {
        {'b', 1, UF_B1},   {'i', 1, UF_I1}, {'i', 2, UF_I2}, {'i', 4, UF_I4},
        {'i', 8, UF_I8},   {'u', 1, UF_U1}, {'u', 2, UF_U2}, {'u', 4, UF_U4},
        {'u', 8, UF_U8},   {'f', 4, UF_F4}, {'f', 8, UF_F8}, {'c', 8, UF_C8},
        {'c', 16, UF_C16},
    };
    int size = (int)PyDataType_ELSIZE(d);
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        if (kinds[i].kind == d->kind && kinds[i].size == size) {
            return kinds[i].k;
        }
    }
    return UF_VOID;
}

/* The kir kind of a NumPy scalar's dtype, or UF_VOID. */
static UfKind numpy_scalar_kind(PyObject *v)
{
    PyArray_Descr *d = PyArray_DescrFromScalar(v);
    if (d == NULL) {
        PyErr_Clear();
        return UF_VOID;
    }
    UfKind k = fe_kind_of_descr(d);
    Py_DECREF(d);
    return k;
}

/* A NumPy scalar keeps its dtype (np.float64 is a float subclass, but
 * NEP 50 makes it strong): (cast f8 0.1). */
static KirNode *const_numpy_scalar(Fe *fe, PyObject *v, PyObject *at)
{
    UfKind kind = numpy_scalar_kind(v);
    if (kind == UF_VOID) {
        return fe_fail(fe, at, "NumPy scalars of type %s are not supported",
                       Py_TYPE(v)->tp_name);
    }
    PyObject *py = PyObject_CallMethod(v, "item", NULL);
    if (py == NULL) {
        return fe_fail_python(fe);
    }
    KirNode *n = fe_const_number(fe, py, at);
    Py_DECREF(py);
    return fe_mk_cast(fe, kind, n, at);
}

/* A Python number as a weak literal; a NumPy scalar keeps its dtype. */
KirNode *fe_const_number(Fe *fe, PyObject *v, PyObject *at)
{
    if (PyArray_IsScalar(v, Generic)) {
        return const_numpy_scalar(fe, v, at);
    }
    if (PyBool_Check(v)) {
        return fe_mk_bool(fe, v == Py_True, at);
    }
    if (PyLong_Check(v)) {
        return const_int(fe, v, at);
    }
    if (PyFloat_Check(v)) {
        return fe_const_float(fe, PyFloat_AS_DOUBLE(v), at);
    }
    if (PyComplex_Check(v)) {
        return const_complex(fe, PyComplex_AsCComplex(v), at);
    }
    return fe_fail(fe, at, "values of type %s are not numbers",
                   Py_TYPE(v)->tp_name);
}

/* Resolves a non-local name to a Python object (new reference). */
static PyObject *resolve_name(Fe *fe, PyObject *id, PyObject *at)
{
    PyObject *v = PyObject_CallOneArg(fe->resolve, id);
    if (v == NULL) {
        if (PyErr_ExceptionMatches(PyExc_NameError)) {
            PyErr_Clear();
            return fe_fail(fe, at, "name '%s' is not defined",
                           PyUnicode_AsUTF8(id));
        }
        return fe_fail_python(fe);
    }
    return v;
}

/* The compile-time value of a non-local Name or a chain of attributes on
 * one (math.pi, np.float32, Color['RED'].value); NULL if |e| is not such
 * an expression, with an error only when it names something that does not
 * exist. */
PyObject *fe_static_value(Fe *fe, PyObject *e)
{
    if (fe_is_kind(e, "Subscript")) { /* only Enum['MEMBER'] */
        return fe_enum_item(fe, e);
    }
    if (fe_is_kind(e, "Name")) {
        const char *id = fe_field_str(e, "id");
        if (id == NULL || fe_scope_lookup(fe, id) >= 0) {
            return NULL;
        }
        PyObject *name = fe_field(e, "id");
        PyObject *v = resolve_name(fe, name, e);
        Py_DECREF(name);
        return v;
    }
    if (!fe_is_kind(e, "Attribute")) {
        return NULL;
    }
    PyObject *value = fe_field(e, "value");
    PyObject *base = value != NULL ? fe_static_value(fe, value) : NULL;
    Py_XDECREF(value);
    if (base == NULL) {
        return NULL;
    }
    PyObject *attr = fe_field(e, "attr");
    PyObject *v = PyObject_GetAttr(base, attr);
    if (v == NULL) {
        PyErr_Clear();
        fe_fail(fe, e, "'%s' has no attribute '%s'",
                PyModule_Check(base) ? PyModule_GetName(base)
                                     : Py_TYPE(base)->tp_name,
                PyUnicode_AsUTF8(attr));
    }
    Py_DECREF(base);
    Py_DECREF(attr);
    return v;
}

/* A frozen value used as an expression: numbers, and what
 * frontend_frozen.c freezes (tuples, lists, arrays, Enum members). */
KirNode *fe_static_expr(Fe *fe, PyObject *v, PyObject *at)
{
    if (fe_is_number(v)) {
        return fe_const_number(fe, v, at);
    }
    KirNode *frozen = fe_frozen_expr(fe, v, at);
    if (frozen != NULL || fe_failed(fe)) {
        return frozen;
    }
    if (PyModule_Check(v)) {
        return fe_fail(fe, at, "the module '%s' is not a value",
                       PyModule_GetName(v));
    }
    if (PyCallable_Check(v)) {
        return fe_fail(fe, at,
                       "a function can only be called in a kernel, "
                       "not used as a value");
    }
    return fe_fail(fe, at,
                   "values of type '%s' cannot be used in a kernel "
                   "(numbers, tuples, lists and arrays of numbers, and "
                   "Enum members are frozen)",
                   Py_TYPE(v)->tp_name);
}

/* ---- arguments that are arrays --------------------------------------- */

/* Whether |e| is an ast.Name (|e| may be NULL). */
static bool is_name_node(PyObject *e)
{
    return e != NULL && fe_is_kind(e, "Name");
}

/* The expression an array use in |node| applies to: X in X[...],
 * X.shape, X.sum(), `for v in X`, len(X), enumerate(X); or NULL
 * (new reference). */
static PyObject *array_use(PyObject *node)
{
    if (fe_is_kind(node, "Subscript")) {
        return fe_field(node, "value");
    }
    if (fe_is_kind(node, "Attribute")) {
        const char *attr = fe_field_str(node, "attr");
        bool array = attr != NULL &&
                     (fe_is_array_attribute(attr) || fe_is_array_method(attr));
        return array ? fe_field(node, "value") : NULL;
    }
    if (fe_is_kind(node, "For")) {
        return fe_field(node, "iter");
    }
    if (!fe_is_kind(node, "Call")) {
        return NULL;
    }
    PyObject *f = fe_field(node, "func"), *args = fe_field(node, "args");
    const char *id = is_name_node(f) ? fe_field_str(f, "id") : NULL;
    PyObject *r = NULL;
    if (id != NULL &&
        (strcmp(id, "len") == 0 || strcmp(id, "enumerate") == 0) &&
        args != NULL && PyList_GET_SIZE(args) > 0) {
        r = Py_NewRef(PyList_GET_ITEM(args, 0));
    }
    Py_XDECREF(f);
    Py_XDECREF(args);
    return r;
}

/* Adds the argument |node| names (if it is a Name in |params|) to |set|. */
static int add_if_param(PyObject *node, PyObject *params, PyObject *set)
{
    if (!is_name_node(node)) {
        return 0;
    }
    PyObject *id = fe_field(node, "id");
    int rc = id != NULL ? PySequence_Contains(params, id) : -1;
    if (rc == 1) {
        rc = PySet_Add(set, id);
    }
    Py_XDECREF(id);
    return rc < 0 ? -1 : 0;
}

/* What the walk over a kernel's body learns about its arguments. */
typedef struct ArgUses {
    PyObject *arrays; /* set: arguments used as arrays */
    PyObject *read;   /* set: arguments read anywhere */
    bool returns;     /* some `return` gives a value (not a gufunc kernel) */
} ArgUses;

/* Notes what |node| says about the arguments |params|. */
static int note_uses(PyObject *node, PyObject *params, ArgUses *u)
{
    PyObject *used = array_use(node);
    PyErr_Clear();
    int rc = used != NULL ? add_if_param(used, params, u->arrays) : 0;
    Py_XDECREF(used);
    if (rc == 0 && fe_is_kind(node, "Name")) {
        PyObject *ctx = fe_field(node, "ctx");
        bool load = ctx != NULL && fe_is_kind(ctx, "Load");
        Py_XDECREF(ctx);
        rc = load ? add_if_param(node, params, u->read) : 0;
    }
    if (rc == 0 && fe_is_kind(node, "Return")) {
        PyObject *v = fe_field(node, "value");
        u->returns = u->returns || (v != NULL && v != Py_None);
        Py_XDECREF(v);
    }
    return rc;
}

/* Walks |fdef| (ast.walk) noting the uses of |params|. */
static int walk_uses(PyObject *fdef, PyObject *params, ArgUses *u)
{
    PyObject *ast = PyImport_ImportModule("ast");
    PyObject *walk =
        ast != NULL ? PyObject_CallMethod(ast, "walk", "O", fdef) : NULL;
    PyObject *it = walk != NULL ? PyObject_GetIter(walk) : NULL;
    PyObject *node;
    int rc = it != NULL ? 0 : -1;
    while (rc == 0 && (node = PyIter_Next(it)) != NULL) {
        rc = note_uses(node, params, u);
        Py_DECREF(node);
    }
    Py_XDECREF(it);
    Py_XDECREF(walk);
    Py_XDECREF(ast);
    return rc < 0 || PyErr_Occurred() ? -1 : 0;
}

/* The kernel arguments that may not be rebound (a set of names): those
 * known to be arrays -- the last |outputs| (a gufunc's outputs), those
 * the body indexes, takes .shape of, loops over, ... -- and, in a kernel
 * that returns no value (a gufunc kernel), those it never reads, since a
 * value assigned to them could go nowhere.  NULL with a Python error. */
static PyObject *array_arguments(PyObject *fdef, PyObject *params, int outputs)
{
    ArgUses u = {PySet_New(NULL), PySet_New(NULL), false};
    Py_ssize_t np = PyList_GET_SIZE(params);
    int rc = u.arrays != NULL && u.read != NULL ? 0 : -1;
    for (Py_ssize_t i = np - outputs; rc == 0 && i < np; i++) {
        rc = i >= 0 ? PySet_Add(u.arrays, PyList_GET_ITEM(params, i)) : 0;
    }
    rc = rc == 0 ? walk_uses(fdef, params, &u) : -1;
    for (Py_ssize_t i = 0; rc == 0 && !u.returns && i < np; i++) {
        PyObject *p = PyList_GET_ITEM(params, i);
        int read = PySet_Contains(u.read, p);
        rc = read < 0 ? -1 : read ? 0 : PySet_Add(u.arrays, p);
    }
    Py_XDECREF(u.read);
    if (rc < 0) {
        Py_CLEAR(u.arrays);
    }
    return u.arrays;
}

/* ---- the kernel ------------------------------------------------------ */

/* Whether the kernel's arguments have default values (a ufunc has a
 * fixed number of inputs, so they could never apply). */
static bool has_defaults(PyObject *fdef)
{
    PyObject *args = fe_field(fdef, "args");
    PyObject *defaults = args != NULL ? fe_field(args, "defaults") : NULL;
    bool has = defaults != NULL && PyList_Check(defaults) &&
               PyList_GET_SIZE(defaults) > 0;
    Py_XDECREF(args);
    Py_XDECREF(defaults);
    PyErr_Clear();
    return has;
}

/* Declares the kernel's arguments; an argument the body assigns to is
 * copied into a local first (kir arguments are read-only).  Notes which
 * arguments are arrays: the last |outputs| and those used as arrays. */
static int bind_arguments(Fe *fe, PyObject *fdef, PyObject *params, int outputs)
{
    if (has_defaults(fdef)) {
        fe_fail(fe, fdef,
                "kernel arguments cannot have default values: a ufunc "
                "takes all of its inputs");
        return -1;
    }
    PyObject *body = fe_field(fdef, "body");
    PyObject *stored = PyDict_New();
    int rc = (body && stored && fe_collect_stores(body, stored) == 0) ? 0 : -1;
    Py_ssize_t np = PyList_GET_SIZE(params);
    fe->array_args = rc == 0 ? array_arguments(fdef, params, outputs) : NULL;
    rc = fe->array_args != NULL ? rc : -1;
    fe->output_args = rc == 0 ? PySet_New(NULL) : NULL;
    rc = fe->output_args != NULL ? rc : -1;
    for (Py_ssize_t i = PyList_GET_SIZE(params) - outputs;
         rc == 0 && i < PyList_GET_SIZE(params); i++) {
        rc =
            i >= 0 ? PySet_Add(fe->output_args, PyList_GET_ITEM(params, i)) : 0;
    }
    int args[UF_MAXARGS];
    if (np > UF_MAXARGS) {
        fe_fail(fe, fdef, "kernels take at most %d arguments", UF_MAXARGS);
        rc = -1;
    }
    for (Py_ssize_t i = 0; rc == 0 && i < np; i++) {
        char name[96];
        fe_kir_name(PyUnicode_AsUTF8(PyList_GET_ITEM(params, i)), name,
                    sizeof name);
        args[i] = kir_kernel_add_var(fe->k, name, strlen(name), true);
        if (args[i] < 0) {
            fe_fail(fe, fdef, "duplicate or invalid argument name '%s'", name);
            rc = -1;
        }
    }
    for (Py_ssize_t i = 0; rc == 0 && i < np; i++) {
        PyObject *p = PyList_GET_ITEM(params, i);
        int var = args[i];
        if (PyDict_GetItem(stored, p) != NULL) {
            var = fe_fresh_local(fe, PyUnicode_AsUTF8(p));
            rc = var < 0 ? -1
                         : fe_emit(fe, fe_mk_set(fe, var,
                                                 fe_mk_var(fe, args[i], fdef),
                                                 fdef));
        }
        rc = rc == 0 ? fe_scope_bind(fe, PyUnicode_AsUTF8(p), var) : rc;
    }
    Py_XDECREF(stored);
    if (rc == 0) {
        rc = fe_bind_locals(fe, body, "");
    }
    Py_XDECREF(body);
    if (rc < 0 && !fe_failed(fe)) {
        fe_fail_python(fe);
    }
    return rc;
}

static int translate_kernel(Fe *fe, PyObject *fdef, int outputs)
{
    PyObject *params = fe_param_names(fe, fdef);
    StmtList top = {0};
    fe->cur = &top;
    int rc = params != NULL ? bind_arguments(fe, fdef, params, outputs) : -1;
    Py_XDECREF(params);
    PyObject *body = rc == 0 ? fe_field(fdef, "body") : NULL;
    if (body != NULL) {
        rc = fe_translate_body(fe, body);
        Py_DECREF(body);
    }
    rc = rc == 0 ? fe_frozen_prologue(fe, &top) : rc;
    fe->k->body = fe_to_block(fe, &top, fdef);
    fe->k->loc = fe_ast_loc(fe, fdef);
    return (rc < 0 || fe->k->body == NULL || fe_failed(fe)) ? -1 : 0;
}

/* Raises the recorded error as a Python exception. */
static PyObject *raise_failure(Fe *fe)
{
    if (fe->err_is_python) {
        if (fe->py_exc != NULL) {
            raise_exception(fe->py_exc); /* the first one, still the cause */
            fe->py_exc = NULL;
        } else if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_RuntimeError, "internal front-end error");
        }
        return NULL;
    }
    return ufpy_raise_compile_error(&fe->err, &fe->err_src);
}

int fe_check_ast(PyObject *fdef)
{
    if (!fe_is_kind(fdef, "FunctionDef")) {
        PyErr_Format(PyExc_TypeError,
                     "translate() takes an ast.FunctionDef, not %s",
                     Py_TYPE(fdef)->tp_name);
        return -1;
    }
    /* compile() checks every node's fields and types: a malformed tree
     * raises TypeError or ValueError; a SyntaxError (nonlocal, await) is
     * left to the front end's own messages */
    PyObject *ast = PyImport_ImportModule("ast");
    PyObject *mod =
        ast != NULL ? PyObject_CallMethod(ast, "Module", "[O][]", fdef) : NULL;
    PyObject *compile = PyDict_GetItemString(PyEval_GetBuiltins(), "compile");
    PyObject *code =
        mod != NULL && compile != NULL
            ? PyObject_CallFunction(compile, "Oss", mod, "<kernel>", "exec")
            : NULL;
    Py_XDECREF(ast);
    Py_XDECREF(mod);
    if (code == NULL && PyErr_ExceptionMatches(PyExc_SyntaxError)) {
        PyErr_Clear();
        return 0;
    }
    Py_XDECREF(code);
    return code != NULL ? 0 : -1;
}

/* _core.translate(fdef, source, resolve, funcmap, load_helper[, outputs[,
 * ranks]]) (see pyext.h); |outputs|, default 0, counts the trailing
 * arguments that are a gufunc's output arrays, which the body may not
 * rebind; |ranks|, a tuple of ints, gives each argument's rank where the
 * layout tells it (-1 where it does not). */
PyObject *ufpy_translate(PyObject *module, PyObject *args)
{
    (void)module;
    PyObject *fdef, *source, *resolve, *funcmap, *load_helper;
    PyObject *ranks = NULL;
    int outputs = 0;
    if (!PyArg_ParseTuple(args, "OOOO!O|iO!", &fdef, &source, &resolve,
                          &PyDict_Type, &funcmap, &load_helper, &outputs,
                          &PyTuple_Type, &ranks)) {
        return NULL;
    }
    if (fe_check_ast(fdef) < 0) {
        return NULL;
    }
    Fe fe = {.funcmap = funcmap,
             .load_helper = load_helper,
             .resolve = resolve,
             .ranks = ranks};
    if (fe_parse_source(source, &fe.src, &fe.col_offset) < 0) {
        return NULL;
    }
    char name[96];
    const char *py_name = fe_field_str(fdef, "name");
    if (py_name == NULL) {
        return NULL;
    }
    fe_kir_name(py_name, name, sizeof name);
    fe.k = kir_kernel_new(name, strlen(name));
    fe.scope = PyDict_New();
    fe.helper_stack = PyList_New(0);
    PyObject *result = NULL;
    if (fe.k == NULL || fe.scope == NULL || fe.helper_stack == NULL) {
        PyErr_NoMemory();
    } else if (translate_kernel(&fe, fdef, outputs) < 0 ||
               kir_verify(fe.k, &fe.err) < 0) {
        if (fe.err.kind != UF_ERR_NONE && fe.err_src.filename == NULL) {
            fe.err_src = fe.src; /* a verifier error: the kernel's source */
            Py_XINCREF(fe.err_src.filename);
            Py_XINCREF(fe.err_src.text);
        }
        raise_failure(&fe);
    } else {
        result = ufpy_kernel_new(fe.k, &fe.src);
        fe.k = NULL;
    }
    kir_kernel_free(fe.k);
    Py_XDECREF(fe.err_src.filename);
    Py_XDECREF(fe.err_src.text);
    Py_XDECREF(fe.scope);
    Py_XDECREF(fe.array_args);
    Py_XDECREF(fe.output_args);
    Py_XDECREF(fe.helper_stack);
    Py_XDECREF(fe.tuples);
    Py_XDECREF(fe.checked);
    Py_XDECREF(fe.py_exc);
    Py_XDECREF(fe.frozen);
    uf_free(fe.frozen_sets.items);
    return result;
}
