/*
 * module.c -- ufuncforge._core: imports NumPy's C API, creates the
 * CompileError class and the Kernel type, and lists the functions.
 * Nothing is compiled at import: LLVM's JIT starts with the first kernel.
 */
#define UFPY_IMPORT_NUMPY
#include "pyext.h"

/* Sets the Python exception for a kernel error raised inside a loop; the
 * loop may run without the GIL, so it is taken here. */
static void report_kernel_error(int32_t kflags, const char *message)
{
    PyGILState_STATE gil = PyGILState_Ensure();
    PyObject *type = PyExc_RuntimeError;
    if (kflags & UF_KFLAG_RAISE) {
        ufpy_set_kernel_exception(uf_rt_pending_exception(), message);
        PyGILState_Release(gil);
        return;
    }
    if (kflags & UF_KFLAG_INDEX) {
        type = PyExc_IndexError;
    } else if (kflags & (UF_KFLAG_NEGPOW | UF_KFLAG_VALUE)) {
        type = PyExc_ValueError;
    } else if (kflags & UF_KFLAG_NOMEM) {
        type = PyExc_MemoryError;
    }
    PyErr_SetString(type, message);
    PyGILState_Release(gil);
}

static PyMethodDef core_methods[] = {
    {"translate", ufpy_translate, METH_VARARGS,
     "translate(fdef, source, resolve, funcmap, load_helper[, outputs]) -> "
     "Kernel"},
    {"kernel_from_kir", ufpy_kernel_from_kir, METH_VARARGS,
     "kernel_from_kir(text[, filename]) -> Kernel"},
    {"make_ufunc", ufpy_make_ufunc, METH_VARARGS,
     "make_ufunc(kernel, sigs, name, doc, identity, options) -> ufunc"},
    {"make_gufunc", ufpy_make_gufunc, METH_VARARGS,
     "make_gufunc(kernel, sigs, layout, name, doc, options, writable) -> "
     "ufunc"},
    {"set_num_threads", ufpy_set_num_threads, METH_O,
     "set_num_threads(n): the process-wide thread count"},
    {"get_num_threads", ufpy_get_num_threads, METH_NOARGS,
     "get_num_threads() -> the calling thread's thread count"},
    {"set_thread_override", ufpy_set_thread_override, METH_O,
     "set_thread_override(n or None) -> the previous override"},
    {"set_parallel_min_work", ufpy_set_parallel_min_work, METH_O,
     "set_parallel_min_work(ns) -> old: split calls above ns of work"},
    {"ufunc_info", ufpy_ufunc_info, METH_O,
     "ufunc_info(ufunc) -> dict or None"},
    {"inspect", ufpy_inspect, METH_VARARGS,
     "inspect(kernel, sig, options) -> dict of stage texts"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef core_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "ufuncforge._core",
    .m_doc = "The C core of ufuncforge.",
    .m_size = -1,
    .m_methods = core_methods,
};

PyMODINIT_FUNC PyInit__core(void)
{
    if (PyArray_ImportNumPyAPI() < 0 || PyUFunc_ImportUFuncAPI() < 0) {
        return NULL;
    }
    if (PyType_Ready(&UfpyKernel_Type) < 0) {
        return NULL;
    }
    uf_rt_set_error_reporter(report_kernel_error);
    PyObject *m = PyModule_Create(&core_module);
    if (m == NULL) {
        return NULL;
    }
    ufpy_CompileError = PyErr_NewExceptionWithDoc(
        "ufuncforge.CompileError",
        "A kernel uses a construct or a type the compiler does not support.",
        PyExc_TypeError, NULL);
    if (ufpy_CompileError == NULL ||
        PyModule_AddObjectRef(m, "CompileError", ufpy_CompileError) < 0 ||
        PyModule_AddObjectRef(m, "Kernel", (PyObject *)&UfpyKernel_Type) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
