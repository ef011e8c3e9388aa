/*
 * frontend_expr.c -- expressions and calls: Python AST expressions to kir.
 */
#include "frontend.h"

#include <string.h>

/* ---- expressions ----------------------------------------------------- */

static const struct {
    const char *ast;
    KirOp op;
} binops[] = {
    {"Add", KIR_ADD},
    {"Sub", KIR_SUB},
    {"Mult", KIR_MUL},
    {"Div", KIR_DIV},
    {"FloorDiv", KIR_FLOORDIV},
    {"Mod", KIR_MOD},
    {"Pow", KIR_POW},
    {"LShift", KIR_LSHIFT},
    {"RShift", KIR_RSHIFT},
    {"BitOr", KIR_BITOR},
    {"BitXor", KIR_BITXOR},
    {"BitAnd", KIR_BITAND},
    {"Lt", KIR_LT},
    {"LtE", KIR_LE},
    {"Gt", KIR_GT},
    {"GtE", KIR_GE},
    {"Eq", KIR_EQ},
    {"NotEq", KIR_NE},
    {"USub", KIR_NEG},
    {"UAdd", KIR_POS},
    {"Not", KIR_NOT},
    {"Invert", KIR_INVERT},
};

/* The kir op of an AST operator node, or -1. */
int fe_op_of(PyObject *opnode)
{
    for (size_t i = 0; i < sizeof binops / sizeof binops[0]; i++) {
        if (fe_is_kind(opnode, binops[i].ast)) {
            return binops[i].op;
        }
    }
    return -1;
}

/* Operator spelling for error messages. */
const char *fe_op_name(PyObject *opnode)
{
    static const FeName names[] = {{"MatMult", "@"},
                                   {"In", "in"},
                                   {"NotIn", "not in"},
                                   {"Is", "is"},
                                   {"IsNot", "is not"}};
    return fe_name_of(opnode, names, sizeof names / sizeof names[0]);
}

/* Translates field |attr| of |node| as an expression. */
KirNode *fe_expr_field(Fe *fe, PyObject *node, const char *attr)
{
    PyObject *e = fe_field(node, attr);
    if (e == NULL) {
        return fe_fail_python(fe);
    }
    KirNode *n = fe_translate_expr(fe, e);
    Py_DECREF(e);
    return n;
}

/* Python's value of (op a b) for int literals, or NULL (a Python error
 * set) when Python raises; None when the op is not folded. */
static PyObject *python_int_op(KirOp op, long long a, long long b)
{
    PyObject *x = PyLong_FromLongLong(a), *y = PyLong_FromLongLong(b);
    PyObject *r = NULL;
    if (x != NULL && y != NULL) {
        switch (op) {
        case KIR_ADD:
            r = PyNumber_Add(x, y);
            break;
        case KIR_SUB:
            r = PyNumber_Subtract(x, y);
            break;
        case KIR_MUL:
            r = PyNumber_Multiply(x, y);
            break;
        case KIR_POW: /* |a| > 1 with b > 64 overflows: not computed */
            r = (b > 64 && (a > 1 || a < -1)) ? PyLong_FromDouble(1e300)
                                              : PyNumber_Power(x, y, Py_None);
            break;
        case KIR_LSHIFT:
            r = (b > 64 && a != 0) ? PyLong_FromDouble(1e300)
                                   : PyNumber_Lshift(x, y);
            break;
        default:
            r = Py_NewRef(Py_None);
            break;
        }
    }
    Py_XDECREF(x);
    Py_XDECREF(y);
    return r;
}

/* (op a b) of two int literals, folded the way Python computes it when
 * the result may not fit 64 bits (+ - * ** <<): a literal when it fits, a
 * CompileError when it does not, never a silent wrap. */
static KirNode *fold_ints(Fe *fe, KirOp op, KirNode *a, KirNode *b, PyObject *e)
{
    PyObject *r = python_int_op(op, a->u.ival, b->u.ival);
    if (r == NULL) {
        PyErr_Clear(); /* 1 << -1: the kernel raises at run time */
        return fe_mk2(fe, op, a, b, e);
    }
    KirNode *n = NULL;
    int overflow = 0;
    long long v =
        PyLong_Check(r) ? PyLong_AsLongLongAndOverflow(r, &overflow) : 0;
    if (!PyLong_Check(r)) { /* not folded, or 2 ** -1 (a float) */
        n = fe_mk2(fe, op, a, b, e);
    } else if (overflow != 0) {
        fe_fail(fe, e,
                "this integer constant does not fit in 64 bits (kernels "
                "compute integers in 64 bits); write it as a float, such "
                "as 2.0 ** 64 or 1e20, where a float is meant");
    } else {
        n = fe_mk_int(fe, v, e);
    }
    Py_DECREF(r);
    return n;
}

