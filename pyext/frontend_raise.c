/*
 * frontend_raise.c -- raise and assert statements.
 *
 *   raise ValueError("window must be positive")
 *       -> (raise "ValueError" "window must be positive")
 *   assert n > 0, "n must be positive"
 *       -> (if (not (> n 0)) (block (raise "AssertionError" "n must ...")))
 *
 * The exception class is resolved now, through the kernel's (or the
 * helper's) names; it must be an exception class, and the message a
 * constant string.  exceptions.c gives the class its key.
 */
#include "frontend.h"

#include <string.h>

/* The message of a raise or assert: the constant string |e| (NULL or
 * None: ""), as UTF-8 valid while |e| lives; NULL with the error
 * recorded. */
static const char *constant_message(Fe *fe, PyObject *e, const char *what)
{
    if (e == NULL || e == Py_None) {
        return "";
    }
    PyObject *v = fe_is_kind(e, "Constant") ? fe_field(e, "value") : NULL;
    Py_XDECREF(v); /* the node keeps it alive */
    if (v == NULL || !PyUnicode_Check(v)) {
        PyErr_Clear();
        return fe_fail(fe, e, "the message of %s must be a constant string%s",
                       what,
                       fe_is_kind(e, "JoinedStr")
                           ? " (f-strings are not supported: the message "
                             "cannot show values computed by the kernel)"
                           : " (no values computed by the kernel)");
    }
    Py_ssize_t len;
    const char *s = PyUnicode_AsUTF8AndSize(v, &len);
    if (s == NULL) {
        return fe_fail_python(fe);
    }
    if ((size_t)len != strlen(s)) {
        return fe_fail(fe, e, "the message of %s contains a NUL character",
                       what);
    }
    return s;
}

/* (raise KEY MSG) for the exception class |cls|. */
static int emit_raise(Fe *fe, PyObject *cls, const char *msg, PyObject *at)
{
    char key[UFPY_EXC_KEY_MAX];
    if (ufpy_exception_key(cls, key, sizeof key) < 0) {
        fe_fail_python(fe);
        return -1;
    }
    KirNode *r = fe_mk(fe, KIR_RAISE, 2, at);
    KirNode *k = fe_mk(fe, KIR_STR, 0, at);
    KirNode *m = fe_mk(fe, KIR_STR, 0, at);
    if (r == NULL || k == NULL || m == NULL) {
        return -1;
    }
    k->u.str = kir_arena_strndup(fe->k->arena, key, strlen(key));
    m->u.str = kir_arena_strndup(fe->k->arena, msg, strlen(msg));
    if (k->u.str == NULL || m->u.str == NULL) {
        fe_fail_nomem(fe);
        return -1;
    }
    r->kids[0] = k;
    r->kids[1] = m;
    return fe_emit(fe, r);
}

static bool is_exception_class(PyObject *v)
{
    return PyType_Check(v) &&
           PyType_IsSubtype((PyTypeObject *)v,
                            (PyTypeObject *)PyExc_BaseException);
}

/* "'int' is not an exception class" for the value |v| that |e| names. */
static int not_an_exception(Fe *fe, PyObject *e, PyObject *v)
{
    PyObject *r =
        PyType_Check(v) ? PyObject_GetAttrString(v, "__name__") : NULL;
    PyErr_Clear();
    fe_fail(fe, e,
            "a kernel can only raise exception classes (such as "
            "ValueError or a subclass of Exception), not %s%s%s",
            r != NULL ? "the class '" : "a value of type '",
            r != NULL && PyUnicode_Check(r) ? PyUnicode_AsUTF8(r)
                                            : Py_TYPE(v)->tp_name,
            "'");
    Py_XDECREF(r);
    return -1;
}

/* The message of CLS(...): no argument or one constant string. */
static const char *call_message(Fe *fe, PyObject *call)
{
    PyObject *args = fe_field(call, "args"), *kws = fe_field(call, "keywords");
    const char *msg = NULL;
    if (args == NULL || kws == NULL) {
        fe_fail_python(fe);
    } else if (PyList_GET_SIZE(kws) > 0 || PyList_GET_SIZE(args) > 1) {
        fe_fail(fe, call,
                "an exception raised by a kernel takes one argument at "
                "most: a constant message string");
    } else {
        msg = constant_message(
            fe, PyList_GET_SIZE(args) == 1 ? PyList_GET_ITEM(args, 0) : NULL,
            "a raise");
    }
    Py_XDECREF(args);
    Py_XDECREF(kws);
    return msg;
}

