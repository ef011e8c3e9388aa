/*
 * test_diag.c -- UfError: the first error wins, out of memory, clearing,
 * and uf_error_render's exact text.
 */
#include "testutil.h"

#include <string.h>

static const UfLoc NOLOC = {0, 0, 0};

/* A two-line Python kernel; "mystery" is columns 12..18 of line 2. */
static const char PY_SRC[] = "def f(x):\n"
                             "    return mystery(x)\n";

/* ---- recording errors ----------------------------------------------- */

static void test_error_records_kind_loc_msg(void)
{
    UfError e = {0};
    UfLoc loc = {3, 7, 12};
    int rc = uf_error(&e, UF_ERR_TYPE, loc, "no rule for %s and %d", "b1", 42);
    CU_ASSERT_EQUAL(rc, -1);
    CU_ASSERT_EQUAL(e.kind, UF_ERR_TYPE);
    CU_ASSERT_EQUAL(e.loc.line, 3);
    CU_ASSERT_EQUAL(e.loc.col, 7);
    CU_ASSERT_EQUAL(e.loc.end_col, 12);
    CU_ASSERT_STRING_EQUAL(e.msg, "no rule for b1 and 42");
}

static void test_first_error_wins(void)
{
    UfError e = {0};
    UfLoc first = {1, 2, 3};
    UfLoc second = {9, 9, 10};
    CU_ASSERT_EQUAL(uf_error(&e, UF_ERR_SYNTAX, first, "first"), -1);
    CU_ASSERT_EQUAL(uf_error(&e, UF_ERR_LLVM, second, "second"), -1);
    CU_ASSERT_EQUAL(uf_error_nomem(&e), -1);
    CU_ASSERT_EQUAL(e.kind, UF_ERR_SYNTAX);
    CU_ASSERT_EQUAL(e.loc.line, 1);
    CU_ASSERT_STRING_EQUAL(e.msg, "first");
}

static void test_error_null_is_ignored(void)
{
    CU_ASSERT_EQUAL(uf_error(NULL, UF_ERR_INTERNAL, NOLOC, "lost"), -1);
    CU_ASSERT_EQUAL(uf_error_nomem(NULL), -1);
}

static void test_nomem(void)
{
    UfError e = {0};
    CU_ASSERT_EQUAL(uf_error_nomem(&e), -1);
    CU_ASSERT_EQUAL(e.kind, UF_ERR_MEMORY);
    CU_ASSERT_EQUAL(e.loc.line, 0);
    CU_ASSERT_STRING_EQUAL(e.msg, "out of memory");
}

static void test_clear_allows_new_error(void)
{
    UfError e = {0};
    UfLoc loc = {4, 1, 2};
    uf_error(&e, UF_ERR_SYNTAX, loc, "old");
    uf_error_clear(&e);
    CU_ASSERT_EQUAL(e.kind, UF_ERR_NONE);
    CU_ASSERT_EQUAL(e.loc.line, 0);
    CU_ASSERT_EQUAL(e.loc.col, 0);
    CU_ASSERT_STRING_EQUAL(e.msg, "");
    uf_error(&e, UF_ERR_UNSUPPORTED, NOLOC, "new");
    CU_ASSERT_EQUAL(e.kind, UF_ERR_UNSUPPORTED);
    CU_ASSERT_STRING_EQUAL(e.msg, "new");
}

static void test_long_message_truncated(void)
{
    char longmsg[1000];
    memset(longmsg, 'x', sizeof longmsg - 1);
    longmsg[sizeof longmsg - 1] = '\0';
    UfError e = {0};
    uf_error(&e, UF_ERR_SYNTAX, NOLOC, "%s", longmsg);
    CU_ASSERT_EQUAL(strlen(e.msg), sizeof e.msg - 1);
    CU_ASSERT_EQUAL(e.msg[0], 'x');
}

/* ---- rendering ------------------------------------------------------- */

static UfError make_error(int line, int col, int end_col, const char *msg)
{
    UfError e = {0};
    UfLoc loc = {line, col, end_col};
    uf_error(&e, UF_ERR_TYPE, loc, "%s", msg);
    return e;
}

static void test_render_caret_and_tildes(void)
{
    UfError e = make_error(2, 12, 19, "unknown name 'mystery'");
    char buf[256];
    uf_error_render(&e, "selu.py", PY_SRC, 1, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "selu.py:2:12: error: unknown name 'mystery'\n"
                                "        return mystery(x)\n"
                                "               ^~~~~~~");
}

static void test_render_single_caret(void)
{
    /* end_col <= col: one caret */
    UfError e = make_error(1, 5, 5, "bad name");
    char buf[256];
    uf_error_render(&e, "k.py", PY_SRC, 1, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "k.py:1:5: error: bad name\n"
                                "    def f(x):\n"
                                "        ^");
}

static void test_render_span_clipped_to_line(void)
{
    /* end_col past the end of the line: tildes stop at the last column */
    UfError e = make_error(2, 12, 99, "too long");
    char buf[256];
    uf_error_render(&e, "k.py", PY_SRC, 1, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "k.py:2:12: error: too long\n"
                                "        return mystery(x)\n"
                                "               ^~~~~~~~~~");
}

