/*
 * frontend_stmt.c -- statements, and plain Python helper functions
 * inlined at their calls.
 */
#include "frontend.h"

#include <string.h>

/* ---- statements ------------------------------------------------------ */

/* Translates a statement list into a new block. */
static KirNode *body_block(Fe *fe, PyObject *stmts, PyObject *at)
{
    StmtList l = {0};
    StmtList *saved = fe->cur;
    fe->cur = &l;
    fe->nesting++;
    fe_translate_body(fe, stmts);
    fe->nesting--;
    fe->cur = saved;
    return fe_to_block(fe, &l, at);
}

static KirNode *body_field(Fe *fe, PyObject *node, const char *attr)
{
    PyObject *stmts = fe_field(node, attr);
    if (stmts == NULL) {
        return fe_fail_python(fe);
    }
    KirNode *b = body_block(fe, stmts, node);
    Py_DECREF(stmts);
    return b;
}

/* The kir local a Python name stores to. */
static int store_target(Fe *fe, PyObject *target)
{
    if (!fe_is_kind(target, "Name")) {
        fe_fail(fe, target,
                "assignment to %s is not supported in a kernel "
                "(only to names and array elements)",
                fe_unsupported_expr(target));
        return -1;
    }
    const char *id = fe_field_str(target, "id");
    int var = id != NULL ? fe_scope_lookup(fe, id) : -1;
    if (var < 0) {
        fe_fail(fe, target, "internal: '%s' is not a local", id ? id : "?");
    }
    return var;
}

/* Whether the expression |e| is a view: a subscript with a slice. */
static bool is_view(PyObject *e)
{
    PyObject *idx = fe_is_kind(e, "Subscript") ? fe_field(e, "slice") : NULL;
    PyObject *elts =
        idx != NULL && fe_is_kind(idx, "Tuple") ? fe_field(idx, "elts") : NULL;
    bool view = idx != NULL && fe_is_kind(idx, "Slice");
    for (Py_ssize_t i = 0; elts != NULL && i < PyList_GET_SIZE(elts); i++) {
        view = view || fe_is_kind(PyList_GET_ITEM(elts, i), "Slice");
    }
    Py_XDECREF(idx);
    Py_XDECREF(elts);
    PyErr_Clear();
    return view;
}

/* Whether the expression |e| reads the name |id|. */
static bool reads_name(PyObject *e, const char *id)
{
    PyObject *names = PyDict_New();
    bool yes = names != NULL && fe_collect_loads(e, names) == 0 &&
               PyDict_GetItemString(names, id) != NULL;
    Py_XDECREF(names);
    PyErr_Clear();
    return yes;
}

/* A kernel argument known to be an array may not be rebound (its data
 * would stay as it was), except to a view (a = a[1:]), or an input, at
 * the top level of the kernel, to a value computed from it (p = p[0],
 * Numba's idiom for a '()' input declared as an array): 1 then, and the
 * name is bound to a new local.  |value| is the assigned expression, NULL
 * for `a += ...`. */
static int check_rebind(Fe *fe, PyObject *target, PyObject *value)
{
    const char *id = fe_field_str(target, "id");
    if (fe->helper != NULL || fe->array_args == NULL || id == NULL ||
        (value != NULL && is_view(value))) {
        return 0;
    }
    PyObject *name = fe_field(target, "id");
    int found = name != NULL ? PySet_Contains(fe->array_args, name) : -1;
    int output = found > 0 && fe->output_args != NULL
                     ? PySet_Contains(fe->output_args, name)
                     : 0;
    Py_XDECREF(name);
    if (found < 0 || output < 0) {
        fe_fail_python(fe);
        return -1;
    }
    if (found && !output && value != NULL && fe->nesting == 0 &&
        reads_name(value, id)) {
        return 1; /* p = p[0] at the top: p names a new local from here */
    }
    if (found) {
        fe_fail(fe, target,
                "cannot assign to argument '%s': write into the array with "
                "%s[i] = ... (%s[0] = ... for a () output)",
                id, id, id);
        return -1;
    }
    return 0;
}

/* target = value, for a name or an array element; |value_ast| is the
 * Python expression of |value| when there is one. */