static KirNode *translate_binop(Fe *fe, PyObject *e)
{
    PyObject *opnode = fe_field(e, "op");
    int op = fe_op_of(opnode);
    if (op < 0) {
        fe_fail(fe, e, "the operator '%s' is not supported in a kernel",
                fe_op_name(opnode));
    }
    Py_XDECREF(opnode);
    if (op < 0) {
        return NULL;
    }
    KirNode *a = fe_expr_field(fe, e, "left");
    KirNode *b = a != NULL ? fe_expr_field(fe, e, "right") : NULL;
    if (a != NULL && b != NULL && a->op == KIR_INT && b->op == KIR_INT) {
        return fold_ints(fe, (KirOp)op, a, b, e);
    }
    return fe_mk2(fe, (KirOp)op, a, b, e);
}

static KirNode *translate_unary(Fe *fe, PyObject *e)
{
    PyObject *opnode = fe_field(e, "op");
    int op = fe_op_of(opnode);
    Py_XDECREF(opnode);
    KirNode *a = fe_expr_field(fe, e, "operand");
    bool literal = a != NULL && (a->op == KIR_INT || a->op == KIR_FLOAT) &&
                   !(a->op == KIR_INT && a->u.ival == INT64_MIN);
    if (op == KIR_NEG && literal) { /* -3 is the literal -3 */
        if (a->op == KIR_INT) {
            a->u.ival = -a->u.ival;
        } else {
            a->u.fval = -a->u.fval;
        }
        a->loc = fe_ast_loc(fe, e);
        return a;
    }
    return fe_mk1(fe, (KirOp)op, a, e);
}

/* Translates |e| into a fresh statement list |out| (for a lazy branch);
 * returns the value, with |out| holding what must run before it. */
KirNode *fe_translate_lazy(Fe *fe, PyObject *e, StmtList *out)
{
    StmtList *saved = fe->cur;
    fe->cur = out;
    KirNode *n = fe_translate_expr(fe, e);
    fe->cur = saved;
    return n;
}

/* Stores |value| (after |pre|) into |var| inside a new block. */
static KirNode *block_setting(Fe *fe, StmtList *pre, int var, KirNode *value,
                              PyObject *at)
{
    StmtList *saved = fe->cur;
    fe->cur = pre;
    fe_emit(fe, fe_mk_set(fe, var, value, at));
    fe->cur = saved;
    return fe_to_block(fe, pre, at);
}

/* (and a b) / (or a b) where b needs the statements |pre| first (freed):
 * t = a; if t: <pre>; t = b. */
static KirNode *logical_with(Fe *fe, KirOp op, KirNode *a, KirNode *b,
                             StmtList *pre, PyObject *at)
{
    if (b == NULL || pre->n == 0) {
        uf_free(pre->items);
        return fe_mk2(fe, op, a, b, at);
    }
    int t = fe_fresh_local(fe, "t");
    if (t < 0 || fe_emit(fe, fe_mk_set(fe, t, a, at)) < 0) {
        uf_free(pre->items);
        return NULL;
    }
    KirNode *cond = fe_mk_var(fe, t, at);
    if (op == KIR_OR) {
        cond = fe_mk1(fe, KIR_NOT, cond, at);
    }
    KirNode *then = block_setting(fe, pre, t, b, at);
    KirNode *s = (cond && then) ? fe_mk(fe, KIR_IF, 2, at) : NULL;
    if (s != NULL) {
        s->kids[0] = cond;
        s->kids[1] = then;
    }
    return fe_emit(fe, s) < 0 ? NULL : fe_mk_var(fe, t, at);
}

static KirNode *logical(Fe *fe, KirOp op, KirNode *a, PyObject *b_ast,
                        PyObject *at)
{
    StmtList pre = {0};
    KirNode *b = fe_translate_lazy(fe, b_ast, &pre);
    return logical_with(fe, op, a, b, &pre, at);
}

static KirNode *translate_boolop(Fe *fe, PyObject *e)
{
    PyObject *opnode = fe_field(e, "op");
    KirOp op = fe_is_kind(opnode, "And") ? KIR_AND : KIR_OR;
    Py_XDECREF(opnode);
    PyObject *values = fe_field(e, "values");
    Py_ssize_t n = values != NULL ? PyList_GET_SIZE(values) : 0;
    KirNode *acc =
        n > 0 ? fe_translate_expr(fe, PyList_GET_ITEM(values, 0)) : NULL;
    for (Py_ssize_t i = 1; acc != NULL && i < n; i++) {
        acc = logical(fe, op, acc, PyList_GET_ITEM(values, i), e);
    }
    Py_XDECREF(values);
    return acc;
}

/* Evaluates |n| once into a temporary unless it is already an atom. */
KirNode *fe_once(Fe *fe, KirNode *n, PyObject *at)
{
    if (n == NULL || kir_op_info[n->op].cls == KIR_CLASS_ATOM) {
        return n;
    }
    int t = fe_fresh_local(fe, "t");
    if (t < 0 || fe_emit(fe, fe_mk_set(fe, t, n, at)) < 0) {
        return NULL;
    }
    return fe_mk_var(fe, t, at);
}

/* A copy of an atom (a variable or constant read twice). */
KirNode *fe_copy_atom(Fe *fe, const KirNode *a)
{
    KirNode *n = kir_node_new(fe->k, (KirOp)a->op, 0, a->loc);
    if (n == NULL) {
        return fe_fail_nomem(fe);
    }
    n->u = a->u;
    return n;
}

