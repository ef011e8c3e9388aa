/*
 * lower_array.c -- arrays in gufunc kernels: element access with bounds
 * checks and negative indices, views (slices, partial indexing), shape
 * queries, scratch arrays, and the 1-D reductions np.sum / prod / mean /
 * min / max / dot.
 *
 * An array value is {ptr data, [N x i64] shape, [N x i64] strides}; the
 * address of a[i, j] is data + i * strides[0] + j * strides[1] (bytes).
 * Errors (an index out of bounds, np.min of nothing, a bad size) call a
 * uf_rt_* function that formats the message, OR its flags into the
 * kernel's and leave the kernel at once, so nothing after the error runs.
 */
#include "lower.h"

#include <stdio.h>
#include <string.h>

/* ---- types, fields and helpers ------------------------------------------ */

static LLVMTypeRef i64_type(Lower *L)
{
    return LLVMInt64TypeInContext(L->ctx);
}

static LLVMTypeRef ptr_type(Lower *L)
{
    return LLVMPointerTypeInContext(L->ctx, 0);
}

static LLVMValueRef i64c(Lower *L, long long v)
{
    return LLVMConstInt(i64_type(L), (unsigned long long)v, 1);
}

LLVMTypeRef l_array_type(Lower *L, int ndim)
{
    LLVMTypeRef dims = LLVMArrayType2(i64_type(L), (uint64_t)ndim);
    LLVMTypeRef fields[3] = {ptr_type(L), dims, dims};
    return LLVMStructTypeInContext(L->ctx, fields, 3, 0);
}

void l_array_param_types(Lower *L, UfType t, LLVMTypeRef *params, int *np)
{
    params[(*np)++] = ptr_type(L);
    for (int d = 0; d < 2 * t.ndim; d++) {
        params[(*np)++] = i64_type(L);
    }
}

static LLVMValueRef data_of(Lower *L, LLVMValueRef a)
{
    return LLVMBuildExtractValue(L->b, a, 0, "data");
}

static LLVMValueRef field(Lower *L, LLVMValueRef a, unsigned which, int d)
{
    LLVMValueRef arr = LLVMBuildExtractValue(L->b, a, which, "");
    return LLVMBuildExtractValue(L->b, arr, (unsigned)d,
                                 which == 1 ? "extent" : "stride");
}

static LLVMValueRef extent_of(Lower *L, LLVMValueRef a, int d)
{
    return field(L, a, 1, d);
}

static LLVMValueRef stride_of(Lower *L, LLVMValueRef a, int d)
{
    return field(L, a, 2, d);
}

/* Builds an array value of rank |ndim| from its parts. */
static LLVMValueRef make_array(Lower *L, int ndim, LLVMValueRef data,
                               LLVMValueRef *extents, LLVMValueRef *strides)
{
    LLVMValueRef a = LLVMGetUndef(l_array_type(L, ndim));
    a = LLVMBuildInsertValue(L->b, a, data, 0, "");
    LLVMValueRef sh = LLVMGetUndef(LLVMArrayType2(i64_type(L), ndim));
    LLVMValueRef st = sh;
    for (int d = 0; d < ndim; d++) {
        sh = LLVMBuildInsertValue(L->b, sh, extents[d], (unsigned)d, "");
        st = LLVMBuildInsertValue(L->b, st, strides[d], (unsigned)d, "");
    }
    a = LLVMBuildInsertValue(L->b, a, sh, 1, "");
    return LLVMBuildInsertValue(L->b, a, st, 2, "");
}

LLVMValueRef l_array_from_params(Lower *L, UfType t, unsigned *param)
{
    LLVMValueRef data = LLVMGetParam(L->fn, (*param)++);
    LLVMValueRef ext[UF_MAXNDIM], str[UF_MAXNDIM];
    for (int d = 0; d < t.ndim; d++) {
        ext[d] = LLVMGetParam(L->fn, (*param)++);
    }
    for (int d = 0; d < t.ndim; d++) {
        str[d] = LLVMGetParam(L->fn, (*param)++);
    }
    return make_array(L, t.ndim, data, ext, str);
}

/* The address |offset| bytes into |data|. */
static LLVMValueRef byte_gep(Lower *L, LLVMValueRef data, LLVMValueRef offset)
{
    LLVMTypeRef i8 = LLVMInt8TypeInContext(L->ctx);
    return LLVMBuildInBoundsGEP2(L->b, i8, data, &offset, 1, "");
}

/* A declared runtime function (created once per module). */
static LLVMValueRef runtime_fn(Lower *L, const char *name, LLVMTypeRef ret,
                               LLVMTypeRef *params, unsigned n,
                               LLVMTypeRef *fty)
{
    *fty = LLVMFunctionType(ret, params, n, 0);
    LLVMValueRef fn = LLVMGetNamedFunction(L->mod, name);
    return fn != NULL ? fn : LLVMAddFunction(L->mod, name, *fty);
}

