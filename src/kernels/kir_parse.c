/*
 * kir_parse.c -- reads the text kir_print.c writes.
 *
 * Tokens are '(' ')' and words; whitespace and ';' comments (to the end of
 * the line) separate them.  A node may carry annotations written right
 * after it: ":TYPE" and "@LINE:COL-ENDCOL".  Without "@", a node's location
 * is its place in the text; "@0:0-0" (which KIR_PRINT_LOCS writes for a
 * node without a location) gives it none.
 *
 * Names are resolved as they are met: a name that is not an argument
 * becomes a local on first sight (in SET, FOR or an expression);
 * kir_verify reports locals read but never assigned.  The parser checks
 * syntax and fixed arities only; the verifier checks the rest.
 */
#include "kernels.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KIR_MAX_DEPTH 1000 /* nesting of lists */
#define KIR_MAX_TYPE 256   /* characters in a type annotation */
/* elements of a constarray (the front end freezes no larger arrays) */
#define KIR_MAX_CONST_ELEMENTS (1 << 20)

/* A token: a span of the text and where it is. */
typedef struct Tok {
    const char *s;
    size_t len;
    UfLoc loc;
} Tok;

typedef struct Parser {
    const char *text;
    size_t pos;
    int32_t line;
    size_t line_start; /* offset of the current line's first character */
    int depth;
    KirKernel *k;
    KirNode **stack; /* children of the lists being read (uf_malloc'd) */
    size_t nstack;
    size_t cap_stack;
    UfError *err;
} Parser;

/* ---- characters and tokens ---------------------------------------------- */

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* Characters that end a word. */
static bool is_delim(char c)
{
    return c == '\0' || is_space(c) || c == '(' || c == ')' || c == ';' ||
           c == ':' || c == '@';
}

/* The location of |len| characters at the current position. */
static UfLoc loc_here(const Parser *p, size_t len)
{
    int32_t col = (int32_t)(p->pos - p->line_start) + 1;
    UfLoc loc = {p->line, col, col + (int32_t)len};
    return loc;
}

static void skip_space(Parser *p)
{
    for (;;) {
        char c = p->text[p->pos];
        if (c == '\n') {
            p->pos++;
            p->line++;
            p->line_start = p->pos;
        } else if (is_space(c)) {
            p->pos++;
        } else if (c == ';') {
            p->pos += strcspn(p->text + p->pos, "\n");
        } else {
            return;
        }
    }
}

/* The next character after whitespace and comments; '\0' at the end. */
static char peek(Parser *p)
{
    skip_space(p);
    return p->text[p->pos];
}

/* Consumes |len| characters (none of them a newline) as a token. */
static Tok take(Parser *p, size_t len)
{
    Tok t = {p->text + p->pos, len, loc_here(p, len)};
    p->pos += len;
    return t;
}

/* The word at the current position (empty at a delimiter), consumed. */
static Tok take_word(Parser *p)
{
    size_t len = 0;
    while (!is_delim(p->text[p->pos + len])) {
        len++;
    }
    return take(p, len);
}

/* A type's text: up to a delimiter, spaces allowed inside brackets. */
static Tok take_type_text(Parser *p)
{
    const char *s = p->text + p->pos;
    size_t len = 0;
    int brackets = 0;
    for (; s[len] != '\0' && s[len] != '\n'; len++) {
        char c = s[len];
        if (c == '[') {
            brackets++;
        } else if (c == ']') {
            brackets--;
        } else if (brackets <= 0 && (is_space(c) || c == '(' || c == ')' ||
                                     c == ';' || c == '@')) {
            break;
        }
    }
    return take(p, len);
}

static bool tok_is(Tok t, const char *word)
{
    return strlen(word) == t.len && memcmp(t.s, word, t.len) == 0;
}

/* ---- errors ------------------------------------------------------------- */

