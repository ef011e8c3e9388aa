/*
 * kir_print.c -- the canonical s-expression text of a kernel.
 *
 *   (kernel huber (p t)
 *     (set d (abs (- p t)))
 *     (if (<= d 1.0)
 *       (block
 *         (return (* (* 0.5 d) d))))
 *     (return (- d 0.5)))
 *
 * Layout is decided by position alone: a BLOCK child starts on its own
 * line one level deeper, every other child follows on the same line.  So
 * statements of a block get a line each and expressions stay on one line.
 * kir_parse.c reads back exactly this text.
 */
#include "kernels.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A growing output buffer; after a failed allocation it stays failed. */
typedef struct Buf {
    char *s;
    size_t len;
    size_t cap;
    bool oom;
} Buf;

/* Ensures room for |n| more bytes plus the NUL; false once out of memory. */
static bool reserve(Buf *b, size_t n)
{
    if (b->oom) {
        return false;
    }
    if (b->len + n + 1 <= b->cap) {
        return true;
    }
    size_t cap = b->cap > 0 ? b->cap : 256;
    while (cap < b->len + n + 1) {
        cap *= 2;
    }
    char *s = uf_realloc(b->s, cap);
    if (s == NULL) {
        b->oom = true;
        return false;
    }
    b->s = s;
    b->cap = cap;
    return true;
}

static void put(Buf *b, const char *s, size_t n)
{
    if (reserve(b, n)) {
        memcpy(b->s + b->len, s, n);
        b->len += n;
        b->s[b->len] = '\0';
    }
}

static void put_str(Buf *b, const char *s)
{
    put(b, s, strlen(s));
}

static void putf(Buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void putf(Buf *b, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0) {
        put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
    }
}

static void put_indent(Buf *b, int level)
{
    put(b, "\n", 1);
    for (int i = 0; i < level; i++) {
        put(b, "  ", 2);
    }
}

/* A type as kir spells it: concrete (weak literals print as the type they
 * default to) and without spaces, "f8[:,::1]". */
static void put_type(Buf *b, UfType t)
{
    char tmp[192];
    t.flags &= (uint8_t)~UF_TYPE_READONLY; /* not part of the spelling */
    uf_type_str(uf_type_concrete(t), tmp, sizeof tmp);
    for (const char *c = tmp; *c != '\0'; c++) {
        if (*c != ' ') {
            put(b, c, 1);
        }
    }
}

/* Shortest of %.15g / %.16g / %.17g that reads back to |v|, always
 * recognisable as a float: "1.0", "0.1", "1e+300", "-0.0", "inf", "nan". */
static void format_real(double v, char *out, size_t n)
{
    if (isnan(v)) {
        snprintf(out, n, "nan");
        return;
    }
    if (isinf(v)) {
        snprintf(out, n, v > 0 ? "inf" : "-inf");
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(out, n, "%.*g", prec, v);
        if (strtod(out, NULL) == v) {
            break;
        }
    }
    if (strpbrk(out, ".e") == NULL) {
        size_t len = strlen(out);
        snprintf(out + len, n - len, ".0");
    }
}

static const char *var_name(const KirKernel *k, int32_t var)
{
    if (var < 0 || var >= k->nvars) {
        return "?";
    }
    return k->vars[var].name;
}

/* A string in double quotes: '"' '\\' newline and tab escaped with a
 * backslash, other control characters as \xHH; other bytes (UTF-8) as
 * they are. */
static void put_quoted(Buf *b, const char *s)
{
    put(b, "\"", 1);
    for (const unsigned char *c = (const unsigned char *)s; *c != '\0'; c++) {
        if (*c == '"' || *c == '\\') {
            putf(b, "\\%c", *c);
        } else if (*c == '\n') {
            put_str(b, "\\n");
        } else if (*c == '\t') {
            put_str(b, "\\t");
        } else if (*c < 0x20 || *c == 0x7f) {
            putf(b, "\\x%02x", *c);
        } else {
            put(b, (const char *)c, 1);
        }
    }
    put(b, "\"", 1);
}

