/*
 * errors.c -- ufuncforge.CompileError and UfError rendered against the
 * kernel's Python source.
 */
#include "pyext.h"

PyObject *ufpy_CompileError;

PyObject *ufpy_raise_compile_error(const UfError *e, const UfpySource *src)
{
    const char *file = NULL, *text = NULL;
    int first = 1;
    if (src != NULL && src->filename != NULL) {
        file = PyUnicode_AsUTF8(src->filename);
    }
    if (src != NULL && src->text != NULL) {
        text = PyUnicode_AsUTF8(src->text);
        first = src->first_line;
    }
    if (PyErr_Occurred()) {
        return NULL;
    }
    if (e->kind == UF_ERR_MEMORY) {
        return PyErr_NoMemory();
    }
    char buf[2048];
    uf_error_render(e, file, text, first, buf, sizeof buf);
    PyErr_SetString(ufpy_CompileError, buf);
    return NULL;
}
