/*
 * test_kir.c -- kir tables, arena, kernels, printer, parser and verifier.
 *
 * Most cases are kir text: parse it, print it, compare.  The round trip
 * print(parse(print(k))) == print(k) is checked for every flag setting,
 * and with locations the trees themselves are compared.
 */
#include "testutil.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ------------------------------------------------------------ */

static KirKernel *parse_ok(const char *text)
{
    UfError err;
    uf_error_clear(&err);
    KirKernel *k = kir_parse(text, &err);
    if (k == NULL) {
        fprintf(stderr, "\nparse failed at %d:%d-%d: %s\n%s\n",
                (int)err.loc.line, (int)err.loc.col, (int)err.loc.end_col,
                err.msg, text);
    }
    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    CU_ASSERT_EQUAL(err.kind, UF_ERR_NONE);
    return k;
}

static void check_text(const char *got, const char *want)
{
    CU_ASSERT_PTR_NOT_NULL_FATAL(got);
    if (strcmp(got, want) != 0) {
        fprintf(stderr, "\n--- got:\n%s\n--- want:\n%s\n", got, want);
    }
    CU_ASSERT_STRING_EQUAL(got, want);
}

static void check_print(const KirKernel *k, int flags, const char *want)
{
    char *s = kir_print(k, flags);
    check_text(s, want);
    free(s);
}

static bool type_same(UfType a, UfType b)
{
    return a.kind == b.kind && a.ndim == b.ndim && a.layout == b.layout &&
           a.flags == b.flags;
}

static bool loc_same(UfLoc a, UfLoc b)
{
    return a.line == b.line && a.col == b.col && a.end_col == b.end_col;
}

static bool payload_same(const KirKernel *ka, const KirNode *a,
                         const KirKernel *kb, const KirNode *b)
{
    switch ((KirOp)a->op) {
    case KIR_INT:
    case KIR_BOOL:
        return a->u.ival == b->u.ival;
    case KIR_FLOAT:
    case KIR_IMAG:
        return (isnan(a->u.fval) && isnan(b->u.fval)) ||
               memcmp(&a->u.fval, &b->u.fval, sizeof(double)) == 0;
    case KIR_VAR:
    case KIR_SET:
    case KIR_FOR:
        return strcmp(ka->vars[a->u.var].name, kb->vars[b->u.var].name) == 0;
    case KIR_CALL:
        return a->u.fn == b->u.fn;
    case KIR_CAST:
        return type_same(a->u.to, b->u.to);
    default:
        return true;
    }
}

/* Same trees: ops and payloads; the concrete types when |flags| print
 * types, the locations when they print locations. */
static bool tree_same(const KirKernel *ka, const KirNode *a,
                      const KirKernel *kb, const KirNode *b, int flags)
{
    bool types = (flags & KIR_PRINT_TYPES) != 0;
    bool locs = (flags & KIR_PRINT_LOCS) != 0;
    if (a->op != b->op || a->nkids != b->nkids || !payload_same(ka, a, kb, b) ||
        (types && !type_same(uf_type_concrete(a->type), b->type)) ||
        (locs && !loc_same(a->loc, b->loc))) {
        return false;
    }
    for (int32_t i = 0; i < a->nkids; i++) {
        if (!tree_same(ka, a->kids[i], kb, b->kids[i], flags)) {
            return false;
        }
    }
    return true;
}

/* Same statements in the bodies (the body block itself is not printed). */
static bool bodies_same(const KirKernel *ka, const KirKernel *kb, int flags)
{
    if (ka->body->nkids != kb->body->nkids) {
        return false;
    }
    for (int32_t i = 0; i < ka->body->nkids; i++) {
        if (!tree_same(ka, ka->body->kids[i], kb, kb->body->kids[i], flags)) {
            return false;
        }
    }
    return true;
}

/* print(parse(print(k, flags)), flags) == print(k, flags), and the trees
 * agree in everything the flags print. */
static void check_reprint(const KirKernel *k, int flags)
{
    char *s1 = kir_print(k, flags);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s1);
    KirKernel *k2 = parse_ok(s1);
    char *s2 = kir_print(k2, flags);
    check_text(s2, s1);
    CU_ASSERT(bodies_same(k, k2, flags));
    free(s1);
    free(s2);
    kir_kernel_free(k2);
}

/* |text| is canonical: it prints back exactly, verifies, and survives the
 * round trip under every flag setting. */
static void check_round_trip(const char *text)
{
    KirKernel *k = parse_ok(text);
    check_print(k, 0, text);
    UfError err;
    uf_error_clear(&err);
    int rc = kir_verify(k, &err);
    if (rc != 0) {
        fprintf(stderr, "\nverify: %s\n%s\n", err.msg, text);
    }
    CU_ASSERT_EQUAL(rc, 0);
    for (int flags = 0; flags < 4; flags++) {
        check_reprint(k, flags);
    }
    kir_kernel_free(k);
}

static void check_error(const UfError *err, UfErrorKind kind, int line, int col,
                        const char *msg, const char *text)
{
    bool ok = err->kind == kind && err->loc.line == line &&
              err->loc.col == col && strstr(err->msg, msg) != NULL;
    if (!ok) {
        fprintf(stderr,
                "\n%s\n  got kind %d at %d:%d: %s\n  want kind %d at %d:%d: "
                "%s\n",
                text, err->kind, (int)err->loc.line, (int)err->loc.col,
                err->msg, kind, line, col, msg);
    }
    CU_ASSERT(ok);
}

typedef struct ErrCase {
    const char *text;
    int line;
    int col;
    const char *msg;
} ErrCase;

static void check_parse_error(const ErrCase *c)
{
    UfError err;
    uf_error_clear(&err);
    KirKernel *k = kir_parse(c->text, &err);
    CU_ASSERT_PTR_NULL(k);
    kir_kernel_free(k);
    check_error(&err, UF_ERR_SYNTAX, c->line, c->col, c->msg, c->text);
}

static void check_verify_error(const ErrCase *c)
{
    KirKernel *k = parse_ok(c->text);
    UfError err;
    uf_error_clear(&err);
    CU_ASSERT_EQUAL(kir_verify(k, &err), -1);
    check_error(&err, UF_ERR_SYNTAX, c->line, c->col, c->msg, c->text);
    kir_kernel_free(k);
}

/* A text builder for generated kernels. */
typedef struct Text {
    char s[16384];
    size_t len;
} Text;

static void add(Text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void add(Text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->s + t->len, sizeof t->s - t->len, fmt, ap);
    va_end(ap);
    CU_ASSERT_FATAL(n >= 0 && (size_t)n < sizeof t->s - t->len);
    t->len += (size_t)n;
}

static const UfLoc noloc = {0, 0, 0};

/* ---- tables ------------------------------------------------------------- */