/* The kernel's name as a constant C string, made once. */
static LLVMValueRef kernel_name(Lower *L)
{
    if (L->kname == NULL) {
        LLVMValueRef g =
            LLVMAddGlobal(L->mod,
                          LLVMArrayType2(LLVMInt8TypeInContext(L->ctx),
                                         strlen(L->k->name) + 1),
                          "uf.kernel.name");
        LLVMSetInitializer(g, LLVMConstStringInContext2(L->ctx, L->k->name,
                                                        strlen(L->k->name), 0));
        LLVMSetGlobalConstant(g, 1);
        LLVMSetLinkage(g, LLVMPrivateLinkage);
        LLVMSetUnnamedAddress(g, LLVMGlobalUnnamedAddr);
        L->kname = g;
    }
    return L->kname;
}

void l_branch_unlikely(Lower *L, LLVMValueRef bad, LLVMBasicBlockRef *ok)
{
    LLVMTypeRef i1 = LLVMInt1TypeInContext(L->ctx);
    LLVMValueRef args[2] = {bad, LLVMConstInt(i1, 0, 0)};
    LLVMValueRef expect = l_intrinsic(L, "llvm.expect", &i1, 1, args, 2);
    LLVMBasicBlockRef fail = l_block(L, "error");
    *ok = l_block(L, "ok");
    LLVMBuildCondBr(L->b, expect, fail, *ok);
    LLVMPositionBuilderAtEnd(L->b, fail);
}

void l_raise_and_exit(Lower *L, LLVMValueRef flags_value)
{
    LLVMTypeRef i32 = LLVMInt32TypeInContext(L->ctx);
    LLVMValueRef old = LLVMBuildLoad2(L->b, i32, L->flags, "");
    LLVMBuildStore(L->b, LLVMBuildOr(L->b, old, flags_value, ""), L->flags);
    LLVMBuildBr(L->b, L->exit_bb);
    L->can_fail = true;
}

/* Raises uf_rt_value_error(|what|, a, b) when |bad|; continues after. */
static void value_error_if(Lower *L, const KirNode *n, LLVMValueRef bad,
                           int what, LLVMValueRef a, LLVMValueRef b)
{
    LLVMBasicBlockRef ok;
    l_branch_unlikely(L, bad, &ok);
    LLVMTypeRef i32 = LLVMInt32TypeInContext(L->ctx);
    LLVMTypeRef params[5] = {ptr_type(L), i32, i32, i64_type(L), i64_type(L)};
    LLVMTypeRef fty;
    LLVMValueRef fn = runtime_fn(L, "uf_rt_value_error", i32, params, 5, &fty);
    LLVMValueRef args[5] = {kernel_name(L), LLVMConstInt(i32, n->loc.line, 0),
                            LLVMConstInt(i32, (unsigned)what, 0), a, b};
    l_raise_and_exit(L, LLVMBuildCall2(L->b, fty, fn, args, 5, ""));
    LLVMPositionBuilderAtEnd(L->b, ok);
}

/* ---- indices --------------------------------------------------------------
 */

/* Calls uf_rt_index_error for index |i| of axis |axis| and leaves the
 * kernel. */
static void index_error(Lower *L, const KirNode *at, LLVMValueRef i,
                        LLVMValueRef extent, int axis)
{
    LLVMTypeRef i32 = LLVMInt32TypeInContext(L->ctx);
    LLVMTypeRef params[5] = {ptr_type(L), i32, i64_type(L), i32, i64_type(L)};
    LLVMTypeRef fty;
    LLVMValueRef fn = runtime_fn(L, "uf_rt_index_error", i32, params, 5, &fty);
    LLVMValueRef args[5] = {kernel_name(L), LLVMConstInt(i32, at->loc.line, 0),
                            i, LLVMConstInt(i32, (unsigned)axis, 0), extent};
    l_raise_and_exit(L, LLVMBuildCall2(L->b, fty, fn, args, 5, ""));
}

/* |i| (i64) made an offset into an axis of |extent|: a negative index
 * counts from the end, and with bounds checks on, an index outside the
 * axis raises IndexError (NumPy's message, then the kernel and line).
 * The common case, 0 <= i < extent, is one unsigned compare; negative
 * indices take a second block, which LLVM drops where it proves i >= 0. */
static LLVMValueRef checked_index(Lower *L, const KirNode *at, LLVMValueRef i,
                                  LLVMValueRef extent, int axis)
{
    LLVMValueRef w = LLVMBuildAdd(L->b, i, extent, "");
    if (!L->opt->boundscheck) {
        LLVMValueRef neg = LLVMBuildICmp(L->b, LLVMIntSLT, i, i64c(L, 0), "");
        return LLVMBuildSelect(L->b, neg, w, i, "index");
    }
    LLVMValueRef in = LLVMBuildICmp(L->b, LLVMIntULT, i, extent, "");
    LLVMBasicBlockRef fast = LLVMGetInsertBlock(L->b);
    LLVMBasicBlockRef slow = l_block(L, "index.neg");
    LLVMBasicBlockRef join = l_block(L, "index.ok");
    LLVMBasicBlockRef bad = l_block(L, "index.bad");
    LLVMBuildCondBr(L->b, in, join, slow);
    LLVMPositionBuilderAtEnd(L->b, slow);
    LLVMValueRef neg_ok =
        LLVMBuildAnd(L->b, LLVMBuildICmp(L->b, LLVMIntSLT, i, i64c(L, 0), ""),
                     LLVMBuildICmp(L->b, LLVMIntSGE, w, i64c(L, 0), ""), "");
    LLVMBuildCondBr(L->b, neg_ok, join, bad);
    LLVMPositionBuilderAtEnd(L->b, bad);
    index_error(L, at, i, extent, axis);
    LLVMPositionBuilderAtEnd(L->b, join);
    LLVMValueRef idx = LLVMBuildPhi(L->b, i64_type(L), "index");
    LLVMValueRef vals[2] = {i, w};
    LLVMBasicBlockRef from[2] = {fast, slow};
    LLVMAddIncoming(idx, vals, from, 2);
    return idx;
}

