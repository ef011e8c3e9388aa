/*
 * sig.c -- signature strings in every form Numba accepts, and their
 * canonical printing.
 *
 *   'f8(f8, f8)'  'float64(int32, uint8)'  '(f8, f8)' (return inferred)
 *   'void(f8[:], f8[::1])'  'Tuple(f8, f8)(f8)'  '(f8, f8)(f8)'
 *   'f8[:], f8[:]'  'f8,'  (Numba's tuples of types: return inferred)
 *
 * Grammar (whitespace is allowed between any two tokens):
 *   sig      := [ret] list | bare
 *   ret      := type | 'void' | 'none'
 *             | 'Tuple' list | 'Tuple' '(' list ')' | list
 *             | 'UniTuple' '(' type ',' count ')'
 *   list     := '(' [type {',' type} [',']] ')'
 *   bare     := type ',' [type {',' type} [',']]
 *   type     := name ['[' dim {',' dim} ']'] | 'weak' name
 *   dim      := ':' | '::1'           ('::1' only last: layout C)
 * A leading list is the return tuple only when another list follows it.
 * Numba evaluates a signature string as Python, so it reads 'f8, f8' and
 * 'f8,' as tuples of argument types and 'f8(f8,)' with a trailing comma;
 * a lone 'f8' is no signature there or here.
 * 'void' and 'weak' types are refused in lists; uf_type_parse accepts
 * them so it can read back anything uf_type_str writes.
 *
 * Errors point at the offending token and say what was expected there.
 * Nothing is allocated.
 */