int fe_assign(Fe *fe, PyObject *target, KirNode *value, PyObject *value_ast,
              PyObject *at)
{
    if (value == NULL) {
        return -1;
    }
    if (fe_is_kind(target, "Subscript")) {
        return fe_store_subscript(fe, target, value, at);
    }
    int rebind =
        fe_is_kind(target, "Name") ? check_rebind(fe, target, value_ast) : 0;
    if (rebind < 0) {
        return -1;
    }
    if (rebind > 0) { /* an input array's name given a new value */
        const char *id = fe_field_str(target, "id");
        int var = id != NULL ? fe_fresh_local(fe, id) : -1;
        if (var < 0 || fe_emit(fe, fe_mk_set(fe, var, value, at)) < 0) {
            return -1;
        }
        return fe_scope_bind(fe, id, var);
    }
    int var = store_target(fe, target);
    return var < 0 ? -1 : fe_emit(fe, fe_mk_set(fe, var, value, at));
}

/* Whether |t| is a tuple or list of targets: a, b = ... */
static bool is_unpacking(PyObject *t)
{
    return fe_is_kind(t, "Tuple") || fe_is_kind(t, "List");
}

/* a, b = 1, 2: every value is computed before any name is bound;
 * n, m = a.shape binds each extent. */
static int assign_tuple(Fe *fe, PyObject *target, PyObject *value, PyObject *at)
{
    PyObject *elts = fe_field(target, "elts");
    if (elts != NULL && fe_is_shape_attribute(fe, value)) {
        int rc = fe_assign_shape(fe, elts, value, at);
        Py_DECREF(elts);
        return rc;
    }
    int frozen = elts != NULL ? fe_assign_frozen(fe, elts, value, at) : 1;
    if (frozen > 0) { /* q, r = divmod(a, b) */
        frozen = fe_assign_tuple_call(fe, elts, value, at);
    }
    if (frozen <= 0) { /* a, b = PAIR: a frozen tuple */
        Py_DECREF(elts);
        return frozen;
    }
    PyObject *vals =
        fe_is_kind(value, "Tuple") ? fe_field(value, "elts") : NULL;
    int rc = -1;
    if (fe_failed(fe)) {
        /* the error is recorded */
    } else if (vals == NULL || PyList_GET_SIZE(vals) != PyList_GET_SIZE(elts)) {
        fe_fail(fe, at,
                "tuple unpacking needs a tuple of the same length on "
                "the right (or an array's .shape)");
    } else {
        Py_ssize_t n = PyList_GET_SIZE(elts);
        int temps[16];
        rc = n <= 16 ? 0 : -1;
        for (Py_ssize_t i = 0; rc == 0 && i < n; i++) {
            KirNode *v = fe_translate_expr(fe, PyList_GET_ITEM(vals, i));
            temps[i] = fe_fresh_local(fe, "t");
            rc = (v && temps[i] >= 0)
                     ? fe_emit(fe, fe_mk_set(fe, temps[i], v, at))
                     : -1;
        }
        for (Py_ssize_t i = 0; rc == 0 && i < n; i++) {
            rc = fe_assign(fe, PyList_GET_ITEM(elts, i),
                           fe_mk_var(fe, temps[i], at),
                           PyList_GET_ITEM(vals, i), at);
        }
        if (n > 16) {
            fe_fail(fe, at, "at most 16 names can be unpacked");
        }
    }
    Py_XDECREF(elts);
    Py_XDECREF(vals);
    return rc;
}

static int translate_assign(Fe *fe, PyObject *s)
{
    PyObject *targets = fe_field(s, "targets");
    PyObject *value = fe_field(s, "value");
    int rc = -1;
    if (targets != NULL && value != NULL) {
        PyObject *t0 = PyList_GET_ITEM(targets, 0);
        if (PyList_GET_SIZE(targets) == 1 && is_unpacking(t0)) {
            rc = assign_tuple(fe, t0, value, s);
        } else {
            KirNode *v = fe_translate_expr(fe, value);
            Py_ssize_t n = PyList_GET_SIZE(targets);
            v = n > 1 ? fe_once(fe, v, s) : v;
            rc = v != NULL ? 0 : -1;
            for (Py_ssize_t i = 0; rc == 0 && i < n; i++) {
                KirNode *val = i == 0 ? v : fe_copy_atom(fe, v);
                rc = fe_assign(fe, PyList_GET_ITEM(targets, i), val, value, s);
            }
        }
    }
    Py_XDECREF(targets);
    Py_XDECREF(value);
    return rc;
}

/* x: float = 1.0 is an assignment; the annotation is ignored. */
static int translate_annassign(Fe *fe, PyObject *s)
{
    PyObject *target = fe_field(s, "target");
    PyObject *value = fe_field(s, "value");
    int rc = 0;
    if (value != NULL && value != Py_None) {
        rc = fe_assign(fe, target, fe_translate_expr(fe, value), value, s);
    }
    Py_XDECREF(target);
    Py_XDECREF(value);
    return rc;
}