/* Lowers an integer kid as an i64. */
static LLVMValueRef index_value(Lower *L, const KirNode *n)
{
    LLVMValueRef v = l_expr(L, n);
    return v == NULL ? NULL
                     : l_convert(L, v, uf_type_concrete(n->type),
                                 uf_type_scalar(UF_I8));
}

/* Python's slice.indices for an axis of |len|: start and count of
 * (start, stop, step), any of them None (NULL here). */
typedef struct SliceBounds {
    LLVMValueRef start, count, step;
} SliceBounds;

/* One bound made an index in [lower, upper], as CPython's
 * PySlice_AdjustIndices. */
static LLVMValueRef clamp_bound(Lower *L, LLVMValueRef v, LLVMValueRef len,
                                LLVMValueRef lower, LLVMValueRef upper)
{
    LLVMBuilderRef b = L->b;
    LLVMValueRef neg = LLVMBuildICmp(b, LLVMIntSLT, v, i64c(L, 0), "");
    LLVMValueRef w = LLVMBuildAdd(b, v, len, "");
    LLVMValueRef negv = LLVMBuildSelect(
        b, LLVMBuildICmp(b, LLVMIntSLT, w, lower, ""), lower, w, "");
    LLVMValueRef posv = LLVMBuildSelect(
        b, LLVMBuildICmp(b, LLVMIntSGT, v, upper, ""), upper, v, "");
    return LLVMBuildSelect(b, neg, negv, posv, "");
}

static int slice_bounds(Lower *L, const KirNode *s, LLVMValueRef len,
                        SliceBounds *out)
{
    LLVMBuilderRef b = L->b;
    LLVMValueRef v[3] = {NULL, NULL, NULL};
    for (int i = 0; i < 3; i++) {
        if (s->kids[i]->op != KIR_NONE &&
            (v[i] = index_value(L, s->kids[i])) == NULL) {
            return -1;
        }
    }
    LLVMValueRef step = v[2] != NULL ? v[2] : i64c(L, 1);
    if (v[2] != NULL) {
        value_error_if(L, s, LLVMBuildICmp(b, LLVMIntEQ, step, i64c(L, 0), ""),
                       UF_VALERR_ZERO_STEP, step, step);
    }
    LLVMValueRef down = LLVMBuildICmp(b, LLVMIntSLT, step, i64c(L, 0), "");
    LLVMValueRef lower = LLVMBuildSelect(b, down, i64c(L, -1), i64c(L, 0), "");
    LLVMValueRef upper =
        LLVMBuildSelect(b, down, LLVMBuildSub(b, len, i64c(L, 1), ""), len, "");
    LLVMValueRef start = v[0] != NULL
                             ? clamp_bound(L, v[0], len, lower, upper)
                             : LLVMBuildSelect(b, down, upper, lower, "");
    LLVMValueRef stop = v[1] != NULL
                            ? clamp_bound(L, v[1], len, lower, upper)
                            : LLVMBuildSelect(b, down, lower, upper, "");
    /* count = step > 0 ? (stop - start + step - 1) / step : (start - stop
     * - step - 1) / -step, and 0 when the range is empty */
    LLVMValueRef mag =
        LLVMBuildSelect(b, down, LLVMBuildNeg(b, step, ""), step, "");
    LLVMValueRef span =
        LLVMBuildSelect(b, down, LLVMBuildSub(b, start, stop, ""),
                        LLVMBuildSub(b, stop, start, ""), "");
    LLVMValueRef count = LLVMBuildSDiv(
        b, LLVMBuildAdd(b, span, LLVMBuildSub(b, mag, i64c(L, 1), ""), ""), mag,
        "");
    LLVMValueRef empty = LLVMBuildICmp(b, LLVMIntSLE, span, i64c(L, 0), "");
    out->count = LLVMBuildSelect(b, empty, i64c(L, 0), count, "count");
    out->start = start;
    out->step = step;
    return 0;
}

/* ---- loads, views and stores ------------------------------------------ */

/* Walks the indices of (load a ...) / (store a ... v): data moves to the
 * indexed element; sliced and unindexed axes are kept in ext/str.
 * Returns the data pointer, or NULL on error. */
