/*
 * kernels.h -- the kernel compiler core: types, signatures, kir, inference,
 * lowering to LLVM IR, and the JIT engine.
 *
 * Table of contents (one section per source file):
 *   alloc.c      allocator hook used by every allocation of the core
 *   diag.c       UfError: first error with a source location, rendering
 *   types.c      scalar kinds, UfType, NumPy 2 promotion (NEP 50)
 *   sig.c        signature strings: 'f8(f8, f8)', 'void(f8[:], f8[::1])'
 *   kir.c        kir arena, nodes, kernels, the op and function tables
 *   kir_print.c  canonical s-expression printer
 *   kir_parse.c  s-expression parser (exact round trip with the printer)
 *   kir_verify.c structural verifier
 *   kir_writes.c which arguments a kernel writes into
 *   infer.c      type inference for one signature
 *   lower.c      typed kir -> LLVM IR function (the scalar kernel)
 *   mathlib.c    intrinsic -> libm / libmvec / LLVM intrinsic mapping
 *   jit.c        host target machine, O3 pipeline, ORC LLJIT, trackers
 *   runtime.c    uf_rt_* helpers that JIT'd code calls
 *
 * Conventions: functions return 0 / -1 (or a pointer / NULL) and report the
 * first error through a UfError.  Pointers are borrowed unless a comment
 * says "new" (caller frees) or "stolen".
 */
#ifndef UF_KERNELS_H
#define UF_KERNELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define UF_API __attribute__((visibility("default")))

/* =====================================================================
 * alloc.c -- one allocator hook (Lua style) for every allocation we make.
 * Tests install a failing allocator to check every error path.
 * ===================================================================== */

typedef struct UfAllocator {
    void *(*malloc)(void *ud, size_t n);
    void *(*realloc)(void *ud, void *p, size_t n);
    void (*free)(void *ud, void *p);
    void *ud;
} UfAllocator;

/* Installs |a| (copied); NULL restores the libc allocator. Not thread-safe:
 * call before compiling. */
UF_API void uf_set_allocator(const UfAllocator *a);
void *uf_malloc(size_t n);               /* new, or NULL */
void *uf_calloc(size_t count, size_t n); /* new zeroed, or NULL */
void *uf_realloc(void *p, size_t n);     /* new, or NULL (p kept) */
void uf_free(void *p);                   /* p may be NULL */
char *uf_strdup(const char *s);          /* new, or NULL */

/* =====================================================================
 * diag.c -- errors with source locations.
 * ===================================================================== */

/* 1-based line and columns; end_col is one past the last column.
 * line == 0 means "no location". */
typedef struct UfLoc {
    int32_t line;
    int32_t col;
    int32_t end_col;
} UfLoc;

typedef enum UfErrorKind {
    UF_ERR_NONE = 0,
    UF_ERR_SYNTAX,      /* malformed signature, layout or kir text */
    UF_ERR_TYPE,        /* inference: no rule for these types */
    UF_ERR_UNSUPPORTED, /* a construct the compiler does not handle */
    UF_ERR_MEMORY,      /* an allocation failed */
    UF_ERR_LLVM,        /* LLVM reported an error */
    UF_ERR_INTERNAL     /* a broken invariant: a bug in ufuncforge */
} UfErrorKind;

typedef struct UfError {
    UfErrorKind kind;
    UfLoc loc;
    char msg[480];
} UfError;

/* Records the error unless one is already recorded (the first error wins).
 * Always returns -1 so callers can write `return uf_error(...)`. */