/* x += e  ->  (set x (+ x e)) */
static int augassign_name(Fe *fe, PyObject *s, PyObject *target, KirOp op)
{
    if (fe_is_kind(target, "Name") && check_rebind(fe, target, NULL) < 0) {
        return -1;
    }
    int var = store_target(fe, target);
    if (var < 0) {
        return -1;
    }
    KirNode *v = fe_expr_field(fe, s, "value");
    return fe_emit(
        fe, fe_mk_set(fe, var, fe_mk2(fe, op, fe_mk_var(fe, var, s), v, s), s));
}

/* x += e, a[i] += e (see fe_augassign_subscript) */
static int translate_augassign(Fe *fe, PyObject *s)
{
    PyObject *target = fe_field(s, "target");
    PyObject *opnode = fe_field(s, "op");
    int op = opnode != NULL ? fe_op_of(opnode) : -1;
    int rc = -1;
    if (target == NULL || opnode == NULL) {
        fe_fail_python(fe);
    } else if (op < 0) {
        fe_fail(fe, s, "the operator '%s=' is not supported in a kernel",
                fe_op_name(opnode));
    } else if (fe_is_kind(target, "Subscript")) {
        rc = fe_augassign_subscript(fe, s, target, (KirOp)op);
    } else {
        rc = augassign_name(fe, s, target, (KirOp)op);
    }
    Py_XDECREF(target);
    Py_XDECREF(opnode);
    return rc;
}

static int translate_if(Fe *fe, PyObject *s)
{
    KirNode *c = fe_expr_field(fe, s, "test");
    KirNode *then = c != NULL ? body_field(fe, s, "body") : NULL;
    PyObject *orelse = fe_field(s, "orelse");
    bool has_else = orelse != NULL && PyList_GET_SIZE(orelse) > 0;
    KirNode *els =
        (then != NULL && has_else) ? body_block(fe, orelse, s) : NULL;
    Py_XDECREF(orelse);
    if (then == NULL || (has_else && els == NULL)) {
        return -1;
    }
    KirNode *n = fe_mk(fe, KIR_IF, has_else ? 3 : 2, s);
    if (n != NULL) {
        n->kids[0] = c;
        n->kids[1] = then;
        if (has_else) {
            n->kids[2] = els;
        }
    }
    return fe_emit(fe, n);
}

/* Whether the statements |stmts| of a loop's body hold a `break` of that
 * loop (not of a nested one: only a nested loop's else clause breaks the
 * outer loop). */
static bool breaks_out(PyObject *stmts)
{
    bool found = false;
    for (Py_ssize_t i = 0; !found && i < PyList_GET_SIZE(stmts); i++) {
        PyObject *st = PyList_GET_ITEM(stmts, i);
        bool loop = fe_is_kind(st, "For") || fe_is_kind(st, "While");
        found = fe_is_kind(st, "Break");
        static const char *const blocks[] = {"body", "orelse"};
        for (int b = loop ? 1 : 0; !found && b < 2; b++) {
            PyObject *child =
                fe_is_kind(st, "If") || loop ? fe_field(st, blocks[b]) : NULL;
            found = child != NULL && PyList_Check(child) && breaks_out(child);
            Py_XDECREF(child);
        }
    }
    return found;
}

/* The else clause of the loop |s|, before the loop: when the body can
 * break, a fresh flag `broke = False` that its breaks set.  The loop's
 * breaks then set the flag; *|saved| keeps the enclosing loop's. */
static int loop_else_begin(Fe *fe, PyObject *s, int *saved)
{
    *saved = fe->loop_else_flag;
    fe->loop_else_flag = 0;
    PyObject *orelse = fe_field(s, "orelse"), *body = fe_field(s, "body");
    int rc = orelse != NULL && body != NULL ? 0 : -1;
    if (rc == 0 && PyList_GET_SIZE(orelse) > 0 && breaks_out(body)) {
        int flag = fe_fresh_local(fe, "broke");
        rc =
            flag < 0
                ? -1
                : fe_emit(fe, fe_mk_set(fe, flag, fe_mk_bool(fe, false, s), s));
        fe->loop_else_flag = flag + 1;
    }
    Py_XDECREF(orelse);
    Py_XDECREF(body);
    return rc;
}

/* After the loop |s|: its else clause, run when no break left the loop
 * (`if not broke: ...`, or plainly when the body cannot break). */