static LLVMValueRef index_into(Lower *L, const KirNode *n, LLVMValueRef a,
                               int ndim, int nidx, int *kept, LLVMValueRef *ext,
                               LLVMValueRef *str)
{
    LLVMValueRef data = data_of(L, a);
    *kept = 0;
    for (int d = 0; d < ndim; d++) {
        LLVMValueRef len = extent_of(L, a, d), stride = stride_of(L, a, d);
        const KirNode *ix = d < nidx ? n->kids[1 + d] : NULL;
        if (ix == NULL) { /* an axis left unindexed: kept whole */
            ext[*kept] = len;
            str[(*kept)++] = stride;
            continue;
        }
        LLVMValueRef first;
        if (ix->op == KIR_SLICE) {
            SliceBounds sb;
            if (slice_bounds(L, ix, len, &sb) < 0) {
                return NULL;
            }
            first = sb.start;
            ext[*kept] = sb.count;
            str[(*kept)++] = LLVMBuildMul(L->b, stride, sb.step, "");
        } else {
            LLVMValueRef i = index_value(L, ix);
            if (i == NULL) {
                return NULL;
            }
            first = checked_index(L, ix, i, len, d);
        }
        data = byte_gep(L, data, LLVMBuildMul(L->b, first, stride, ""));
    }
    return data;
}

/* Loads the element at |p| of kind |t| as a register value. */
static LLVMValueRef load_elem(Lower *L, UfType t, LLVMValueRef p)
{
    LLVMValueRef v = LLVMBuildLoad2(L->b, l_mem_type(L, t), p, "");
    if (t.kind == UF_B1) {
        v = LLVMBuildICmp(L->b, LLVMIntNE, v, LLVMConstInt(LLVMTypeOf(v), 0, 0),
                          "");
    }
    return v;
}

static void store_elem(Lower *L, UfType t, LLVMValueRef p, LLVMValueRef v)
{
    if (t.kind == UF_B1) {
        v = LLVMBuildZExt(L->b, v, LLVMInt8TypeInContext(L->ctx), "");
    }
    LLVMBuildStore(L->b, v, p);
}

static UfType elem_type(UfType arr)
{
    return uf_type_scalar((UfKind)arr.kind);
}

/* (load a i ...): an element, or a view */
static LLVMValueRef lower_load(Lower *L, const KirNode *n)
{
    UfType at = n->kids[0]->type;
    LLVMValueRef a = l_expr(L, n->kids[0]);
    if (a == NULL) {
        return NULL;
    }
    LLVMValueRef ext[UF_MAXNDIM], str[UF_MAXNDIM];
    int kept;
    LLVMValueRef p =
        index_into(L, n, a, at.ndim, n->nkids - 1, &kept, ext, str);
    if (p == NULL) {
        return NULL;
    }
    if (n->type.ndim > 0) {
        return make_array(L, kept, p, ext, str);
    }
    return load_elem(L, elem_type(at), p);
}

/* ---- shape queries --------------------------------------------------------
 */

static LLVMValueRef lower_shape(Lower *L, const KirNode *n)
{
    UfType at = n->kids[0]->type;
    LLVMValueRef a = l_expr(L, n->kids[0]);
    if (a == NULL) {
        return NULL;
    }
    if (n->op == KIR_NDIM) {
        return i64c(L, at.ndim);
    }
    if (n->op == KIR_SHAPE) {
        int64_t axis = n->kids[1]->u.ival;
        return extent_of(L, a, (int)(axis < 0 ? axis + at.ndim : axis));
    }
    LLVMValueRef size = i64c(L, 1); /* KIR_SIZE */
    for (int d = 0; d < at.ndim; d++) {
        size = LLVMBuildMul(L->b, size, extent_of(L, a, d), "");
    }
    return size;
}

/* ---- counted loops over 1-D arrays ------------------------------------ */

typedef struct Counted {
    LLVMValueRef k_slot;
    LLVMBasicBlockRef head, body, done;
} Counted;

/* Opens `for k in range(from, n)`; the builder is left in the body with
 * *k set. */
static void loop_open(Lower *L, Counted *c, LLVMValueRef from, LLVMValueRef n,
                      LLVMValueRef *k)
{
    c->k_slot = l_entry_alloca(L, i64_type(L), "k");
    LLVMBuildStore(L->b, from, c->k_slot);
    c->head = l_block(L, "red.cond");
    c->body = l_block(L, "red.body");
    c->done = l_block(L, "red.end");
    LLVMBuildBr(L->b, c->head);
    LLVMPositionBuilderAtEnd(L->b, c->head);
    *k = LLVMBuildLoad2(L->b, i64_type(L), c->k_slot, "k");
    LLVMBuildCondBr(L->b, LLVMBuildICmp(L->b, LLVMIntSLT, *k, n, ""), c->body,
                    c->done);
    LLVMPositionBuilderAtEnd(L->b, c->body);
}

static void loop_close(Lower *L, Counted *c, LLVMValueRef k)
{
    LLVMBuildStore(L->b, LLVMBuildAdd(L->b, k, i64c(L, 1), ""), c->k_slot);
    LLVMBuildBr(L->b, c->head);
    LLVMPositionBuilderAtEnd(L->b, c->done);
}

/* Element k of 1-D array |a| of element type |et|, converted to |to|. */
static LLVMValueRef elem_at(Lower *L, LLVMValueRef a, UfType et, LLVMValueRef k,
                            UfType to)
{
    LLVMValueRef off = LLVMBuildMul(L->b, k, stride_of(L, a, 0), "");
    LLVMValueRef v = load_elem(L, et, byte_gep(L, data_of(L, a), off));
    return l_convert(L, v, et, to);
}

/* ---- reductions ------------------------------------------------------------
 */