#include "kernels.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* Type names with their kinds, Numba's spellings first.  "float_" is
 * float32 as in numba.types (not NumPy's old np.float_). */
typedef struct TypeName {
    const char *name;
    UfKind kind;
} TypeName;

static const TypeName type_names[] = {
    {"b1", UF_B1},          {"bool_", UF_B1},    {"boolean", UF_B1},
    {"bool", UF_B1},        {"i1", UF_I1},       {"int8", UF_I1},
    {"char", UF_I1},        {"i2", UF_I2},       {"int16", UF_I2},
    {"short", UF_I2},       {"i4", UF_I4},       {"int32", UF_I4},
    {"intc", UF_I4},        {"i8", UF_I8},       {"int64", UF_I8},
    {"intp", UF_I8},        {"int_", UF_I8},     {"long", UF_I8},
    {"long_", UF_I8},       {"longlong", UF_I8}, {"u1", UF_U1},
    {"uint8", UF_U1},       {"byte", UF_U1},     {"uchar", UF_U1},
    {"u2", UF_U2},          {"uint16", UF_U2},   {"ushort", UF_U2},
    {"u4", UF_U4},          {"uint32", UF_U4},   {"uintc", UF_U4},
    {"u8", UF_U8},          {"uint64", UF_U8},   {"uintp", UF_U8},
    {"uint", UF_U8},        {"ulong", UF_U8},    {"ulonglong", UF_U8},
    {"f4", UF_F4},          {"float32", UF_F4},  {"single", UF_F4},
    {"float_", UF_F4},      {"f8", UF_F8},       {"float64", UF_F8},
    {"double", UF_F8},      {"float", UF_F8},    {"c8", UF_C8},
    {"complex64", UF_C8},   {"csingle", UF_C8},  {"c16", UF_C16},
    {"complex128", UF_C16}, {"cdouble", UF_C16}, {"complex_", UF_C16},
    {"complex", UF_C16},    {"void", UF_VOID},   {"none", UF_VOID},
};

#define NTYPE_NAMES (sizeof type_names / sizeof type_names[0])

/* Longest token text quoted in a message. */
#define MAX_QUOTED 40

typedef struct Parser {
    const char *text;
    int pos;
    const char *end_name; /* "end of signature" or "end of text" */
    UfError *err;
} Parser;

static bool is_ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

static void skip_ws(Parser *p)
{
    while (isspace((unsigned char)p->text[p->pos])) {
        p->pos++;
    }
}

/* End of the token starting at |pos|: a run of name characters, or one
 * other character; |pos| itself at the end of the text. */
static int token_end(const char *text, int pos)
{
    if (text[pos] == '\0') {
        return pos;
    }
    if (!is_ident_char(text[pos])) {
        return pos + 1;
    }
    while (is_ident_char(text[pos])) {
        pos++;
    }
    return pos;
}

/* Location of text[start, end): line and columns counted from the start
 * of the text, so multi-line callers (kir) get the right line. */
static UfLoc loc_at(const char *text, int start, int end)
{
    UfLoc loc = {1, 1, 1};
    int line_start = 0;
    for (int i = 0; i < start; i++) {
        if (text[i] == '\n') {
            loc.line++;
            line_start = i + 1;
        }
    }
    loc.col = start - line_start + 1;
    loc.end_col = loc.col + (end > start ? end - start : 1);
    return loc;
}

/* Reports "expected <what>, found <token at pos>". */
static int expected(const Parser *p, int pos, const char *what)
{
    int end = token_end(p->text, pos);
    UfLoc loc = loc_at(p->text, pos, end);
    if (end == pos) {
        return uf_error(p->err, UF_ERR_SYNTAX, loc, "expected %s, found %s",
                        what, p->end_name);
    }
    int len = end - pos < MAX_QUOTED ? end - pos : MAX_QUOTED;
    return uf_error(p->err, UF_ERR_SYNTAX, loc, "expected %s, found '%.*s'%s",
                    what, len, p->text + pos,
                    end - pos > MAX_QUOTED ? "..." : "");
}

/* Reports |msg| at text[start, end). */
static int error_at(const Parser *p, int start, int end, const char *msg)
{
    UfLoc loc = loc_at(p->text, start, end);
    return uf_error(p->err, UF_ERR_SYNTAX, loc, "%s", msg);
}

/* Consumes |c| (after whitespace) if it is next. */
static bool accept(Parser *p, char c)
{
    skip_ws(p);
    if (p->text[p->pos] != c) {
        return false;
    }
    p->pos++;
    return true;
}

/* Whether the name at |pos| is exactly |word|. */
static bool word_at(const char *text, int pos, const char *word)
{
    size_t len = strlen(word);
    return strncmp(text + pos, word, len) == 0 &&
           !is_ident_char(text[pos + len]);
}

/* Looks up text[start, end) in type_names; -1 when unknown. */
static int lookup_name(const char *text, int start, int end)
{
    size_t len = (size_t)(end - start);
    for (size_t i = 0; i < NTYPE_NAMES; i++) {
        const char *name = type_names[i].name;
        if (strlen(name) == len && strncmp(name, text + start, len) == 0) {
            return (int)type_names[i].kind;
        }
    }
    return -1;
}

/* dim := ':' | '::1'      (whitespace allowed between the pieces)
 * Sets *c_layout for '::1'. */
static int parse_dim(Parser *p, int index, bool *c_layout)
{
    char what[64];
    snprintf(what, sizeof what, "':' or '::1' for dimension %d", index);
    skip_ws(p);
    if (p->text[p->pos] != ':') {
        return expected(p, p->pos, what);
    }
    p->pos++;
    *c_layout = accept(p, ':');
    if (!*c_layout) {
        return 0;
    }
    skip_ws(p);
    if (p->text[p->pos] != '1' || is_ident_char(p->text[p->pos + 1])) {
        return expected(p, p->pos, "'1' after '::'");
    }
    p->pos++;
    return 0;
}

/* dims := dim {',' dim} ']'      ('::1' only on the last dim: layout C)
 * The '[' is already consumed. */
static int parse_dims(Parser *p, UfType *t)
{
    for (int ndim = 1;; ndim++) {
        skip_ws(p);
        int start = p->pos;
        if (ndim > UF_MAXNDIM) {
            char msg[80];
            snprintf(msg, sizeof msg, "too many dimensions: at most %d",
                     UF_MAXNDIM);
            return error_at(p, start, token_end(p->text, start), msg);
        }
        bool c_layout = false;
        UF_TRY(parse_dim(p, ndim, &c_layout));
        int dim_end = p->pos;
        if (accept(p, ']')) {
            *t = uf_type_array((UfKind)t->kind, ndim,
                               c_layout ? UF_LAYOUT_C : UF_LAYOUT_A);
            return 0;
        }
        if (p->text[p->pos] != ',') {
            char what[64];
            snprintf(what, sizeof what, "',' or ']' after dimension %d", ndim);
            return expected(p, p->pos, what);
        }
        if (c_layout) {
            return error_at(p, start, dim_end,
                            "'::1' (C layout) is only allowed on the last "
                            "dimension; Fortran layout is not supported");
        }
        p->pos++;
    }
}

/* Parses the name at p->pos into *kind. */
static int parse_name(Parser *p, UfKind *kind)
{
    int start = p->pos;
    int end = token_end(p->text, start);
    int k =
        is_ident_char(p->text[start]) ? lookup_name(p->text, start, end) : -1;
    if (k < 0) {
        return expected(p, start, "a type name such as 'f8' or 'float64'");
    }
    p->pos = end;
    *kind = (UfKind)k;
    return 0;
}

/* weak := 'weak' name      (the literal types i8, f8, c16 only)
 * The 'weak' word is already consumed. */
static int parse_weak(Parser *p, UfType *t)
{
    skip_ws(p);
    int start = p->pos;
    UfKind kind = UF_VOID;
    UF_TRY(parse_name(p, &kind));
    if (kind != UF_I8 && kind != UF_F8 && kind != UF_C16) {
        return error_at(p, start, p->pos,
                        "a weak literal type is 'i8', 'f8' or 'c16'");
    }
    *t = uf_type_weak(kind);
    int end = p->pos;
    if (accept(p, '[')) {
        return error_at(p, p->pos - 1, p->pos,
                        "a weak literal type cannot be an array");
    }
    p->pos = end; /* leave trailing whitespace to the caller */
    return 0;
}

/* type := 'weak' name | name ['[' dims ']'] */
static int parse_type(Parser *p, UfType *t)
{
    skip_ws(p);
    if (word_at(p->text, p->pos, "weak")) {
        p->pos += 4;
        return parse_weak(p, t);
    }
    UfKind kind = UF_VOID;
    UF_TRY(parse_name(p, &kind));
    *t = uf_type_scalar(kind);
    int bracket = p->pos;
    if (!accept(p, '[')) {
        p->pos = bracket; /* leave trailing whitespace to the caller */
        return 0;
    }
    if (kind == UF_VOID) {
        return error_at(p, p->pos - 1, p->pos,
                        "'void' cannot be an array element type");
    }
    return parse_dims(p, t);
}

/* type := 'weak' name | name ['[' dims ']']
 * Parses one type at text[*pos] (leading whitespace skipped) and moves
 * *pos just past it; on error *pos is unchanged and |err| locates the
 * token by line and column within |text|.  Accepts 'void' and 'weak f8'
 * so that it reads back everything uf_type_str writes. */
int uf_type_parse(const char *text, int *pos, UfType *out, UfError *err)
{
    Parser p = {text, *pos, "end of text", err};
    UF_TRY(parse_type(&p, out));
    *pos = p.pos;
    return 0;
}

/* A list entry must be a value type: not void, not a weak literal.  The
 * entry spans text[start, p->pos). */
static int check_entry(const Parser *p, int start, UfType t, const char *what,
                       int index)
{
    char msg[120];
    if (t.kind == UF_VOID) {
        snprintf(msg, sizeof msg,
                 "'void' is only allowed as the return type, found it as %s "
                 "%d",
                 what, index);
        return error_at(p, start, p->pos, msg);
    }
    if (uf_type_is_weak(t)) {
        return error_at(p, start, p->pos,
                        "a weak literal type cannot appear in a signature");
    }
    return 0;
}

/* Entry number |index| (1-based) of a list of at most |max| |what|s. */
static int parse_entry(Parser *p, UfType *out, int index, int max,
                       const char *what)
{
    skip_ws(p);
    int start = p->pos;
    if (index > max) {
        char msg[80];
        snprintf(msg, sizeof msg, "too many %ss: at most %d", what, max);
        return error_at(p, start, token_end(p->text, start), msg);
    }
    UfType t;
    UF_TRY(parse_type(p, &t));
    UF_TRY(check_entry(p, start, t, what, index));
    out[index - 1] = t;
    return 0;
}

/* Consumes |c| or reports "expected '<c>' <context>, found ...". */
static int expect_char(Parser *p, char c, const char *context)
{
    if (accept(p, c)) {
        return 0;
    }
    char what[80];
    snprintf(what, sizeof what, "'%c' %s", c, context);
    return expected(p, p->pos, what);
}

/* list := '(' [type {',' type} [',']] ')'
 * At least |min| entries, at most |max|; |what| names an entry in
 * messages ("argument", "return type"). */
static int parse_list(Parser *p, UfType *out, int *n, int min, int max,
                      const char *what)
{
    char context[64];
    snprintf(context, sizeof context, "to open the %s list", what);
    *n = 0;
    UF_TRY(expect_char(p, '(', context));
    if (min == 0 && accept(p, ')')) {
        return 0;
    }
    for (int i = 1;; i++) {
        UF_TRY(parse_entry(p, out, i, max, what));
        *n = i;
        if (accept(p, ')')) {
            return 0;
        }
        if (p->text[p->pos] != ',') {
            snprintf(context, sizeof context, "',' or ')' after %s %d", what,
                     i);
            return expected(p, p->pos, context);
        }
        p->pos++;
        if (accept(p, ')')) { /* a trailing comma, as Python allows */
            return 0;
        }
    }
}

/* bare := type ',' [type {',' type} [',']]     ('f8[:], f8[:]', 'f8,')
 * The first type spans text[start, end) and was read as a return type;
 * its ',' is consumed.  It becomes argument 1, and the return type is
 * inferred (void for a gufunc), as for '(f8[:], f8[:])'. */
static int parse_bare(Parser *p, UfSig *out, int start, int end)
{
    int after_comma = p->pos;
    p->pos = end;
    UF_TRY(check_entry(p, start, out->ret[0], "argument", 1));
    p->pos = after_comma;
    out->args[0] = out->ret[0];
    out->nargs = 1;
    memset(&out->ret[0], 0, sizeof out->ret[0]);
    out->nret = 0;
    out->ret_inferred = true;
    for (int i = 2;; i++) {
        skip_ws(p);
        if (p->text[p->pos] == '\0') {
            return 0;
        }
        UF_TRY(parse_entry(p, out->args, i, UF_MAXARGS, "argument"));
        out->nargs = i;
        skip_ws(p);
        if (p->text[p->pos] == '\0') {
            return 0;
        }
        if (p->text[p->pos] != ',') {
            char what[64];
            snprintf(what, sizeof what,
                     "',' or end of signature after argument %d", i);
            return expected(p, p->pos, what);
        }
        p->pos++;
    }
}

/* Whether the '(' at |pos| closes at the first ')' and another '(' follows
 * (after whitespace).  Types contain no parentheses. */
static bool is_return_tuple(const char *text, int pos)
{
    const char *close = strchr(text + pos, ')');
    if (close == NULL) {
        return false;
    }
    close++;
    while (isspace((unsigned char)*close)) {
        close++;
    }
    return *close == '(';
}

/* Whether text[pos] is '(' and another '(' follows (after whitespace). */
static bool is_double_paren(const char *text, int pos)
{
    if (text[pos] != '(') {
        return false;
    }
    pos++;
    while (isspace((unsigned char)text[pos])) {
        pos++;
    }
    return text[pos] == '(';
}

/* tuple := 'Tuple' list | 'Tuple' '(' list ')'     (Numba: Tuple((f8, f8)))
 * The 'Tuple' word is already consumed. */
static int parse_tuple(Parser *p, UfSig *out)
{
    skip_ws(p);
    if (!is_double_paren(p->text, p->pos)) {
        return parse_list(p, out->ret, &out->nret, 1, UF_MAXOUTS,
                          "return type");
    }
    p->pos++;
    UF_TRY(parse_list(p, out->ret, &out->nret, 1, UF_MAXOUTS, "return type"));
    return expect_char(p, ')', "to close 'Tuple('");
}

/* unituple := 'UniTuple' '(' type ',' count ')'   (count 1..UF_MAXOUTS)
 * The 'UniTuple' word is already consumed. */
static int parse_unituple(Parser *p, UfSig *out)
{
    UF_TRY(expect_char(p, '(', "after 'UniTuple'"));
    UF_TRY(parse_entry(p, out->ret, 1, UF_MAXOUTS, "return type"));
    UF_TRY(expect_char(p, ',', "after the 'UniTuple' element type"));
    skip_ws(p);
    int start = p->pos;
    int end = token_end(p->text, start);
    int count = 0;
    for (int i = start; i < end && isdigit((unsigned char)p->text[i]); i++) {
        count = count < 100 ? count * 10 + (p->text[i] - '0') : count;
        p->pos = i + 1;
    }
    if (p->pos != end || count < 1 || count > UF_MAXOUTS) {
        char what[64];
        snprintf(what, sizeof what, "a count from 1 to %d", UF_MAXOUTS);
        return expected(p, start, what);
    }
    for (int i = 1; i < count; i++) {
        out->ret[i] = out->ret[0];
    }
    out->nret = count;
    return expect_char(p, ')', "to close 'UniTuple('");
}

/* ret := type | 'void' | tuple | unituple | list
 * A leading list is the return tuple only when another list follows it;
 * alone it is the argument list and the return type is inferred.  A type
 * followed by ',' starts a bare argument list instead: then |*bare| is
 * set and the whole signature is read. */
static int parse_return(Parser *p, UfSig *out, bool *bare)
{
    if (p->text[p->pos] == '(') {
        if (!is_return_tuple(p->text, p->pos)) {
            out->ret_inferred = true;
            return 0;
        }
        return parse_list(p, out->ret, &out->nret, 1, UF_MAXOUTS,
                          "return type");
    }
    if (word_at(p->text, p->pos, "Tuple")) {
        p->pos += 5;
        return parse_tuple(p, out);
    }
    if (word_at(p->text, p->pos, "UniTuple")) {
        p->pos += 8;
        return parse_unituple(p, out);
    }
    int start = p->pos;
    UF_TRY(parse_type(p, &out->ret[0]));
    if (uf_type_is_weak(out->ret[0])) {
        return error_at(p, start, p->pos,
                        "a weak literal type cannot appear in a signature");
    }
    out->nret = out->ret[0].kind == UF_VOID ? 0 : 1;
    int end = p->pos;
    *bare = accept(p, ',');
    return *bare ? parse_bare(p, out, start, end) : 0;
}

/* sig := [ret] list end | bare end      (see parse_return)
 * Parses all of |text| into |out| (zeroed first).  On error returns -1
 * with a UF_ERR_SYNTAX on line 1 whose columns span the offending token. */
int uf_sig_parse(const char *text, UfSig *out, UfError *err)
{
    Parser p = {text, 0, "end of signature", err};
    memset(out, 0, sizeof *out);
    skip_ws(&p);
    if (text[p.pos] == '\0') {
        return expected(&p, p.pos, "a signature such as 'f8(f8, f8)'");
    }
    bool bare = false;
    UF_TRY(parse_return(&p, out, &bare));
    if (bare) {
        return 0; /* parse_bare read up to the end */
    }
    UF_TRY(parse_list(&p, out->args, &out->nargs, 0, UF_MAXARGS, "argument"));
    skip_ws(&p);
    if (text[p.pos] != '\0') {
        return expected(&p, p.pos, "end of signature after ')'");
    }
    return 0;
}

/* Appends to a NUL-terminated buffer, truncating at its end. */
typedef struct StrBuf {
    char *buf;
    size_t n;
    size_t used;
} StrBuf;

static void append(StrBuf *b, const char *s)
{
    size_t len = strlen(s);
    if (b->used + 1 >= b->n) {
        return;
    }
    size_t room = b->n - b->used - 1;
    size_t k = len < room ? len : room;
    memcpy(b->buf + b->used, s, k);
    b->used += k;
    b->buf[b->used] = '\0';
}

/* Appends "t0, t1, ..." */
static void append_types(StrBuf *b, const UfType *types, int n)
{
    char tmp[160];
    for (int i = 0; i < n; i++) {
        append(b, i > 0 ? ", " : "");
        append(b, uf_type_str(types[i], tmp, sizeof tmp));
    }
}

/* Writes the canonical text of |sig| into |buf| (truncated to |n|, always
 * NUL-terminated when n > 0); returns |buf|. */
const char *uf_sig_str(const UfSig *sig, char *buf, size_t n)
{
    StrBuf b = {buf, n, 0};
    if (n == 0) {
        return buf;
    }
    buf[0] = '\0';
    if (!sig->ret_inferred && sig->nret == 0) {
        append(&b, "void");
    } else if (!sig->ret_inferred && sig->nret == 1) {
        append_types(&b, sig->ret, 1);
    } else if (!sig->ret_inferred) {
        append(&b, "(");
        append_types(&b, sig->ret, sig->nret);
        append(&b, ")");
    }
    append(&b, "(");
    append_types(&b, sig->args, sig->nargs);
    append(&b, ")");
    return buf;
}