static int loop_else_end(Fe *fe, PyObject *s, int saved)
{
    int flag = fe->loop_else_flag - 1;
    fe->loop_else_flag = saved;
    PyObject *orelse = fe_field(s, "orelse");
    if (orelse == NULL || PyList_GET_SIZE(orelse) == 0) {
        Py_XDECREF(orelse);
        return orelse != NULL ? 0 : -1;
    }
    int rc;
    if (flag < 0) {
        rc = fe_translate_body(fe, orelse);
    } else {
        KirNode *then = body_block(fe, orelse, s);
        KirNode *n = then != NULL ? fe_mk(fe, KIR_IF, 2, s) : NULL;
        if (n != NULL) {
            n->kids[0] = fe_mk1(fe, KIR_NOT, fe_mk_var(fe, flag, s), s);
            n->kids[1] = then;
        }
        rc = fe_emit(fe, n);
    }
    Py_DECREF(orelse);
    return rc;
}

/* After a loop of a helper that returned from inside it (|returned|):
 * leave the next enclosing loop too (`if done: break`). */
static int propagate_helper_return(Fe *fe, PyObject *at, bool returned)
{
    HelperCtx *h = fe->helper;
    if (h == NULL || !returned) {
        return 0;
    }
    StmtList brk = {0};
    StmtList *saved = fe->cur;
    fe->cur = &brk;
    fe_emit(fe, fe_mk(fe, KIR_BREAK, 0, at));
    fe->cur = saved;
    KirNode *b = fe_to_block(fe, &brk, at);
    KirNode *n = b != NULL ? fe_mk(fe, KIR_IF, 2, at) : NULL;
    if (n != NULL) {
        n->kids[0] = fe_mk_var(fe, h->done_var, at);
        n->kids[1] = b;
    }
    return fe_emit(fe, n);
}

/* Translates a loop body one loop deeper; *|returned| says whether an
 * inlined helper returned from inside it. */
static KirNode *loop_body(Fe *fe, PyObject *s, StmtList *prefix, bool *returned)
{
    HelperCtx *h = fe->helper;
    bool outer_return = h != NULL && h->loop_return;
    fe->loop_depth++;
    if (h != NULL) {
        h->loop_depth++;
        h->loop_return = false;
    }
    PyObject *stmts = fe_field(s, "body");
    StmtList *saved = fe->cur;
    fe->cur = prefix;
    fe->nesting++;
    if (stmts != NULL) {
        fe_translate_body(fe, stmts);
    }
    fe->nesting--;
    fe->cur = saved;
    Py_XDECREF(stmts);
    fe->loop_depth--;
    if (h != NULL) {
        h->loop_depth--;
        *returned = h->loop_return; /* a return left this very loop */
        h->loop_return = outer_return || h->loop_return;
    }
    return fe_to_block(fe, prefix, s);
}

/* while c: body -- a condition that needs statements becomes
 * while True: <statements>; if not c: break; body */
static int translate_while(Fe *fe, PyObject *s)
{
    int saved_flag;
    if (loop_else_begin(fe, s, &saved_flag) < 0) {
        return -1;
    }
    bool returned = false;
    StmtList pre = {0};
    PyObject *test = fe_field(s, "test");
    KirNode *c = test != NULL ? fe_translate_lazy(fe, test, &pre) : NULL;
    Py_XDECREF(test);
    if (c != NULL && pre.n > 0) {
        StmtList brk = {0};
        StmtList *saved = fe->cur;
        fe->cur = &brk;
        fe_emit(fe, fe_mk(fe, KIR_BREAK, 0, s));
        fe->cur = &pre;
        KirNode *stop = fe_mk(fe, KIR_IF, 2, s);
        if (stop != NULL) {
            stop->kids[0] = fe_mk1(fe, KIR_NOT, c, s);
            stop->kids[1] = fe_to_block(fe, &brk, s);
        }
        fe_emit(fe, stop);
        fe->cur = saved;
        c = fe_mk_bool(fe, true, s);
    }
    KirNode *body = c != NULL ? loop_body(fe, s, &pre, &returned) : NULL;
    uf_free(pre.items);
    KirNode *n = body != NULL ? fe_mk2(fe, KIR_WHILE, c, body, s) : NULL;
    int rc = fe_emit(fe, n) < 0 ? -1 : propagate_helper_return(fe, s, returned);
    return rc < 0 ? -1 : loop_else_end(fe, s, saved_flag);
}

/* The arguments of range(...) as start, stop, step. */
static int range_bounds(Fe *fe, PyObject *iter, KirNode **b)
{
    KirNode *a[3];
    int n = fe_call_args(fe, iter, a, 3, "range()");
    if (n < 0 || !fe_arity_ok(fe, iter, "range()", n, 1, 3)) {
        return -1;
    }
    b[0] = n == 1 ? fe_mk_int(fe, 0, iter) : a[0];
    b[1] = n == 1 ? a[0] : a[1];
    b[2] = n == 3 ? a[2] : fe_mk_int(fe, 1, iter);
    return (b[0] && b[1] && b[2]) ? 0 : -1;
}

