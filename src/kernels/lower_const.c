/*
 * lower_const.c -- statements and values made of constant data: the
 * RAISE statement, whose exception key and message become private
 * constant strings handed to uf_rt_raise (no Python object is touched
 * in generated code: the extension maps the key to a class when the
 * loop reports the error).
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
