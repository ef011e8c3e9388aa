/*
 * frontend.h -- internal to the AST front end (frontend*.c): the
 * translation state and the fe_* functions its files share.
 *
 *   frontend.c       errors, locations, AST access, building kir,
 *                    variables, compile-time values, which arguments
 *                    are arrays, the entry point
 *   frontend_expr.c  expressions and calls
 *   frontend_stmt.c  statements, np.ndindex loops
 *   frontend_helpers.c helper functions inlined at calls
 *   frontend_array.c array syntax: indexing, stores, shapes, new arrays,
 *                    reductions, loops over arrays
 *   frontend_raise.c raise and assert
 *   frontend_frozen.c tuples, lists and arrays frozen as constant arrays,
 *                    Enum members, float('inf')
 *   frontend_lib.c   round(x, n), math.comb ... inlined from
 *                    ufuncforge/_kernelfns.py; divmod
 *
 * Every fe_* function that builds kir returns NULL (or -1) once an error
 * is recorded in the Fe; the first error wins.
 */
#ifndef UFPY_FRONTEND_H
#define UFPY_FRONTEND_H

#include "pyext.h"

#define MAX_HELPER_DEPTH 32
/* Inlining stops with a CompileError past this many kir nodes: a helper
 * that calls another twice per level grows exponentially, and LLVM's
 * time grows with it (a kernel of 100,000 nodes takes seconds). */
#define MAX_KERNEL_NODES 20000

/* A growing list of statements, turned into a KIR_BLOCK at the end. */
typedef struct StmtList {
    KirNode **items;
    int n, cap;
} StmtList;

/* An inlined helper's return target. */
typedef struct HelperCtx {
    int ret_var;               /* local receiving the return value */
    int nret;                  /* values per return (0 before the first) */
    int more_vars[UF_MAXOUTS]; /* locals receiving values 2, 3, ... */
    int done_var;              /* local flag for returns inside loops, or -1 */
    int loop_depth;   /* loops of the helper around the current statement */
    bool wrapped;     /* the body runs inside `while True: ...; break` */
    bool deep_return; /* a return inside a loop set done_var */
    bool loop_return; /* ... inside the loop being translated now */
} HelperCtx;

/* A name for an AST node kind, for error messages: {"Try", "try
 * statements"}. */
typedef struct FeName {
    const char *ast, *what;
} FeName;

/* The values of a helper returning a tuple (a, b = helper(...)). */
typedef struct TupleOut {
    PyObject *call; /* the Call node whose values are unpacked */
    int n;
    int vars[UF_MAXOUTS];
} TupleOut;

typedef struct Fe {
    KirKernel *k;
    PyObject *funcmap;     /* dict {object: spec tuple} */
    PyObject *load_helper; /* callable(function) -> (fdef, source, resolve) */
    PyObject *resolve;     /* of the function being translated */
    PyObject *scope;       /* dict {python name: kir var index} */
    PyObject *array_args;  /* set of the kernel's arguments known to be
                              arrays: they cannot be rebound, except an
                              input at the top level (p = p[0]) */
    PyObject *output_args; /* set of the output arguments' names */
    int nesting;           /* if / loop bodies around the statement */
    UfpySource src;        /* of the function being translated (borrowed) */
    int col_offset;        /* indentation removed before parsing */
    bool use_call_loc;     /* inside a helper: nodes get the call's loc */
    UfLoc call_loc;
    StmtList *cur;          /* where statements go */
    HelperCtx *helper;      /* NULL in the kernel itself */
    PyObject *helper_stack; /* list of functions being inlined */
    int loop_depth;         /* loops around the current statement */
    int nd_break_depth;     /* loop depth of an np.ndindex body whose break
                               leaves every loop of the nest; 0: none */
    int nd_break_var;       /* its flag local */
    PyObject *ranks;        /* tuple: each argument's rank, -1 unknown; or
                               NULL (borrowed) */
    PyObject *tuples;       /* dict {name: tuple of kir var indices}: the
                               index of `for idx in np.ndindex(...)`, or
                               NULL */
    int temps;              /* counter for fresh names */
    int nodes;              /* kir nodes made so far */
    PyObject *checked;      /* set of the helper trees fe_check_ast passed,
                               or NULL */
    TupleOut *tuple_out;    /* set while inlining a helper whose values
                               are unpacked, else NULL */
    UfError err;
    UfpySource err_src; /* source the error's location refers to */
    bool err_is_python; /* a Python exception is already set */
    /* the first such exception (new reference), raised at the end even
     * when later lookups cleared it */
    PyObject *py_exc;
    /* 1 + the local a `break` of the innermost loop sets (its else
     * clause runs when the local is false), or 0 */
    int loop_else_flag;
    PyObject *frozen;     /* {id(obj): (obj, local)} of frozen arrays */
    StmtList frozen_sets; /* their (set local (constarray ...)) */
} Fe;