/* The payload of an atom: 3  0.5  2.0j  True  None  x  "text". */
static void put_atom(Buf *b, const KirKernel *k, const KirNode *n)
{
    char num[64];
    switch ((KirOp)n->op) {
    case KIR_INT:
        putf(b, "%lld", (long long)n->u.ival);
        break;
    case KIR_FLOAT:
        format_real(n->u.fval, num, sizeof num);
        put_str(b, num);
        break;
    case KIR_IMAG:
        format_real(n->u.fval, num, sizeof num);
        putf(b, "%sj", num);
        break;
    case KIR_BOOL:
        put_str(b, n->u.ival != 0 ? "True" : "False");
        break;
    case KIR_NONE:
        put_str(b, "None");
        break;
    case KIR_STR:
        put_quoted(b, n->u.str != NULL ? n->u.str : "");
        break;
    default:
        put_str(b, var_name(k, n->u.var));
        break;
    }
}

/* ":TYPE" (when the node has a type) and "@LINE:COL-ENDCOL" as |flags|
 * ask.  A node without a location prints "@0:0-0": the parser gives a node
 * without "@" its place in the text, so leaving it out would not read back
 * to "no location". */
static void put_annotations(Buf *b, const KirNode *n, int flags)
{
    if ((flags & KIR_PRINT_TYPES) && n->type.kind != UF_VOID) {
        put(b, ":", 1);
        put_type(b, n->type);
    }
    if ((flags & KIR_PRINT_LOCS) && n->loc.line > 0) {
        putf(b, "@%d:%d-%d", (int)n->loc.line, (int)n->loc.col,
             (int)n->loc.end_col);
    } else if (flags & KIR_PRINT_LOCS) {
        put_str(b, "@0:0-0");
    }
}

/* The shortest of %.6g ... %.9g that reads back to the float |v|, as
 * format_real writes doubles ("0.1", not 0.10000000149011612). */
static void format_real_f4(float v, char *out, size_t n)
{
    if (isnan(v) || isinf(v)) {
        format_real(v, out, n);
        return;
    }
    for (int prec = 6; prec <= 9; prec++) {
        snprintf(out, n, "%.*g", prec, (double)v);
        if (strtof(out, NULL) == v) {
            break;
        }
    }
    if (strpbrk(out, ".e") == NULL) {
        size_t len = strlen(out);
        snprintf(out + len, n - len, ".0");
    }
}

/* Element |i| of the constant array |c| as kir text. */
static void put_const_elem(Buf *b, const KirConstArray *c, int64_t i)
{
    const unsigned char *p = c->data;
    size_t size = (size_t)uf_kind_itemsize((UfKind)c->kind);
    p += (size_t)i * size;
    union {
        int8_t i1;
        int16_t i2;
        int32_t i4;
        int64_t i8;
        uint8_t u1;
        uint16_t u2;
        uint32_t u4;
        uint64_t u8;
        float f4;
        double f8;
    } v;
    memcpy(&v, p, size);
    char num[64];
    switch ((UfKind)c->kind) {
    case UF_B1:
        put_str(b, v.u1 != 0 ? "True" : "False");
        return;
    case UF_I1:
        putf(b, "%d", v.i1);
        return;
    case UF_I2:
        putf(b, "%d", v.i2);
        return;
    case UF_I4:
        putf(b, "%d", (int)v.i4);
        return;
    case UF_I8:
        putf(b, "%lld", (long long)v.i8);
        return;
    case UF_U1:
        putf(b, "%u", v.u1);
        return;
    case UF_U2:
        putf(b, "%u", v.u2);
        return;
    case UF_U4:
        putf(b, "%lu", (unsigned long)v.u4);
        return;
    case UF_U8:
        putf(b, "%llu", (unsigned long long)v.u8);
        return;
    case UF_F4:
        format_real_f4(v.f4, num, sizeof num);
        put_str(b, num);
        return;
    default:
        format_real(v.f8, num, sizeof num);
        put_str(b, num);
        return;
    }
}

