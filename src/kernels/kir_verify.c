/*
 * kir_verify.c -- the structural verifier.
 *
 * Two walks over the tree.  The first checks each node on its own (op,
 * operand counts and classes, variable indices, assignment targets, loop
 * nesting of break/continue, array operands, RETURN counts, strings only
 * in RAISE) and marks the variables some SET or FOR writes.  The second
 * reports locals that are read but never written.  Errors a text kernel
 * can have are UF_ERR_SYNTAX; trees no parser can build (NULL children,
 * indices out of range) are UF_ERR_INTERNAL.
 */
#include "kernels.h"

#include <stdio.h>
#include <string.h>

typedef struct Verifier {
    const KirKernel *k;
    UfError *err;
    bool *assigned; /* per variable: written by some SET or FOR */
    int nreturn;    /* values of the first RETURN; -1 before one */
    int loops;      /* enclosing WHILE / FOR bodies */
} Verifier;

/* ---- descriptions for messages ------------------------------------------ */

static const char *var_name(const KirKernel *k, int32_t var)
{
    return (var >= 0 && var < k->nvars) ? k->vars[var].name : "?";
}

static const char *op_name(const KirNode *n)
{
    if (n->op == KIR_CALL) {
        return (n->u.fn >= 0 && n->u.fn < KIR_NFNS) ? kir_fn_info[n->u.fn].name
                                                    : "call";
    }
    return kir_op_info[n->op].text;
}

/* "'+'", "variable 'x'", "a literal" into buf. */
static const char *describe(const KirKernel *k, const KirNode *n, char *buf,
                            size_t size)
{
    if (n->op == KIR_VAR) {
        snprintf(buf, size, "variable '%s'", var_name(k, n->u.var));
    } else if (kir_op_info[n->op].cls == KIR_CLASS_ATOM) {
        snprintf(buf, size, "a literal");
    } else {
        snprintf(buf, size, "'%s'", op_name(n));
    }
    return buf;
}

/* ---- one node ----------------------------------------------------------- */

/* The class the |i|th child of |op| must have (EXPR admits ATOM). */
static KirClass kid_class(KirOp op, int32_t i)
{
    switch (op) {
    case KIR_BLOCK:
        return KIR_CLASS_STMT;
    case KIR_IF:
        return i == 0 ? KIR_CLASS_EXPR : KIR_CLASS_BLOCK;
    case KIR_WHILE:
        return i == 1 ? KIR_CLASS_BLOCK : KIR_CLASS_EXPR;
    case KIR_FOR:
        return i == 3 ? KIR_CLASS_BLOCK : KIR_CLASS_EXPR;
    default:
        return KIR_CLASS_EXPR;
    }
}

/* Whether the |i|th child of |op| is a loop body. */
static bool is_loop_body(KirOp op, int32_t i)
{
    return (op == KIR_WHILE && i == 1) || (op == KIR_FOR && i == 3);
}

/* The least and most children |n| may have (most -1: no limit). */
static void count_range(const KirNode *n, int *least, int *most)
{
    switch ((KirOp)n->op) {
    case KIR_CALL:
        *least = *most = kir_fn_info[n->u.fn].arity;
        break;
    case KIR_LOAD:
        *least = 2, *most = -1;
        break;
    case KIR_STORE:
        *least = 2, *most = -1;
        break;
    case KIR_NEWARRAY:
        *least = 2, *most = 1 + UF_MAXNDIM;
        break;
    case KIR_ARRAYLIKE:
        *least = 3, *most = 2 + UF_MAXNDIM;
        break;
    case KIR_UFCAST:
        *least = 4, *most = 3 + UF_MAXARGS;
        break;
    case KIR_IF:
        *least = 2, *most = 3;
        break;
    case KIR_RETURN:
    case KIR_BLOCK:
        *least = 0, *most = -1;
        break;
    default:
        *least = *most = kir_op_info[n->op].nkids;
        break;
    }
}