/* The type a reduction accumulates in: b1 sums and dots in i8. */
static UfType acc_type(UfType result)
{
    return result.kind == UF_B1 ? uf_type_scalar(UF_I8) : result;
}

/* acc = min(acc, x) or max(acc, x), NaN winning as in np.min / np.max. */
static LLVMValueRef min_max(Lower *L, KirOp op, UfType t, LLVMValueRef acc,
                            LLVMValueRef x)
{
    if (uf_kind_is_float(t.kind)) {
        LLVMTypeRef ft = l_type(L, t);
        LLVMValueRef args[2] = {acc, x};
        return l_intrinsic(L, op == KIR_AMIN ? "llvm.minimum" : "llvm.maximum",
                           &ft, 1, args, 2);
    }
    LLVMValueRef better =
        l_compare(L, op == KIR_AMIN ? KIR_LT : KIR_GT, t, x, acc);
    return LLVMBuildSelect(L->b, better, x, acc, "");
}

/* (amin a) (amax a): an empty array raises ValueError. */
static LLVMValueRef lower_min_max(Lower *L, const KirNode *n, LLVMValueRef a,
                                  UfType et)
{
    UfType t = uf_type_concrete(n->type);
    LLVMValueRef len = extent_of(L, a, 0);
    value_error_if(L, n, LLVMBuildICmp(L->b, LLVMIntSLE, len, i64c(L, 0), ""),
                   n->op == KIR_AMIN ? UF_VALERR_EMPTY_MIN
                                     : UF_VALERR_EMPTY_MAX,
                   len, len);
    LLVMValueRef acc_slot = l_entry_alloca(L, l_type(L, t), "acc");
    LLVMBuildStore(L->b, elem_at(L, a, et, i64c(L, 0), t), acc_slot);
    Counted c;
    LLVMValueRef k;
    loop_open(L, &c, i64c(L, 1), len, &k);
    LLVMValueRef acc = LLVMBuildLoad2(L->b, l_type(L, t), acc_slot, "");
    LLVMBuildStore(L->b, min_max(L, n->op, t, acc, elem_at(L, a, et, k, t)),
                   acc_slot);
    loop_close(L, &c, k);
    return LLVMBuildLoad2(L->b, l_type(L, t), acc_slot, "");
}

/* (sum a) (prod a) (mean a) (dot a b) */
static LLVMValueRef lower_fold(Lower *L, const KirNode *n, LLVMValueRef a,
                               UfType et, LLVMValueRef b, UfType bt)
{
    UfType t = acc_type(uf_type_concrete(n->type));
    LLVMValueRef len = extent_of(L, a, 0);
    if (n->op == KIR_DOT) {
        LLVMValueRef blen = extent_of(L, b, 0);
        value_error_if(L, n, LLVMBuildICmp(L->b, LLVMIntNE, len, blen, ""),
                       UF_VALERR_DOT_SHAPES, len, blen);
    }
    LLVMValueRef acc_slot = l_entry_alloca(L, l_type(L, t), "acc");
    UfType one_t = uf_kind_is_complex(t.kind) ? uf_type_scalar(UF_F8) : t;
    LLVMValueRef init = l_convert(
        L,
        uf_kind_is_float(one_t.kind) ? l_const_real(L, one_t, n->op == KIR_PROD)
                                     : l_const_int(L, one_t, n->op == KIR_PROD),
        one_t, t);
    LLVMBuildStore(L->b, init, acc_slot);
    Counted c;
    LLVMValueRef k;
    loop_open(L, &c, i64c(L, 0), len, &k);
    LLVMValueRef acc = LLVMBuildLoad2(L->b, l_type(L, t), acc_slot, "");
    LLVMValueRef x = elem_at(L, a, et, k, t);
    if (n->op == KIR_DOT) {
        x = l_binary(L, KIR_MUL, t, x, elem_at(L, b, bt, k, t));
    }
    KirOp op = n->op == KIR_PROD ? KIR_MUL : KIR_ADD;
    LLVMBuildStore(L->b, l_binary(L, op, t, acc, x), acc_slot);
    loop_close(L, &c, k);
    LLVMValueRef r = LLVMBuildLoad2(L->b, l_type(L, t), acc_slot, "");
    if (n->op == KIR_MEAN) {
        UfType part = uf_kind_is_complex(t.kind)
                          ? uf_type_scalar(t.kind == UF_C8 ? UF_F4 : UF_F8)
                          : t;
        LLVMValueRef cnt = l_convert(L, len, uf_type_scalar(UF_I8), part);
        r = l_binary(L, KIR_DIV, t, r, l_convert(L, cnt, part, t));
    }
    return l_convert(L, r, t, uf_type_concrete(n->type));
}

static LLVMValueRef lower_reduce(Lower *L, const KirNode *n)
{
    LLVMValueRef a = l_expr(L, n->kids[0]);
    LLVMValueRef b = NULL;
    if (a == NULL ||
        (n->op == KIR_DOT && (b = l_expr(L, n->kids[1])) == NULL)) {
        return NULL;
    }
    UfType et = elem_type(n->kids[0]->type);
    if (n->op == KIR_AMIN || n->op == KIR_AMAX) {
        return lower_min_max(L, n, a, et);
    }
    UfType bt = n->op == KIR_DOT ? elem_type(n->kids[1]->type) : et;
    return lower_fold(L, n, a, et, b, bt);
}

