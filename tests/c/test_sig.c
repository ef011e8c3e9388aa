/*
 * test_sig.c -- signature strings: every accepted form, every error with
 * its location and message, uf_type_parse, and the canonical printer.
 */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

/* Parses |text|, asserting success. */
static UfSig parse_ok(const char *text)
{
    UfSig sig;
    UfError err;
    uf_error_clear(&err);
    int rc = uf_sig_parse(text, &sig, &err);
    if (rc != 0) {
        fprintf(stderr, "\n  parse '%s' failed: %s\n", text, err.msg);
    }
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_EQUAL(err.kind, UF_ERR_NONE);
    return sig;
}

/* Asserts the canonical form of parse(|text|) is |want|. */
static void check_canon(const char *text, const char *want)
{
    UfSig sig = parse_ok(text);
    char buf[512];
    uf_sig_str(&sig, buf, sizeof buf);
    if (strcmp(buf, want) != 0) {
        fprintf(stderr, "\n  '%s' printed '%s', want '%s'\n", text, buf, want);
    }
    CU_ASSERT_STRING_EQUAL(buf, want);
}

/* Asserts a syntax error at columns [col, end_col) of line 1 whose
 * message contains |msg|. */
static void check_err(const char *text, int col, int end_col, const char *msg)
{
    UfSig sig;
    UfError err;
    uf_error_clear(&err);
    int rc = uf_sig_parse(text, &sig, &err);
    CU_ASSERT_EQUAL(rc, -1);
    CU_ASSERT_EQUAL(err.kind, UF_ERR_SYNTAX);
    CU_ASSERT_EQUAL(err.loc.line, 1);
    bool ok = err.loc.col == col && err.loc.end_col == end_col &&
              strstr(err.msg, msg) != NULL;
    if (!ok) {
        fprintf(stderr, "\n  '%s': got %d-%d '%s', want %d-%d '%s'\n", text,
                err.loc.col, err.loc.end_col, err.msg, col, end_col, msg);
    }
    CU_ASSERT_EQUAL(err.loc.col, col);
    CU_ASSERT_EQUAL(err.loc.end_col, end_col);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, msg));
}

static bool sig_eq(const UfSig *a, const UfSig *b)
{
    if (a->nargs != b->nargs || a->nret != b->nret ||
        a->ret_inferred != b->ret_inferred) {
        return false;
    }
    for (int i = 0; i < a->nargs; i++) {
        if (!uf_type_eq(a->args[i], b->args[i])) {
            return false;
        }
    }
    for (int i = 0; i < a->nret; i++) {
        if (!uf_type_eq(a->ret[i], b->ret[i])) {
            return false;
        }
    }
    return true;
}

/* ---- valid forms ------------------------------------------------------ */

static void test_scalar_signature_fields(void)
{
    UfSig s = parse_ok("f8(f8, i4)");
    CU_ASSERT_EQUAL(s.nret, 1);
    CU_ASSERT(!s.ret_inferred);
    CU_ASSERT(uf_type_eq(s.ret[0], uf_type_scalar(UF_F8)));
    CU_ASSERT_EQUAL(s.nargs, 2);
    CU_ASSERT(uf_type_eq(s.args[0], uf_type_scalar(UF_F8)));
    CU_ASSERT(uf_type_eq(s.args[1], uf_type_scalar(UF_I4)));
}

static void test_inferred_return_fields(void)
{
    UfSig s = parse_ok("(f8, u2)");
    CU_ASSERT(s.ret_inferred);
    CU_ASSERT_EQUAL(s.nret, 0);
    CU_ASSERT_EQUAL(s.nargs, 2);
    CU_ASSERT(uf_type_eq(s.args[1], uf_type_scalar(UF_U2)));
    s = parse_ok("()");
    CU_ASSERT(s.ret_inferred);
    CU_ASSERT_EQUAL(s.nargs, 0);
}