/* op in range, a kids array, a known function, a count in range. */
static int check_shape(Verifier *v, const KirNode *n)
{
    if (n->op >= KIR_NOPS) {
        return uf_error(v->err, UF_ERR_INTERNAL, n->loc, "unknown op %d",
                        n->op);
    }
    if (n->nkids < 0 || (n->nkids > 0 && n->kids == NULL)) {
        return uf_error(v->err, UF_ERR_INTERNAL, n->loc,
                        "'%s' has no operand array", op_name(n));
    }
    if (n->op == KIR_CALL && (n->u.fn < 0 || n->u.fn >= KIR_NFNS)) {
        return uf_error(v->err, UF_ERR_INTERNAL, n->loc, "unknown function %d",
                        (int)n->u.fn);
    }
    int least, most;
    count_range(n, &least, &most);
    if (n->nkids >= least && (most < 0 || n->nkids <= most)) {
        return 0;
    }
    if (most < 0) {
        return uf_error(v->err, UF_ERR_SYNTAX, n->loc,
                        "'%s' takes at least %d operands, found %d", op_name(n),
                        least, (int)n->nkids);
    }
    if (least != most) {
        return uf_error(v->err, UF_ERR_SYNTAX, n->loc,
                        "'%s' takes %d %s %d operands, found %d", op_name(n),
                        least, most == least + 1 ? "or" : "to", most,
                        (int)n->nkids);
    }
    return uf_error(v->err, UF_ERR_SYNTAX, n->loc,
                    "'%s' takes %d operand%s, found %d", op_name(n), least,
                    least == 1 ? "" : "s", (int)n->nkids);
}

/* Each child present and of the class its position asks for. */
static int check_kid_classes(Verifier *v, const KirNode *n)
{
    static const char *const names[] = {"an expression", "an expression",
                                        "a statement", "a block"};
    for (int32_t i = 0; i < n->nkids; i++) {
        const KirNode *kid = n->kids[i];
        if (kid == NULL || kid->op >= KIR_NOPS) {
            return uf_error(v->err, UF_ERR_INTERNAL, n->loc,
                            "operand %d of '%s' is missing or invalid",
                            (int)i + 1, op_name(n));
        }
        KirClass want = kid_class((KirOp)n->op, i);
        KirClass cls = kir_op_info[kid->op].cls;
        bool ok =
            cls == want || (want == KIR_CLASS_EXPR && cls == KIR_CLASS_ATOM);
        if (!ok) {
            char buf[96];
            return uf_error(v->err, UF_ERR_SYNTAX, kid->loc,
                            "expected %s, found %s", names[want],
                            describe(v->k, kid, buf, sizeof buf));
        }
    }
    return 0;
}

/* VAR, SET and FOR: an index in range; SET and FOR write a local. */
static int check_var(Verifier *v, const KirNode *n)
{
    int32_t var = n->u.var;
    if (var < 0 || var >= v->k->nvars) {
        return uf_error(v->err, UF_ERR_INTERNAL, n->loc,
                        "variable index %d out of range", (int)var);
    }
    if (n->op == KIR_VAR) {
        return 0;
    }
    if (v->k->vars[var].is_arg) {
        return uf_error(v->err, UF_ERR_SYNTAX, n->loc,
                        "cannot assign to argument '%s'", v->k->vars[var].name);
    }
    v->assigned[var] = true;
    return 0;
}

/* STORE writes into a named array (an argument or a local view). */
static int check_store_target(Verifier *v, const KirNode *n)
{
    const KirNode *a = n->kids[0];
    if (a->op != KIR_VAR) {
        char buf[96];
        return uf_error(v->err, UF_ERR_SYNTAX, a->loc,
                        "'store' needs an array variable, found %s",
                        describe(v->k, a, buf, sizeof buf));
    }
    UF_TRY(check_var(v, a));
    const KirVar *var = &v->k->vars[a->u.var];
    if (var->type.kind != UF_VOID && var->type.ndim == 0) {
        return uf_error(v->err, UF_ERR_SYNTAX, a->loc,
                        "'store' needs an array, '%s' is a scalar", var->name);
    }
    return 0;
}