static void test_render_column_past_line_end(void)
{
    /* the caret goes where the column is, reading nothing past the line */
    char *src = uf_strdup("ab");
    UfError e = make_error(1, 6, 7, "past the end");
    char buf[256];
    uf_error_render(&e, "k.py", src, 1, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "k.py:1:6: error: past the end\n"
                                "    ab\n"
                                "         ^");
    uf_free(src);
}

static void test_render_first_line_offset(void)
{
    /* The source starts at line 10 of its file: line 11 is its second. */
    UfError e = make_error(11, 12, 19, "unknown name 'mystery'");
    char buf[256];
    uf_error_render(&e, "model.py", PY_SRC, 10, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf,
                           "model.py:11:12: error: unknown name 'mystery'\n"
                           "        return mystery(x)\n"
                           "               ^~~~~~~");
}

static void test_render_line_outside_source(void)
{
    char buf[256];
    UfError before = make_error(3, 1, 2, "before");
    uf_error_render(&before, "m.py", PY_SRC, 10, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "m.py:3:1: error: before");
    UfError after = make_error(40, 1, 2, "after");
    uf_error_render(&after, "m.py", PY_SRC, 10, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "m.py:40:1: error: after");
}

static void test_render_no_location(void)
{
    UfError e = {0};
    uf_error(&e, UF_ERR_LLVM, NOLOC, "target machine not found");
    char buf[256];
    uf_error_render(&e, "selu.py", PY_SRC, 1, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "selu.py: error: target machine not found");
}

static void test_render_null_source(void)
{
    UfError e = make_error(2, 12, 19, "unknown name 'mystery'");
    char buf[256];
    uf_error_render(&e, "selu.py", NULL, 1, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "selu.py:2:12: error: unknown name 'mystery'");
}

static void test_render_null_file(void)
{
    UfError e = make_error(1, 1, 4, "bad");
    char buf[256];
    uf_error_render(&e, NULL, "abc", 1, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "<kernel>:1:1: error: bad\n"
                                "    abc\n"
                                "    ^~~");
}

static void test_render_tabs_kept_before_caret(void)
{
    /* A tab counts as one column; the caret line repeats it so the caret
     * lines up under the name whatever the tab width. */
    UfError e = make_error(1, 9, 10, "unknown name 'q'");
    char buf[256];
    uf_error_render(&e, "t.py", "\treturn q\n", 1, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "t.py:1:9: error: unknown name 'q'\n"
                                "    \treturn q\n"
                                "    \t       ^");
}

static void test_render_last_line_without_newline(void)
{
    UfError e = make_error(2, 1, 3, "here");
    char buf[256];
    uf_error_render(&e, "s", "(x)\nyz", 1, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "s:2:1: error: here\n"
                                "    yz\n"
                                "    ^~");
}

/* Renders into a buffer of every size up to the full length: each result
 * is the NUL-terminated prefix that fits, and nothing past n is written. */
static void test_render_truncates_without_overflow(void)
{
    UfError e = make_error(2, 12, 19, "unknown name 'mystery'");
    char full[256];
    uf_error_render(&e, "selu.py", PY_SRC, 1, full, sizeof full);
    size_t len = strlen(full);
    for (size_t n = 0; n <= len + 1; n++) {
        char buf[300];
        memset(buf, '#', sizeof buf);
        uf_error_render(&e, "selu.py", PY_SRC, 1, buf, n);
        size_t overwritten = 0;
        for (size_t i = n; i < sizeof buf; i++) {
            overwritten += buf[i] != '#';
        }
        CU_ASSERT_EQUAL(overwritten, 0);
        if (n > 0) {
            CU_ASSERT_EQUAL(strlen(buf), n - 1 < len ? n - 1 : len);
            CU_ASSERT_EQUAL(strncmp(buf, full, n - 1), 0);
        }
    }
}

static void test_render_small_buffer(void)
{
    UfError e = make_error(2, 12, 19, "unknown name 'mystery'");
    char buf[12];
    uf_error_render(&e, "selu.py", PY_SRC, 1, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "selu.py:2:1");
}

int main(void)
{
    static const UfTestCase cases[] = {
        UF_CASE(test_error_records_kind_loc_msg),
        UF_CASE(test_first_error_wins),
        UF_CASE(test_error_null_is_ignored),
        UF_CASE(test_nomem),
        UF_CASE(test_clear_allows_new_error),
        UF_CASE(test_long_message_truncated),
        UF_CASE(test_render_caret_and_tildes),
        UF_CASE(test_render_single_caret),
        UF_CASE(test_render_span_clipped_to_line),
        UF_CASE(test_render_column_past_line_end),
        UF_CASE(test_render_first_line_offset),
        UF_CASE(test_render_line_outside_source),
        UF_CASE(test_render_no_location),
        UF_CASE(test_render_null_source),
        UF_CASE(test_render_null_file),
        UF_CASE(test_render_tabs_kept_before_caret),
        UF_CASE(test_render_last_line_without_newline),
        UF_CASE(test_render_truncates_without_overflow),
        UF_CASE(test_render_small_buffer),
        UF_CASES_END,
    };
    return uf_test_main("diag", cases);
}