static void test_void_fields(void)
{
    UfSig s = parse_ok("void(f8[:], f8[::1])");
    CU_ASSERT(!s.ret_inferred);
    CU_ASSERT_EQUAL(s.nret, 0);
    CU_ASSERT_EQUAL(s.nargs, 2);
    CU_ASSERT(uf_type_eq(s.args[0], uf_type_array(UF_F8, 1, UF_LAYOUT_A)));
    CU_ASSERT(uf_type_eq(s.args[1], uf_type_array(UF_F8, 1, UF_LAYOUT_C)));
    s = parse_ok("none(i8[:, :])");
    CU_ASSERT(!s.ret_inferred);
    CU_ASSERT_EQUAL(s.nret, 0);
    CU_ASSERT(uf_type_eq(s.args[0], uf_type_array(UF_I8, 2, UF_LAYOUT_A)));
}

static void test_tuple_fields(void)
{
    const char *forms[] = {"Tuple(f8, i4)(c8)", "(f8, i4)(c8)",
                           "Tuple((f8, i4))(c8)", " ( f8 ,i4 ) ( c8 ) "};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        UfSig s = parse_ok(forms[i]);
        CU_ASSERT(!s.ret_inferred);
        CU_ASSERT_EQUAL(s.nret, 2);
        CU_ASSERT(uf_type_eq(s.ret[0], uf_type_scalar(UF_F8)));
        CU_ASSERT(uf_type_eq(s.ret[1], uf_type_scalar(UF_I4)));
        CU_ASSERT_EQUAL(s.nargs, 1);
        CU_ASSERT(uf_type_eq(s.args[0], uf_type_scalar(UF_C8)));
    }
    UfSig u = parse_ok("UniTuple(f4, 3)(f4)");
    CU_ASSERT_EQUAL(u.nret, 3);
    CU_ASSERT(uf_type_eq(u.ret[2], uf_type_scalar(UF_F4)));
    UfSig one = parse_ok("(f8)(f8)");
    CU_ASSERT_EQUAL(one.nret, 1);
    CU_ASSERT(!one.ret_inferred);
}

typedef struct Alias {
    const char *name;
    UfKind kind;
} Alias;

static const Alias aliases[] = {
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
    {"complex", UF_C16},
};

static void test_every_alias(void)
{
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++) {
        const Alias *a = &aliases[i];
        char text[128];
        snprintf(text, sizeof text, "%s(%s, %s[:, ::1])", a->name, a->name,
                 a->name);
        UfSig s = parse_ok(text);
        CU_ASSERT(uf_type_eq(s.ret[0], uf_type_scalar(a->kind)));
        CU_ASSERT(uf_type_eq(s.args[0], uf_type_scalar(a->kind)));
        CU_ASSERT(
            uf_type_eq(s.args[1], uf_type_array(a->kind, 2, UF_LAYOUT_C)));
    }
}

static void test_arrays_and_layouts(void)
{
    check_canon("f8[:](f8[:])", "f8[:](f8[:])");
    check_canon("f8[::1](f8[::1])", "f8[::1](f8[::1])");
    check_canon("f8[:, :](f8[:, :], f8)", "f8[:, :](f8[:, :], f8)");
    check_canon("void(i4[:, ::1])", "void(i4[:, ::1])");
    check_canon("void(c16[:, :, :], u1[:, :, ::1])",
                "void(c16[:, :, :], u1[:, :, ::1])");
    UfSig s = parse_ok("void(f4[:, :, ::1])");
    CU_ASSERT(uf_type_eq(s.args[0], uf_type_array(UF_F4, 3, UF_LAYOUT_C)));
}

static void test_whitespace_anywhere(void)
{
    check_canon("  f8 ( f8 , f8 )  ", "f8(f8, f8)");
    check_canon("f8(f8,f8)", "f8(f8, f8)");
    check_canon("\tf8\n(\tf8,\r\nf8\t)\n", "f8(f8, f8)");
    check_canon("void( f8 [ : , :: 1 ] )", "void(f8[:, ::1])");
    check_canon("void(f8[: , : : 1])", "void(f8[:, ::1])");
    check_canon("Tuple ( f8 , f8 ) ( f8 )", "(f8, f8)(f8)");
    check_canon("Tuple( ( f8 , f8 ) )( f8 )", "(f8, f8)(f8)");
    check_canon("UniTuple ( f8 , 2 ) ( f8 )", "(f8, f8)(f8)");
    check_canon(" ( f8 , f8 ) ", "(f8, f8)");
}