/* ---- frontend.c: errors, AST access, building kir, variables, static values,
 * array arguments, the entry point */

UfLoc fe_ast_loc(Fe *fe, PyObject *node);
void *fe_fail(Fe *fe, PyObject *node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void *fe_fail_python(Fe *fe);
void *fe_fail_nomem(Fe *fe);
bool fe_failed(const Fe *fe);
/* 0 when |fdef| is a well-formed ast.FunctionDef (every field of the
 * right type: compile() accepts it), else -1 with TypeError/ValueError. */
int fe_check_ast(PyObject *fdef);
/* The text of the Python exception being raised (new str, or NULL); the
 * exception is cleared. */
PyObject *fe_take_error_message(void);
const char *fe_kind_of(PyObject *node);
bool fe_is_kind(PyObject *node, const char *kind);
const char *fe_name_of(PyObject *node, const FeName *names, size_t n);
PyObject *fe_field(PyObject *node, const char *attr);
const char *fe_field_str(PyObject *node, const char *attr);
KirNode *fe_mk(Fe *fe, KirOp op, int nkids, PyObject *at);
KirNode *fe_mk1(Fe *fe, KirOp op, KirNode *a, PyObject *at);
KirNode *fe_mk2(Fe *fe, KirOp op, KirNode *a, KirNode *b, PyObject *at);
KirNode *fe_mk_var(Fe *fe, int var, PyObject *at);
KirNode *fe_mk_set(Fe *fe, int var, KirNode *value, PyObject *at);
KirNode *fe_mk_call(Fe *fe, KirFn fn, KirNode **args, int nargs, PyObject *at);
KirNode *fe_mk_cast(Fe *fe, UfKind kind, KirNode *a, PyObject *at);
KirNode *fe_mk_bool(Fe *fe, bool v, PyObject *at);
int fe_emit(Fe *fe, KirNode *s);
KirNode *fe_to_block(Fe *fe, StmtList *l, PyObject *at);
int fe_fresh_local(Fe *fe, const char *base);
int fe_scope_lookup(Fe *fe, const char *name);
int fe_scope_bind(Fe *fe, const char *name, int var);
int fe_collect_stores(PyObject *node, PyObject *names);
int fe_collect_loads(PyObject *node, PyObject *names);
bool fe_is_number(PyObject *v);
KirNode *fe_mk_int(Fe *fe, long long v, PyObject *at);
KirNode *fe_const_float(Fe *fe, double x, PyObject *at);
KirNode *fe_const_number(Fe *fe, PyObject *v, PyObject *at);
PyObject *fe_static_value(Fe *fe, PyObject *e);
KirNode *fe_static_expr(Fe *fe, PyObject *v, PyObject *at);
UfKind fe_kind_of_descr(PyArray_Descr *d);

/* ---- frontend_expr.c: expressions and calls */

int fe_op_of(PyObject *opnode);
const char *fe_op_name(PyObject *opnode);
KirNode *fe_expr_field(Fe *fe, PyObject *node, const char *attr);
KirNode *fe_translate_lazy(Fe *fe, PyObject *e, StmtList *out);
KirNode *fe_once(Fe *fe, KirNode *n, PyObject *at);
KirNode *fe_copy_atom(Fe *fe, const KirNode *a);
int fe_call_args(Fe *fe, PyObject *call, KirNode **out, int max,
                 const char *what);
int fe_positional_args(Fe *fe, PyObject *call, KirNode **out, int max,
                       const char *what);
bool fe_arity_ok(Fe *fe, PyObject *call, const char *what, int n, int lo,
                 int hi);
const char *fe_unsupported_expr(PyObject *e);
KirNode *fe_translate_expr(Fe *fe, PyObject *e);
/* Whether |call| calls a function whose funcmap spec is (|kind|, ...). */
bool fe_calls_spec(Fe *fe, PyObject *call, const char *kind);

/* ---- frontend_stmt.c: statements */

int fe_translate_body(Fe *fe, PyObject *stmts);
int fe_assign(Fe *fe, PyObject *target, KirNode *value, PyObject *value_ast,
              PyObject *at);

/* ---- frontend_helpers.c: helper functions inlined at calls */

void fe_kir_name(const char *py, char *out, size_t n);
int fe_bind_locals(Fe *fe, PyObject *stmts, const char *prefix);
PyObject *fe_param_names(Fe *fe, PyObject *fdef);
int fe_parse_source(PyObject *t, UfpySource *src, int *col_offset);
KirNode *fe_inline_helper(Fe *fe, PyObject *func, PyObject *call);
/* Inlines the helper |call| calls, unpacking its values into |out|:
 * their count, 0 when |call| calls no Python function, -1 on error. */
int fe_inline_tuple(Fe *fe, PyObject *call, KirNode **out, int max);
/* Inlines |func| called with the translated arguments |a| (|n| of them). */
KirNode *fe_inline_values(Fe *fe, PyObject *func, PyObject *call, KirNode **a,
                          int n);

/* ---- frontend_array.c: array syntax */

int fe_tuple_index(Fe *fe, PyObject *e, KirNode **out, PyObject *at);

KirNode *fe_copy_tree(Fe *fe, const KirNode *n);
bool fe_calls(Fe *fe, PyObject *call, PyObject *func);
bool fe_is_shape_attribute(Fe *fe, PyObject *e);
int fe_assign_shape(Fe *fe, PyObject *elts, PyObject *attr, PyObject *at);
KirNode *fe_translate_subscript(Fe *fe, PyObject *e);
bool fe_is_array_attribute(const char *attr);
KirNode *fe_array_attribute(Fe *fe, PyObject *e, const char *attr);
int fe_store_subscript(Fe *fe, PyObject *target, KirNode *value, PyObject *at);
int fe_augassign_subscript(Fe *fe, PyObject *s, PyObject *target, KirOp op);
bool fe_is_array_method(const char *attr);
KirNode *fe_array_method(Fe *fe, PyObject *call, PyObject *attr_node,
                         const char *attr);
bool fe_is_array_spec(const char *kind);
KirNode *fe_array_spec(Fe *fe, PyObject *call, const char *what,
                       const char *kind, const char *arg);
KirNode *fe_dtype_type_call(Fe *fe, PyObject *call, PyObject *attr_node);
KirNode *fe_impl_call(Fe *fe, PyObject *call, PyObject *spec, PyObject *recv,
                      const char *what);
PyObject *fe_method_impl(Fe *fe, const char *attr);
int fe_array_loop(Fe *fe, PyObject *target, PyObject *iter, int *var,
                  KirNode **bounds, StmtList *prefix);

/* ---- frontend_frozen.c: frozen arrays, Enum members, constant
 * conversions.  Each returns NULL (or 1) without an error when its
 * construct is not there. */

KirNode *fe_frozen_expr(Fe *fe, PyObject *v, PyObject *at);
int fe_frozen_prologue(Fe *fe, StmtList *top);
bool fe_is_frozen_sequence(Fe *fe, PyObject *e);
PyObject *fe_enum_item(Fe *fe, PyObject *e);
KirNode *fe_static_subscript(Fe *fe, PyObject *e);
int fe_check_frozen_store(Fe *fe, PyObject *value);
int fe_assign_frozen(Fe *fe, PyObject *elts, PyObject *value, PyObject *at);
KirNode *fe_const_call(Fe *fe, PyObject *call, PyObject *func,
                       const char *kind);

/* ---- frontend_lib.c: library calls made of kernel code (ufuncforge/
 * _kernelfns.py) and divmod.  NULL (0 from fe_tuple_call, 1 from
 * fe_assign_tuple_call) without an error when the construct is not
 * there. */

KirNode *fe_inline_spec(Fe *fe, PyObject *call, const char *what,
                        const char *kind, PyObject *spec);
KirNode *fe_int_method(Fe *fe, PyObject *call, PyObject *attr_node,
                       const char *attr);
int fe_tuple_call(Fe *fe, PyObject *e, KirNode **vals, int max);
int fe_assign_tuple_call(Fe *fe, PyObject *elts, PyObject *value, PyObject *at);

/* ---- frontend_raise.c: raise and assert */

int fe_translate_raise(Fe *fe, PyObject *s);
int fe_translate_assert(Fe *fe, PyObject *s);

#endif /* UFPY_FRONTEND_H */