int uf_error(UfError *e, UfErrorKind kind, UfLoc loc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int uf_error_nomem(UfError *e);
void uf_error_clear(UfError *e);

/* Renders "file:line:col: error: msg\n<source line>\n<caret>" into buf.
 * |source| is the whole source text (may be NULL: no source line shown);
 * |first_line| is the line number of source's first line. */
void uf_error_render(const UfError *e, const char *file, const char *source,
                     int first_line, char *buf, size_t n);

/* Propagates a failure: `UF_TRY(parse_x(...));` */
#define UF_TRY(expr)                                                           \
    do {                                                                       \
        if ((expr) < 0) {                                                      \
            return -1;                                                         \
        }                                                                      \
    } while (0)

/* =====================================================================
 * types.c -- scalar kinds and types.
 * ===================================================================== */

typedef enum UfKind {
    UF_VOID = 0,
    UF_B1,
    UF_I1,
    UF_I2,
    UF_I4,
    UF_I8,
    UF_U1,
    UF_U2,
    UF_U4,
    UF_U8,
    UF_F4,
    UF_F8,
    UF_C8,
    UF_C16,
    UF_NKINDS
} UfKind;

typedef enum UfLayout {
    UF_LAYOUT_A = 0, /* any strides: f8[:] */
    UF_LAYOUT_C = 1  /* innermost stride is the item size: f8[::1] */
} UfLayout;

/* UfType.flags: UF_TYPE_WEAK marks an untyped Python literal (NEP 50) of
 * int, float or complex kind, whose type the other operand decides. */
#define UF_TYPE_WEAK 0x1
/* UfType.flags: UF_TYPE_READONLY marks an array of constants (a frozen
 * global): reading it and its views is fine, storing into it is a type
 * error. */
#define UF_TYPE_READONLY 0x2

/* A type is a small value.  ndim == 0 is a scalar of |kind|. */
typedef struct UfType {
    uint8_t kind;   /* UfKind of the scalar or of the array's element */
    uint8_t ndim;   /* 0 for scalars */
    uint8_t layout; /* UfLayout, arrays only */
    uint8_t flags;  /* UF_TYPE_WEAK */
} UfType;

#define UF_MAXNDIM 32

UfType uf_type_scalar(UfKind k);
UfType uf_type_weak(UfKind k); /* k is UF_I8, UF_F8 or UF_C16 */
UfType uf_type_array(UfKind k, int ndim, UfLayout layout);
bool uf_type_eq(UfType a, UfType b);
bool uf_type_is_weak(UfType t);

bool uf_kind_is_int(UfKind k);      /* signed or unsigned integer */
bool uf_kind_is_signed(UfKind k);   /* signed integer */
bool uf_kind_is_float(UfKind k);    /* f4, f8 */
bool uf_kind_is_complex(UfKind k);  /* c8, c16 */
int uf_kind_bits(UfKind k);         /* 1 for b1, 64 for i8, 128 for c16 */
int uf_kind_itemsize(UfKind k);     /* bytes in memory; b1 is 1 */
const char *uf_kind_name(UfKind k); /* "f8"; "void" */

/* Canonical short name: "f8", "f8[:, :]", "f8[::1]", "weak f8",
 * "readonly f8[::1]". Returns buf. */
const char *uf_type_str(UfType t, char *buf, size_t n);

/* NumPy 2 promotion of two scalar types (NEP 50 for weak literals):
 * np.result_type.  Two weak types stay weak.  Returns UF_VOID kind when
 * there is no common type (an array, or void).  b1 + b1 is b1 here: the
 * arithmetic rule that turns bools into ints lives in infer.c. */
UfType uf_type_promote(UfType a, UfType b);

/* The concrete type a weak literal defaults to: i8, f8 or c16.  Non-weak
 * types are returned unchanged. */
UfType uf_type_concrete(UfType t);

/* Whether the integer |v| is a value of the integer kind |k|. */
bool uf_kind_holds(UfKind k, int64_t v);

/* Whether NumPy's can_cast(from, to, 'same_kind') holds for scalars. */
bool uf_type_can_cast_same_kind(UfType from, UfType to);

/* =====================================================================
 * sig.c -- signature strings in every form Numba accepts.
 *
 *   'f8(f8, f8)'  'float64(float64, float64)'  '(f8, f8)' (return inferred)
 *   'f8, f8'  'f8[:], f8[:]'  'f8,'  Numba's tuples of types (inferred)
 *   'void(float64[:], float64[::1])'  'f8[:, :](f8[:, :], f8)'
 *   'Tuple(f8, f8)(f8)' or '(f8, f8)(f8)'  several return values
 *   aliases: intp uintp boolean bool_ double float_ int_ complex128 ...
 * ===================================================================== */

#define UF_MAXARGS 32
#define UF_MAXOUTS 8

typedef struct UfSig {
    int nargs;
    UfType args[UF_MAXARGS];
    int nret; /* 0 for void (or inferred), >1 for a tuple */
    UfType ret[UF_MAXOUTS];
    bool ret_inferred; /* '(f8, f8)', 'f8, f8': return type to infer */
} UfSig;

/* Parses |text| into |out|.  On error the UfLoc columns point into |text|
 * (line 1) and the message says what was expected there. */
int uf_sig_parse(const char *text, UfSig *out, UfError *err);

/* Parses one type name ("f8", "float64[:, ::1]", "intp") starting at
 * text[*pos]; advances *pos.  Used by the sig and kir parsers. */
int uf_type_parse(const char *text, int *pos, UfType *out, UfError *err);

/* Canonical text "f8(f8, f8)", "(f8, f8)(f8)", "void(f8[:])". Returns buf. */
const char *uf_sig_str(const UfSig *sig, char *buf, size_t n);

/* =====================================================================
 * kir.c -- the kernel IR: arena, nodes, kernels.
 * ===================================================================== */

typedef enum KirOp {
#define KIR_OP(e, text, cls, nkids) KIR_##e,
#include "kir_ops.def"
#undef KIR_OP
    KIR_NOPS
} KirOp;

typedef enum KirClass {
    KIR_CLASS_ATOM,
    KIR_CLASS_EXPR,
    KIR_CLASS_STMT,
    KIR_CLASS_BLOCK
} KirClass;

typedef enum KirFn {
#define KIR_FN(e, name, arity, rule, f8, f4, c16) KIR_FN_##e,
#include "kir_fns.def"
#undef KIR_FN
    KIR_NFNS
} KirFn;

typedef enum KirFnRule {
    KIR_RULE_FLOAT,
    KIR_RULE_PRED,
    KIR_RULE_SAME,
    KIR_RULE_SPECIAL
} KirFnRule;

typedef struct KirOpInfo {
    const char *text;
    KirClass cls;
    int nkids; /* -1: variable */
} KirOpInfo;

typedef struct KirFnInfo {
    const char *name;
    int arity;
    KirFnRule rule;
    const char *f8_sym; /* "" when lowered inline */
    const char *f4_sym;
    const char *c16_sym; /* "" when complex is not accepted */
} KirFnInfo;

extern const KirOpInfo kir_op_info[KIR_NOPS];
extern const KirFnInfo kir_fn_info[KIR_NFNS];

/* Looks a spelling up; -1 when unknown. */
int kir_op_lookup(const char *text, size_t len);
int kir_fn_lookup(const char *name, size_t len);

/* The payload of CONSTARRAY, in the arena: a frozen array of |kind|
 * (not complex) in C order, itemsize bytes per element in memory (b1 is
 * one byte, 0 or 1). */
typedef struct KirConstArray {
    uint8_t kind; /* UfKind of the elements */
    int32_t ndim; /* 1 .. UF_MAXNDIM */
    int64_t shape[UF_MAXNDIM];
    const void *data; /* product(shape) elements */
} KirConstArray;

typedef struct KirNode KirNode;
struct KirNode {
    uint8_t op;  /* KirOp */
    UfType type; /* set by inference; kind UF_VOID before */
    UfLoc loc;
    int32_t nkids;
    KirNode **kids; /* in the arena */
    union {
        int64_t ival; /* INT, BOOL */
        double fval;  /* FLOAT, IMAG */
        int32_t var;  /* VAR, SET, FOR: index into KirKernel.vars */
        int32_t fn;   /* CALL: KirFn */
        UfType to;    /* CAST */
        /* STR: NUL-terminated text in the arena */
        const char *str;
        /* CONSTARRAY: the constants (in the arena) */
        const KirConstArray *carr;
    } u;
};

typedef struct KirVar {
    const char *name; /* in the arena */
    UfType type;      /* set by inference */
    bool is_arg;      /* arguments come first: vars[0..nargs) */
} KirVar;

typedef struct KirArena KirArena;

typedef struct KirKernel {
    KirArena *arena;
    const char *name; /* in the arena */
    UfLoc loc;
    int32_t nargs;
    int32_t nvars; /* arguments + locals */
    int32_t cap_vars;
    KirVar *vars;  /* uf_malloc'd, freed with the kernel */
    KirNode *body; /* a KIR_BLOCK */
} KirKernel;

/* Arena: bump allocation in chunks; freed in one call. */
KirArena *kir_arena_new(void);                /* new, or NULL */
void kir_arena_free(KirArena *a);             /* a may be NULL */
void *kir_arena_alloc(KirArena *a, size_t n); /* zeroed, 16-aligned, or NULL */
char *kir_arena_strndup(KirArena *a, const char *s, size_t n);

/* A kernel with its own arena.  new, or NULL on allocation failure. */
KirKernel *kir_kernel_new(const char *name, size_t name_len);
void kir_kernel_free(KirKernel *k); /* frees the arena too; k may be NULL */

/* Adds a variable (arguments before any local); returns its index or -1. */
int kir_kernel_add_var(KirKernel *k, const char *name, size_t len, bool is_arg);
/* Index of the variable named |name|, or -1. */
int kir_kernel_find_var(const KirKernel *k, const char *name, size_t len);

/* A node with |nkids| (zeroed) child slots, in the kernel's arena. */
KirNode *kir_node_new(KirKernel *k, KirOp op, int nkids, UfLoc loc);

/* =====================================================================
 * kir_print.c / kir_parse.c -- the canonical text form.
 *
 *   (kernel leaky_relu (x)
 *     (return (select (> x 0) x (* 0.01 x))))
 *
 * Atoms: 3  -2  0.01  1e+300  inf  -inf  nan  2.0j  True  False  name
 * "text" (a string: \" \\ \n \t and \xHH escapes).  A constant array
 * lists its element type, shape and elements: (constarray i8 (3) 1 2 3).
 * Each statement of a block starts on its own line, indented two spaces
 * per level; expressions stay on one line.  Flags add an annotation after
 * any node: ":f8" (its type) and "@3:7-12" (its location).  The parser
 * accepts both; without "@", a node's location is its place in the text.
 * ===================================================================== */

#define KIR_PRINT_TYPES 0x1
#define KIR_PRINT_LOCS 0x2

/* new NUL-terminated text (uf_free), or NULL on allocation failure. */
char *kir_print(const KirKernel *k, int flags);

/* Parses one kernel.  new kernel, or NULL with |err| set (location in the
 * text). */
KirKernel *kir_parse(const char *text, UfError *err);

/* =====================================================================
 * kir_verify.c -- structure: child counts and classes, variables in range,
 * break/continue inside loops, SET/FOR targets are locals, STORE writes a
 * named array, SLICE only indexes a LOAD, None only as a slice bound or a
 * new array's fill, each read variable is assigned somewhere, RETURN
 * counts agree.
 * ===================================================================== */

int kir_verify(const KirKernel *k, UfError *err);

/* =====================================================================
 * kir_writes.c -- which arguments a kernel writes into.
 *
 * Sets bit i of |*written| when a store may write into the memory of
 * argument i: a store into the argument itself, or into a local that may
 * hold a view of it, however it got there (v = a[1:]; v[0] = x;
 * a[i][j] = x; w = v[::2]; for row in a: row[0] = x).  Only the array
 * values assigned to a local count, not the indices or conditions around
 * them.  Conservative: a local that may hold views of two arguments counts
 * for both, whichever one a store reaches at run time.  Untyped kir is
 * enough (run it before inference).  Any statement that writes into an
 * array (a future slice assignment) must add its target here.  0, or -1
 * with |err| set when memory runs out.
 * ===================================================================== */

int kir_written_args(const KirKernel *k, uint64_t *written, UfError *err);

/* =====================================================================
 * infer.c -- types for one signature.
 *
 * Fills node->type for every node and vars[i].type, and |resolved| with
 * the concrete signature (inferred return types filled in).  Locals get
 * one type each: the NumPy promotion of everything assigned to them, so
 * a variable given an int and a float becomes f8; a local assigned only
 * weak literals defaults to i8 / f8 / c16.
 * ===================================================================== */

int uf_infer_kernel(KirKernel *k, const UfSig *sig, UfSig *resolved,
                    UfError *err);

/* =====================================================================
 * cost.c -- estimated nanoseconds of serial work per element (elementwise)
 * or per outer item and core element (|gufunc|) of a kernel already typed
 * for |sig|; the parallel target runs small work on the calling thread.
 * ===================================================================== */

double uf_kir_cost_ns(const KirKernel *k, const UfSig *sig, bool gufunc);

/* =====================================================================
 * lower.c / mathlib.c -- typed kir -> LLVM IR.
 *
 * The scalar kernel becomes an internal, always-inline function
 *   i32 @<name>.kernel(ptr out0, ..., <arg0>, <arg1>, ...)
 * where scalars are passed by value (complex as {re, im} structs) and
 * outputs through pointers.  The i32 result carries UF_KFLAG_* bits; the
 * loop ORs them and raises the matching FP flags once, after the loop.
 * ===================================================================== */

#define UF_KFLAG_DIVBYZERO 0x1       /* integer // or % by zero */
#define UF_KFLAG_OVERFLOW 0x2        /* INT_MIN // -1 */
#define UF_KFLAG_INVALID 0x4         /* reserved */
#define UF_KFLAG_NEGPOW 0x10         /* error: integer ** negative integer */
#define UF_KFLAG_NOMEM 0x20          /* error: a loop buffer could not be had */
#define UF_KFLAG_INDEX 0x40          /* error: an index out of bounds */
#define UF_KFLAG_VALUE 0x80          /* error: a bad value (ValueError) */
#define UF_KFLAG_RAISE 0x100         /* error: a raise or a failed assert */
#define UF_KFLAG_REPORTED 0x20000000 /* the error was reported already */
#define UF_KFLAG_ERROR 0x40000000    /* a kernel error stopped the loop */

/* String attribute on a kernel that can raise UF_KFLAG_ERROR: its loop
 * then checks every element's flags and stops at the first error. */
#define UF_KERNEL_CAN_FAIL "uf-can-fail"

typedef struct UfMathIsa {
    char letter;  /* x86 vector ABI letter: b (SSE4), c (AVX), d (AVX2),
                     e (AVX-512); 0 = no vector math */
    int f8_lanes; /* 2, 4 or 8 */
    int f4_lanes; /* 4, 8 or 16 */
} UfMathIsa;

typedef struct UfLowerOptions {
    bool fastmath;    /* LLVM fast-math flags on float ops */
    bool boundscheck; /* array indexing checks (gufunc kernels) */
    UfMathIsa isa;    /* which libmvec variants to advertise */
} UfLowerOptions;

/* LLVM handles as opaque pointers so this header needs no LLVM include. */
typedef struct LLVMOpaqueModule *UfLLVMModule;
typedef struct LLVMOpaqueValue *UfLLVMValue;

/* Emits the kernel of |k| (already inferred for |sig|) into module |m|.
 * Returns the function, or NULL with |err| set. */
UfLLVMValue uf_lower_kernel(UfLLVMModule m, const KirKernel *k,
                            const UfSig *sig, const UfLowerOptions *opt,
                            UfError *err);

/* =====================================================================
 * jit.c -- one LLJIT per process for the host CPU.
 * ===================================================================== */

typedef struct UfJitUnit UfJitUnit; /* one ResourceTracker */

/* Starts the JIT once (thread-safe); 0 or -1. */
int uf_jit_init(UfError *err);
/* Host facts (after init): CPU name, feature string, math ISA. */
const char *uf_jit_cpu_name(void);
const char *uf_jit_cpu_features(void);
UfMathIsa uf_jit_math_isa(void);

/* A fresh LLVM module in a fresh thread-safe context, with the host triple
 * and data layout.  The context is owned by the returned module handle and
 * released by uf_jit_add or uf_jit_discard. */
typedef struct UfJitModule {
    UfLLVMModule module;
    void *tsc; /* LLVMOrcThreadSafeContextRef */
} UfJitModule;
int uf_jit_module_new(const char *name, UfJitModule *out, UfError *err);
void uf_jit_discard(UfJitModule *jm);

/* Runs default<O3> (or the given pipeline) for the host. */
int uf_jit_optimize(UfJitModule *jm, const char *pipeline, UfError *err);
/* new text of the module's assembly for the host (uf_free), or NULL. */
char *uf_jit_emit_asm(UfJitModule *jm, UfError *err);

/* Hands the module to the JIT under a new ResourceTracker (stolen) and
 * looks up |symbol|.  new unit, or NULL. */
UfJitUnit *uf_jit_add(UfJitModule *jm, const char *symbol, void **addr,
                      UfError *err);
/* Removes the unit's code from the process. */
void uf_jit_unit_free(UfJitUnit *u);

/* =====================================================================
 * runtime.c -- helpers JIT'd code calls by name (registered in the JIT).
 * Complex values go through pointers to {re, im} pairs.
 * ===================================================================== */

typedef struct UfRuntimeSymbol {
    const char *name;
    void *addr;
} UfRuntimeSymbol;

/* NumPy's strided-loop ABI, as ufunc/ufunc.h's UfLoopFn. */
typedef int (*UfRtLoopFn)(void *ctx, char *const *args, const intptr_t *dims,
                          const intptr_t *steps, void *auxdata);

/* Runs |loop| over operands that are contiguous except for inputs with
 * step 0 (broadcast scalars): those are expanded once into buffers of 512
 * items, and |loop| is called chunk by chunk with every operand
 * contiguous, so f(array, 2.0) runs the vectorized path.  |desc| is
 * {nops, nin, itemsize of each operand}; args, dims and steps are the
 * caller's.  Returns 0, or UF_KFLAG_ERROR when |loop| failed or a buffer
 * could not be allocated. */
int32_t uf_rt_run_broadcast(UfRtLoopFn loop, const int32_t *desc,
                            char *const *args, const intptr_t *dims,
                            const intptr_t *steps);

/* 1 when an input partly overlaps an output over the loop's dims[0]
 * items (shares bytes without being the same element in the same order),
 * which the vectorized paths cannot run; inputs' steps are their item size
 * or 0, outputs' their item size.  |desc| as for uf_rt_run_broadcast. */
int32_t uf_rt_operands_overlap(const int32_t *desc, char *const *args,
                               const intptr_t *dims, const intptr_t *steps);

/* The message of the error named by |kflags| (UF_KFLAG_NEGPOW ...). */
const char *uf_rt_error_message(int32_t kflags);

/* How a loop reports a kernel error: the Python extension installs a
 * reporter that sets the Python exception (taking the GIL); without one,
 * errors only make the loop return -1. */
typedef void (*UfErrorReporter)(int32_t kflags, const char *message);
UF_API void uf_rt_set_error_reporter(UfErrorReporter reporter);
/* Called by JIT'd loops once per failing call.  For UF_KFLAG_INDEX,
 * UF_KFLAG_VALUE and UF_KFLAG_RAISE the message is the one the kernel
 * formatted on this thread (uf_rt_index_error / value_error / raise). */
void uf_rt_report_error(int32_t kflags);
/* The message of the last index, value or raise error on this thread. */
const char *uf_rt_pending_message(void);
/* The exception key of the last raise on this thread ("" before any):
 * what the kernel's (raise KEY MESSAGE) named, e.g. "ValueError".  The
 * reporter of UF_KFLAG_RAISE reads it; uf_rt_report_captured restores it
 * from the capture. */
UF_API const char *uf_rt_pending_exception(void);

/* Error capture: a loop running on a worker thread must never call the
 * reporter (the Python one takes the GIL, which the calling thread may
 * hold).  While a capture is installed on a thread, uf_rt_report_error on
 * that thread records the first error into it instead; the calling thread
 * reports it afterwards with uf_rt_report_captured. */
typedef struct UfErrorCapture {
    int32_t kflags;    /* the reported UF_KFLAG_* bits */
    bool set;          /* an error was recorded */
    char message[512]; /* its message (NUL-terminated, maybe truncated) */
    char exc[128];     /* UF_KFLAG_RAISE: the exception's key, else "" */
} UfErrorCapture;
/* This thread's uf_rt_report_error fills *c (first error only) instead of
 * calling the reporter; NULL turns capturing off. */
UF_API void uf_rt_capture_errors(UfErrorCapture *c);
/* The capture installed on this thread, or NULL (to restore it after a
 * nested capture). */
UF_API UfErrorCapture *uf_rt_error_capture(void);
/* Reports a captured error, if set, as if raised on this thread: into
 * this thread's capture when one is installed, else through the reporter;
 * an index or value error's message also becomes this thread's pending
 * message. */
UF_API void uf_rt_report_captured(const UfErrorCapture *c);

/* Called by kernels where an error happens: format the message (kept per
 * thread) and return the flags to raise, UF_KFLAG_ERROR | INDEX / VALUE.
 * |kernel| and |line| say where; IndexError text as NumPy's. */
int32_t uf_rt_index_error(const char *kernel, int32_t line, int64_t index,
                          int32_t axis, int64_t size);
enum UfValueError {
    UF_VALERR_NEGATIVE_DIM = 1, /* np.empty(-1): a = the size */
    UF_VALERR_EMPTY_MIN,        /* np.min of an empty array */
    UF_VALERR_EMPTY_MAX,        /* np.max of an empty array */
    UF_VALERR_DOT_SHAPES,       /* np.dot of lengths a and b */
    UF_VALERR_ZERO_STEP,        /* a[::0] */
    UF_VALERR_BROADCAST         /* a[:] = b: extent a of b into extent b */
};
int32_t uf_rt_value_error(const char *kernel, int32_t line, int32_t what,
                          int64_t a, int64_t b);
/* (raise EXC MSG): the message "MSG (kernel 'K', line L)" (or "(kernel
 * 'K', line L)" for an empty MSG) and the exception key |exc| become
 * this thread's pending ones; returns UF_KFLAG_ERROR | UF_KFLAG_RAISE. */
int32_t uf_rt_raise(const char *kernel, int32_t line, const char *exc,
                    const char *msg);

/* Scratch arrays of a kernel call: a block of |nbytes| (16-aligned) put
 * on the list at *head, or NULL when memory is short; all freed by
 * uf_rt_scratch_free when the kernel returns. */
void *uf_rt_scratch_alloc(void **head, int64_t nbytes);
void uf_rt_scratch_free(void **head);
/* Frees the block allocated last (a temporary copy), if any. */
void uf_rt_scratch_pop(void **head);

/* NULL-terminated table of every uf_rt_* helper. */
extern const UfRuntimeSymbol uf_runtime_symbols[];

/* Raises FE_DIVBYZERO / FE_OVERFLOW / FE_INVALID for UF_KFLAG_* bits. */
void uf_rt_raise_fpe(int32_t kflags);

/* The float kinds in a loop descriptor: {nops, nin, itemsize[nops],
 * kind[nops]} with kind one of these, or 0 for other types. */
#define UF_DESC_F4 1
#define UF_DESC_F8 2
#define UF_DESC_C8 3
#define UF_DESC_C16 4

/* Called by every loop when it ends: first drops FE_INVALID when an input
 * holds a NaN (x86 vector compares for < <= > >= signal on NaN, where
 * Python and NumPy stay quiet, and a quiet NaN flowing through arithmetic
 * raises nothing; documented in semantics.md), then uf_rt_raise_fpe. */
void uf_rt_finish_fpe(int32_t kflags, const int32_t *desc, char *const *args,
                      const intptr_t *dims, const intptr_t *steps);
/* The same for a gufunc loop, whose inputs are cores: |gdesc| is {nops,
 * nin, then per operand: float kind (UF_DESC_*, 0 for others), core ndim,
 * the NumPy dim index of each core axis}; dims and steps are NumPy's
 * gufunc ones (core strides after the outer steps). */
void uf_rt_gufunc_finish_fpe(int32_t kflags, const int32_t *gdesc,
                             char *const *args, const intptr_t *dims,
                             const intptr_t *steps);

#ifdef __cplusplus
}
#endif
#endif /* UF_KERNELS_H */