/* Fills |buf| with n copies of "f8" joined by ", " (a bare list). */
static void many_bare(char *buf, size_t size, int n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < n; i++) {
        used += (size_t)snprintf(buf + used, size - used, "%sf8",
                                 i > 0 ? ", " : "");
    }
}

/* Numba evaluates signature strings as Python: a tuple of types is the
 * argument list of a signature whose return type is inferred, and a
 * trailing comma is allowed in every list. */
static void test_bare_lists_and_trailing_commas(void)
{
    check_canon("f8[:], f8[:]", "(f8[:], f8[:])");
    check_canon(" f8[:] ,f8[::1], i8 ", "(f8[:], f8[::1], i8)");
    check_canon("float64, int32", "(f8, i4)");
    check_canon("f8,", "(f8)");
    check_canon("f8[:, :], f8[:],", "(f8[:, :], f8[:])");
    check_canon("f8(f8, f8,)", "f8(f8, f8)");
    check_canon("void(f8[:],)", "void(f8[:])");
    check_canon("(f8,)", "(f8)");
    check_canon("(f8, i4,)(f8 ,)", "(f8, i4)(f8)");
    check_canon("Tuple(f8, i4,)(f8)", "(f8, i4)(f8)");
    UfSig s = parse_ok("f8[:], i8, f8[:]");
    CU_ASSERT(s.ret_inferred);
    CU_ASSERT_EQUAL(s.nret, 0);
    CU_ASSERT_EQUAL(s.nargs, 3);
    CU_ASSERT(uf_type_eq(s.args[0], uf_type_array(UF_F8, 1, UF_LAYOUT_A)));
    CU_ASSERT(uf_type_eq(s.args[1], uf_type_scalar(UF_I8)));
    char buf[512];
    many_bare(buf, sizeof buf, UF_MAXARGS);
    CU_ASSERT_EQUAL(parse_ok(buf).nargs, UF_MAXARGS);
}

static void test_err_bare_lists(void)
{
    check_err("f8", 3, 4,
              "expected '(' to open the argument list, found end of "
              "signature");
    check_err("f8[:], f8[:] x", 14, 15,
              "expected ',' or end of signature after argument 2, found "
              "'x'");
    check_err("f8, f8(f8)", 7, 8,
              "expected ',' or end of signature after argument 2, found "
              "'('");
    check_err("f8, , f8", 5, 6, "expected a type name");
    check_err("void, f8", 1, 5,
              "'void' is only allowed as the return type, found it as "
              "argument 1");
    check_err("f8, none", 5, 9, "found it as argument 2");
    check_err("weak f8, f8", 1, 8, "a weak literal type cannot appear");
    check_err("f8,,", 4, 5, "expected a type name");
    char buf[512];
    many_bare(buf, sizeof buf, UF_MAXARGS + 1);
    int col = 1 + 4 * UF_MAXARGS; /* "f8, " per argument */
    check_err(buf, col, col + 2, "too many arguments: at most 32");
}

/* Fills |buf| with "<ret>(" + n copies of "f8" + ")". */
static void many_args(char *buf, size_t size, const char *ret, int n)
{
    size_t used = (size_t)snprintf(buf, size, "%s(", ret);
    for (int i = 0; i < n; i++) {
        used += (size_t)snprintf(buf + used, size - used, "%sf8",
                                 i > 0 ? ", " : "");
    }
    snprintf(buf + used, size - used, ")");
}

/* Fills |buf| with "f8[" + n dims + "](f8)". */
static void many_dims(char *buf, size_t size, int n)
{
    size_t used = (size_t)snprintf(buf, size, "f8[");
    for (int i = 0; i < n; i++) {
        used +=
            (size_t)snprintf(buf + used, size - used, "%s:", i > 0 ? ", " : "");
    }
    snprintf(buf + used, size - used, "](f8)");
}