/* One comparand of a chain; not the last: evaluated once, into a
 * temporary the next comparison reads again. */
static KirNode *comparand(Fe *fe, PyObject *e, PyObject *at, bool last)
{
    KirNode *n = fe_translate_expr(fe, e);
    return last ? n : fe_once(fe, n, at);
}

/* a < b < c  ->  (and (< a b) (< b c)): b is evaluated once, and b's
 * comparison with c (c included) only when a < b holds, as in Python. */
static KirNode *translate_compare(Fe *fe, PyObject *e)
{
    PyObject *ops = fe_field(e, "ops");
    PyObject *comps = fe_field(e, "comparators");
    KirNode *left = fe_expr_field(fe, e, "left");
    KirNode *acc = NULL;
    Py_ssize_t n = (ops != NULL) ? PyList_GET_SIZE(ops) : 0;
    for (Py_ssize_t i = 0; left != NULL && i < n; i++) {
        PyObject *opnode = PyList_GET_ITEM(ops, i);
        int op = fe_op_of(opnode);
        if (op < 0) {
            acc = fe_fail(fe, e,
                          "the comparison '%s' is not supported in a "
                          "kernel",
                          fe_op_name(opnode));
            break;
        }
        bool last = i == n - 1;
        PyObject *c = PyList_GET_ITEM(comps, i);
        StmtList pre = {0};
        StmtList *saved = fe->cur;
        if (acc != NULL) {
            fe->cur = &pre; /* runs only when the chain so far holds */
        }
        KirNode *right = comparand(fe, c, e, last);
        fe->cur = saved;
        KirNode *cmp = fe_mk2(fe, (KirOp)op, left, right, e);
        acc = acc == NULL ? cmp : logical_with(fe, KIR_AND, acc, cmp, &pre, e);
        left = (right != NULL && !last) ? fe_copy_atom(fe, right) : NULL;
    }
    Py_XDECREF(ops);
    Py_XDECREF(comps);
    return acc;
}

/* c if t else f; with statements in a branch: an if statement. */
static KirNode *translate_ifexp(Fe *fe, PyObject *e)
{
    KirNode *c = fe_expr_field(fe, e, "test");
    StmtList pa = {0}, pb = {0};
    PyObject *ta = fe_field(e, "body"), *tb = fe_field(e, "orelse");
    KirNode *a = c != NULL ? fe_translate_lazy(fe, ta, &pa) : NULL;
    KirNode *b = a != NULL ? fe_translate_lazy(fe, tb, &pb) : NULL;
    Py_XDECREF(ta);
    Py_XDECREF(tb);
    KirNode *r = NULL;
    if (b == NULL) {
        uf_free(pa.items);
        uf_free(pb.items);
    } else if (pa.n == 0 && pb.n == 0) {
        r = fe_mk(fe, KIR_SELECT, 3, e);
        if (r != NULL) {
            r->kids[0] = c;
            r->kids[1] = a;
            r->kids[2] = b;
        }
    } else {
        int t = fe_fresh_local(fe, "t");
        KirNode *s = fe_mk(fe, KIR_IF, 3, e);
        if (t >= 0 && s != NULL) {
            s->kids[0] = c;
            s->kids[1] = block_setting(fe, &pa, t, a, e);
            s->kids[2] = block_setting(fe, &pb, t, b, e);
            r = fe_emit(fe, s) < 0 ? NULL : fe_mk_var(fe, t, e);
        }
    }
    return r;
}

/* ---- calls ----------------------------------------------------------- */

/* Translates the call's positional arguments into |out| (at most |max|);
 * keyword arguments and starred ones are errors.  Returns the count. */
int fe_call_args(Fe *fe, PyObject *call, KirNode **out, int max,
                 const char *what)
{
    PyObject *kw = fe_field(call, "keywords");
    bool has_kw = kw != NULL && PyList_GET_SIZE(kw) > 0;
    Py_XDECREF(kw);
    if (has_kw) {
        fe_fail(fe, call, "%s takes no keyword arguments in a kernel", what);
        return -1;
    }
    return fe_positional_args(fe, call, out, max, what);
}

/* fe_call_args leaving the keyword arguments alone. */
int fe_positional_args(Fe *fe, PyObject *call, KirNode **out, int max,
                       const char *what)
{
    PyObject *args = fe_field(call, "args");
    Py_ssize_t n = args != NULL ? PyList_GET_SIZE(args) : 0;
    if (n > max) {
        fe_fail(fe, call, "%s takes at most %d arguments, %zd given", what, max,
                n);
        n = -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *a = PyList_GET_ITEM(args, i);
        if (fe_is_kind(a, "Starred")) {
            fe_fail(fe, a, "*arguments are not supported in a kernel");
            n = -1;
            break;
        }
        if ((out[i] = fe_translate_expr(fe, a)) == NULL) {
            n = -1;
            break;
        }
    }
    Py_XDECREF(args);
    return (int)n;
}