static int syntax_error(Parser *p, UfLoc loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int syntax_error(Parser *p, UfLoc loc, const char *fmt, ...)
{
    char msg[sizeof p->err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return uf_error(p->err, UF_ERR_SYNTAX, loc, "%s", msg);
}

/* "expected WHAT, found 'x'" at the next token, or "unexpected end of
 * text: expected WHAT". */
static int expected(Parser *p, const char *what)
{
    char c = peek(p);
    if (c == '\0') {
        return syntax_error(p, loc_here(p, 1),
                            "unexpected end of text: expected %s", what);
    }
    size_t len = 0;
    while (!is_delim(p->text[p->pos + len])) {
        len++;
    }
    len = len > 0 ? len : 1;
    return syntax_error(p, loc_here(p, len), "expected %s, found '%.*s'", what,
                        (int)len, p->text + p->pos);
}

/* ---- helpers that build ------------------------------------------------- */

static int push(Parser *p, KirNode *n)
{
    if (p->nstack == p->cap_stack) {
        size_t cap = p->cap_stack > 0 ? 2 * p->cap_stack : 64;
        KirNode **s = uf_realloc(p->stack, cap * sizeof *s);
        if (s == NULL) {
            return uf_error_nomem(p->err);
        }
        p->stack = s;
        p->cap_stack = cap;
    }
    p->stack[p->nstack++] = n;
    return 0;
}

/* A node whose children are the stack entries from |base| on, popped. */
static KirNode *pop_node(Parser *p, KirOp op, size_t base, UfLoc loc)
{
    int nkids = (int)(p->nstack - base);
    KirNode *n = kir_node_new(p->k, op, nkids, loc);
    if (n == NULL) {
        uf_error_nomem(p->err);
        return NULL;
    }
    if (nkids > 0) {
        memcpy(n->kids, p->stack + base, (size_t)nkids * sizeof *n->kids);
    }
    p->nstack = base;
    return n;
}

/* The index of variable |t|, declaring a local on first sight. */
static int resolve_var(Parser *p, Tok t)
{
    int v = kir_kernel_find_var(p->k, t.s, t.len);
    if (v < 0) {
        v = kir_kernel_add_var(p->k, t.s, t.len, false);
        if (v < 0) {
            return uf_error_nomem(p->err);
        }
    }
    return v;
}

/* ---- atoms -------------------------------------------------------------- */

/* NAME := [A-Za-z_][A-Za-z0-9_]* */
static bool is_name(const char *s, size_t len)
{
    if (len == 0 || !is_alpha(s[0])) {
        return false;
    }
    for (size_t i = 1; i < len; i++) {
        if (!is_alpha(s[i]) && !is_digit(s[i])) {
            return false;
        }
    }
    return true;
}

/* INT := '-'? DIGIT+ */
static bool is_int_text(const char *s, size_t len)
{
    size_t i = (len > 0 && s[0] == '-') ? 1 : 0;
    if (i == len) {
        return false;
    }
    for (; i < len; i++) {
        if (!is_digit(s[i])) {
            return false;
        }
    }
    return true;
}

/* Skips digits from s[*i]; returns how many. */
static size_t skip_digits(const char *s, size_t len, size_t *i)
{
    size_t start = *i;
    while (*i < len && is_digit(s[*i])) {
        (*i)++;
    }
    return *i - start;
}

/* FLOAT := '-'? (DIGIT+ ('.' DIGIT*)? | '.' DIGIT+) (('e'|'E') [+-]? DIGIT+)?
 *          with a '.' or an exponent;  or  'inf' | '-inf' | 'nan' */
static bool is_float_text(const char *s, size_t len)
{
    if ((len == 3 && memcmp(s, "inf", 3) == 0) ||
        (len == 4 && memcmp(s, "-inf", 4) == 0) ||
        (len == 3 && memcmp(s, "nan", 3) == 0)) {
        return true;
    }
    size_t i = (len > 0 && s[0] == '-') ? 1 : 0;
    size_t digits = skip_digits(s, len, &i);
    bool dot = i < len && s[i] == '.';
    if (dot) {
        i++;
        digits += skip_digits(s, len, &i);
    }
    if (digits == 0) {
        return false;
    }
    bool exp = i < len && (s[i] == 'e' || s[i] == 'E');
    if (exp) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-')) {
            i++;
        }
        if (skip_digits(s, len, &i) == 0) {
            return false;
        }
    }
    return i == len && (dot || exp);
}