static void test_limits_reached(void)
{
    char buf[512];
    many_args(buf, sizeof buf, "f8", UF_MAXARGS);
    CU_ASSERT_EQUAL(parse_ok(buf).nargs, UF_MAXARGS);
    many_args(buf, sizeof buf, "Tuple", UF_MAXOUTS);
    strcat(buf, "(f8)");
    CU_ASSERT_EQUAL(parse_ok(buf).nret, UF_MAXOUTS);
    many_dims(buf, sizeof buf, UF_MAXNDIM);
    CU_ASSERT_EQUAL(parse_ok(buf).ret[0].ndim, UF_MAXNDIM);
    snprintf(buf, sizeof buf, "UniTuple(f8, %d)(f8)", UF_MAXOUTS);
    CU_ASSERT_EQUAL(parse_ok(buf).nret, UF_MAXOUTS);
}

/* ---- errors ----------------------------------------------------------- */

static void test_err_empty(void)
{
    check_err("", 1, 2,
              "expected a signature such as 'f8(f8, f8)', found "
              "end of signature");
    check_err("   ", 4, 5, "found end of signature");
}

static void test_err_unknown_name(void)
{
    check_err("flaot64(f8)", 1, 8,
              "expected a type name such as 'f8' or 'float64', found "
              "'flaot64'");
    check_err("f8(f8, flaot64)", 8, 15, "found 'flaot64'");
    check_err("f8(F8)", 4, 6, "found 'F8'");
    check_err("3(f8)", 1, 2, "expected a type name");
    check_err("f8(f8, [:])", 8, 9,
              "expected a type name such as 'f8' or "
              "'float64', found '['");
    check_err("f8(Tuple)", 4, 9, "found 'Tuple'");
    check_err("f8(f8,,)", 7, 8,
              "expected a type name such as 'f8' or "
              "'float64', found ','");
    check_err("f8(,)", 4, 5, "expected a type name");
    check_err("f8(f8, abcdefghijabcdefghijabcdefghijabcdefghijXYZ)", 8, 51,
              "found 'abcdefghijabcdefghijabcdefghijabcdefghij'...");
}

static void test_err_void_argument(void)
{
    check_err("f8(void)", 4, 8,
              "'void' is only allowed as the return type, found it as "
              "argument 1");
    check_err("(f8,  void)", 7, 11, "found it as argument 2");
    check_err("(void)(f8)", 2, 6, "found it as return type 1");
    check_err("void[:](f8)", 5, 6, "'void' cannot be an array element type");
}

static void test_err_missing_paren(void)
{
    check_err("f8(f8, f8", 10, 11,
              "expected ',' or ')' after argument 2, found end of signature");
    check_err("f8(f8 f8)", 7, 9,
              "expected ',' or ')' after argument 1, found 'f8'");
    check_err("(f8, f8", 8, 9, "after argument 2, found end of signature");
    check_err("f8", 3, 4,
              "expected '(' to open the argument list, found end of "
              "signature");
    check_err("f8 f8", 4, 6,
              "expected '(' to open the argument list, "
              "found 'f8'");
    check_err("Tuple(f8, f8)", 14, 15, "'(' to open the argument list");
    check_err("Tuple f8", 7, 9, "'(' to open the return type list");
    check_err("(f8 f8)(f8)", 5, 7, "',' or ')' after return type 1");
    check_err("Tuple((f8, f8)(f8)", 15, 16,
              "expected ')' to close 'Tuple(', found '('");
}

static void test_err_trailing_text(void)
{
    check_err("f8(f8) x", 8, 9,
              "expected end of signature after ')', found 'x'");
    check_err("f8(f8)(f8)", 7, 8, "expected end of signature");
    check_err("(f8)(f8)(f8)", 9, 10, "expected end of signature");
    check_err("f8(f8));", 7, 8, "found ')'");
}

static void test_err_too_many(void)
{
    char buf[512];
    many_args(buf, sizeof buf, "f8", UF_MAXARGS + 1);
    int col = 4 + 4 * UF_MAXARGS; /* "f8(" then "f8, " per argument */
    check_err(buf, col, col + 2, "too many arguments: at most 32");
    many_args(buf, sizeof buf, "Tuple", UF_MAXOUTS + 1);
    strcat(buf, "(f8)");
    col = 7 + 4 * UF_MAXOUTS;
    check_err(buf, col, col + 2, "too many return types: at most 8");
    many_args(buf, sizeof buf, "", UF_MAXOUTS + 1);
    strcat(buf, "(f8)");
    col = 2 + 4 * UF_MAXOUTS;
    check_err(buf, col, col + 2, "too many return types: at most 8");
    check_err("UniTuple(f8, 9)(f8)", 14, 15,
              "expected a count from 1 to 8, found '9'");
    check_err("UniTuple(f8, 0)(f8)", 14, 15, "a count from 1 to 8");
    check_err("UniTuple(f8, 2x)(f8)", 14, 16, "found '2x'");
    check_err("UniTuple(f8)(f8)", 12, 13,
              "expected ',' after the 'UniTuple' element type");
}