/* A compile-time exception instance (ERR = ValueError("...") at module
 * level, then `raise ERR`): its class, with its one string argument or
 * none as the message. */
static int raise_instance(Fe *fe, PyObject *inst, PyObject *at)
{
    PyObject *args = PyObject_GetAttrString(inst, "args");
    const char *msg = NULL;
    Py_ssize_t len = 0;
    if (args != NULL && PyTuple_Check(args) && PyTuple_GET_SIZE(args) == 0) {
        msg = "";
    } else if (args != NULL && PyTuple_Check(args) &&
               PyTuple_GET_SIZE(args) == 1 &&
               PyUnicode_Check(PyTuple_GET_ITEM(args, 0))) {
        msg = PyUnicode_AsUTF8AndSize(PyTuple_GET_ITEM(args, 0), &len);
    }
    PyErr_Clear();
    int rc = -1;
    if (msg == NULL || strlen(msg) != (size_t)len) {
        fe_fail(fe, at,
                "a raised exception instance must have one constant string "
                "argument or none");
    } else {
        rc = emit_raise(fe, (PyObject *)Py_TYPE(inst), msg, at);
    }
    Py_XDECREF(args);
    return rc;
}

/* raise CLS / raise CLS(MSG) / raise INSTANCE */
static int raise_value(Fe *fe, PyObject *s, PyObject *exc)
{
    bool call = fe_is_kind(exc, "Call");
    PyObject *target = call ? fe_field(exc, "func") : Py_NewRef(exc);
    PyObject *v = target != NULL ? fe_static_value(fe, target) : NULL;
    int rc = -1;
    if (v != NULL && !call && PyExceptionInstance_Check(v)) {
        rc = raise_instance(fe, v, s);
    } else if (v != NULL && is_exception_class(v)) {
        const char *msg = call ? call_message(fe, exc) : "";
        rc = msg != NULL ? emit_raise(fe, v, msg, s) : -1;
    } else if (v != NULL) {
        not_an_exception(fe, target, v);
    } else if (!fe_failed(fe)) {
        fe_fail(fe, target != NULL ? target : exc,
                "the exception a kernel raises must be a class known at "
                "compile time, such as ValueError");
    }
    Py_XDECREF(v);
    Py_XDECREF(target);
    return rc;
}

int fe_translate_raise(Fe *fe, PyObject *s)
{
    PyObject *exc = fe_field(s, "exc"), *cause = fe_field(s, "cause");
    int rc = -1;
    if (exc == NULL || cause == NULL) {
        fe_fail_python(fe);
    } else if (exc == Py_None) {
        fe_fail(fe, s,
                "a bare 'raise' (re-raising) is not supported in a kernel: "
                "raise an exception class, such as raise ValueError(\"...\")");
    } else if (cause != Py_None) {
        fe_fail(fe, cause, "'raise ... from ...' is not supported in a kernel");
    } else {
        rc = raise_value(fe, s, exc);
    }
    Py_XDECREF(exc);
    Py_XDECREF(cause);
    return rc;
}

int fe_translate_assert(Fe *fe, PyObject *s)
{
    PyObject *msg_ast = fe_field(s, "msg");
    const char *msg =
        msg_ast != NULL ? constant_message(fe, msg_ast, "an assert") : NULL;
    KirNode *test = msg != NULL ? fe_expr_field(fe, s, "test") : NULL;
    StmtList body = {0};
    StmtList *saved = fe->cur;
    int rc = -1;
    if (test != NULL) {
        fe->cur = &body;
        rc = emit_raise(fe, PyExc_AssertionError, msg, s);
        fe->cur = saved;
    }
    KirNode *then = rc == 0 ? fe_to_block(fe, &body, s) : NULL;
    uf_free(rc == 0 ? NULL : body.items);
    KirNode *n = then != NULL ? fe_mk(fe, KIR_IF, 2, s) : NULL;
    if (n != NULL) {
        n->kids[0] = fe_mk1(fe, KIR_NOT, test, s);
        n->kids[1] = then;
        rc = n->kids[0] != NULL ? fe_emit(fe, n) : -1;
    }
    Py_XDECREF(msg_ast);
    return n != NULL ? rc : -1;
}