/* for i in range(...): the FOR's variable and bounds. */
static int range_loop(Fe *fe, PyObject *target, PyObject *iter, int *var,
                      KirNode **b)
{
    *var = store_target(fe, target);
    return *var >= 0 ? range_bounds(fe, iter, b) : -1;
}

/* ---- for i, j in np.ndindex(...) ------------------------------------- */

/* The |k| extents of np.ndindex(m, n), np.ndindex((m, n)) or
 * np.ndindex(a.shape), each in a local evaluated once, into |ext|. */
static int ndindex_extents(Fe *fe, PyObject *iter, int k, KirNode **ext)
{
    PyObject *args = fe_field(iter, "args");
    Py_ssize_t n = args != NULL ? PyList_GET_SIZE(args) : 0;
    PyObject *one = n == 1 ? PyList_GET_ITEM(args, 0) : NULL;
    PyObject *elts =
        one != NULL && fe_is_kind(one, "Tuple") ? fe_field(one, "elts") : NULL;
    bool shape = one != NULL && fe_is_shape_attribute(fe, one);
    PyObject *list = elts != NULL ? elts : args;
    Py_ssize_t have = shape ? k : PyList_GET_SIZE(list);
    int rc = 0;
    if (have != k) {
        fe_fail(fe, iter,
                "np.ndindex gives %zd indices here but the loop unpacks %d",
                have, k);
        rc = -1;
    }
    KirNode *arr = NULL;
    if (rc == 0 && shape) {
        PyObject *value = fe_field(one, "value");
        arr = value != NULL ? fe_once(fe, fe_translate_expr(fe, value), iter)
                            : NULL;
        Py_XDECREF(value);
        rc = arr != NULL ? 0 : -1;
    }
    for (int d = 0; rc == 0 && d < k; d++) {
        KirNode *e = shape ? fe_mk2(fe, KIR_SHAPE, fe_copy_atom(fe, arr),
                                    fe_mk_int(fe, d, iter), iter)
                           : fe_translate_expr(fe, PyList_GET_ITEM(list, d));
        ext[d] = fe_once(fe, e, iter);
        rc = ext[d] != NULL ? 0 : -1;
    }
    Py_XDECREF(args);
    Py_XDECREF(elts);
    return rc;
}

/* How many indices np.ndindex(...) gives, when the call says: its
 * extents, a tuple's length, or the rank the layout gives an argument X
 * of np.ndindex(X.shape).  0 when not known now. */
static int ndindex_count(Fe *fe, PyObject *iter)
{
    PyObject *args = fe_field(iter, "args");
    Py_ssize_t n = args != NULL ? PyList_GET_SIZE(args) : 0;
    PyObject *one = n == 1 ? PyList_GET_ITEM(args, 0) : NULL;
    int k = (int)n;
    if (one != NULL && fe_is_kind(one, "Tuple")) {
        PyObject *elts = fe_field(one, "elts");
        k = elts != NULL ? (int)PyList_GET_SIZE(elts) : 0;
        Py_XDECREF(elts);
    } else if (one != NULL && fe_is_shape_attribute(fe, one)) {
        PyObject *x = fe_field(one, "value");
        const char *id =
            x != NULL && fe_is_kind(x, "Name") ? fe_field_str(x, "id") : NULL;
        int var =
            id != NULL && fe->helper == NULL ? fe_scope_lookup(fe, id) : -1;
        k = 0;
        if (var >= 0 && fe->ranks != NULL &&
            var < PyTuple_GET_SIZE(fe->ranks) && var < fe->k->nargs) {
            k = (int)PyLong_AsLong(PyTuple_GET_ITEM(fe->ranks, var));
            k = k > 0 ? k : 0;
        }
        Py_XDECREF(x);
        PyErr_Clear();
    }
    Py_XDECREF(args);
    return k;
}

/* `for idx in np.ndindex(...)`: |k| fresh locals, and idx names them as
 * an index tuple (a[idx]).  Returns k, or -1. */