static void test_err_dims(void)
{
    char buf[512];
    many_dims(buf, sizeof buf, UF_MAXNDIM + 1);
    int col = 4 + 3 * UF_MAXNDIM; /* "f8[" then ":, " per dimension */
    check_err(buf, col, col + 1, "too many dimensions: at most 32");
    check_err("f8[::1, :](f8)", 4, 7,
              "'::1' (C layout) is only allowed on the last dimension");
    check_err("void(f8[:, ::1, :])", 12, 15, "only allowed on the last");
    check_err("f8[](f8)", 4, 5,
              "expected ':' or '::1' for dimension 1, found ']'");
    check_err("f8[:, 1](f8)", 7, 8, "for dimension 2, found '1'");
    check_err("f8[:(f8)", 5, 6,
              "expected ',' or ']' after dimension 1, found '('");
    check_err("f8[::2](f8)", 6, 7, "expected '1' after '::', found '2'");
    check_err("f8[::12](f8)", 6, 8, "found '12'");
    check_err("f8[:", 5, 6, "after dimension 1, found end of signature");
}

static void test_err_weak(void)
{
    check_err("weak f8(f8)", 1, 8,
              "a weak literal type cannot appear in a signature");
    check_err("f8(f8, weak i8)", 8, 15, "a weak literal type cannot");
}

static void test_error_keeps_first(void)
{
    UfSig sig;
    UfError err;
    uf_error_clear(&err);
    CU_ASSERT_EQUAL(uf_sig_parse("f8(x)", &sig, &err), -1);
    CU_ASSERT_EQUAL(uf_sig_parse("f8(f8, y)", &sig, &err), -1);
    CU_ASSERT_EQUAL(err.loc.col, 4);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "'x'"));
}

/* ---- uf_type_parse ---------------------------------------------------- */

static void test_type_parse_advances(void)
{
    UfError err;
    uf_error_clear(&err);
    UfType t;
    int pos = 0;
    CU_ASSERT_EQUAL(uf_type_parse("f8[:, ::1] rest", &pos, &t, &err), 0);
    CU_ASSERT_EQUAL(pos, 10);
    CU_ASSERT(uf_type_eq(t, uf_type_array(UF_F8, 2, UF_LAYOUT_C)));
    pos = 3;
    CU_ASSERT_EQUAL(uf_type_parse("(x   intp )", &pos, &t, &err), 0);
    CU_ASSERT_EQUAL(pos, 9);
    CU_ASSERT(uf_type_eq(t, uf_type_scalar(UF_I8)));
    pos = 0;
    CU_ASSERT_EQUAL(uf_type_parse("i4 [:]", &pos, &t, &err), 0);
    CU_ASSERT_EQUAL(pos, 6);
    CU_ASSERT(uf_type_eq(t, uf_type_array(UF_I4, 1, UF_LAYOUT_A)));
    pos = 0;
    CU_ASSERT_EQUAL(uf_type_parse("void)", &pos, &t, &err), 0);
    CU_ASSERT_EQUAL(pos, 4);
    CU_ASSERT(uf_type_eq(t, uf_type_scalar(UF_VOID)));
    CU_ASSERT_EQUAL(err.kind, UF_ERR_NONE);
}

