/*
 * lower_const.c -- statements and values made of constant data: the
 * RAISE statement, whose exception key and message become private
 * constant strings handed to uf_rt_raise (no Python object is touched
 * in generated code: the extension maps the key to a class when the
 * loop reports the error), and CONSTARRAY, a frozen array embedded as a
 * private constant global.
 */
#include "lower.h"

#include <string.h>

/* A private constant C string holding |text| (its own global). */
static LLVMValueRef const_cstring(Lower *L, const char *text, const char *name)
{
    size_t len = strlen(text);
    LLVMTypeRef t = LLVMArrayType2(LLVMInt8TypeInContext(L->ctx), len + 1);
    LLVMValueRef g = LLVMAddGlobal(L->mod, t, name);
    LLVMSetInitializer(g, LLVMConstStringInContext2(L->ctx, text, len, 0));
    LLVMSetGlobalConstant(g, 1);
    LLVMSetLinkage(g, LLVMPrivateLinkage);
    LLVMSetUnnamedAddress(g, LLVMGlobalUnnamedAddr);
    return g;
}

/* The kernel's name as a C string, shared with lower_array.c's errors
 * through L->kname. */
static LLVMValueRef kernel_cname(Lower *L)
{
    if (L->kname == NULL) {
        L->kname = const_cstring(L, L->k->name, "uf.kernel.name");
    }
    return L->kname;
}

/* (raise EXC MSG): uf_rt_raise(kernel, line, EXC, MSG) formats the
 * message; its flags end the kernel.  The statement ends the block. */
int l_raise(Lower *L, const KirNode *n)
{
    LLVMTypeRef ptr = LLVMPointerTypeInContext(L->ctx, 0);
    LLVMTypeRef i32 = LLVMInt32TypeInContext(L->ctx);
    LLVMTypeRef params[4] = {ptr, i32, ptr, ptr};
    LLVMTypeRef fty = LLVMFunctionType(i32, params, 4, 0);
    LLVMValueRef fn = LLVMGetNamedFunction(L->mod, "uf_rt_raise");
    if (fn == NULL) {
        fn = LLVMAddFunction(L->mod, "uf_rt_raise", fty);
        /* cold: branches to a raise are laid out as unlikely */
        unsigned cold = LLVMGetEnumAttributeKindForName("cold", 4);
        LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
                                LLVMCreateEnumAttribute(L->ctx, cold, 0));
    }
    LLVMValueRef args[4] = {
        kernel_cname(L), LLVMConstInt(i32, (unsigned)n->loc.line, 0),
        const_cstring(L, n->kids[0]->u.str, "uf.raise.exc"),
        const_cstring(L, n->kids[1]->u.str, "uf.raise.msg")};
    l_raise_and_exit(L, LLVMBuildCall2(L->b, fty, fn, args, 4, ""));
    LLVMPositionBuilderAtEnd(L->b, l_block(L, "dead"));
    return 0;
}

/* (constarray KIND (SHAPE) ...): the bytes as a private constant global
 * (LLVM folds loads from it at constant indices), and the array value
 * {data, shape, C-order strides} as a constant. */
LLVMValueRef l_constarray(Lower *L, const KirNode *n)
{
    const KirConstArray *c = n->u.carr;
    LLVMTypeRef i64 = LLVMInt64TypeInContext(L->ctx);
    int64_t item = uf_kind_itemsize((UfKind)c->kind), count = 1;
    LLVMValueRef ext[UF_MAXNDIM], str[UF_MAXNDIM];
    for (int d = c->ndim - 1; d >= 0; d--) {
        ext[d] = LLVMConstInt(i64, (unsigned long long)c->shape[d], 0);
        str[d] = LLVMConstInt(i64, (unsigned long long)(item * count), 0);
        count *= c->shape[d];
    }
    size_t nbytes = (size_t)(count * item);
    LLVMValueRef init =
        LLVMConstStringInContext2(L->ctx, nbytes > 0 ? c->data : "", nbytes, 1);
    LLVMValueRef g = LLVMAddGlobal(L->mod, LLVMTypeOf(init), "uf.const");
    LLVMSetInitializer(g, init);
    LLVMSetGlobalConstant(g, 1);
    LLVMSetLinkage(g, LLVMPrivateLinkage);
    LLVMSetUnnamedAddress(g, LLVMGlobalUnnamedAddr);
    LLVMSetAlignment(g, 16);
    LLVMValueRef fields[3] = {g, LLVMConstArray2(i64, ext, (uint64_t)c->ndim),
                              LLVMConstArray2(i64, str, (uint64_t)c->ndim)};
    return LLVMConstStructInContext(L->ctx, fields, 3, 0);
}