static int bind_index_tuple(Fe *fe, PyObject *target, int k, int *vars)
{
    const char *id = fe_field_str(target, "id");
    if (id == NULL || k <= 0 || k > UF_MAXNDIM) {
        fe_fail(fe, target,
                "the rank of np.ndindex's index is not known when the kernel "
                "is translated: unpack it, for i, j in np.ndindex(...), or "
                "give the extents");
        return -1;
    }
    PyObject *t = PyTuple_New(k);
    for (int d = 0; t != NULL && d < k; d++) {
        char name[112];
        snprintf(name, sizeof name, "%s_%d", id, d);
        vars[d] = fe_fresh_local(fe, name);
        PyTuple_SET_ITEM(t, d, PyLong_FromLong(vars[d]));
    }
    if (fe->tuples == NULL) {
        fe->tuples = PyDict_New();
    }
    int rc = t != NULL && fe->tuples != NULL
                 ? PyDict_SetItemString(fe->tuples, id, t)
                 : -1;
    Py_XDECREF(t);
    if (rc < 0) {
        fe_fail_python(fe);
    }
    return rc < 0 ? -1 : k;
}

/* The locals `for i, j in ...` (or `for idx in ...`) binds, into |vars|;
 * their count or -1. */
static int ndindex_targets(Fe *fe, PyObject *target, PyObject *iter, int *vars)
{
    if (fe_is_kind(target, "Name")) {
        return bind_index_tuple(fe, target, ndindex_count(fe, iter), vars);
    }
    PyObject *elts =
        fe_is_kind(target, "Tuple") ? fe_field(target, "elts") : NULL;
    int k = elts != NULL ? (int)PyList_GET_SIZE(elts) : -1;
    if (k <= 0 || k > UF_MAXNDIM) {
        fe_fail(fe, target,
                "the index of np.ndindex is unpacked into names (for i, j "
                "in ...) or kept as one name (for idx in ...)");
        k = -1;
    }
    for (int d = 0; d < k; d++) {
        if ((vars[d] = store_target(fe, PyList_GET_ITEM(elts, d))) < 0) {
            k = -1;
            break;
        }
    }
    Py_XDECREF(elts);
    return k;
}

/* `if flag: break`, after an inner loop of the nest. */
static int break_if(Fe *fe, int flag, PyObject *at)
{
    KirNode *brk = fe_mk(fe, KIR_BREAK, 0, at);
    KirNode *blk = fe_mk(fe, KIR_BLOCK, 1, at);
    KirNode *n = fe_mk(fe, KIR_IF, 2, at);
    if (brk == NULL || blk == NULL || n == NULL) {
        return -1;
    }
    blk->kids[0] = brk;
    n->kids[0] = fe_mk_var(fe, flag, at);
    n->kids[1] = blk;
    return fe_emit(fe, n);
}

/* for i in range(ext): |inner|  ->  (for i 0 ext 1 inner) */
static KirNode *counted_for(Fe *fe, int var, KirNode *ext, KirNode *inner,
                            PyObject *at)
{
    KirNode *n = inner != NULL ? fe_mk(fe, KIR_FOR, 4, at) : NULL;
    if (n != NULL) {
        n->u.var = var;
        n->kids[0] = fe_mk_int(fe, 0, at);
        n->kids[1] = fe_copy_atom(fe, ext);
        n->kids[2] = fe_mk_int(fe, 1, at);
        n->kids[3] = inner;
    }
    return n;
}

/* for i, j in np.ndindex(m, n): body  ->  nested FORs, the body in the
 * innermost; a break sets a flag that each outer loop tests. */
static int translate_ndindex(Fe *fe, PyObject *s, PyObject *target,
                             PyObject *iter)
{
    int vars[UF_MAXNDIM];
    KirNode *ext[UF_MAXNDIM];
    int k = ndindex_targets(fe, target, iter, vars);
    if (k < 0 || ndindex_extents(fe, iter, k, ext) < 0) {
        return -1;
    }
    int flag = fe_fresh_local(fe, "__ndbreak");
    if (flag < 0 ||
        fe_emit(fe, fe_mk_set(fe, flag, fe_mk_bool(fe, false, s), s)) < 0) {
        return -1;
    }
    int saved_depth = fe->nd_break_depth, saved_var = fe->nd_break_var;
    fe->loop_depth += k - 1; /* loop_body adds the innermost one */
    fe->nd_break_depth = fe->loop_depth + 1;
    fe->nd_break_var = flag;
    bool returned = false;
    StmtList body_list = {0};
    KirNode *inner = loop_body(fe, s, &body_list, &returned);
    fe->loop_depth -= k - 1;
    fe->nd_break_depth = saved_depth;
    fe->nd_break_var = saved_var;
    inner = counted_for(fe, vars[k - 1], ext[k - 1], inner, s);
    for (int d = k - 2; inner != NULL && d >= 0; d--) {
        StmtList l = {0};
        StmtList *saved = fe->cur;
        fe->cur = &l;
        fe_emit(fe, inner);
        break_if(fe, flag, s);
        propagate_helper_return(fe, s, returned);
        fe->cur = saved;
        inner = counted_for(fe, vars[d], ext[d], fe_to_block(fe, &l, s), s);
    }
    return fe_emit(fe, inner) < 0 ? -1
                                  : propagate_helper_return(fe, s, returned);
}