/* Literals that look like names and so cannot name a variable. */
static bool is_reserved(const char *s, size_t len)
{
    static const char *const words[] = {"True", "False", "None", "inf",
                                        "nan",  "infj",  "nanj"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        if (strlen(words[i]) == len && memcmp(words[i], s, len) == 0) {
            return true;
        }
    }
    return false;
}

static bool is_var_name(Tok t)
{
    return is_name(t.s, t.len) && !is_reserved(t.s, t.len);
}

/* The value of validated float text (see is_float_text). */
static double float_value(const char *s, size_t len)
{
    if (len == 3 && s[0] == 'n') {
        return NAN;
    }
    if (len >= 3 && s[len - 1] == 'f') {
        return s[0] == '-' ? -INFINITY : INFINITY;
    }
    return strtod(s, NULL); /* stops at the delimiter after the digits */
}

/* The value of validated integer text; -1 when out of int64 range. */
static int int_value(const char *s, size_t len, int64_t *out)
{
    bool neg = s[0] == '-';
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    uint64_t v = 0;
    for (size_t i = neg ? 1 : 0; i < len; i++) {
        uint64_t d = (uint64_t)(s[i] - '0');
        if (v > (limit - d) / 10) {
            return -1;
        }
        v = v * 10 + d;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
}

/* A numeric literal: INT, FLOAT or IMAG (a number followed by 'j'). */
static int number_atom(Parser *p, Tok t, KirNode *n)
{
    size_t len = t.len;
    if (len >= 2 && t.s[len - 1] == 'j') {
        n->op = KIR_IMAG;
        n->u.fval = float_value(t.s, len - 1);
    } else if (is_int_text(t.s, len)) {
        n->op = KIR_INT;
        if (int_value(t.s, len, &n->u.ival) < 0) {
            return syntax_error(p, t.loc,
                                "integer literal '%.*s' is out of range",
                                (int)len, t.s);
        }
    } else {
        n->op = KIR_FLOAT;
        n->u.fval = float_value(t.s, len);
    }
    return 0;
}

static bool is_number_text(const char *s, size_t len)
{
    if (len >= 2 && s[len - 1] == 'j') {
        len--;
    }
    return is_int_text(s, len) || is_float_text(s, len);
}

/* atom := INT | FLOAT | IMAG | 'True' | 'False' | 'None' | NAME */
static int parse_atom(Parser *p, KirNode **out)
{
    Tok t = take_word(p);
    KirNode *n = kir_node_new(p->k, KIR_VAR, 0, t.loc);
    if (n == NULL) {
        return uf_error_nomem(p->err);
    }
    *out = n;
    if (tok_is(t, "True") || tok_is(t, "False")) {
        n->op = KIR_BOOL;
        n->u.ival = tok_is(t, "True");
        return 0;
    }
    if (tok_is(t, "None")) {
        n->op = KIR_NONE;
        return 0;
    }
    if (is_number_text(t.s, t.len)) {
        return number_atom(p, t, n);
    }
    if (!is_name(t.s, t.len)) {
        return syntax_error(p, t.loc, "invalid atom '%.*s'", (int)t.len, t.s);
    }
    int v = resolve_var(p, t);
    UF_TRY(v);
    n->u.var = v;
    return 0;
}

/* The value of hex digit |c|, or -1. */
static int hex_value(char c)
{
    if (is_digit(c)) {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
}

/* Decodes the escape after the backslash at s[*i] into *out; -1 when it
 * is not one of \" \\ \n \t \xHH (\x00 included: a string is
 * NUL-terminated). */
static int unescape(const char *s, size_t *i, char *out)
{
    char c = s[*i];
    *i += 1;
    if (c == '"' || c == '\\') {
        *out = c;
    } else if (c == 'n' || c == 't') {
        *out = c == 'n' ? '\n' : '\t';
    } else if (c == 'x' && hex_value(s[*i]) >= 0 && hex_value(s[*i + 1]) >= 0 &&
               hex_value(s[*i]) * 16 + hex_value(s[*i + 1]) != 0) {
        *out = (char)(hex_value(s[*i]) * 16 + hex_value(s[*i + 1]));
        *i += 2;
    } else {
        return -1;
    }
    return 0;
}

/* string := '"' (CHAR | '\' ESCAPE)* '"' on one line */
static int parse_string(Parser *p, KirNode **out)
{
    Tok open = take(p, 1);
    const char *s = p->text + p->pos;
    size_t raw = 0, i = 0, n = 0;
    while (s[raw] != '"' && s[raw] != '\0' && s[raw] != '\n') {
        bool escape =
            s[raw] == '\\' && s[raw + 1] != '\0' && s[raw + 1] != '\n';
        raw += escape ? 2 : 1;
    }
    if (s[raw] != '"') {
        return syntax_error(p, open.loc, "unterminated string");
    }
    char *text = kir_arena_alloc(p->k->arena, raw + 1);
    KirNode *node = kir_node_new(p->k, KIR_STR, 0, open.loc);
    if (text == NULL || node == NULL) {
        return uf_error_nomem(p->err);
    }
    while (i < raw) {
        if (s[i] != '\\') {
            text[n++] = s[i++];
        } else if (i++, unescape(s, &i, &text[n++]) < 0) {
            UfLoc loc = {open.loc.line, open.loc.col + (int32_t)i, 0};
            loc.end_col = loc.col + 1;
            return syntax_error(p, loc, "invalid escape in a string");
        }
    }
    text[n] = '\0';
    node->u.str = text;
    node->loc.end_col = open.loc.col + (int32_t)raw + 2;
    p->pos += raw + 1;
    *out = node;
    return 0;
}

/* ---- annotations -------------------------------------------------------- */

/* TYPE, handed to uf_type_parse; its error columns are moved onto |t|. */
static int parse_type_tok(Parser *p, Tok t, UfType *out)
{
    char buf[KIR_MAX_TYPE];
    if (t.len == 0 || t.len >= sizeof buf) {
        UfLoc loc = t.len > 0 ? t.loc : loc_here(p, 1);
        return syntax_error(
            p, loc, t.len > 0 ? "type name too long" : "expected a type");
    }
    memcpy(buf, t.s, t.len);
    buf[t.len] = '\0';
    int pos = 0;
    UfError sub = {UF_ERR_NONE, {0, 0, 0}, ""};
    if (uf_type_parse(buf, &pos, out, &sub) < 0) {
        UfLoc loc = t.loc;
        if (sub.loc.line > 0) {
            loc.col = t.loc.col + sub.loc.col - 1;
            loc.end_col = t.loc.col + sub.loc.end_col - 1;
        }
        UfErrorKind kind = sub.kind != UF_ERR_NONE ? sub.kind : UF_ERR_SYNTAX;
        return uf_error(p->err, kind, loc, "%s", sub.msg);
    }
    if ((size_t)pos != t.len) {
        UfLoc loc = {t.loc.line, t.loc.col + pos, t.loc.end_col};
        return syntax_error(p, loc, "unexpected '%.*s' after type '%.*s'",
                            (int)t.len - pos, t.s + pos, pos, t.s);
    }
    return 0;
}

/* A decimal number of a location; -1 when there are no digits. */
static int parse_loc_num(Parser *p, int32_t *out)
{
    const char *s = p->text + p->pos;
    size_t i = 0;
    int64_t v = 0;
    for (; is_digit(s[i]); i++) {
        v = v * 10 + (s[i] - '0');
        if (v > INT32_MAX) {
            return syntax_error(p, loc_here(p, i + 1),
                                "location number out of range");
        }
    }
    if (i == 0) {
        return expected(p, "a location 'LINE:COL-ENDCOL'");
    }
    p->pos += i;
    *out = (int32_t)v;
    return 0;
}

/* Consumes |c| or reports that a location was expected. */
static int loc_sep(Parser *p, char c)
{
    if (p->text[p->pos] != c) {
        return expected(p, "a location 'LINE:COL-ENDCOL'");
    }
    p->pos++;
    return 0;
}

/* loc := '@' INT ':' INT '-' INT */
static int parse_loc(Parser *p, UfLoc *out)
{
    p->pos++; /* '@' */
    UF_TRY(parse_loc_num(p, &out->line));
    UF_TRY(loc_sep(p, ':'));
    UF_TRY(parse_loc_num(p, &out->col));
    UF_TRY(loc_sep(p, '-'));
    return parse_loc_num(p, &out->end_col);
}

/* annotations := [':' TYPE] ['@' INT ':' INT '-' INT], right after a node */
static int parse_annotations(Parser *p, KirNode *n)
{
    if (p->text[p->pos] == ':') {
        p->pos++;
        UF_TRY(parse_type_tok(p, take_type_text(p), &n->type));
    }
    if (p->text[p->pos] == '@') {
        return parse_loc(p, &n->loc);
    }
    return 0;
}

/* ---- lists -------------------------------------------------------------- */

/* The location of a list from '(' to ')'.  A list spanning lines ends at
 * its last character on its first line. */
static UfLoc list_loc(Tok open, Tok close)
{
    UfLoc loc = open.loc;
    if (close.loc.line == open.loc.line) {
        loc.end_col = close.loc.end_col;
        return loc;
    }
    size_t len = strcspn(open.s, "\n;");
    while (len > 1 && is_space(open.s[len - 1])) {
        len--;
    }
    loc.end_col = open.loc.col + (int32_t)len;
    return loc;
}

/* The number of operands an op takes, -1 when it varies. */
static int op_arity(KirOp op, int fn)
{
    return op == KIR_CALL ? kir_fn_info[fn].arity : kir_op_info[op].nkids;
}

/* Reports a wrong operand count for the list at |loc|. */
static int arity_error(Parser *p, Tok head, int want, int found, UfLoc loc)
{
    const char *hint = "";
    if (found == 1 && tok_is(head, "-")) {
        hint = " (use 'neg' for negation)";
    } else if (found == 1 && tok_is(head, "+")) {
        hint = " (use 'pos' for unary plus)";
    }
    return syntax_error(p, loc, "'%.*s' takes %d operand%s, found %d%s",
                        (int)head.len, head.s, want, want == 1 ? "" : "s",
                        found, hint);
}

/* ---- constant arrays ------------------------------------------------------
 */

/* The value of validated unsigned integer text; -1 when out of range. */
static int uint_value(const char *s, size_t len, uint64_t *out)
{
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        uint64_t d = (uint64_t)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10) {
            return -1;
        }
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

/* Element |t| of a constant array of |kind|, stored at |dst|. */
static int const_elem(Parser *p, Tok t, UfKind kind, void *dst)
{
    bool int_text = is_int_text(t.s, t.len);
    int64_t i = 0;
    uint64_t u = 0;
    if (kind == UF_B1 && (tok_is(t, "True") || tok_is(t, "False"))) {
        *(uint8_t *)dst = tok_is(t, "True");
        return 0;
    }
    if (uf_kind_is_float((UfKind)kind) &&
        (int_text || is_float_text(t.s, t.len))) {
        double d = int_text ? strtod(t.s, NULL) : float_value(t.s, t.len);
        float f = strtof(t.s, NULL); /* not via d: no double rounding */
        memcpy(dst, kind == UF_F4 ? (void *)&f : (void *)&d,
               (size_t)uf_kind_itemsize(kind));
        return 0;
    }
    bool ok = int_text && uf_kind_is_int(kind);
    if (ok && uf_kind_is_signed(kind)) {
        ok = int_value(t.s, t.len, &i) == 0 && uf_kind_holds(kind, i);
        u = (uint64_t)i;
    } else if (ok) {
        ok = t.s[0] != '-' && uint_value(t.s, t.len, &u) == 0 &&
             (kind == UF_U8 || uf_kind_holds(kind, (int64_t)u));
    }
    if (!ok) {
        return syntax_error(p, t.loc, "'%.*s' is not a %s value", (int)t.len,
                            t.s, uf_kind_name(kind));
    }
    int size = uf_kind_itemsize(kind); /* little or big endian alike */
    uint8_t v1 = (uint8_t)u;
    uint16_t v2 = (uint16_t)u;
    uint32_t v4 = (uint32_t)u;
    memcpy(dst,
           size == 1   ? (void *)&v1
           : size == 2 ? (void *)&v2
           : size == 4 ? (void *)&v4
                       : (void *)&u,
           (size_t)size);
    return 0;
}

/* '(' EXTENT+ ')' of a constant array into |c|; *count gets the product. */
static int const_shape(Parser *p, KirConstArray *c, int64_t *count)
{
    if (peek(p) != '(') {
        return expected(p, "'(' and the constant array's extents");
    }
    p->pos++;
    *count = 1;
    while (peek(p) != ')') {
        Tok t = take_word(p);
        int64_t e;
        if (!is_int_text(t.s, t.len) || int_value(t.s, t.len, &e) < 0 ||
            e < 0 || c->ndim == UF_MAXNDIM) {
            p->pos -= t.len;
            return expected(p, "an extent (an integer >= 0) or ')'");
        }
        c->shape[c->ndim++] = e;
        if (e != 0 && *count > KIR_MAX_CONST_ELEMENTS / e) {
            return syntax_error(p, t.loc,
                                "constant array too large (more than %d "
                                "elements)",
                                KIR_MAX_CONST_ELEMENTS);
        }
        *count *= e;
    }
    p->pos++;
    return c->ndim > 0 ? 0 : expected(p, "at least one extent");
}

/* constarray := 'constarray' KIND '(' EXTENT+ ')' ELEMENT* -- all of it
 * the list's prefix: the elements are not nodes. */
static int parse_const_array(Parser *p, KirNode *tmp)
{
    skip_space(p);
    Tok kt = take_type_text(p);
    UfType t;
    UF_TRY(parse_type_tok(p, kt, &t));
    if (t.ndim != 0 || t.kind == UF_VOID || uf_kind_is_complex(t.kind)) {
        return syntax_error(p, kt.loc,
                            "a constant array's elements are booleans, "
                            "integers or floats");
    }
    KirConstArray *c = kir_arena_alloc(p->k->arena, sizeof *c);
    if (c == NULL) {
        return uf_error_nomem(p->err);
    }
    c->kind = t.kind;
    int64_t count;
    UF_TRY(const_shape(p, c, &count));
    size_t size = (size_t)uf_kind_itemsize((UfKind)t.kind);
    unsigned char *data = kir_arena_alloc(p->k->arena, (size_t)count * size);
    if (data == NULL && count > 0) {
        return uf_error_nomem(p->err);
    }
    for (int64_t i = 0; i < count; i++) {
        if (peek(p) == ')' || is_delim(p->text[p->pos])) {
            return expected(p, "another element of the constant array");
        }
        UF_TRY(const_elem(p, take_word(p), (UfKind)t.kind,
                          data + (size_t)i * size));
    }
    if (peek(p) != ')') {
        return expected(p, "')' after the constant array's elements");
    }
    c->data = data;
    tmp->u.carr = c;
    return 0;
}

/* The operand that is not a node: SET/FOR's variable, CAST's and
 * NEWARRAY's type, CONSTARRAY's constants. */
static int parse_prefix(Parser *p, KirOp op, KirNode *tmp)
{
    if (op == KIR_CONSTARRAY) {
        return parse_const_array(p, tmp);
    }
    if (op == KIR_SET || op == KIR_FOR) {
        skip_space(p);
        Tok t = take_word(p);
        if (!is_var_name(t)) {
            char what[64];
            snprintf(what, sizeof what, "a variable name after '%s'",
                     kir_op_info[op].text);
            p->pos -= t.len;
            return expected(p, what);
        }
        int v = resolve_var(p, t);
        UF_TRY(v);
        tmp->u.var = v;
    } else if (op == KIR_CAST || op == KIR_NEWARRAY) {
        skip_space(p);
        if (p->text[p->pos] == '\0') {
            char what[64];
            snprintf(what, sizeof what, "a type after '%s'",
                     kir_op_info[op].text);
            return expected(p, what);
        }
        return parse_type_tok(p, take_type_text(p), &tmp->u.to);
    }
    return 0;
}

/* HEAD := op text (kir_ops.def) | function name (kir_fns.def) */
static int parse_head(Parser *p, Tok *head, KirOp *op, int *fn)
{
    skip_space(p);
    *head = take_word(p);
    if (head->len == 0) {
        return expected(p, "an operation");
    }
    int o = kir_op_lookup(head->s, head->len);
    *fn = o < 0 ? kir_fn_lookup(head->s, head->len) : -1;
    if (o < 0 && *fn < 0) {
        return syntax_error(p, head->loc, "unknown operation '%.*s'",
                            (int)head->len, head->s);
    }
    *op = o >= 0 ? (KirOp)o : KIR_CALL;
    return 0;
}

static int parse_node(Parser *p, KirNode **out);

/* items := node* ')' -- pushed on the stack; *close gets the ')'. */
static int parse_items(Parser *p, Tok open, Tok *close)
{
    for (;;) {
        char c = peek(p);
        if (c == ')') {
            *close = take(p, 1);
            return 0;
        }
        if (c == '\0') {
            return syntax_error(p, loc_here(p, 1),
                                "unexpected end of text: expected ')' to "
                                "close '(' at %d:%d",
                                (int)open.loc.line, (int)open.loc.col);
        }
        KirNode *kid = NULL;
        UF_TRY(parse_node(p, &kid));
        UF_TRY(push(p, kid));
    }
}

/* list := '(' HEAD [NAME | TYPE] node* ')' */
static int parse_list(Parser *p, KirNode **out)
{
    Tok open = take(p, 1);
    if (++p->depth > KIR_MAX_DEPTH) {
        return syntax_error(p, open.loc, "nesting too deep");
    }
    Tok head = {NULL, 0, {0, 0, 0}};
    Tok close = head;
    KirOp op = KIR_BLOCK;
    int fn = -1;
    KirNode tmp; /* holds the prefix payload until the node exists */
    memset(&tmp, 0, sizeof tmp);
    UF_TRY(parse_head(p, &head, &op, &fn));
    UF_TRY(parse_prefix(p, op, &tmp));
    size_t base = p->nstack;
    UF_TRY(parse_items(p, open, &close));
    UfLoc loc = list_loc(open, close);
    int want = op_arity(op, fn);
    int found = (int)(p->nstack - base);
    if (want >= 0 && found != want) {
        return arity_error(p, head, want, found, loc);
    }
    KirNode *n = pop_node(p, op, base, loc);
    if (n == NULL) {
        return -1;
    }
    n->u = tmp.u;
    if (op == KIR_CALL) {
        n->u.fn = fn;
    }
    p->depth--;
    *out = n;
    return 0;
}

/* node := (atom | string | list) annotations */
static int parse_node(Parser *p, KirNode **out)
{
    char c = peek(p);
    if (c == '(') {
        UF_TRY(parse_list(p, out));
    } else if (c == '"') {
        UF_TRY(parse_string(p, out));
    } else if (!is_delim(c)) {
        UF_TRY(parse_atom(p, out));
    } else {
        return expected(p, "an expression or statement");
    }
    return parse_annotations(p, *out);
}

/* ---- the kernel --------------------------------------------------------- */

/* Consumes the character |c| after whitespace, or reports |what|. */
static int expect_char(Parser *p, char c, const char *what, Tok *t)
{
    if (peek(p) != c) {
        return expected(p, what);
    }
    *t = take(p, 1);
    return 0;
}

/* arg := NAME [':' TYPE] */
static int parse_arg(Parser *p)
{
    skip_space(p);
    Tok t = take_word(p);
    if (!is_var_name(t)) {
        p->pos -= t.len;
        return expected(p, "an argument name or ')'");
    }
    if (kir_kernel_find_var(p->k, t.s, t.len) >= 0) {
        return syntax_error(p, t.loc, "duplicate argument '%.*s'", (int)t.len,
                            t.s);
    }
    int v = kir_kernel_add_var(p->k, t.s, t.len, true);
    if (v < 0) {
        return uf_error_nomem(p->err);
    }
    if (p->text[p->pos] == ':') {
        p->pos++;
        return parse_type_tok(p, take_type_text(p), &p->k->vars[v].type);
    }
    return 0;
}

/* args := '(' arg* ')' */
static int parse_args(Parser *p)
{
    Tok t = {NULL, 0, {0, 0, 0}};
    UF_TRY(expect_char(p, '(', "'(' to open the argument list", &t));
    while (peek(p) != ')') {
        UF_TRY(parse_arg(p));
    }
    p->pos++;
    return 0;
}

/* kernel := '(' 'kernel' NAME args node* ')' */
static int parse_kernel(Parser *p)
{
    Tok open = {NULL, 0, {0, 0, 0}};
    Tok close = open;
    UF_TRY(expect_char(p, '(', "'(kernel'", &open));
    skip_space(p);
    Tok kw = take_word(p);
    if (!tok_is(kw, "kernel")) {
        p->pos -= kw.len;
        return expected(p, "'kernel'");
    }
    skip_space(p);
    Tok name = take_word(p);
    if (!is_name(name.s, name.len)) {
        p->pos -= name.len;
        return expected(p, "the kernel's name");
    }
    p->k = kir_kernel_new(name.s, name.len);
    if (p->k == NULL) {
        return uf_error_nomem(p->err);
    }
    UF_TRY(parse_args(p));
    UF_TRY(parse_items(p, open, &close));
    p->k->loc = list_loc(open, close);
    p->k->body = pop_node(p, KIR_BLOCK, 0, p->k->loc);
    if (p->k->body == NULL) {
        return -1;
    }
    if (peek(p) != '\0') {
        return expected(p, "the end of the text after the kernel");
    }
    return 0;
}

/* new kernel read from |text|, or NULL with |err| set: UF_ERR_SYNTAX at
 * the offending token, or UF_ERR_MEMORY.  Nothing is left allocated on
 * failure.  Structure beyond syntax is kir_verify's to check. */
KirKernel *kir_parse(const char *text, UfError *err)
{
    Parser p;
    memset(&p, 0, sizeof p);
    p.text = text;
    p.line = 1;
    p.err = err;
    int rc = parse_kernel(&p);
    uf_free(p.stack);
    if (rc < 0) {
        kir_kernel_free(p.k);
        return NULL;
    }
    return p.k;
}