/* Checks a call got between |lo| and |hi| arguments. */
bool fe_arity_ok(Fe *fe, PyObject *call, const char *what, int n, int lo,
                 int hi)
{
    if (n >= lo && n <= hi) {
        return true;
    }
    if (lo == hi) {
        fe_fail(fe, call, "%s takes %d argument%s, %d given", what, lo,
                lo == 1 ? "" : "s", n);
    } else {
        fe_fail(fe, call, "%s takes %d to %d arguments, %d given", what, lo, hi,
                n);
    }
    return false;
}

/* ("fn", name): a kir intrinsic */
static KirNode *spec_fn(Fe *fe, PyObject *call, const char *what,
                        const char *name, KirNode **a, int n)
{
    int fn = kir_fn_lookup(name, strlen(name));
    if (fn < 0) {
        return fe_fail(fe, call, "internal: unknown kir function '%s'", name);
    }
    int arity = kir_fn_info[fn].arity;
    if (!fe_arity_ok(fe, call, what, n, arity, arity)) {
        return NULL;
    }
    return fe_mk_call(fe, (KirFn)fn, a, n, call);
}

/* ("cast", "f4"), ("int",): conversions */
static KirNode *spec_cast(Fe *fe, PyObject *call, const char *what,
                          const char *type, KirNode **a, int n)
{
    UfType t;
    UfError err = {0};
    int pos = 0;
    if (uf_type_parse(type, &pos, &t, &err) < 0 || t.ndim > 0) {
        return fe_fail(fe, call, "internal: bad cast type '%s'", type);
    }
    if (n == 0 && (t.kind == UF_F8 || t.kind == UF_I8 || t.kind == UF_B1)) {
        a[0] = t.kind == UF_F8 ? fe_const_float(fe, 0.0, call)
                               : fe_mk_bool(fe, false, call);
        n = 1;
    }
    if (!fe_arity_ok(fe, call, what, n, 1, 1)) {
        return NULL;
    }
    return fe_mk_cast(fe, (UfKind)t.kind, a[0], call);
}

static KirNode *call_fn(Fe *fe, KirFn fn, KirNode *a, PyObject *at)
{
    return fe_mk_call(fe, fn, &a, 1, at);
}

/* The remaining spec kinds: Python builtins and NumPy functions that are
 * compositions of kir operations. */
static KirNode *spec_compose(Fe *fe, PyObject *call, const char *what,
                             const char *kind, const char *arg, KirNode **a,
                             int n)
{
    if (strcmp(kind, "minmax") == 0) { /* min(a, b, c); min(array) */
        if (n == 0) {
            return fe_fail(fe, call, "%s needs at least 1 argument", what);
        }
        if (n == 1) {
            KirOp op = strcmp(arg, "min") == 0 ? KIR_AMIN : KIR_AMAX;
            return fe_mk1(fe, op, a[0], call);
        }
        KirFn fn = strcmp(arg, "min") == 0 ? KIR_FN_MIN : KIR_FN_MAX;
        KirNode *acc = a[0];
        for (int i = 1; acc != NULL && i < n; i++) {
            KirNode *pair[2] = {acc, a[i]};
            acc = fe_mk_call(fe, fn, pair, 2, call);
        }
        return acc;
    }
    if (strcmp(kind, "floor_int") == 0 &&
        fe_arity_ok(fe, call, what, n, 1, 1)) { /* math.floor -> (ifloor x) */
        char name[16];
        snprintf(name, sizeof name, "i%s", arg);
        int fn = kir_fn_lookup(name, strlen(name));
        return fn < 0 ? fe_fail(fe, call, "internal: no kir '%s'", name)
                      : call_fn(fe, (KirFn)fn, a[0], call);
    }
    if (strcmp(kind, "round") == 0 && fe_arity_ok(fe, call, what, n, 1, 1)) {
        return call_fn(fe, KIR_FN_IROUND, a[0], call);
    }
    if (strcmp(kind, "int") == 0) {
        return spec_cast(fe, call, what, "i8", a, n);
    }
    if (strcmp(kind, "complex") == 0 && fe_arity_ok(fe, call, what, n, 1, 2)) {
        KirNode *z = n == 1 ? a[0] : fe_mk_call(fe, KIR_FN_COMPLEX, a, 2, call);
        return fe_mk_cast(fe, UF_C16, z, call);
    }
    if (strcmp(kind, "op") == 0 && fe_arity_ok(fe, call, what, n, 2, 2)) {
        int op = kir_op_lookup(arg, strlen(arg));
        return fe_mk2(fe, (KirOp)op, a[0], a[1], call);
    }
    if (strcmp(kind, "unop") == 0 && fe_arity_ok(fe, call, what, n, 1, 1)) {
        int op = kir_op_lookup(arg, strlen(arg));
        return fe_mk1(fe, (KirOp)op, a[0], call);
    }
    if (strcmp(kind, "cfn") == 0 ||
        (strcmp(kind, "log") == 0 && strcmp(arg, "c") == 0)) {
        for (int i = 0; i < n; i++) { /* cmath: complex128 arguments */
            a[i] = fe_mk_cast(fe, UF_C16, a[i], call);
        }
    }
    if (strcmp(kind, "cfn") == 0) {
        return spec_fn(fe, call, what, arg, a, n);
    }
    if (strcmp(kind, "log") == 0 && fe_arity_ok(fe, call, what, n, 1, 2)) {
        KirNode *l = call_fn(fe, KIR_FN_LOG, a[0], call);
        return n == 1 ? l
                      : fe_mk2(fe, KIR_DIV, l,
                               call_fn(fe, KIR_FN_LOG, a[1], call), call);
    }
    if (strcmp(kind, "square") == 0 && fe_arity_ok(fe, call, what, n, 1, 1)) {
        KirNode *x = fe_once(fe, a[0], call);
        return x != NULL ? fe_mk2(fe, KIR_MUL, x, fe_copy_atom(fe, x), call)
                         : NULL;
    }
    if (strcmp(kind, "sign") == 0 && fe_arity_ok(fe, call, what, n, 1, 1)) {
        /* x > 0 ? 1 : x < 0 ? -1 : x == 0 ? 0 : x  (NaN stays NaN) */
        KirNode *x = fe_once(fe, a[0], call);
        static const KirOp tests[3] = {KIR_GT, KIR_LT, KIR_EQ};
        static const int values[3] = {1, -1, 0};
        KirNode *acc = x != NULL ? fe_copy_atom(fe, x) : NULL;
        for (int i = 2; acc != NULL && i >= 0; i--) {
            KirNode *sel = fe_mk(fe, KIR_SELECT, 3, call);
            if (sel == NULL) {
                return NULL;
            }
            sel->kids[0] = fe_mk2(fe, tests[i], fe_copy_atom(fe, x),
                                  fe_mk_int(fe, 0, call), call);
            sel->kids[1] = fe_mk_int(fe, values[i], call);
            sel->kids[2] = acc;
            acc = sel;
        }
        return fe_failed(fe) ? NULL : acc;
    }
    if (strcmp(kind, "phase") == 0 && fe_arity_ok(fe, call, what, n, 1, 1)) {
        KirNode *z = fe_once(fe, a[0], call);
        KirNode *parts[2] = {
            call_fn(fe, KIR_FN_IMAGF, z, call),
            call_fn(fe, KIR_FN_REAL, fe_copy_atom(fe, z), call)};
        return z != NULL ? fe_mk_call(fe, KIR_FN_ATAN2, parts, 2, call) : NULL;
    }
    if (fe_failed(fe)) {
        return NULL;
    }
    return fe_fail(fe, call, "internal: unknown function spec '%s'", kind);
}