/* ---- new arrays ------------------------------------------------------------
 */

/* |a| * |b| (both >= 0) with an overflow bit ORed into *ovf. */
static LLVMValueRef mul_checked(Lower *L, LLVMValueRef a, LLVMValueRef b,
                                LLVMValueRef *ovf)
{
    LLVMTypeRef i64 = i64_type(L);
    LLVMValueRef args[2] = {a, b};
    LLVMValueRef r =
        l_intrinsic(L, "llvm.smul.with.overflow", &i64, 1, args, 2);
    *ovf = LLVMBuildOr(L->b, *ovf, LLVMBuildExtractValue(L->b, r, 1, ""), "");
    return LLVMBuildExtractValue(L->b, r, 0, "");
}

/* Allocates |nbytes| of scratch; an allocation failure raises
 * MemoryError. */
static LLVMValueRef scratch_alloc(Lower *L, LLVMValueRef nbytes,
                                  LLVMValueRef too_big)
{
    LLVMTypeRef params[2] = {ptr_type(L), i64_type(L)};
    LLVMTypeRef fty;
    LLVMValueRef fn =
        runtime_fn(L, "uf_rt_scratch_alloc", ptr_type(L), params, 2, &fty);
    LLVMValueRef size = LLVMBuildSelect(L->b, too_big, i64c(L, -1), nbytes, "");
    LLVMValueRef args[2] = {L->scratch, size};
    LLVMValueRef p = LLVMBuildCall2(L->b, fty, fn, args, 2, "scratch");
    LLVMBasicBlockRef ok;
    l_branch_unlikely(L, LLVMBuildIsNull(L->b, p, ""), &ok);
    LLVMTypeRef i32 = LLVMInt32TypeInContext(L->ctx);
    l_raise_and_exit(L, LLVMConstInt(i32, UF_KFLAG_ERROR | UF_KFLAG_NOMEM, 0));
    LLVMPositionBuilderAtEnd(L->b, ok);
    return p;
}

/* Stores |fill| into each of the |count| contiguous elements at |p|. */
static void fill_elems(Lower *L, UfType et, LLVMValueRef p, LLVMValueRef count,
                       LLVMValueRef fill)
{
    Counted c;
    LLVMValueRef k;
    loop_open(L, &c, i64c(L, 0), count, &k);
    LLVMValueRef q =
        LLVMBuildInBoundsGEP2(L->b, l_mem_type(L, et), p, &k, 1, "");
    store_elem(L, et, q, fill);
    loop_close(L, &c, k);
}

/* The extents of a new array's shape, kids |first| on, into |ext|:
 * integer extents (a negative one raises ValueError), or one array's
 * shape.  Returns 0, or -1. */
static int new_extents(Lower *L, const KirNode *n, int first, int ndim,
                       LLVMValueRef *ext)
{
    const KirNode *src = n->kids[first];
    if (src->type.ndim > 0) {
        LLVMValueRef a = l_expr(L, src);
        for (int d = 0; a != NULL && d < ndim; d++) {
            ext[d] = extent_of(L, a, d);
        }
        return a != NULL ? 0 : -1;
    }
    for (int d = 0; d < ndim; d++) {
        if ((ext[d] = index_value(L, n->kids[first + d])) == NULL) {
            return -1;
        }
        value_error_if(L, n,
                       LLVMBuildICmp(L->b, LLVMIntSLT, ext[d], i64c(L, 0), ""),
                       UF_VALERR_NEGATIVE_DIM, ext[d], ext[d]);
    }
    return 0;
}

/* (array T fill shape...), (arraylike src fill shape...): C order */
static LLVMValueRef lower_newarray(Lower *L, const KirNode *n)
{
    UfType et = elem_type(n->type);
    int ndim = n->type.ndim, fill_kid = n->op == KIR_ARRAYLIKE;
    LLVMValueRef ext[UF_MAXNDIM], str[UF_MAXNDIM];
    if (new_extents(L, n, fill_kid + 1, ndim, ext) < 0) {
        return NULL;
    }
    LLVMValueRef ovf = LLVMConstInt(LLVMInt1TypeInContext(L->ctx), 0, 0);
    long long item = uf_kind_itemsize((UfKind)et.kind);
    LLVMValueRef nbytes = i64c(L, item);
    for (int d = ndim - 1; d >= 0; d--) {
        str[d] = nbytes;
        nbytes = mul_checked(L, nbytes, ext[d], &ovf);
    }
    LLVMValueRef p = scratch_alloc(L, nbytes, ovf);
    const KirNode *fill = n->kids[fill_kid];
    if (fill->op != KIR_NONE) {
        LLVMValueRef v = l_expr(L, fill);
        if (v == NULL) {
            return NULL;
        }
        LLVMValueRef count = LLVMBuildSDiv(L->b, nbytes, i64c(L, item), "");
        fill_elems(L, et, p, count,
                   l_convert(L, v, uf_type_concrete(fill->type), et));
    }
    return make_array(L, ndim, p, ext, str);
}