/* for i in range(...), for x in array, for i, x in enumerate(array),
 * for i, j in np.ndindex(...) */
static int translate_for(Fe *fe, PyObject *s)
{
    int saved_flag;
    if (loop_else_begin(fe, s, &saved_flag) < 0) {
        return -1;
    }
    bool returned = false;
    PyObject *target = fe_field(s, "target");
    PyObject *iter = fe_field(s, "iter");
    int var = -1, rc = -1;
    KirNode *b[3];
    StmtList body_list = {0};
    if (target != NULL && iter != NULL && fe_calls_spec(fe, iter, "ndindex")) {
        rc = translate_ndindex(fe, s, target, iter);
        Py_DECREF(target);
        Py_DECREF(iter);
        return rc;
    }
    if (target != NULL && iter != NULL) {
        rc = fe_calls(fe, iter, (PyObject *)&PyRange_Type)
                 ? range_loop(fe, target, iter, &var, b)
                 : fe_array_loop(fe, target, iter, &var, b, &body_list);
    }
    Py_XDECREF(target);
    Py_XDECREF(iter);
    KirNode *body = rc == 0 ? loop_body(fe, s, &body_list, &returned) : NULL;
    if (body == NULL) {
        uf_free(body_list.items);
    }
    KirNode *n = body != NULL ? fe_mk(fe, KIR_FOR, 4, s) : NULL;
    if (n != NULL) {
        n->u.var = var;
        memcpy(n->kids, b, sizeof b);
        n->kids[3] = body;
    }
    rc = fe_emit(fe, n) < 0 ? -1 : propagate_helper_return(fe, s, returned);
    return rc < 0 ? -1 : loop_else_end(fe, s, saved_flag);
}

/* return e  /  return a, b */
static int return_values(Fe *fe, PyObject *s, KirNode **vals, int *n)
{
    PyObject *v = fe_field(s, "value");
    *n = 0;
    int rc = 0;
    if (v != NULL && v != Py_None) {
        if (fe_is_kind(v, "Tuple")) {
            PyObject *elts = fe_field(v, "elts");
            Py_ssize_t count = PyList_GET_SIZE(elts);
            if (count > UF_MAXOUTS) {
                fe_fail(fe, v, "at most %d values can be returned", UF_MAXOUTS);
                rc = -1;
            }
            for (Py_ssize_t i = 0; rc == 0 && i < count; i++) {
                vals[i] = fe_translate_expr(fe, PyList_GET_ITEM(elts, i));
                rc = vals[i] != NULL ? 0 : -1;
            }
            *n = (int)count;
            Py_XDECREF(elts);
        } else if ((*n = fe_tuple_call(fe, v, vals, UF_MAXOUTS)) != 0) {
            rc = *n > 0 ? 0 : -1; /* return divmod(a, b) */
        } else {
            vals[0] = fe_translate_expr(fe, v);
            rc = vals[0] != NULL ? 0 : -1;
            *n = 1;
        }
    }
    Py_XDECREF(v);
    return rc;
}

/* A return inside an inlined helper stores the value and leaves. */
static int helper_return(Fe *fe, PyObject *s, KirNode **vals, int n)
{
    HelperCtx *h = fe->helper;
    if (h->nret == 0 && n > 1) { /* a tuple: one local per value */
        for (int i = 1; i < n; i++) {
            if ((h->more_vars[i] = fe_fresh_local(fe, "ret")) < 0) {
                return -1;
            }
        }
    }
    if (n < 1 || (h->nret != 0 && n != h->nret)) {
        fe_fail(fe, s,
                "a helper function returns one value, or a tuple of the "
                "same length at every return (%d here, %d before)",
                n, h->nret);
        return -1;
    }
    h->nret = n;
    for (int i = 1; i < n; i++) {
        UF_TRY(fe_emit(fe, fe_mk_set(fe, h->more_vars[i], vals[i], s)));
    }
    UF_TRY(fe_emit(fe, fe_mk_set(fe, h->ret_var, vals[0], s)));
    if (!h->wrapped) {
        return 0;
    }
    if (h->loop_depth > 0) {
        h->deep_return = true;
        h->loop_return = true;
        if (h->done_var < 0 && (h->done_var = fe_fresh_local(fe, "done")) < 0) {
            return -1;
        }
        UF_TRY(fe_emit(fe,
                       fe_mk_set(fe, h->done_var, fe_mk_bool(fe, true, s), s)));
    }
    return fe_emit(fe, fe_mk(fe, KIR_BREAK, 0, s));
}