/* A call to the Python object |func| listed in funcmap with |spec|. */
static KirNode *call_spec(Fe *fe, PyObject *call, PyObject *func,
                          PyObject *spec)
{
    char what[96];
    PyObject *name = PyObject_GetAttrString(func, "__name__");
    PyErr_Clear();
    snprintf(what, sizeof what, "%s()",
             name != NULL && PyUnicode_Check(name) ? PyUnicode_AsUTF8(name)
                                                   : "this function");
    Py_XDECREF(name);
    const char *kind = PyUnicode_AsUTF8(PyTuple_GET_ITEM(spec, 0));
    int first = 0; /* where the plain spec starts */
    if (kind != NULL && strcmp(kind, "impl") == 0) {
        KirNode *r = fe_impl_call(fe, call, spec, NULL, what);
        if (r != NULL || fe_failed(fe) || PyTuple_GET_SIZE(spec) < 3) {
            return r;
        }
        first = 2;
        kind = PyUnicode_AsUTF8(PyTuple_GET_ITEM(spec, first));
    }
    PyObject *arg_obj = PyTuple_GET_SIZE(spec) > first + 1
                            ? PyTuple_GET_ITEM(spec, first + 1)
                            : NULL;
    const char *arg = arg_obj != NULL && PyUnicode_Check(arg_obj)
                          ? PyUnicode_AsUTF8(arg_obj)
                          : "";
    if (kind == NULL || arg == NULL) {
        return fe_fail_python(fe);
    }
    if (fe_is_array_spec(kind)) {
        return fe_array_spec(fe, call, what, kind, arg);
    }
    KirNode *c = fe_const_call(fe, call, func, kind); /* float('inf') */
    if (c == NULL && !fe_failed(fe)) { /* math.comb: kernel code */
        c = fe_inline_spec(fe, call, what, kind, spec);
    }
    if (c != NULL || fe_failed(fe)) {
        return c;
    }
    KirNode *a[8];
    int n = fe_call_args(fe, call, a, 8, what);
    if (n < 0) {
        return NULL;
    }
    if (strcmp(kind, "fn") == 0) {
        return spec_fn(fe, call, what, arg, a, n);
    }
    if (strcmp(kind, "cast") == 0) {
        return spec_cast(fe, call, what, arg, a, n);
    }
    return spec_compose(fe, call, what, kind, arg, a, n);
}