static void test_op_table(void)
{
    for (int i = 0; i < KIR_NOPS; i++) {
        const char *text = kir_op_info[i].text;
        if (text[0] != '\0') {
            CU_ASSERT_EQUAL(kir_op_lookup(text, strlen(text)), i);
        } else {
            CU_ASSERT(kir_op_info[i].cls == KIR_CLASS_ATOM || i == KIR_CALL);
        }
    }
    CU_ASSERT_EQUAL(kir_op_lookup("", 0), -1);
    CU_ASSERT_EQUAL(kir_op_lookup("frob", 4), -1);
    CU_ASSERT_EQUAL(kir_op_lookup("+x", 1), KIR_ADD);
    CU_ASSERT_EQUAL(kir_op_lookup("//", 1), KIR_DIV);
    CU_ASSERT_EQUAL(kir_op_lookup("//", 2), KIR_FLOORDIV);
    CU_ASSERT_EQUAL(kir_op_lookup("exp", 3), -1);
    CU_ASSERT_EQUAL(kir_op_info[KIR_SELECT].nkids, 3);
    CU_ASSERT_EQUAL(kir_op_info[KIR_SELECT].cls, KIR_CLASS_EXPR);
    CU_ASSERT_EQUAL(kir_op_info[KIR_FOR].nkids, 4);
    CU_ASSERT_EQUAL(kir_op_info[KIR_FOR].cls, KIR_CLASS_STMT);
    CU_ASSERT_EQUAL(kir_op_info[KIR_BLOCK].cls, KIR_CLASS_BLOCK);
    CU_ASSERT_EQUAL(kir_op_info[KIR_CALL].nkids, -1);
    CU_ASSERT_STRING_EQUAL(kir_op_info[KIR_CONTINUE].text, "continue");
}

static void test_fn_table(void)
{
    for (int i = 0; i < KIR_NFNS; i++) {
        const char *name = kir_fn_info[i].name;
        CU_ASSERT_EQUAL(kir_fn_lookup(name, strlen(name)), i);
        CU_ASSERT(kir_fn_info[i].arity == 1 || kir_fn_info[i].arity == 2);
        CU_ASSERT_EQUAL(kir_op_lookup(name, strlen(name)), -1);
    }
    CU_ASSERT_EQUAL(kir_fn_lookup("", 0), -1);
    CU_ASSERT_EQUAL(kir_fn_lookup("expo", 4), -1);
    CU_ASSERT_EQUAL(kir_fn_lookup("exp2", 3), KIR_FN_EXP);
    CU_ASSERT_EQUAL(kir_fn_info[KIR_FN_ATAN2].arity, 2);
    CU_ASSERT_EQUAL(kir_fn_info[KIR_FN_ATAN2].rule, KIR_RULE_FLOAT);
    CU_ASSERT_STRING_EQUAL(kir_fn_info[KIR_FN_ATAN2].f8_sym, "atan2");
    CU_ASSERT_STRING_EQUAL(kir_fn_info[KIR_FN_ATAN2].f4_sym, "atan2f");
    CU_ASSERT_STRING_EQUAL(kir_fn_info[KIR_FN_EXP].c16_sym, "uf_rt_cexp");
    CU_ASSERT_EQUAL(kir_fn_info[KIR_FN_ISNAN].rule, KIR_RULE_PRED);
    CU_ASSERT_EQUAL(kir_fn_info[KIR_FN_MAX].rule, KIR_RULE_SAME);
    CU_ASSERT_EQUAL(kir_fn_info[KIR_FN_GCD].rule, KIR_RULE_SPECIAL);
    CU_ASSERT_STRING_EQUAL(kir_fn_info[KIR_FN_POWF].name, "pow");
}

/* ---- arena, kernels, nodes ---------------------------------------------- */

static void test_arena(void)
{
    KirArena *a = kir_arena_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    unsigned char *prev = NULL;
    for (size_t n = 1; n < 3000; n += 7) {
        unsigned char *p = kir_arena_alloc(a, n);
        CU_ASSERT_PTR_NOT_NULL_FATAL(p);
        CU_ASSERT_EQUAL((uintptr_t)p % 16, 0);
        CU_ASSERT(p != prev);
        size_t nonzero = 0;
        for (size_t i = 0; i < n; i++) {
            nonzero += p[i] != 0;
        }
        CU_ASSERT_EQUAL(nonzero, 0);
        memset(p, 0xAB, n);
        prev = p;
    }
    unsigned char *big = kir_arena_alloc(a, 1 << 20);
    CU_ASSERT_PTR_NOT_NULL_FATAL(big);
    CU_ASSERT_EQUAL((uintptr_t)big % 16, 0);
    CU_ASSERT_EQUAL(big[0] | big[(1 << 20) - 1], 0);
    memset(big, 0xCD, 1 << 20);
    CU_ASSERT_PTR_NOT_NULL(kir_arena_alloc(a, 0));
    char *s = kir_arena_strndup(a, "hello world", 5);
    CU_ASSERT_STRING_EQUAL(s, "hello");
    kir_arena_free(a);
    kir_arena_free(NULL);
}

static int arena_work(void *ud)
{
    (void)ud;
    KirArena *a = kir_arena_new();
    if (a == NULL) {
        return -1;
    }
    int rc = 0;
    for (int i = 0; i < 40 && rc == 0; i++) {
        rc = kir_arena_alloc(a, i % 10 == 9 ? 10000 : 500) ? 0 : -1;
    }
    kir_arena_free(a);
    return rc;
}

static void test_arena_alloc_failures(void)
{
    uf_test_alloc_sweep(arena_work, NULL);
}

static void test_kernel_vars(void)
{
    KirKernel *k = kir_kernel_new("scale_add", 5);
    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    CU_ASSERT_STRING_EQUAL(k->name, "scale");
    CU_ASSERT_PTR_NULL(k->body);
    CU_ASSERT_EQUAL(kir_kernel_add_var(k, "x", 1, true), 0);
    CU_ASSERT_EQUAL(kir_kernel_add_var(k, "yz", 1, true), 1);
    CU_ASSERT_EQUAL(kir_kernel_add_var(k, "x", 1, true), -1);
    CU_ASSERT_EQUAL(kir_kernel_add_var(k, "t", 1, false), 2);
    CU_ASSERT_EQUAL(kir_kernel_add_var(k, "w", 1, true), -1);
    CU_ASSERT_EQUAL(kir_kernel_add_var(k, "t", 1, false), -1);
    CU_ASSERT_EQUAL(k->nargs, 2);
    CU_ASSERT_EQUAL(k->nvars, 3);
    CU_ASSERT_STRING_EQUAL(k->vars[1].name, "y");
    CU_ASSERT(k->vars[1].is_arg);
    CU_ASSERT(!k->vars[2].is_arg);
    CU_ASSERT_EQUAL(k->vars[2].type.kind, UF_VOID);
    for (int i = 0; i < 100; i++) {
        char name[16];
        snprintf(name, sizeof name, "v%d", i);
        CU_ASSERT_EQUAL(kir_kernel_add_var(k, name, strlen(name), false),
                        3 + i);
    }
    CU_ASSERT_EQUAL(kir_kernel_find_var(k, "v99", 3), 102);
    CU_ASSERT_EQUAL(kir_kernel_find_var(k, "v9", 2), 12);
    CU_ASSERT_EQUAL(kir_kernel_find_var(k, "y", 1), 1);
    CU_ASSERT_EQUAL(kir_kernel_find_var(k, "q", 1), -1);
    CU_ASSERT_EQUAL(kir_kernel_find_var(k, "", 0), -1);
    kir_kernel_free(k);
    kir_kernel_free(NULL);
}