static void test_type_parse_weak(void)
{
    UfError err;
    uf_error_clear(&err);
    UfType t;
    int pos = 0;
    CU_ASSERT_EQUAL(uf_type_parse("weak  c16 )", &pos, &t, &err), 0);
    CU_ASSERT_EQUAL(pos, 9);
    CU_ASSERT(uf_type_eq(t, uf_type_weak(UF_C16)));
    pos = 0;
    CU_ASSERT_EQUAL(uf_type_parse("weakf8", &pos, &t, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "found 'weakf8'"));
    uf_error_clear(&err);
    CU_ASSERT_EQUAL(uf_type_parse("weak i4", &pos, &t, &err), -1);
    CU_ASSERT_EQUAL(err.loc.col, 6);
    CU_ASSERT_EQUAL(err.loc.end_col, 8);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "'i8', 'f8' or 'c16'"));
    uf_error_clear(&err);
    CU_ASSERT_EQUAL(uf_type_parse("weak f8[:]", &pos, &t, &err), -1);
    CU_ASSERT_EQUAL(err.loc.col, 8);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "cannot be an array"));
}

static void test_type_parse_error_location(void)
{
    UfError err;
    uf_error_clear(&err);
    UfType t = uf_type_scalar(UF_F8);
    const char *text = "(kernel k (x)\n  (cast:flaot x))";
    int pos = (int)(strstr(text, "flaot") - text);
    int before = pos;
    CU_ASSERT_EQUAL(uf_type_parse(text, &pos, &t, &err), -1);
    CU_ASSERT_EQUAL(pos, before);
    CU_ASSERT_EQUAL(err.kind, UF_ERR_SYNTAX);
    CU_ASSERT_EQUAL(err.loc.line, 2);
    CU_ASSERT_EQUAL(err.loc.col, 9);
    CU_ASSERT_EQUAL(err.loc.end_col, 14);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "found 'flaot'"));
    uf_error_clear(&err);
    pos = 2;
    CU_ASSERT_EQUAL(uf_type_parse("f8", &pos, &t, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "found end of text"));
}

/* uf_type_parse(uf_type_str(t)) == t for every kind, shape and flag. */
static void test_type_str_parse_round_trip(void)
{
    for (int k = 0; k < UF_NKINDS; k++) {
        for (int ndim = 0; ndim <= 3; ndim++) {
            for (int layout = 0; layout <= 1; layout++) {
                if (k == UF_VOID && ndim > 0) {
                    continue;
                }
                UfType t = uf_type_array((UfKind)k, ndim, (UfLayout)layout);
                char buf[64];
                uf_type_str(t, buf, sizeof buf);
                UfError err;
                uf_error_clear(&err);
                UfType back;
                int pos = 0;
                CU_ASSERT_EQUAL(uf_type_parse(buf, &pos, &back, &err), 0);
                CU_ASSERT_EQUAL((size_t)pos, strlen(buf));
                CU_ASSERT(uf_type_eq(back, t));
            }
        }
    }
    const UfKind weak[] = {UF_I8, UF_F8, UF_C16};
    for (int i = 0; i < 3; i++) {
        char buf[64];
        uf_type_str(uf_type_weak(weak[i]), buf, sizeof buf);
        UfError err;
        uf_error_clear(&err);
        UfType back;
        int pos = 0;
        CU_ASSERT_EQUAL(uf_type_parse(buf, &pos, &back, &err), 0);
        CU_ASSERT(uf_type_eq(back, uf_type_weak(weak[i])));
    }
}

/* ---- uf_sig_str ------------------------------------------------------- */

static void test_sig_str_canonical(void)
{
    check_canon("f8(f8, f8)", "f8(f8, f8)");
    check_canon("float64(int32, uint8)", "f8(i4, u1)");
    check_canon("(f8, f8)", "(f8, f8)");
    check_canon("()", "()");
    check_canon("f8()", "f8()");
    check_canon("void(float64[:], float64[::1])", "void(f8[:], f8[::1])");
    check_canon("none(f8[:])", "void(f8[:])");
    check_canon("Tuple(f8, f8)(f8)", "(f8, f8)(f8)");
    check_canon("Tuple((double, intp))(f8)", "(f8, i8)(f8)");
    check_canon("UniTuple(f4, 2)(f4)", "(f4, f4)(f4)");
    check_canon("(f8)(f8)", "f8(f8)");
    check_canon("Tuple(f8)(f8)", "f8(f8)");
    check_canon("boolean(bool_, complex128)", "b1(b1, c16)");
}