/* value.conjugate(); array methods: a.sum(), a.max(), a.dot(b), ... */
static KirNode *method_call(Fe *fe, PyObject *call, PyObject *attr_node)
{
    const char *attr = fe_field_str(attr_node, "attr");
    PyObject *impl = attr != NULL ? fe_method_impl(fe, attr) : NULL;
    if (impl != NULL) {
        char what[48];
        snprintf(what, sizeof what, ".%s()", attr);
        KirNode *r = fe_impl_call(fe, call, impl, attr_node, what);
        if (r != NULL || fe_failed(fe)) {
            return r;
        }
    }
    if (attr != NULL && fe_is_array_method(attr)) {
        return fe_array_method(fe, call, attr_node, attr);
    }
    if (attr != NULL && strcmp(attr, "type") == 0) {
        KirNode *r = fe_dtype_type_call(fe, call, attr_node);
        if (r != NULL || fe_failed(fe)) {
            return r;
        }
    }
    KirNode *im = attr != NULL ? fe_int_method(fe, call, attr_node, attr)
                               : NULL; /* n.bit_length() */
    if (im != NULL || fe_failed(fe)) {
        return im;
    }
    if (attr == NULL || strcmp(attr, "conjugate") != 0) {
        return fe_fail(fe, call, "the method '%s' is not supported in a kernel",
                       attr != NULL ? attr : "?");
    }
    KirNode *a[1];
    if (fe_call_args(fe, call, a, 0, ".conjugate()") < 0) {
        return NULL;
    }
    return call_fn(fe, KIR_FN_CONJ, fe_expr_field(fe, attr_node, "value"),
                   call);
}

/* "numpy.sum() is not supported in a kernel" */
static KirNode *unsupported_callable(Fe *fe, PyObject *at, PyObject *func)
{
    PyObject *mod = PyObject_GetAttrString(func, "__module__");
    PyObject *name = PyObject_GetAttrString(func, "__qualname__");
    PyErr_Clear();
    bool named = name != NULL && PyUnicode_Check(name);
    bool has_mod = mod != NULL && PyUnicode_Check(mod);
    fe_fail(fe, at, "%s%s%s() is not supported in a kernel",
            has_mod ? PyUnicode_AsUTF8(mod) : "", has_mod ? "." : "",
            named ? PyUnicode_AsUTF8(name) : Py_TYPE(func)->tp_name);
    Py_XDECREF(mod);
    Py_XDECREF(name);
    return NULL;
}

bool fe_calls_spec(Fe *fe, PyObject *call, const char *kind)
{
    PyObject *f = fe_is_kind(call, "Call") ? fe_field(call, "func") : NULL;
    PyObject *v = f != NULL ? fe_static_value(fe, f) : NULL;
    PyObject *spec = v != NULL ? PyDict_GetItemWithError(fe->funcmap, v) : NULL;
    PyErr_Clear();
    bool yes =
        spec != NULL && PyTuple_Check(spec) &&
        PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(spec, 0), kind) == 0;
    Py_XDECREF(f);
    Py_XDECREF(v);
    return yes;
}

/* A cast of each of the |n| arguments |a| to the type codes in |codes|
 * (a tuple of strings), in place; -1 on error. */
static int cast_args(Fe *fe, KirNode **a, int n, PyObject *codes, PyObject *at)
{
    for (int i = 0; i < n && i < PyTuple_GET_SIZE(codes); i++) {
        UfType t;
        UfError err = {0};
        int pos = 0;
        const char *code = PyUnicode_AsUTF8(PyTuple_GET_ITEM(codes, i));
        if (code == NULL || uf_type_parse(code, &pos, &t, &err) < 0) {
            PyErr_Clear();
            fe_fail(fe, at, "internal: bad type code");
            return -1;
        }
        if ((a[i] = fe_mk_cast(fe, (UfKind)t.kind, a[i], at)) == NULL) {
            return -1;
        }
    }
    return 0;
}

/* (ufcast "NAME|LOOPS" WHICH v a0 a1 ...): |v| converted to input
 * |which| (-1: the output) of the loop NumPy picks for the atoms |a|. */
static KirNode *mk_ufcast(Fe *fe, const char *loops, int which, KirNode *v,
                          KirNode **a, int n, PyObject *at)
{
    KirNode *r = v != NULL ? fe_mk(fe, KIR_UFCAST, 3 + n, at) : NULL;
    KirNode *str = r != NULL ? fe_mk(fe, KIR_STR, 0, at) : NULL;
    if (str == NULL) {
        return NULL;
    }
    if ((str->u.str = kir_arena_strndup(fe->k->arena, loops, strlen(loops))) ==
        NULL) {
        return fe_fail_nomem(fe);
    }
    r->kids[0] = str;
    r->kids[1] = fe_mk_int(fe, which, at);
    r->kids[2] = v;
    for (int i = 0; i < n; i++) {
        if ((r->kids[3 + i] = fe_copy_atom(fe, a[i])) == NULL) {
            return NULL;
        }
    }
    return r->kids[1] != NULL ? r : NULL;
}

/* The call of a ufunc with several loops: each argument, and the result
 * of |func| inlined, converted to the types of the loop NumPy picks for
 * the arguments' types (known only when the kernel is typed). */