/* (astype src v), (ufcast loops which v arg...): v converted */
static LLVMValueRef lower_elemcast(Lower *L, const KirNode *n)
{
    const KirNode *value = n->kids[n->op == KIR_UFCAST ? 2 : 1];
    LLVMValueRef v = l_expr(L, value);
    return v == NULL ? NULL
                     : l_convert(L, v, uf_type_concrete(value->type), n->type);
}

/* ---- slice assignment -------------------------------------------------- */

/* Nested loops over |nd| axes of extents |ext|, walking |nptr| byte
 * pointers with their strides; |elem| is called with the element
 * pointers inside the innermost loop. */
typedef struct Walk {
    int nd, nptr;
    LLVMValueRef ext[UF_MAXNDIM];
    LLVMValueRef str[2][UF_MAXNDIM];
    UfType et[2];       /* element types: [0] written, [1] read */
    LLVMValueRef value; /* a fill (nptr 1), converted to et[0] */
} Walk;

static void walk_elem(Lower *L, const Walk *w, LLVMValueRef *p)
{
    LLVMValueRef v = w->value;
    if (w->nptr == 2) {
        v = l_convert(L, load_elem(L, w->et[1], p[1]), w->et[1], w->et[0]);
    }
    store_elem(L, w->et[0], p[0], v);
}

static void walk_nest(Lower *L, const Walk *w, int d, LLVMValueRef *p)
{
    if (d == w->nd) {
        walk_elem(L, w, p);
        return;
    }
    Counted c;
    LLVMValueRef k, inner[2];
    loop_open(L, &c, i64c(L, 0), w->ext[d], &k);
    for (int i = 0; i < w->nptr; i++) {
        inner[i] = byte_gep(L, p[i], LLVMBuildMul(L->b, k, w->str[i][d], ""));
    }
    walk_nest(L, w, d + 1, inner);
    loop_close(L, &c, k);
}

/* The byte range [lo, hi) that |nd| axes from |data| cover, as integers. */
static void byte_range(Lower *L, LLVMValueRef data, int nd, LLVMValueRef *ext,
                       LLVMValueRef *str, UfType et, LLVMValueRef *lo,
                       LLVMValueRef *hi)
{
    LLVMBuilderRef b = L->b;
    *lo = LLVMBuildPtrToInt(b, data, i64_type(L), "");
    *hi = LLVMBuildAdd(b, *lo, i64c(L, uf_kind_itemsize((UfKind)et.kind)), "");
    for (int d = 0; d < nd; d++) {
        LLVMValueRef span = LLVMBuildMul(
            b, LLVMBuildSub(b, ext[d], i64c(L, 1), ""), str[d], "");
        LLVMValueRef neg = LLVMBuildICmp(b, LLVMIntSLT, span, i64c(L, 0), "");
        *lo = LLVMBuildAdd(b, *lo,
                           LLVMBuildSelect(b, neg, span, i64c(L, 0), ""), "");
        *hi = LLVMBuildAdd(b, *hi,
                           LLVMBuildSelect(b, neg, i64c(L, 0), span, ""), "");
    }
}

/* Copies |src| (a walk of nptr 2 with the source in slot 1) into a new
 * C-ordered scratch block and points slot 1 at it; returns the block. */
static LLVMValueRef copy_to_temp(Lower *L, Walk *w, LLVMValueRef src)
{
    int item = uf_kind_itemsize((UfKind)w->et[1].kind);
    LLVMValueRef ovf = LLVMConstInt(LLVMInt1TypeInContext(L->ctx), 0, 0);
    LLVMValueRef nbytes = i64c(L, item), cstr[UF_MAXNDIM];
    for (int d = w->nd - 1; d >= 0; d--) {
        cstr[d] = nbytes;
        nbytes = mul_checked(L, nbytes, w->ext[d], &ovf);
    }
    LLVMValueRef tmp = scratch_alloc(L, nbytes, ovf);
    Walk c = *w;
    c.et[0] = w->et[1];
    memcpy(c.str[0], cstr, sizeof cstr);
    memcpy(c.str[1], w->str[1], sizeof cstr);
    LLVMValueRef p[2] = {tmp, src};
    walk_nest(L, &c, 0, p);
    memcpy(w->str[1], cstr, sizeof cstr);
    return tmp;
}

/* Frees the temporary copy made last. */
static void pop_temp(Lower *L)
{
    LLVMTypeRef param = ptr_type(L), fty;
    LLVMValueRef fn = runtime_fn(
        L, "uf_rt_scratch_pop", LLVMVoidTypeInContext(L->ctx), &param, 1, &fty);
    LLVMBuildCall2(L->b, fty, fn, &L->scratch, 1, "");
}

/* Broadcasts the array |v| (rank <= w->nd) to the walk's extents: an
 * axis of extent 1 repeats (stride 0), any other extent must match,
 * else ValueError. */
static void broadcast_source(Lower *L, const KirNode *n, Walk *w,
                             LLVMValueRef v, int vnd)
{
    for (int d = 0; d < w->nd; d++) {
        int j = d - (w->nd - vnd);
        if (j < 0) {
            w->str[1][d] = i64c(L, 0);
            continue;
        }
        LLVMValueRef e = extent_of(L, v, j);
        LLVMValueRef one = LLVMBuildICmp(L->b, LLVMIntEQ, e, i64c(L, 1), "");
        LLVMValueRef bad =
            LLVMBuildAnd(L->b, LLVMBuildNot(L->b, one, ""),
                         LLVMBuildICmp(L->b, LLVMIntNE, e, w->ext[d], ""), "");
        value_error_if(L, n, bad, UF_VALERR_BROADCAST, e, w->ext[d]);
        w->str[1][d] =
            LLVMBuildSelect(L->b, one, i64c(L, 0), stride_of(L, v, j), "");
    }
}