/* (shape ARR AXIS): AXIS is an INT literal. */
static int check_shape_axis(Verifier *v, const KirNode *n)
{
    const KirNode *axis = n->kids[1];
    if (axis->op != KIR_INT) {
        return uf_error(v->err, UF_ERR_SYNTAX, axis->loc,
                        "'shape' axis must be an integer literal");
    }
    return 0;
}

/* (array TYPE FILL EXTENT [EXTENT]): a scalar element type. */
static int check_newarray(Verifier *v, const KirNode *n)
{
    if (n->u.to.kind == UF_VOID || n->u.to.kind >= UF_NKINDS ||
        n->u.to.ndim != 0) {
        return uf_error(v->err, UF_ERR_SYNTAX, n->loc,
                        "'array' needs a scalar element type");
    }
    return 0;
}

/* SLICE only as an index of LOAD; None only as a SLICE bound or as the
 * fill of a new array; a string only as an operand of RAISE. */
static int check_placement(Verifier *v, const KirNode *n, int32_t i)
{
    const KirNode *kid = n->kids[i];
    if (n->op == KIR_UFCAST && i == 0) {
        return kid->op == KIR_STR
                   ? 0
                   : uf_error(v->err, UF_ERR_SYNTAX, kid->loc,
                              "'ufcast' starts with a string of loops");
    }
    if ((kid->op == KIR_STR) != (n->op == KIR_RAISE)) {
        return uf_error(v->err, UF_ERR_SYNTAX, kid->loc,
                        kid->op == KIR_STR
                            ? "a string is only allowed as an operand of "
                              "'raise'"
                            : "'raise' takes two strings: the exception and "
                              "the message");
    }
    bool slice_ok = (n->op == KIR_LOAD && i >= 1) ||
                    (n->op == KIR_STORE && i >= 1 && i < n->nkids - 1);
    bool none_ok = n->op == KIR_SLICE || (n->op == KIR_NEWARRAY && i == 0) ||
                   (n->op == KIR_ARRAYLIKE && i == 1);
    if ((kid->op == KIR_SLICE && !slice_ok) ||
        (kid->op == KIR_NONE && !none_ok)) {
        return uf_error(
            v->err, UF_ERR_SYNTAX, kid->loc, "'%s' is only allowed %s",
            kid->op == KIR_SLICE ? "slice" : "None",
            kid->op == KIR_SLICE ? "as an index of 'load' or 'store'"
                                 : "as a slice bound or a new array's fill");
    }
    return 0;
}

/* (constarray KIND (SHAPE) ...): 1 to UF_MAXNDIM extents, a real kind. */
static int check_const_array(Verifier *v, const KirNode *n)
{
    const KirConstArray *c = n->u.carr;
    if (c == NULL || c->ndim < 1 || c->ndim > UF_MAXNDIM ||
        c->kind == UF_VOID || c->kind >= UF_NKINDS ||
        uf_kind_is_complex((UfKind)c->kind)) {
        return uf_error(v->err, UF_ERR_INTERNAL, n->loc,
                        "malformed constant array");
    }
    return 0;
}

/* Every RETURN has as many values as the first one. */
static int check_return(Verifier *v, const KirNode *n)
{
    if (v->nreturn < 0) {
        v->nreturn = n->nkids;
        return 0;
    }
    if (n->nkids == v->nreturn) {
        return 0;
    }
    return uf_error(v->err, UF_ERR_SYNTAX, n->loc,
                    "'return' with %d value%s, but an earlier 'return' "
                    "has %d",
                    (int)n->nkids, n->nkids == 1 ? "" : "s", v->nreturn);
}