static int translate_return(Fe *fe, PyObject *s)
{
    KirNode *vals[UF_MAXOUTS];
    int n;
    UF_TRY(return_values(fe, s, vals, &n));
    if (fe->helper != NULL) {
        return helper_return(fe, s, vals, n);
    }
    KirNode *r = fe_mk(fe, KIR_RETURN, n, s);
    if (r != NULL && n > 0) {
        memcpy(r->kids, vals, (size_t)n * sizeof *vals);
    }
    return fe_emit(fe, r);
}

/* break / continue: inside a helper, only its own loops count. */
static int translate_jump(Fe *fe, PyObject *s, KirOp op)
{
    int depth = fe->helper != NULL ? fe->helper->loop_depth : fe->loop_depth;
    if (depth == 0) {
        fe_fail(fe, s, "'%s' outside a loop", kir_op_info[op].text);
        return -1;
    }
    if (op == KIR_BREAK && fe->loop_depth == fe->nd_break_depth &&
        fe_emit(fe, fe_mk_set(fe, fe->nd_break_var, fe_mk_bool(fe, true, s),
                              s)) < 0) {
        return -1; /* break out of an np.ndindex nest: flag, then break */
    }
    if (op == KIR_BREAK && fe->loop_else_flag > 0) { /* skips the else */
        UF_TRY(fe_emit(fe, fe_mk_set(fe, fe->loop_else_flag - 1,
                                     fe_mk_bool(fe, true, s), s)));
    }
    return fe_emit(fe, fe_mk(fe, op, 0, s));
}

/* An expression statement: docstrings and other constants are no-ops. */
static int translate_expr_stmt(Fe *fe, PyObject *s)
{
    PyObject *v = fe_field(s, "value");
    int rc = 0;
    if (v != NULL && !fe_is_kind(v, "Constant")) {
        rc = fe_emit(fe, fe_mk1(fe, KIR_EXPR, fe_translate_expr(fe, v), s));
    }
    Py_XDECREF(v);
    return rc;
}

static const char *unsupported_stmt(PyObject *s)
{
    static const FeName names[] = {
        {"Global", "'global' declarations"},
        {"Nonlocal", "'nonlocal' declarations"},
        {"Try", "try statements"},
        {"TryStar", "try statements"},
        {"With", "with statements"},
        {"AsyncWith", "with statements"},
        {"Import", "imports"},
        {"ImportFrom", "imports"},
        {"Delete", "del statements"},
        {"FunctionDef", "nested functions"},
        {"AsyncFunctionDef", "nested functions"},
        {"ClassDef", "class definitions"},
        {"Match", "match statements"},
        {"AsyncFor", "async for"},
    };
    return fe_name_of(s, names, sizeof names / sizeof names[0]);
}

static int translate_stmt(Fe *fe, PyObject *s)
{
    if (fe_is_kind(s, "Assign")) {
        return translate_assign(fe, s);
    }
    if (fe_is_kind(s, "AugAssign")) {
        return translate_augassign(fe, s);
    }
    if (fe_is_kind(s, "AnnAssign")) {
        return translate_annassign(fe, s);
    }
    if (fe_is_kind(s, "If")) {
        return translate_if(fe, s);
    }
    if (fe_is_kind(s, "While")) {
        return translate_while(fe, s);
    }
    if (fe_is_kind(s, "For")) {
        return translate_for(fe, s);
    }
    if (fe_is_kind(s, "Return")) {
        return translate_return(fe, s);
    }
    if (fe_is_kind(s, "Break")) {
        return translate_jump(fe, s, KIR_BREAK);
    }
    if (fe_is_kind(s, "Continue")) {
        return translate_jump(fe, s, KIR_CONTINUE);
    }
    if (fe_is_kind(s, "Pass")) {
        return 0;
    }
    if (fe_is_kind(s, "Expr")) {
        return translate_expr_stmt(fe, s);
    }
    if (fe_is_kind(s, "Raise")) {
        return fe_translate_raise(fe, s);
    }
    if (fe_is_kind(s, "Assert")) {
        return fe_translate_assert(fe, s);
    }
    fe_fail(fe, s, "%s are not supported in a kernel", unsupported_stmt(s));
    return -1;
}

int fe_translate_body(Fe *fe, PyObject *stmts)
{
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(stmts); i++) {
        if (translate_stmt(fe, PyList_GET_ITEM(stmts, i)) < 0 ||
            fe_failed(fe)) {
            return -1;
        }
    }
    return 0;
}