static KirNode *call_ufunc_loops(Fe *fe, PyObject *call, PyObject *func,
                                 const char *loops, KirNode **a, int n)
{
    KirNode *cast[32];
    for (int i = 0; i < n; i++) {
        if ((a[i] = fe_once(fe, a[i], call)) == NULL) {
            return NULL;
        }
    }
    for (int i = 0; i < n; i++) {
        KirNode *v = fe_copy_atom(fe, a[i]);
        if ((cast[i] = mk_ufcast(fe, loops, i, v, a, n, call)) == NULL) {
            return NULL;
        }
    }
    KirNode *r = fe_inline_values(fe, func, call, cast, n);
    return mk_ufcast(fe, loops, -1, r, a, n, call);
}

/* A ufunc made by ufuncforge called in a kernel: its Python function is
 * inlined, with the arguments and the result cast to the types of the
 * loop NumPy would run.  funcmap["ufunc_callee"](u) gives (function,
 * input codes or None, output code or None, "NAME|LOOPS" or None), or
 * None for a ufunc of NumPy's. */
static KirNode *call_ufunc(Fe *fe, PyObject *call, PyObject *at, PyObject *func,
                           bool *handled)
{
    PyObject *callee = PyDict_GetItemString(fe->funcmap, "ufunc_callee");
    if (callee == NULL) { /* a funcmap without it: NumPy's ufuncs only */
        *handled = false;
        return NULL;
    }
    PyObject *r = PyObject_CallOneArg(callee, func);
    *handled = r != Py_None;
    if (r == NULL && PyErr_ExceptionMatches(PyExc_TypeError)) {
        PyObject *msg = fe_take_error_message();
        fe_fail(fe, at, "%s", msg != NULL ? PyUnicode_AsUTF8(msg) : "?");
        Py_XDECREF(msg);
        return NULL;
    }
    if (r == NULL) {
        return fe_fail_python(fe);
    }
    KirNode *a[32], *res = NULL;
    int n = *handled ? fe_call_args(fe, call, a, 32, "a ufunc") : -1;
    PyObject *ins = *handled ? PyTuple_GET_ITEM(r, 1) : Py_None;
    PyObject *loops = *handled ? PyTuple_GET_ITEM(r, 3) : Py_None;
    if (n >= 0 && ins != Py_None && cast_args(fe, a, n, ins, at) < 0) {
        n = -1;
    }
    if (n >= 0 && loops != Py_None) {
        res = call_ufunc_loops(fe, call, PyTuple_GET_ITEM(r, 0),
                               PyUnicode_AsUTF8(loops), a, n);
        n = -1;
    }
    if (n >= 0) {
        res = fe_inline_values(fe, PyTuple_GET_ITEM(r, 0), call, a, n);
    }
    PyObject *out = *handled ? PyTuple_GET_ITEM(r, 2) : Py_None;
    PyObject *outs =
        res != NULL && out != Py_None ? PyTuple_Pack(1, out) : NULL;
    if (outs != NULL) {
        KirNode *one[1] = {res};
        res = cast_args(fe, one, 1, outs, at) < 0 ? NULL : one[0];
        Py_DECREF(outs);
    }
    Py_DECREF(r);
    return res;
}

/* A compiled helper of another JIT (Numba's @njit dispatcher) exposes
 * its Python function as .py_func: that is inlined like any helper. */
static KirNode *call_py_func(Fe *fe, PyObject *call, PyObject *at,
                             PyObject *func)
{
    if (PyObject_TypeCheck(func, &PyUFunc_Type)) {
        bool handled = false;
        KirNode *r = call_ufunc(fe, call, at, func, &handled);
        if (handled || fe_failed(fe)) {
            return r;
        }
    }
    PyObject *py = PyObject_GetAttrString(func, "py_func");
    PyErr_Clear();
    KirNode *r = py != NULL && PyFunction_Check(py)
                     ? fe_inline_helper(fe, py, call)
                     : unsupported_callable(fe, at, func);
    Py_XDECREF(py);
    return r;
}

static KirNode *translate_call(Fe *fe, PyObject *call)
{
    PyObject *f = fe_field(call, "func");
    if (f == NULL) {
        return fe_fail_python(fe);
    }
    PyObject *func = fe_static_value(fe, f);
    KirNode *r = NULL;
    if (func == NULL && !fe_failed(fe)) {
        r = fe_is_kind(f, "Attribute")
                ? method_call(fe, call, f)
                : fe_fail(fe, f,
                          "only functions known at compile time can be "
                          "called in a kernel");
    } else if (func != NULL) {
        PyObject *spec = PyDict_GetItemWithError(fe->funcmap, func);
        if (spec != NULL) {
            r = call_spec(fe, call, func, spec);
        } else if (PyErr_Occurred()) {
            PyErr_Clear(); /* unhashable: not in the map */
            r = fe_fail(fe, f,
                        "objects of type '%s' cannot be called in a "
                        "kernel",
                        Py_TYPE(func)->tp_name);
        } else if (PyFunction_Check(func)) {
            r = fe_inline_helper(fe, func, call);
        } else {
            r = call_py_func(fe, call, f, func);
        }
        Py_DECREF(func);
    }
    Py_DECREF(f);
    return r;
}