/* The checks particular to |n|'s op. */
static int check_op(Verifier *v, const KirNode *n)
{
    switch ((KirOp)n->op) {
    case KIR_VAR:
    case KIR_SET:
    case KIR_FOR:
        return check_var(v, n);
    case KIR_BOOL:
        if (n->u.ival != 0 && n->u.ival != 1) {
            return uf_error(v->err, UF_ERR_INTERNAL, n->loc,
                            "bool literal holds %lld", (long long)n->u.ival);
        }
        return 0;
    case KIR_CAST:
        if (n->u.to.kind == UF_VOID || n->u.to.kind >= UF_NKINDS) {
            return uf_error(v->err, UF_ERR_SYNTAX, n->loc,
                            "'cast' needs a scalar or array type");
        }
        return 0;
    case KIR_STORE:
        return check_store_target(v, n);
    case KIR_SHAPE:
        return check_shape_axis(v, n);
    case KIR_NEWARRAY:
        return check_newarray(v, n);
    case KIR_BREAK:
    case KIR_CONTINUE:
        if (v->loops == 0) {
            return uf_error(v->err, UF_ERR_SYNTAX, n->loc,
                            "'%s' outside a loop", op_name(n));
        }
        return 0;
    case KIR_RETURN:
        return check_return(v, n);
    case KIR_CONSTARRAY:
        return check_const_array(v, n);
    case KIR_STR:
        if (n->u.str == NULL) {
            return uf_error(v->err, UF_ERR_INTERNAL, n->loc,
                            "string literal without text");
        }
        return 0;
    default:
        return 0;
    }
}

/* Checks |n| and everything under it. */
static int check_node(Verifier *v, const KirNode *n)
{
    UF_TRY(check_shape(v, n));
    UF_TRY(check_kid_classes(v, n));
    UF_TRY(check_op(v, n));
    for (int32_t i = 0; i < n->nkids; i++) {
        UF_TRY(check_placement(v, n, i));
        bool body = is_loop_body((KirOp)n->op, i);
        v->loops += body;
        UF_TRY(check_node(v, n->kids[i]));
        v->loops -= body;
    }
    return 0;
}

/* ---- reads of locals ---------------------------------------------------- */

/* Every local read under |n| is written somewhere (after check_node). */
static int check_reads(Verifier *v, const KirNode *n)
{
    if (n->op == KIR_VAR && !v->k->vars[n->u.var].is_arg &&
        !v->assigned[n->u.var]) {
        return uf_error(v->err, UF_ERR_SYNTAX, n->loc,
                        "local '%s' is read but never assigned",
                        v->k->vars[n->u.var].name);
    }
    for (int32_t i = 0; i < n->nkids; i++) {
        UF_TRY(check_reads(v, n->kids[i]));
    }
    return 0;
}

/* ---- the kernel --------------------------------------------------------- */

/* Arguments first, locals after, a BLOCK body. */
static int check_kernel(const KirKernel *k, UfError *err)
{
    if (k->nargs < 0 || k->nargs > k->nvars ||
        (k->nvars > 0 && k->vars == NULL)) {
        return uf_error(err, UF_ERR_INTERNAL, k->loc,
                        "kernel has %d arguments of %d variables",
                        (int)k->nargs, (int)k->nvars);
    }
    for (int32_t i = 0; i < k->nvars; i++) {
        if (k->vars[i].is_arg != (i < k->nargs)) {
            return uf_error(err, UF_ERR_INTERNAL, k->loc,
                            "variable '%s' is out of order (arguments "
                            "come first)",
                            k->vars[i].name);
        }
    }
    if (k->body == NULL || k->body->op != KIR_BLOCK) {
        return uf_error(err, UF_ERR_INTERNAL, k->loc,
                        "kernel body is not a block");
    }
    return 0;
}

/* 0 when |k| is well formed; -1 with the first problem in |err| (at the
 * node's location), or UF_ERR_MEMORY.  |k| is not changed. */
int kir_verify(const KirKernel *k, UfError *err)
{
    UF_TRY(check_kernel(k, err));
    Verifier v = {k, err, NULL, -1, 0};
    v.assigned = uf_calloc(k->nvars > 0 ? (size_t)k->nvars : 1, 1);
    if (v.assigned == NULL) {
        return uf_error_nomem(err);
    }
    int rc = check_node(&v, k->body);
    if (rc == 0) {
        rc = check_reads(&v, k->body);
    }
    uf_free(v.assigned);
    return rc;
}
