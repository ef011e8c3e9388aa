/*
 * exceptions.c -- the exception classes kernels raise.
 *
 * A kernel's (raise KEY MESSAGE) names its class by a key string, so
 * that generated code holds no Python object: a builtin exception's
 * name ("ValueError"), or for any other class "module.qualname" (with
 * "#2", "#3", ... when another live class already has that key).  The
 * front end registers each class it meets here; when a loop reports
 * UF_KFLAG_RAISE, the key is looked up and the class instantiated with
 * the message.  Registered classes are kept alive for the life of the
 * process (a kernel may raise them at any time).
 */
#include "pyext.h"

#include <string.h>

/* {key: class}, created on first use. */
static PyObject *registry;

/* The builtin exception class named |name|, or NULL (borrowed). */
static PyObject *builtin_exception(const char *name)
{
    PyObject *builtins = PyImport_ImportModule("builtins");
    PyObject *v =
        builtins != NULL ? PyObject_GetAttrString(builtins, name) : NULL;
    Py_XDECREF(builtins);
    PyErr_Clear();
    bool is_exc = v != NULL && PyType_Check(v) &&
                  PyType_IsSubtype((PyTypeObject *)v,
                                   (PyTypeObject *)PyExc_BaseException);
    Py_XDECREF(v); /* builtins keeps it alive */
    return is_exc ? v : NULL;
}

/* "module.qualname" of |cls| into |out| (at most |n| - 8 bytes, room for
 * a "#N" suffix). */
static int qualified_name(PyObject *cls, char *out, size_t n)
{
    PyObject *mod = PyObject_GetAttrString(cls, "__module__");
    PyObject *qual = PyObject_GetAttrString(cls, "__qualname__");
    PyErr_Clear();
    const char *m =
        mod != NULL && PyUnicode_Check(mod) ? PyUnicode_AsUTF8(mod) : NULL;
    const char *q = qual != NULL && PyUnicode_Check(qual)
                        ? PyUnicode_AsUTF8(qual)
                        : ((PyTypeObject *)cls)->tp_name;
    PyErr_Clear();
    snprintf(out, n - 8, "%s%s%s", m != NULL ? m : "", m != NULL ? "." : "",
             q != NULL ? q : "?");
    Py_XDECREF(mod);
    Py_XDECREF(qual);
    return 0;
}

int ufpy_exception_key(PyObject *cls, char *out, size_t n)
{
    const char *name = ((PyTypeObject *)cls)->tp_name;
    if (builtin_exception(name) == cls) {
        snprintf(out, n, "%s", name);
        return 0;
    }
    if (registry == NULL && (registry = PyDict_New()) == NULL) {
        return -1;
    }
    char base[UFPY_EXC_KEY_MAX];
    qualified_name(cls, base, sizeof base);
    snprintf(out, n, "%s", base);
    for (int i = 2;; i++) {
        PyObject *have = PyDict_GetItemString(registry, out);
        if (have == cls) {
            return 0;
        }
        if (have == NULL) {
            return PyDict_SetItemString(registry, out, cls);
        }
        snprintf(out, n, "%s#%d", base, i);
    }
}

/* The class of |key|: registered, or a builtin exception; NULL if none
 * (borrowed). */
static PyObject *exception_class(const char *key)
{
    PyObject *cls =
        registry != NULL ? PyDict_GetItemString(registry, key) : NULL;
    return cls != NULL ? cls : builtin_exception(key);
}

void ufpy_set_kernel_exception(const char *key, const char *message)
{
    PyObject *cls = exception_class(key);
    if (cls == NULL) {
        PyErr_Format(PyExc_RuntimeError, "%s (unknown exception class '%s')",
                     message, key);
        return;
    }
    /* "replace": a message cut at its size limit may end mid-character */
    PyObject *text =
        PyUnicode_DecodeUTF8(message, (Py_ssize_t)strlen(message), "replace");
    PyObject *exc = text != NULL ? PyObject_CallOneArg(cls, text) : NULL;
    Py_XDECREF(text);
    if (exc == NULL) {
        return; /* the class could not be made with a message: that error */
    }
    PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
    Py_DECREF(exc);
}