/* dst[...] = v for the array |v|: through a temporary copy when the two
 * overlap in memory (a[1:] = a[:-1]), as NumPy does. */
static void assign_array(Lower *L, const KirNode *n, Walk *w, LLVMValueRef dst,
                         LLVMValueRef v, UfType vt)
{
    w->nptr = 2;
    w->et[1] = elem_type(vt);
    broadcast_source(L, n, w, v, vt.ndim);
    LLVMValueRef dlo, dhi, slo, shi, src = data_of(L, v);
    byte_range(L, dst, w->nd, w->ext, w->str[0], w->et[0], &dlo, &dhi);
    byte_range(L, src, w->nd, w->ext, w->str[1], w->et[1], &slo, &shi);
    LLVMValueRef overlap =
        LLVMBuildAnd(L->b, LLVMBuildICmp(L->b, LLVMIntULT, dlo, shi, ""),
                     LLVMBuildICmp(L->b, LLVMIntULT, slo, dhi, ""), "");
    LLVMBasicBlockRef direct = l_block(L, "assign.direct");
    LLVMBasicBlockRef via = l_block(L, "assign.temp");
    LLVMBasicBlockRef done = l_block(L, "assign.done");
    LLVMBuildCondBr(L->b, overlap, via, direct);
    LLVMPositionBuilderAtEnd(L->b, via);
    Walk t = *w;
    LLVMValueRef tp[2] = {dst, copy_to_temp(L, &t, src)};
    walk_nest(L, &t, 0, tp);
    pop_temp(L);
    LLVMBuildBr(L->b, done);
    LLVMPositionBuilderAtEnd(L->b, direct);
    LLVMValueRef p[2] = {dst, src};
    walk_nest(L, w, 0, p);
    LLVMBuildBr(L->b, done);
    LLVMPositionBuilderAtEnd(L->b, done);
}

/* (store a ... v) into a view of |kept| axes: fill or copy. */
static int store_view(Lower *L, const KirNode *n, UfType et, LLVMValueRef p,
                      int kept, LLVMValueRef *ext, LLVMValueRef *str)
{
    const KirNode *value = n->kids[n->nkids - 1];
    LLVMValueRef v = l_expr(L, value);
    if (v == NULL) {
        return -1;
    }
    Walk w = {.nd = kept, .nptr = 1, .et = {et, et}};
    memcpy(w.ext, ext, (size_t)kept * sizeof *ext);
    memcpy(w.str[0], str, (size_t)kept * sizeof *str);
    if (value->type.ndim > 0) {
        assign_array(L, n, &w, p, v, value->type);
        return 0;
    }
    w.value = l_convert(L, v, uf_type_concrete(value->type), et);
    walk_nest(L, &w, 0, &p);
    return 0;
}

int l_array_store(Lower *L, const KirNode *n)
{
    const KirNode *target = n->kids[0];
    UfType at = L->k->vars[target->u.var].type;
    LLVMValueRef a = l_expr(L, target);
    if (a == NULL) {
        return -1;
    }
    LLVMValueRef ext[UF_MAXNDIM], str[UF_MAXNDIM];
    int kept;
    LLVMValueRef p =
        index_into(L, n, a, at.ndim, n->nkids - 2, &kept, ext, str);
    if (p == NULL) {
        return -1;
    }
    UfType et = elem_type(at);
    if (kept > 0) {
        return store_view(L, n, et, p, kept, ext, str);
    }
    const KirNode *value = n->kids[n->nkids - 1];
    LLVMValueRef v = l_expr(L, value);
    if (v == NULL) {
        return -1;
    }
    store_elem(L, et, p, l_convert(L, v, uf_type_concrete(value->type), et));
    return 0;
}

bool l_makes_arrays(const KirNode *n)
{
    if (n->op == KIR_NEWARRAY || n->op == KIR_ARRAYLIKE) {
        return true;
    }
    if (n->op == KIR_STORE && n->kids[n->nkids - 1]->type.ndim > 0) {
        return true; /* a copy between overlapping arrays takes scratch */
    }
    for (int i = 0; i < n->nkids; i++) {
        if (l_makes_arrays(n->kids[i])) {
            return true;
        }
    }
    return false;
}

LLVMValueRef l_array_expr(Lower *L, const KirNode *n)
{
    switch (n->op) {
    case KIR_LOAD:
        return lower_load(L, n);
    case KIR_SHAPE:
    case KIR_NDIM:
    case KIR_SIZE:
        return lower_shape(L, n);
    case KIR_NEWARRAY:
    case KIR_ARRAYLIKE:
        return lower_newarray(L, n);
    case KIR_ELEMCAST:
    case KIR_UFCAST:
        return lower_elemcast(L, n);
    default:
        return lower_reduce(L, n);
    }
}