/* x.real, x.imag, a.size, a.ndim, or a frozen module constant such as
 * math.pi. */
static KirNode *translate_attribute(Fe *fe, PyObject *e)
{
    PyObject *v = fe_static_value(fe, e);
    if (v != NULL) {
        KirNode *n = fe_static_expr(fe, v, e);
        Py_DECREF(v);
        return n;
    }
    if (fe_failed(fe)) {
        return NULL;
    }
    const char *attr = fe_field_str(e, "attr");
    KirFn fn;
    if (attr != NULL && fe_is_array_attribute(attr)) {
        return fe_array_attribute(fe, e, attr);
    }
    if (attr != NULL && strcmp(attr, "real") == 0) {
        fn = KIR_FN_REAL;
    } else if (attr != NULL && strcmp(attr, "imag") == 0) {
        fn = KIR_FN_IMAGF;
    } else {
        return fe_fail(fe, e, "the attribute '%s' is not supported in a kernel",
                       attr != NULL ? attr : "?");
    }
    return call_fn(fe, fn, fe_expr_field(fe, e, "value"), e);
}

static KirNode *translate_name(Fe *fe, PyObject *e)
{
    const char *id = fe_field_str(e, "id");
    KirNode *parts[UF_MAXNDIM];
    if (id != NULL && fe_tuple_index(fe, e, parts, e) > 0) {
        return fe_fail(fe, e,
                       "'%s' is an index tuple of np.ndindex: it can index "
                       "arrays (a[%s]); unpack it (for i, j in ...) to use "
                       "its parts",
                       id, id);
    }
    int var = id != NULL ? fe_scope_lookup(fe, id) : -1;
    if (var >= 0) {
        return fe_mk_var(fe, var, e);
    }
    PyObject *v = fe_static_value(fe, e);
    if (v == NULL) {
        return fe_failed(fe) ? NULL : fe_fail_python(fe);
    }
    KirNode *n = fe_static_expr(fe, v, e);
    Py_DECREF(v);
    return n;
}

static KirNode *translate_constant(Fe *fe, PyObject *e)
{
    PyObject *v = fe_field(e, "value");
    if (v == NULL) {
        return fe_fail_python(fe);
    }
    KirNode *n;
    if (fe_is_number(v)) {
        n = fe_const_number(fe, v, e);
    } else if (v == Py_None) {
        n = fe_fail(fe, e, "None is not a value in a kernel");
    } else {
        n = fe_fail(fe, e, "%s constants are not supported in a kernel",
                    Py_TYPE(v)->tp_name);
    }
    Py_DECREF(v);
    return n;
}

/* Friendly names for expressions a kernel cannot contain. */
const char *fe_unsupported_expr(PyObject *e)
{
    static const FeName names[] = {
        {"List", "list displays"},
        {"Tuple", "tuples"},
        {"Dict", "dict displays"},
        {"Set", "set displays"},
        {"ListComp", "comprehensions"},
        {"SetComp", "comprehensions"},
        {"DictComp", "comprehensions"},
        {"GeneratorExp", "generators"},
        {"Lambda", "lambda expressions"},
        {"JoinedStr", "f-strings"},
        {"NamedExpr", "assignment expressions (:=)"},
        {"Await", "await"},
        {"Yield", "yield"},
        {"YieldFrom", "yield"},
        {"Starred", "starred expressions"},
        {"Slice", "slices outside array indices"},
        {"Attribute", "attributes"},
    };
    return fe_name_of(e, names, sizeof names / sizeof names[0]);
}

KirNode *fe_translate_expr(Fe *fe, PyObject *e)
{
    if (fe_failed(fe)) {
        return NULL;
    }
    if (fe_is_kind(e, "Constant")) {
        return translate_constant(fe, e);
    }
    if (fe_is_kind(e, "Name")) {
        return translate_name(fe, e);
    }
    if (fe_is_kind(e, "BinOp")) {
        return translate_binop(fe, e);
    }
    if (fe_is_kind(e, "UnaryOp")) {
        return translate_unary(fe, e);
    }
    if (fe_is_kind(e, "BoolOp")) {
        return translate_boolop(fe, e);
    }
    if (fe_is_kind(e, "Compare")) {
        return translate_compare(fe, e);
    }
    if (fe_is_kind(e, "IfExp")) {
        return translate_ifexp(fe, e);
    }
    if (fe_is_kind(e, "Call")) {
        return translate_call(fe, e);
    }
    if (fe_is_kind(e, "Attribute")) {
        return translate_attribute(fe, e);
    }
    if (fe_is_kind(e, "Subscript")) { /* Color['RED'] first */
        KirNode *n = fe_static_subscript(fe, e);
        return n != NULL || fe_failed(fe) ? n : fe_translate_subscript(fe, e);
    }
    return fe_fail(fe, e, "%s are not supported in a kernel",
                   fe_unsupported_expr(e));
}