/* " KIND (SHAPE) ELEMENT..." of (constarray ...) */
static void put_const_array(Buf *b, const KirConstArray *c)
{
    if (c == NULL) {
        put_str(b, " ?");
        return;
    }
    putf(b, " %s (", uf_kind_name((UfKind)c->kind));
    int64_t count = 1;
    for (int32_t d = 0; d < c->ndim; d++) {
        putf(b, d > 0 ? " %lld" : "%lld", (long long)c->shape[d]);
        count *= c->shape[d];
    }
    put(b, ")", 1);
    for (int64_t i = 0; i < count; i++) {
        put(b, " ", 1);
        put_const_elem(b, c, i);
    }
}

/* What follows '(' of a list: the op's text and any operand that is not a
 * node (the SET/FOR variable, the CAST / NEWARRAY type, the constant
 * array). */
static void put_head(Buf *b, const KirKernel *k, const KirNode *n)
{
    if (n->op == KIR_CALL) {
        bool ok = n->u.fn >= 0 && n->u.fn < KIR_NFNS;
        put_str(b, ok ? kir_fn_info[n->u.fn].name : "?");
        return;
    }
    put_str(b, kir_op_info[n->op].text);
    if (n->op == KIR_SET || n->op == KIR_FOR) {
        put(b, " ", 1);
        put_str(b, var_name(k, n->u.var));
    } else if (n->op == KIR_CAST || n->op == KIR_NEWARRAY) {
        put(b, " ", 1);
        put_type(b, n->u.to);
    } else if (n->op == KIR_CONSTARRAY) {
        put_const_array(b, n->u.carr);
    }
}

static void put_node(Buf *b, const KirKernel *k, const KirNode *n, int level,
                     int flags);

/* A child: a BLOCK on its own line one level deeper, the rest inline. */
static void put_kid(Buf *b, const KirKernel *k, const KirNode *kid, int level,
                    int flags)
{
    if (kid != NULL && kid->op == KIR_BLOCK) {
        put_indent(b, level + 1);
        put_node(b, k, kid, level + 1, flags);
    } else {
        put(b, " ", 1);
        put_node(b, k, kid, level, flags);
    }
}

/* One node starting at indentation |level|, with its annotations. */
static void put_node(Buf *b, const KirKernel *k, const KirNode *n, int level,
                     int flags)
{
    if (n == NULL || n->op >= KIR_NOPS) {
        put_str(b, "?");
        return;
    }
    if (kir_op_info[n->op].cls == KIR_CLASS_ATOM) {
        put_atom(b, k, n);
    } else if (n->op == KIR_BLOCK) {
        put_str(b, "(block");
        for (int32_t i = 0; i < n->nkids; i++) {
            put_indent(b, level + 1);
            put_node(b, k, n->kids[i], level + 1, flags);
        }
        put(b, ")", 1);
    } else {
        put(b, "(", 1);
        put_head(b, k, n);
        for (int32_t i = 0; i < n->nkids; i++) {
            put_kid(b, k, n->kids[i], level, flags);
        }
        put(b, ")", 1);
    }
    put_annotations(b, n, flags);
}

/* "(kernel NAME (ARG ...)": the header line. */
static void put_header(Buf *b, const KirKernel *k, int flags)
{
    put_str(b, "(kernel ");
    put_str(b, k->name);
    put_str(b, " (");
    for (int32_t i = 0; i < k->nargs && i < k->nvars; i++) {
        if (i > 0) {
            put(b, " ", 1);
        }
        put_str(b, k->vars[i].name);
        if ((flags & KIR_PRINT_TYPES) && k->vars[i].type.kind != UF_VOID) {
            put(b, ":", 1);
            put_type(b, k->vars[i].type);
        }
    }
    put(b, ")", 1);
}

/* new canonical text of |k| (uf_free it), or NULL when out of memory.
 * KIR_PRINT_TYPES adds ":TYPE" to typed nodes and arguments;
 * KIR_PRINT_LOCS adds "@LINE:COL-ENDCOL" to every node. */
char *kir_print(const KirKernel *k, int flags)
{
    Buf b = {NULL, 0, 0, false};
    put_header(&b, k, flags);
    const KirNode *body = k->body;
    for (int32_t i = 0; body != NULL && i < body->nkids; i++) {
        put_indent(&b, 1);
        put_node(&b, k, body->kids[i], 1, flags);
    }
    put(&b, ")", 1);
    if (b.oom) {
        uf_free(b.s);
        return NULL;
    }
    return b.s;
}