static void test_sig_str_hand_built(void)
{
    UfSig s;
    memset(&s, 0, sizeof s);
    s.nargs = 2;
    s.args[0] = uf_type_array(UF_F8, 2, UF_LAYOUT_C);
    s.args[1] = uf_type_scalar(UF_I1);
    char buf[128];
    CU_ASSERT_STRING_EQUAL(uf_sig_str(&s, buf, sizeof buf),
                           "void(f8[:, ::1], i1)");
    s.ret_inferred = true;
    CU_ASSERT_STRING_EQUAL(uf_sig_str(&s, buf, sizeof buf), "(f8[:, ::1], i1)");
    s.ret_inferred = false;
    s.nret = 3;
    s.ret[0] = s.ret[1] = s.ret[2] = uf_type_scalar(UF_C8);
    CU_ASSERT_STRING_EQUAL(uf_sig_str(&s, buf, sizeof buf),
                           "(c8, c8, c8)(f8[:, ::1], i1)");
}

static void test_sig_str_truncates(void)
{
    UfSig s = parse_ok("f8(f8, f8)");
    char buf[5];
    memset(buf, 'x', sizeof buf);
    CU_ASSERT_STRING_EQUAL(uf_sig_str(&s, buf, sizeof buf), "f8(f");
    char one[1] = {'x'};
    uf_sig_str(&s, one, 1);
    CU_ASSERT_EQUAL(one[0], '\0');
    uf_sig_str(&s, NULL, 0); /* writes nothing */
}

static const char *round_trip_forms[] = {
    "f8(f8, f8)",
    "float32(float32)",
    "(i4, i4)",
    "()",
    "b1()",
    "void(f8[:], f8[::1])",
    "void(f8[:, :], f8[:, ::1], f8[:, :, :], f8[:, :, ::1])",
    "f8[:](f8[:], f8)",
    "Tuple(f8, i8)(f8)",
    "(f8, i8, c16)(f8, f8)",
    "Tuple((u1, u2))(u4, u8)",
    "UniTuple(c8, 4)(c8)",
    "(f8)(f8)",
    "complex64(csingle, cdouble)",
    "int_(intp, uintp, intc, uintc, byte, char)",
    "  double ( float , bool )  ",
    "none(longlong[::1], ulonglong[:, ::1])",
};

static void test_sig_round_trip(void)
{
    size_t n = sizeof round_trip_forms / sizeof round_trip_forms[0];
    for (size_t i = 0; i < n; i++) {
        UfSig first = parse_ok(round_trip_forms[i]);
        char text[512];
        uf_sig_str(&first, text, sizeof text);
        UfSig second = parse_ok(text);
        if (!sig_eq(&first, &second)) {
            fprintf(stderr, "\n  '%s' -> '%s' changed\n", round_trip_forms[i],
                    text);
        }
        CU_ASSERT(sig_eq(&first, &second));
        char again[512];
        uf_sig_str(&second, again, sizeof again);
        CU_ASSERT_STRING_EQUAL(again, text);
    }
}

static const UfTestCase cases[] = {
    UF_CASE(test_scalar_signature_fields),
    UF_CASE(test_inferred_return_fields),
    UF_CASE(test_void_fields),
    UF_CASE(test_tuple_fields),
    UF_CASE(test_every_alias),
    UF_CASE(test_arrays_and_layouts),
    UF_CASE(test_whitespace_anywhere),
    UF_CASE(test_limits_reached),
    UF_CASE(test_bare_lists_and_trailing_commas),
    UF_CASE(test_err_bare_lists),
    UF_CASE(test_err_empty),
    UF_CASE(test_err_unknown_name),
    UF_CASE(test_err_void_argument),
    UF_CASE(test_err_missing_paren),
    UF_CASE(test_err_trailing_text),
    UF_CASE(test_err_too_many),
    UF_CASE(test_err_dims),
    UF_CASE(test_err_weak),
    UF_CASE(test_error_keeps_first),
    UF_CASE(test_type_parse_advances),
    UF_CASE(test_type_parse_weak),
    UF_CASE(test_type_parse_error_location),
    UF_CASE(test_type_str_parse_round_trip),
    UF_CASE(test_sig_str_canonical),
    UF_CASE(test_sig_str_hand_built),
    UF_CASE(test_sig_str_truncates),
    UF_CASE(test_sig_round_trip),
    UF_CASES_END,
};

int main(void)
{
    return uf_test_main("sig", cases);
}