static void test_node_new(void)
{
    KirKernel *k = kir_kernel_new("f", 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    UfLoc loc = {3, 4, 9};
    KirNode *n = kir_node_new(k, KIR_SELECT, 3, loc);
    CU_ASSERT_PTR_NOT_NULL_FATAL(n);
    CU_ASSERT_EQUAL(n->op, KIR_SELECT);
    CU_ASSERT_EQUAL(n->nkids, 3);
    CU_ASSERT(loc_same(n->loc, loc));
    CU_ASSERT_EQUAL(n->type.kind, UF_VOID);
    CU_ASSERT_EQUAL(n->type.ndim, 0);
    CU_ASSERT_EQUAL(n->u.ival, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(n->kids);
    CU_ASSERT_EQUAL((uintptr_t)n % 16, 0);
    for (int i = 0; i < 3; i++) {
        CU_ASSERT_PTR_NULL(n->kids[i]);
    }
    KirNode *leaf = kir_node_new(k, KIR_INT, 0, noloc);
    CU_ASSERT_PTR_NOT_NULL_FATAL(leaf);
    CU_ASSERT_PTR_NULL(leaf->kids);
    CU_ASSERT_PTR_NULL(kir_node_new(k, KIR_BLOCK, -1, noloc));
    KirNode *wide = kir_node_new(k, KIR_BLOCK, 5000, noloc);
    CU_ASSERT_PTR_NOT_NULL_FATAL(wide);
    CU_ASSERT_PTR_NULL(wide->kids[4999]);
    kir_kernel_free(k);
}

/* ---- hand-built kernels ------------------------------------------------ */

/* A node with up to two children; NULL when it or a child is missing, so
 * a failed allocation anywhere below shows at the top. */
static KirNode *mk(KirKernel *k, KirOp op, int n, KirNode *a, KirNode *b)
{
    if ((n > 0 && a == NULL) || (n > 1 && b == NULL)) {
        return NULL;
    }
    KirNode *node = kir_node_new(k, op, n, noloc);
    if (node != NULL && n > 0) {
        node->kids[0] = a;
    }
    if (node != NULL && n > 1) {
        node->kids[1] = b;
    }
    return node;
}

static KirNode *mkvar(KirKernel *k, int var)
{
    KirNode *n = kir_node_new(k, KIR_VAR, 0, noloc);
    if (n != NULL) {
        n->u.var = var;
    }
    return n;
}

static KirNode *mkfloat(KirKernel *k, double v)
{
    KirNode *n = kir_node_new(k, KIR_FLOAT, 0, noloc);
    if (n != NULL) {
        n->u.fval = v;
    }
    return n;
}

/* huber, built through the API: (set d (abs (- p t))) ... */
static KirKernel *build_huber(void)
{
    KirKernel *k = kir_kernel_new("huber", 5);
    if (k == NULL || kir_kernel_add_var(k, "p", 1, true) < 0 ||
        kir_kernel_add_var(k, "t", 1, true) < 0 ||
        kir_kernel_add_var(k, "d", 1, false) < 0) {
        kir_kernel_free(k);
        return NULL;
    }
    KirNode *diff = mk(k, KIR_SUB, 2, mkvar(k, 0), mkvar(k, 1));
    KirNode *abs = mk(k, KIR_CALL, 1, diff, NULL);
    KirNode *set = mk(k, KIR_SET, 1, abs, NULL);
    KirNode *cond = mk(k, KIR_LE, 2, mkvar(k, 2), mkfloat(k, 1.0));
    KirNode *sq =
        mk(k, KIR_MUL, 2, mk(k, KIR_MUL, 2, mkfloat(k, 0.5), mkvar(k, 2)),
           mkvar(k, 2));
    KirNode *then = mk(k, KIR_BLOCK, 1, mk(k, KIR_RETURN, 1, sq, NULL), NULL);
    KirNode *ifs = mk(k, KIR_IF, 2, cond, then);
    KirNode *ret = mk(k, KIR_RETURN, 1,
                      mk(k, KIR_SUB, 2, mkvar(k, 2), mkfloat(k, 0.5)), NULL);
    KirNode *body = kir_node_new(k, KIR_BLOCK, 3, noloc);
    if (set == NULL || ifs == NULL || ret == NULL || body == NULL) {
        kir_kernel_free(k);
        return NULL;
    }
    abs->u.fn = KIR_FN_ABS;
    set->u.var = 2;
    body->kids[0] = set;
    body->kids[1] = ifs;
    body->kids[2] = ret;
    k->body = body;
    return k;
}

static const char huber_text[] = "(kernel huber (p t)\n"
                                 "  (set d (abs (- p t)))\n"
                                 "  (if (<= d 1.0)\n"
                                 "    (block\n"
                                 "      (return (* (* 0.5 d) d))))\n"
                                 "  (return (- d 0.5)))";

static void test_print_built(void)
{
    KirKernel *k = build_huber();
    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    check_print(k, 0, huber_text);
    check_print(k, KIR_PRINT_TYPES, huber_text);
    check_print(k, KIR_PRINT_LOCS,
                "(kernel huber (p t)\n"
                "  (set d (abs (- p@0:0-0 t@0:0-0)@0:0-0)@0:0-0)@0:0-0\n"
                "  (if (<= d@0:0-0 1.0@0:0-0)@0:0-0\n"
                "    (block\n"
                "      (return (* (* 0.5@0:0-0 d@0:0-0)@0:0-0 d@0:0-0)@0:0-0)"
                "@0:0-0)@0:0-0)@0:0-0\n"
                "  (return (- d@0:0-0 0.5@0:0-0)@0:0-0)@0:0-0)");
    UfError err;
    uf_error_clear(&err);
    CU_ASSERT_EQUAL(kir_verify(k, &err), 0);
    for (int flags = 0; flags < 4; flags++) {
        check_reprint(k, flags);
    }
    kir_kernel_free(k);
}

static void test_print_empty(void)
{
    KirKernel *k = kir_kernel_new("nothing", 7);
    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    check_print(k, 0, "(kernel nothing ())");
    k->body = kir_node_new(k, KIR_BLOCK, 0, noloc);
    check_print(k, KIR_PRINT_LOCS | KIR_PRINT_TYPES, "(kernel nothing ())");
    kir_kernel_free(k);
    check_round_trip("(kernel nothing ())");
    check_round_trip("(kernel f (a out)\n"
                     "  (store out (slice 1 None -1) (arraylike a None a))\n"
                     "  (store out (astype a 2.5))\n"
                     "  (store out 0 (load (array f8 1 3 4 5) 0 0 0))\n"
                     "  (store out 1 (ufcast \"u|f8>f8\" -1 2.0 out)))");
    check_round_trip("(kernel nothing (a b c))");
}

/* ---- round trips -------------------------------------------------------- */

static void test_round_trip_huber(void)
{
    check_round_trip(huber_text);
    check_round_trip("(kernel leaky_relu (x)\n"
                     "  (return (select (> x 0) x (* 0.01 x))))");
}

static void test_round_trip_statements(void)
{
    check_round_trip("(kernel stmts (a m n x)\n"
                     "  (set s 0.0)\n"
                     "  (for i 0 (shape a 0) 1\n"
                     "    (block\n"
                     "      (if (== (% i 2) 0)\n"
                     "        (block\n"
                     "          (continue))\n"
                     "        (block\n"
                     "          (set s (+ s (load a i)))))\n"
                     "      (if (> s 100.0)\n"
                     "        (block\n"
                     "          (break)))))\n"
                     "  (set j 0)\n"
                     "  (while (< j n)\n"
                     "    (block\n"
                     "      (store a j (* (load a j) 2))\n"
                     "      (store m j (- j 1) (load m j j))\n"
                     "      (set j (+ j 1))\n"
                     "      (if True\n"
                     "        (block)\n"
                     "        (block))))\n"
                     "  (expr (sin x))\n"
                     "  (return s (cast f4 s) (cast i8 (shape m 1))))");
    check_round_trip("(kernel void_kernel (out x)\n"
                     "  (store out 0 x)\n"
                     "  (return))");
    check_round_trip("(kernel no_args ()\n"
                     "  (return 1))");
    check_round_trip("(kernel deep (x)\n"
                     "  (while True\n"
                     "    (block\n"
                     "      (while False\n"
                     "        (block\n"
                     "          (for k 10 0 -1\n"
                     "            (block\n"
                     "              (if (not (and (or x True) x))\n"
                     "                (block\n"
                     "                  (break))\n"
                     "                (block\n"
                     "                  (continue)))))\n"
                     "          (break)))\n"
                     "      (break)))\n"
                     "  (return x))");
}

static void test_round_trip_atoms(void)
{
    check_round_trip("(kernel atoms (x)\n"
                     "  (return (+ 3 (+ -2 (+ 0.01 (+ 1e+300 (+ inf (+ -inf "
                     "(+ nan (+ 2.0j (+ True (+ False x))))))))))))");
    check_round_trip("(kernel floats ()\n"
                     "  (expr 0.1)\n"
                     "  (expr 1e+300)\n"
                     "  (expr 4.94065645841247e-324)\n"
                     "  (expr -0.0)\n"
                     "  (expr 1e-05)\n"
                     "  (expr 0.3333333333333333)\n"
                     "  (expr 0.30000000000000004)\n"
                     "  (expr 123456789.0)\n"
                     "  (expr -1.5e+20)\n"
                     "  (expr 2.5j)\n"
                     "  (expr -0.0j)\n"
                     "  (expr infj)\n"
                     "  (expr -infj)\n"
                     "  (expr nanj)\n"
                     "  (expr 1e+300j)\n"
                     "  (expr -9223372036854775808)\n"
                     "  (expr 9223372036854775807)\n"
                     "  (expr 0)\n"
                     "  (return))");
}

/* Every op of the table in one kernel, generated from kir_op_info. */
static void test_round_trip_all_ops(void)
{
    static const char *const args[] = {"a", "b", "c"};
    Text t = {.len = 0};
    add(&t, "(kernel all_ops (a b c arr)");
    for (int i = 0; i < KIR_NOPS; i++) {
        const KirOpInfo *info = &kir_op_info[i];
        if (info->cls != KIR_CLASS_EXPR || info->nkids < 1 || i == KIR_CAST ||
            i == KIR_SHAPE || i == KIR_SLICE) {
            continue;
        }
        add(&t, "\n  (expr (%s", info->text);
        for (int j = 0; j < info->nkids; j++) {
            add(&t, " %s", args[j]);
        }
        add(&t, "))");
    }
    add(&t, "\n  (expr (cast c16 a))\n  (expr (cast b1 b))");
    add(&t, "\n  (expr (load arr a b c))\n  (expr (shape arr 2))");
    add(&t, "\n  (expr (load arr (slice a None -1) b))");
    add(&t, "\n  (expr (shape (load arr (slice None None None)) -1))");
    add(&t, "\n  (expr (array f8 None a))\n  (expr (array i4 0 a b))");
    add(&t, "\n  (return))");
    check_round_trip(t.s);
}

/* Every intrinsic of kir_fns.def in one kernel. */
static void test_round_trip_all_fns(void)
{
    Text t = {.len = 0};
    add(&t, "(kernel all_fns (x y)");
    for (int i = 0; i < KIR_NFNS; i++) {
        add(&t, "\n  (expr (%s x%s))", kir_fn_info[i].name,
            kir_fn_info[i].arity == 2 ? " y" : "");
    }
    add(&t, "\n  (return (hypot (exp (sin x)) (atan2 y (sqrt x)))))");
    check_round_trip(t.s);
}

/* Whitespace, comments and one-line forms read as the canonical text. */
static void test_parse_free_form(void)
{
    const char *text = "; a comment before\n"
                       "(kernel   huber(p\tt) ; args\n"
                       "(set d(abs(- p t)))(if(<= d 1.0)(block(return\n"
                       "  (* (* 0.5 d) d)\n"
                       "  ; closing\n"
                       "))) (return (- d .5)))  \n\n; trailing\n";
    KirKernel *k = parse_ok(text);
    check_print(k, 0, huber_text);
    kir_kernel_free(k);
    k = parse_ok("(kernel f (x) (return (+ 2j (+ 5. (+ 1E3 (+ -.25 "
                 "1e-3j))))))");
    check_print(k, 0,
                "(kernel f (x)\n"
                "  (return (+ 2.0j (+ 5.0 (+ 1000.0 (+ -0.25 0.001j))))))");
    kir_kernel_free(k);
}

/* ---- atoms by value ----------------------------------------------------- */

typedef struct FloatCase {
    double v;
    const char *text;
} FloatCase;

/* One kernel (return (+ V (+ V ...))) per case, printed and read back. */
static void check_float(KirOp op, double v, const char *want)
{
    KirKernel *k = kir_kernel_new("f", 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    KirNode *atom = kir_node_new(k, op, 0, noloc);
    KirNode *ret = mk(k, KIR_RETURN, 1, atom, NULL);
    k->body = mk(k, KIR_BLOCK, 1, ret, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(k->body);
    atom->u.fval = v;
    char expect[128];
    snprintf(expect, sizeof expect, "(kernel f ()\n  (return %s%s))", want,
             op == KIR_IMAG ? "j" : "");
    check_print(k, 0, expect);
    KirKernel *k2 = parse_ok(expect);
    const KirNode *back = k2->body->kids[0]->kids[0];
    CU_ASSERT_EQUAL(back->op, op);
    CU_ASSERT(payload_same(k, atom, k2, back));
    kir_kernel_free(k2);
    kir_kernel_free(k);
}

static void test_float_atoms(void)
{
    static const FloatCase cases[] = {
        {0.1, "0.1"},
        {1e300, "1e+300"},
        {5e-324, "4.94065645841247e-324"},
        {-0.0, "-0.0"},
        {0.0, "0.0"},
        {1.0, "1.0"},
        {100.0, "100.0"},
        {-7.0, "-7.0"},
        {1e16, "1e+16"},
        {123456789012345678.0, "1.2345678901234568e+17"},
        {1.0 / 3.0, "0.3333333333333333"},
        {0.1 + 0.2, "0.30000000000000004"},
        {2.5, "2.5"},
        {1e-5, "1e-05"},
        {INFINITY, "inf"},
        {-INFINITY, "-inf"},
        {NAN, "nan"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        check_float(KIR_FLOAT, cases[i].v, cases[i].text);
        check_float(KIR_IMAG, cases[i].v, cases[i].text);
    }
    KirKernel *k = parse_ok("(kernel f ()\n  (return -0.0 4.9e-324 "
                            "1.7976931348623157e308))");
    const KirNode *ret = k->body->kids[0];
    CU_ASSERT(signbit(ret->kids[0]->u.fval));
    CU_ASSERT_EQUAL(ret->kids[1]->u.fval, 5e-324);
    CU_ASSERT_EQUAL(ret->kids[2]->u.fval, 1.7976931348623157e308);
    check_reprint(k, 0);
    kir_kernel_free(k);
}

static void test_int_and_bool_atoms(void)
{
    KirKernel *k = parse_ok("(kernel f ()\n  (return -9223372036854775808 "
                            "9223372036854775807 0 -0 007 True False "
                            "2j))");
    const KirNode *ret = k->body->kids[0];
    CU_ASSERT_EQUAL(ret->kids[0]->op, KIR_INT);
    CU_ASSERT_EQUAL(ret->kids[0]->u.ival, INT64_MIN);
    CU_ASSERT_EQUAL(ret->kids[1]->u.ival, INT64_MAX);
    CU_ASSERT_EQUAL(ret->kids[2]->u.ival, 0);
    CU_ASSERT_EQUAL(ret->kids[3]->u.ival, 0);
    CU_ASSERT_EQUAL(ret->kids[4]->u.ival, 7);
    CU_ASSERT_EQUAL(ret->kids[5]->op, KIR_BOOL);
    CU_ASSERT_EQUAL(ret->kids[5]->u.ival, 1);
    CU_ASSERT_EQUAL(ret->kids[6]->u.ival, 0);
    CU_ASSERT_EQUAL(ret->kids[7]->op, KIR_IMAG);
    CU_ASSERT_EQUAL(ret->kids[7]->u.fval, 2.0);
    check_print(k, 0,
                "(kernel f ()\n  (return -9223372036854775808 "
                "9223372036854775807 0 0 7 True False 2.0j))");
    kir_kernel_free(k);
}

/* ---- types -------------------------------------------------------------- */

static void test_print_types(void)
{
    const char *text = "(kernel f (a x)\n"
                       "  (store a 0 (+ x 1))\n"
                       "  (return))";
    KirKernel *k = parse_ok(text);
    KirNode *store = k->body->kids[0];
    KirNode *sum = store->kids[2];
    k->vars[0].type = uf_type_array(UF_F8, 2, UF_LAYOUT_C);
    k->vars[1].type = uf_type_scalar(UF_F4);
    store->kids[0]->type = uf_type_array(UF_F8, 2, UF_LAYOUT_C);
    store->kids[1]->type = uf_type_weak(UF_I8);
    sum->type = uf_type_scalar(UF_F4);
    sum->kids[0]->type = uf_type_scalar(UF_F4);
    sum->kids[1]->type = uf_type_array(UF_C16, 3, UF_LAYOUT_A);
    const char *typed = "(kernel f (a:f8[:,::1] x:f4)\n"
                        "  (store a:f8[:,::1] 0:i8 (+ x:f4 1:c16[:,:,:]):f4)\n"
                        "  (return))";
    check_print(k, KIR_PRINT_TYPES, typed);
    check_print(k, 0, text);
    check_print(k, KIR_PRINT_TYPES | KIR_PRINT_LOCS,
                "(kernel f (a:f8[:,::1] x:f4)\n"
                "  (store a:f8[:,::1]@2:10-11 0:i8@2:12-13 (+ x:f4@2:17-18 "
                "1:c16[:,:,:]@2:19-20):f4@2:14-21)@2:3-22\n"
                "  (return)@3:3-11)");
    for (int flags = 0; flags < 4; flags++) {
        check_reprint(k, flags);
    }
    KirKernel *k2 = parse_ok(typed);
    CU_ASSERT(type_same(k2->vars[0].type, k->vars[0].type));
    CU_ASSERT(type_same(k2->vars[1].type, k->vars[1].type));
    const KirNode *store2 = k2->body->kids[0];
    CU_ASSERT(type_same(store2->kids[1]->type, uf_type_scalar(UF_I8)));
    CU_ASSERT(type_same(store2->kids[2]->kids[1]->type, sum->kids[1]->type));
    kir_kernel_free(k2);
    kir_kernel_free(k);
}

static void test_cast_types(void)
{
    check_round_trip("(kernel casts (x)\n"
                     "  (expr (cast u1 x))\n"
                     "  (expr (cast c8 (cast f4 (cast i2 x))))\n"
                     "  (return (cast f8[:,::1] x)))");
    KirKernel *k = parse_ok("(kernel f (x) (return (cast f8[:, ::1] x)))");
    const KirNode *cast = k->body->kids[0]->kids[0];
    CU_ASSERT(type_same(cast->u.to, uf_type_array(UF_F8, 2, UF_LAYOUT_C)));
    check_print(k, 0, "(kernel f (x)\n  (return (cast f8[:,::1] x)))");
    kir_kernel_free(k);
}

/* ---- locations ---------------------------------------------------------- */

static void check_loc(const KirNode *n, int line, int col, int end)
{
    UfLoc want = {line, col, end};
    if (!loc_same(n->loc, want)) {
        fprintf(stderr, "\nloc %d:%d-%d, want %d:%d-%d\n", (int)n->loc.line,
                (int)n->loc.col, (int)n->loc.end_col, line, col, end);
    }
    CU_ASSERT(loc_same(n->loc, want));
}

static void test_locs_from_text(void)
{
    KirKernel *k = parse_ok("(kernel f (x y)\n"
                            "  (set z (+ x 10)) ; note\n"
                            "  (if (< z y)\n"
                            "    (block\n"
                            "      (return z:f8))\n"
                            "    (block)) ; more\n"
                            "  (return y))");
    CU_ASSERT(loc_same(k->loc, (UfLoc){1, 1, 16}));
    const KirNode *set = k->body->kids[0];
    check_loc(set, 2, 3, 19);
    check_loc(set->kids[0], 2, 10, 18);
    check_loc(set->kids[0]->kids[0], 2, 13, 14);
    check_loc(set->kids[0]->kids[1], 2, 15, 17);
    const KirNode *ifs = k->body->kids[1];
    check_loc(ifs, 3, 3, 14);
    check_loc(ifs->kids[0], 3, 7, 14);
    check_loc(ifs->kids[1], 4, 5, 11);
    check_loc(ifs->kids[1]->kids[0], 5, 7, 20);
    check_loc(ifs->kids[1]->kids[0]->kids[0], 5, 15, 16);
    check_loc(ifs->kids[2], 6, 5, 12);
    check_loc(k->body->kids[2], 7, 3, 13);
    kir_kernel_free(k);
}

static void test_print_locs(void)
{
    KirKernel *k = parse_ok(huber_text);
    check_print(k, KIR_PRINT_LOCS,
                "(kernel huber (p t)\n"
                "  (set d (abs (- p@2:18-19 t@2:20-21)@2:15-22)@2:10-23)"
                "@2:3-24\n"
                "  (if (<= d@3:11-12 1.0@3:13-16)@3:7-17\n"
                "    (block\n"
                "      (return (* (* 0.5@5:21-24 d@5:25-26)@5:18-27 "
                "d@5:28-29)@5:15-30)@5:7-31)@4:5-11)@3:3-17\n"
                "  (return (- d@6:14-15 0.5@6:16-19)@6:11-20)@6:3-21)");
    kir_kernel_free(k);
}

/* "@" locations win over text positions; "@0:0-0" is no location. */
static void test_explicit_locs(void)
{
    KirKernel *k = parse_ok("(kernel f (x)\n"
                            "  (return (+ x:f8@40:7-8 1@0:0-0)))");
    const KirNode *ret = k->body->kids[0];
    check_loc(ret, 2, 3, 35);
    check_loc(ret->kids[0], 2, 11, 34);
    check_loc(ret->kids[0]->kids[0], 40, 7, 8);
    CU_ASSERT_EQUAL(ret->kids[0]->kids[0]->type.kind, UF_F8);
    check_loc(ret->kids[0]->kids[1], 0, 0, 0);
    check_print(k, KIR_PRINT_LOCS,
                "(kernel f (x)\n"
                "  (return (+ x@40:7-8 1@0:0-0)@2:11-34)@2:3-35)");
    for (int flags = 0; flags < 4; flags++) {
        check_reprint(k, flags);
    }
    kir_kernel_free(k);

    /* A hand-built kernel with some locations keeps exactly those. */
    k = build_huber();
    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    k->body->kids[1]->loc = (UfLoc){12, 5, 30};
    k->body->kids[2]->kids[0]->kids[1]->loc = (UfLoc){14, 20, 23};
    check_print(k, KIR_PRINT_LOCS,
                "(kernel huber (p t)\n"
                "  (set d (abs (- p@0:0-0 t@0:0-0)@0:0-0)@0:0-0)@0:0-0\n"
                "  (if (<= d@0:0-0 1.0@0:0-0)@0:0-0\n"
                "    (block\n"
                "      (return (* (* 0.5@0:0-0 d@0:0-0)@0:0-0 d@0:0-0)@0:0-0)"
                "@0:0-0)@0:0-0)@12:5-30\n"
                "  (return (- d@0:0-0 0.5@14:20-23)@0:0-0)@0:0-0)");
    for (int flags = 0; flags < 4; flags++) {
        check_reprint(k, flags);
    }
    kir_kernel_free(k);
}

/* ---- parse errors ------------------------------------------------------- */

static void test_parse_errors(void)
{
    static const ErrCase cases[] = {
        {"", 1, 1, "unexpected end of text"},
        {"  ; only a comment\n", 2, 1, "unexpected end of text"},
        {"(kern f (x))", 1, 2, "expected 'kernel', found 'kern'"},
        {"kernel", 1, 1, "expected '(kernel', found 'kernel'"},
        {"(kernel 3 (x))", 1, 9, "expected the kernel's name, found '3'"},
        {"(kernel f x)", 1, 11, "expected '(' to open the argument list"},
        {"(kernel f (x x))", 1, 14, "duplicate argument 'x'"},
        {"(kernel f (1))", 1, 12,
         "expected an argument name or ')', "
         "found '1'"},
        {"(kernel f (True))", 1, 12, "expected an argument name"},
        {"(kernel f (x", 1, 13, "unexpected end of text"},
        {"(kernel f (x)\n  (frob x))", 2, 4, "unknown operation 'frob'"},
        {"(kernel f (x)\n  (return (select x 1)))", 2, 11,
         "'select' takes 3 operands, found 2"},
        {"(kernel f (x)\n  (return (- x)))", 2, 11,
         "'-' takes 2 operands, found 1 (use 'neg'"},
        {"(kernel f (x)\n  (return (neg x x)))", 2, 11,
         "'neg' takes 1 operand, found 2"},
        {"(kernel f (x)\n  (return (exp x 1)))", 2, 11,
         "'exp' takes 1 operand, found 2"},
        {"(kernel f (x)\n  (return (atan2 x)))", 2, 11,
         "'atan2' takes 2 operands, found 1"},
        {"(kernel f (x)\n  (break 1))", 2, 3,
         "'break' takes 0 operands, found 1"},
        {"(kernel f (x)\n  (set y 1 2))", 2, 3,
         "'set' takes 1 operand, found 2"},
        {"(kernel f (x)\n  (for i 0 1\n    (block)))", 2, 3,
         "'for' takes 4 operands, found 3"},
        {"(kernel f (x)\n  (return (+ x 1)", 2, 18,
         "unexpected end of text: expected ')' to close '(' at 2:3"},
        {"(kernel f (x)\n  (return (+ x 1) ; c\n", 3, 1,
         "expected ')' to close '(' at 2:3"},
        {"(kernel f (x)\n  (return x)", 2, 13,
         "expected ')' to close '(' at 1:1"},
        {"(kernel f (x)\n  (return 99999999999999999999))", 2, 11,
         "integer literal '99999999999999999999' is out of range"},
        {"(kernel f (x)\n  (return -9223372036854775809))", 2, 11,
         "out of range"},
        {"(kernel f (x)\n  (return 1x))", 2, 11, "invalid atom '1x'"},
        {"(kernel f (x)\n  (return 1.5.2))", 2, 11, "invalid atom '1.5.2'"},
        {"(kernel f (x)\n  (return -))", 2, 11, "invalid atom '-'"},
        {"(kernel f (x)\n  (return x@2:3))", 2, 16,
         "expected a location 'LINE:COL-ENDCOL', found ')'"},
        {"(kernel f (x)\n  (return x@))", 2, 13, "expected a location"},
        {"(kernel f (x)\n  (return x@1:2-99999999999))", 2, 17,
         "location number out of range"},
        {"(kernel f (x)\n  (return :f8))", 2, 11,
         "expected an expression or statement, found ':'"},
        {"(kernel f (x)\n  (return x:))", 2, 13, "expected a type"},
        {"(kernel f (x)\n  (return x:f8:f4))", 2, 15,
         "unexpected ':f4' after type 'f8'"},
        {"(kernel f (x)\n  (set 3 x))", 2, 8,
         "expected a variable name after 'set', found '3'"},
        {"(kernel f (x)\n  (for True 0 1 1 (block)))", 2, 8,
         "expected a variable name after 'for', found 'True'"},
        {"(kernel f (x)\n  (return (cast)))", 2, 16, "expected a type"},
        {"(kernel f (x)\n  ())", 2, 4, "expected an operation, found ')'"},
        {"(kernel f (x)\n  (return x)))", 2, 14,
         "expected the end of the text after the kernel, found ')'"},
        {"(kernel f (x)) junk", 1, 16, "found 'junk'"},
        {"(kernel f (x)\n  ((return x)))", 2, 4,
         "expected an operation, found '('"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        check_parse_error(&cases[i]);
    }
}

/* Errors from uf_type_parse point into the kir text. */
static void test_parse_type_errors(void)
{
    const char *text = "(kernel f (x)\n  (return x:f9))";
    UfError err;
    uf_error_clear(&err);
    CU_ASSERT_PTR_NULL(kir_parse(text, &err));
    CU_ASSERT_EQUAL(err.kind, UF_ERR_SYNTAX);
    CU_ASSERT_EQUAL(err.loc.line, 2);
    CU_ASSERT(err.loc.col >= 13 && err.loc.col <= 15);
    uf_error_clear(&err);
    CU_ASSERT_PTR_NULL(kir_parse("(kernel f (x:f8[:,z]))", &err));
    CU_ASSERT_EQUAL(err.kind, UF_ERR_SYNTAX);
    CU_ASSERT_EQUAL(err.loc.line, 1);
    CU_ASSERT(err.loc.col >= 14 && err.loc.col <= 20);
}

static void test_parse_too_deep(void)
{
    static char text[8192];
    size_t len = (size_t)snprintf(text, sizeof text, "(kernel f (x)\n  ");
    for (int i = 0; i < 1200; i++) {
        len += (size_t)snprintf(text + len, sizeof text - len, "(neg ");
    }
    snprintf(text + len, sizeof text - len, "x");
    UfError err;
    uf_error_clear(&err);
    CU_ASSERT_PTR_NULL(kir_parse(text, &err));
    CU_ASSERT_EQUAL(err.kind, UF_ERR_SYNTAX);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "nesting too deep"));
}

/* Renders a parse error the way the front end shows it. */
static void test_parse_error_render(void)
{
    const char *text = "(kernel f (x)\n  (return (frob x)))";
    UfError err;
    uf_error_clear(&err);
    CU_ASSERT_PTR_NULL(kir_parse(text, &err));
    char buf[512];
    uf_error_render(&err, "k.kir", text, 1, buf, sizeof buf);
    check_text(buf, "k.kir:2:12: error: unknown operation 'frob'\n"
                    "      (return (frob x)))\n"
                    "               ^~~~");
}

/* ---- verifier ----------------------------------------------------------- */

static void test_verify_ok(void)
{
    static const char *const texts[] = {
        /* a forward reference: y is read before its SET in the text */
        "(kernel f (x)\n"
        "  (while True\n"
        "    (block\n"
        "      (if (> y 3)\n"
        "        (block\n"
        "          (break)))\n"
        "      (set y (+ x 1)))))",
        "(kernel g (a:f8[:] out:f8[:])\n"
        "  (for i 0 (shape a 0) 1\n"
        "    (block\n"
        "      (store out i (load a i))))\n"
        "  (return))",
        "(kernel h (x)\n"
        "  (if x\n"
        "    (block\n"
        "      (return 1 2))\n"
        "    (block\n"
        "      (return 3 4)))\n"
        "  (return 5 x))",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        KirKernel *k = parse_ok(texts[i]);
        UfError err;
        uf_error_clear(&err);
        CU_ASSERT_EQUAL(kir_verify(k, &err), 0);
        CU_ASSERT_EQUAL(err.kind, UF_ERR_NONE);
        kir_kernel_free(k);
    }
}

static void test_verify_errors(void)
{
    static const ErrCase cases[] = {
        {"(kernel f (x)\n  (set x 1))", 2, 3, "cannot assign to argument 'x'"},
        {"(kernel f (x)\n  (for x 0 10 1\n    (block)))", 2, 3,
         "cannot assign to argument 'x'"},
        {"(kernel f (x)\n  (break))", 2, 3, "'break' outside a loop"},
        {"(kernel f (x)\n  (if x\n    (block\n      (continue))))", 4, 7,
         "'continue' outside a loop"},
        {"(kernel f (x)\n  (return (load x)))", 2, 11,
         "'load' takes at least 2 operands, found 1"},
        {"(kernel f (a x)\n  (store a))", 2, 3,
         "'store' takes at least 2 operands, found 1"},
        {"(kernel f (a x)\n  (store a 0 (slice 1 2 3)))", 2, 14,
         "'slice' is only allowed as an index of 'load' or 'store'"},
        {"(kernel f (x)\n  (if x))", 2, 3,
         "'if' takes 2 or 3 operands, found 1"},
        {"(kernel f (x)\n  (if x (block) (block) (block)))", 2, 3,
         "'if' takes 2 or 3 operands, found 4"},
        {"(kernel f (x)\n  (store (+ x 1) 0 1))", 2, 10,
         "'store' needs an array variable, found '+'"},
        {"(kernel f (x:f8)\n  (store x 0 1))", 2, 10,
         "'store' needs an array, 'x' is a scalar"},
        {"(kernel f (a n)\n  (return (shape a n)))", 2, 20,
         "'shape' axis must be an integer literal"},
        {"(kernel f (a)\n  (return (slice 1 2 3)))", 2, 11,
         "'slice' is only allowed as an index of 'load'"},
        {"(kernel f (a)\n  (return (load (slice 1 2 3) 0)))", 2, 17,
         "'slice' is only allowed as an index of 'load'"},
        {"(kernel f (a)\n  (return (+ a None)))", 2, 16,
         "'None' is only allowed as a slice bound"},
        {"(kernel f (a)\n  (return (array f8[:] None 3)))", 2, 11,
         "'array' needs a scalar element type"},
        {"(kernel f (a)\n  (return (array f8 None)))", 2, 11,
         "'array' takes 2 to 33 operands, found 1"},
        {"(kernel f (x)\n  (return y))", 2, 11,
         "local 'y' is read but never assigned"},
        {"(kernel f (x)\n  (if x\n    (block\n      (return 1 2)))\n"
         "  (return x))",
         5, 3, "'return' with 1 value, but an earlier 'return' has 2"},
        {"(kernel f (x)\n  (return (+ (set y 1) x)))", 2, 14,
         "expected an expression, found 'set'"},
        {"(kernel f (x)\n  (+ x 1))", 2, 3, "expected a statement, found '+'"},
        {"(kernel f (x)\n  (exp x))", 2, 3,
         "expected a statement, found 'exp'"},
        {"(kernel f (x)\n  x)", 2, 3,
         "expected a statement, found variable 'x'"},
        {"(kernel f (x)\n  2.5)", 2, 3,
         "expected a statement, found a literal"},
        {"(kernel f (x)\n  (block))", 2, 3,
         "expected a statement, found 'block'"},
        {"(kernel f (x)\n  (if x (return x)))", 2, 9,
         "expected a block, found 'return'"},
        {"(kernel f (x)\n  (while x (set y 1)))", 2, 12,
         "expected a block, found 'set'"},
        {"(kernel f (x)\n  (for i 0 1 1 x))", 2, 16,
         "expected a block, found variable 'x'"},
        {"(kernel f (x)\n  (return (block)))", 2, 11,
         "expected an expression, found 'block'"},
        {"(kernel f (x)\n  (if (block) (block)))", 2, 7,
         "expected an expression, found 'block'"},
        {"(kernel f (x)\n  (return (+ x (break))))", 2, 16,
         "expected an expression, found 'break'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        check_verify_error(&cases[i]);
    }
}

static void check_verify_kind(const KirKernel *k, UfErrorKind kind,
                              const char *msg)
{
    UfError err;
    uf_error_clear(&err);
    CU_ASSERT_EQUAL(kir_verify(k, &err), -1);
    CU_ASSERT_EQUAL(err.kind, kind);
    if (strstr(err.msg, msg) == NULL) {
        fprintf(stderr, "\nverify said '%s', want '%s'\n", err.msg, msg);
    }
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, msg));
}

/* Trees only code can build: each breaks one invariant of huber. */
static void test_verify_built(void)
{
    KirKernel *k = build_huber();
    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    KirNode *set = k->body->kids[0];
    KirNode *abs = set->kids[0];
    KirNode *diff = abs->kids[0];
    KirNode *saved = diff->kids[1];

    diff->kids[1] = NULL;
    check_verify_kind(k, UF_ERR_INTERNAL, "operand 2 of '-' is missing");
    diff->kids[1] = saved;

    saved->u.var = 7;
    check_verify_kind(k, UF_ERR_INTERNAL, "variable index 7 out of range");
    saved->u.var = 1;

    abs->u.fn = KIR_NFNS;
    check_verify_kind(k, UF_ERR_INTERNAL, "unknown function");
    abs->u.fn = KIR_FN_ATAN2;
    check_verify_kind(k, UF_ERR_SYNTAX, "'atan2' takes 2 operands, found 1");
    abs->u.fn = KIR_FN_ABS;

    diff->nkids = 1;
    check_verify_kind(k, UF_ERR_SYNTAX, "'-' takes 2 operands, found 1");
    diff->nkids = 2;

    diff->op = KIR_NOPS + 3;
    check_verify_kind(k, UF_ERR_INTERNAL, "missing or invalid");
    diff->op = KIR_SUB;

    KirNode *lit = kir_node_new(k, KIR_BOOL, 0, noloc);
    CU_ASSERT_PTR_NOT_NULL_FATAL(lit);
    lit->u.ival = 2;
    diff->kids[1] = lit;
    check_verify_kind(k, UF_ERR_INTERNAL, "bool literal holds 2");
    diff->kids[1] = saved;

    KirNode *cast = mk(k, KIR_CAST, 1, saved, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cast);
    diff->kids[1] = cast;
    check_verify_kind(k, UF_ERR_SYNTAX, "'cast' needs a scalar or array");
    cast->u.to = uf_type_scalar(UF_F4);
    UfError err;
    uf_error_clear(&err);
    CU_ASSERT_EQUAL(kir_verify(k, &err), 0);
    diff->kids[1] = saved;

    KirNode *body = k->body;
    k->body = set;
    check_verify_kind(k, UF_ERR_INTERNAL, "kernel body is not a block");
    k->body = NULL;
    check_verify_kind(k, UF_ERR_INTERNAL, "kernel body is not a block");
    k->body = body;

    k->vars[2].is_arg = true;
    check_verify_kind(k, UF_ERR_INTERNAL, "out of order");
    k->vars[2].is_arg = false;

    uf_error_clear(&err);
    CU_ASSERT_EQUAL(kir_verify(k, &err), 0);
    kir_kernel_free(k);
}

/* ---- allocation failures ------------------------------------------------ */

static const char sweep_text[] =
    "(kernel sweep (a:f8[:] m:f8[:,::1] n x:f4)\n"
    "  (set s 0.0)\n"
    "  (for i 0 (shape a 0) 1\n"
    "    (block\n"
    "      (if (== (% i 2) 0)\n"
    "        (block\n"
    "          (continue))\n"
    "        (block\n"
    "          (set s (+ s (* (load a i) (load m i 0))))))\n"
    "      (if (> s 1e+300)\n"
    "        (block\n"
    "          (break)))))\n"
    "  (set j 0)\n"
    "  (while (< j n)\n"
    "    (block\n"
    "      (store a j (select (isnan (load a j)) 0.0 (load a j)))\n"
    "      (store m j 0 (cast f8 (- j 1)))\n"
    "      (set j (+ j 1))))\n"
    "  (set v00 1) (set v01 2) (set v02 3) (set v03 4) (set v04 5)\n"
    "  (set v05 1) (set v06 2) (set v07 3) (set v08 4) (set v09 5)\n"
    "  (set v10 1) (set v11 2) (set v12 3) (set v13 4) (set v14 5)\n"
    "  (expr (atan2 (sin x) (cos 2.5j)))\n"
    "  (return (+ s (** x 2)) (neg (abs x))))";

static int parse_print_free(void *ud)
{
    const char *text = ud;
    UfError err;
    uf_error_clear(&err);
    KirKernel *k = kir_parse(text, &err);
    if (k == NULL) {
        CU_ASSERT_EQUAL(err.kind, UF_ERR_MEMORY);
        return -1;
    }
    int rc = kir_verify(k, &err);
    for (int flags = 0; flags < 4 && rc == 0; flags++) {
        char *s = kir_print(k, flags);
        rc = s != NULL ? 0 : -1;
        uf_free(s);
    }
    kir_kernel_free(k);
    return rc;
}

static void test_alloc_failures(void)
{
    uf_test_alloc_sweep(parse_print_free, (void *)sweep_text);
}

static int build_print_free(void *ud)
{
    (void)ud;
    KirKernel *k = build_huber();
    if (k == NULL) {
        return -1;
    }
    char *s = kir_print(k, KIR_PRINT_LOCS);
    int rc = s != NULL ? 0 : -1;
    uf_free(s);
    kir_kernel_free(k);
    return rc;
}

static void test_alloc_failures_built(void)
{
    uf_test_alloc_sweep(build_print_free, NULL);
}

static void test_sweep_text_round_trip(void)
{
    KirKernel *k = parse_ok(sweep_text);
    for (int flags = 0; flags < 4; flags++) {
        check_reprint(k, flags);
    }
    kir_kernel_free(k);
}

/* ---- regressions found by fuzzing (tests/fuzz/README.md) ---------------- */

/* fuzz_kir: an "@" location may hold any int32; rendering the verifier's
 * error at column 2147483647 overflowed an int (diag.c render_caret). */
static void test_fuzz_render_huge_column(void)
{
    const char *text = "(kernel f (x)\n  (return y@1:2147483647-0))";
    KirKernel *k = parse_ok(text);
    UfError err;
    uf_error_clear(&err);
    CU_ASSERT_EQUAL(kir_verify(k, &err), -1);
    CU_ASSERT_EQUAL(err.loc.col, 2147483647);
    char buf[256];
    uf_error_render(&err, "k.kir", text, 1, buf, sizeof buf);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "k.kir:1:2147483647: error: local 'y'"));
    /* the caret line runs toward column 2147483647 until buf is full */
    CU_ASSERT_EQUAL(strlen(buf), sizeof buf - 1);
    kir_kernel_free(k);
}

/* ---- main --------------------------------------------------------------- */

static const UfTestCase cases[] = {
    UF_CASE(test_op_table),
    UF_CASE(test_fn_table),
    UF_CASE(test_arena),
    UF_CASE(test_arena_alloc_failures),
    UF_CASE(test_kernel_vars),
    UF_CASE(test_node_new),
    UF_CASE(test_print_built),
    UF_CASE(test_print_empty),
    UF_CASE(test_round_trip_huber),
    UF_CASE(test_round_trip_statements),
    UF_CASE(test_round_trip_atoms),
    UF_CASE(test_round_trip_all_ops),
    UF_CASE(test_round_trip_all_fns),
    UF_CASE(test_parse_free_form),
    UF_CASE(test_float_atoms),
    UF_CASE(test_int_and_bool_atoms),
    UF_CASE(test_print_types),
    UF_CASE(test_cast_types),
    UF_CASE(test_locs_from_text),
    UF_CASE(test_print_locs),
    UF_CASE(test_explicit_locs),
    UF_CASE(test_parse_errors),
    UF_CASE(test_parse_type_errors),
    UF_CASE(test_parse_too_deep),
    UF_CASE(test_parse_error_render),
    UF_CASE(test_verify_ok),
    UF_CASE(test_verify_errors),
    UF_CASE(test_verify_built),
    UF_CASE(test_alloc_failures),
    UF_CASE(test_alloc_failures_built),
    UF_CASE(test_sweep_text_round_trip),
    UF_CASE(test_fuzz_render_huge_column),
    UF_CASES_END,
};

int main(void)
{
    return uf_test_main("kir", cases);
}
