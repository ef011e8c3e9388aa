"""What a kernel may not do: each unsupported construct raises CompileError
whose first line is "file:line:col: error: ...", followed by the source
line and a caret under the column."""

import inspect
import os
import re
import random  # noqa: F401 (a module the kernels below must not use)

import numpy as np
import pytest

from ufuncforge import CompileError, vectorize

COUNTER = 0


def locate(func, needle):
    """(line, col), 1-based, of the first |needle| in |func|'s source."""
    lines, first = inspect.getsourcelines(func)
    for i, line in enumerate(lines):
        col = line.find(needle)
        if col >= 0:
            return first + i, col + 1
    raise AssertionError(f"{needle!r} is not in {func.__name__}")


def compile_error(func, sigs=("f8(f8)",)):
    with pytest.raises(CompileError) as info:
        vectorize(list(sigs))(func)
    return str(info.value)


def assert_points_at(message, func, needle, match):
    """The message names the file, line and column of |needle| in |func|,
    shows that line, puts a caret under the column, and matches |match|."""
    line, col = locate(func, needle)
    lines, first = inspect.getsourcelines(func)
    head, text, caret = message.splitlines()[:3]
    where = f"{func.__code__.co_filename}:{line}:{col}: error: "
    assert head.startswith(where), (where, message)
    assert text.strip() == lines[line - first].strip(), message
    assert caret.startswith("    ") and caret.index("^") - 4 == col - 1, message
    assert caret[caret.index("^") + 1:].strip("~") == "", message
    assert_matches(head, match)


def assert_matches(text, pattern):
    assert re.search(pattern, text, re.IGNORECASE), (pattern, text)


# ---- one kernel per unsupported construct --------------------------------

def list_literal(x):
    a = [x, x]
    return x


def string_constant(x):
    s = "abc"
    return x


def fstring(x):
    return f"{x}"


def unknown_function(x):
    return print(x)


def unknown_module_function(x):
    return random.gauss(x, 1.0)


def missing_module_attribute(x):
    return np.no_such_function(x)


def lambda_in_kernel(x):
    g = lambda v: v + 1  # noqa: E731
    return x


def global_statement(x):
    global COUNTER
    return x


def try_statement(x):
    try:
        return x
    except ValueError:
        return 0.0


def with_statement(x):
    with open("f"):
        return x


def yield_statement(x):
    yield x


def comprehension(x):
    s = [v for v in range(3)]
    return x


def undefined_name(x):
    return x + this_name_does_not_exist  # noqa: F821


def import_statement(x):
    import os
    return x


def delete_statement(x):
    y = x
    del y
    return x


def raise_statement(x):
    raise ValueError(x + 1.0)


def loop_over_list(x):
    for v in (1.0, 2.0):
        x += v
    return x


def dict_literal(x):
    d = {1: x}
    return x


def none_value(x):
    return None


def method_call(x):
    return x.sort()


def keyword_arguments(x):
    return round(x, ndigits=2)


def nested_function(x):
    def inner(v):
        return v
    return x


# (kernel, where the error may point: one or more needles, what the
# message must say)
CASES = [
    (list_literal, ["[x, x]"], r"list"),
    (string_constant, ['"abc"'], r"str"),
    (fstring, ['f"{x}"'], r"str|f-string|format"),
    (unknown_function, ["print(x)"], r"print"),
    (unknown_module_function, ["random.gauss"], r"gauss"),
    (missing_module_attribute, ["np.no_such_function"], r"no_such_function"),
    (lambda_in_kernel, ["lambda v"], r"lambda"),
    (global_statement, ["global COUNTER"], r"global"),
    (try_statement, ["try:"], r"try"),
    (with_statement, ["with open"], r"with"),
    (yield_statement, ["yield x"], r"yield"),
    (comprehension, ["[v for"], r"comprehension"),
    (undefined_name, ["this_name_does_not_exist"],
     r"this_name_does_not_exist.*not defined"),
    (import_statement, ["import os"], r"import"),
    (delete_statement, ["del y"], r"del"),
    (raise_statement, ["x + 1.0"], r"message of a raise"),
    (loop_over_list, ["(1.0, 2.0)", "for v"], r"range"),
    (dict_literal, ["{1: x}"], r"dict"),
    (none_value, ["None"], r"None"),
    (method_call, ["x.sort"], r"needs an array, found f8"),
    (keyword_arguments, ["round(x, ndigits=2)", "ndigits=2"], r"keyword"),
    (nested_function, ["def inner"], r"def|function"),
]


@pytest.mark.parametrize("func, needles, match", CASES,
                         ids=[c[0].__name__ for c in CASES])
def test_unsupported_construct(func, needles, match):
    message = compile_error(func)
    head = message.splitlines()[0]
    for needle in needles:  # the first needle whose place the head names
        line, col = locate(func, needle)
        if f":{line}:{col}: error:" in head:
            break
    assert_points_at(message, func, needle, match)


def non_ascii_before_error(x):
    é = 1.0; return é + [x]  # noqa: E702


def test_column_counts_characters_not_bytes():
    # AST offsets count UTF-8 bytes; the caret must sit under the character
    message = compile_error(non_ascii_before_error)
    line, _ = locate(non_ascii_before_error, "[x]")
    col = "    é = 1.0; return é + [x]".index("[x]") + 1
    head, text, caret = message.splitlines()[:3]
    assert head.endswith(f":{line}:{col}: error: list displays are not "
                         "supported in a kernel"), message
    assert caret.index("^") - 4 == col - 1, message


def test_error_in_an_indented_kernel_counts_the_indentation():
    def indented(x):
        a = [x]
        return x

    assert_points_at(compile_error(indented), indented, "[x]", "list")


def test_error_in_a_lambda_kernel():
    bad = lambda x: [x]  # noqa: E731
    assert_points_at(compile_error(bad), bad, "[x]", "list")


def _rec(v):
    if v <= 0.0:
        return 0.0
    return _rec(v - 1.0) + 1.0


def uses_recursive_helper(x):
    return _rec(x)


def test_recursive_helper():
    message = compile_error(uses_recursive_helper)
    assert_matches(message.splitlines()[0], r"recurs")
    head = message.splitlines()[0]
    outer = locate(uses_recursive_helper, "_rec(x)")
    inner = locate(_rec, "_rec(v - 1.0)")
    filename = _rec.__code__.co_filename
    assert any(head.startswith(f"{filename}:{ln}:{col}: error:")
               for ln, col in [outer, inner]), head


def _helper_with_error(v):
    return v + [1]


def uses_bad_helper(x):
    return _helper_with_error(x) * 2.0


def test_error_inside_a_helper_points_into_the_helper():
    message = compile_error(uses_bad_helper)
    assert_points_at(message, _helper_with_error, "[1]", "list")


def test_function_without_source():
    namespace = {}
    exec("def no_source(x):\n    return x\n", namespace)
    message = compile_error(namespace["no_source"])
    assert_matches(message, r"cannot read the source of 'no_source'")
    assert "hint:" in message


_namespace = {}
exec("def helper_without_source(x):\n    return x * 2.0\n", _namespace)
helper_without_source = _namespace["helper_without_source"]


def calls_helper_without_source(x):
    y = helper_without_source(x)
    return y + 1.0


def test_helper_without_source():
    """The helper's CompileError itself, not a RuntimeError: translation
    goes on after it, and later lookups used to clear it."""
    message = compile_error(calls_helper_without_source)
    assert_matches(message, r"cannot read the source of "
                   r"'helper_without_source'")
    assert "hint:" in message


def test_forceobj_true():
    def ok(x):
        return x

    with pytest.raises(CompileError, match="object mode"):
        vectorize(["f8(f8)"], forceobj=True)(ok)


# ---- type errors, found when a signature is compiled ---------------------

def complex_floordiv(x, y):
    return x // y


def test_type_error_points_at_the_expression():
    message = compile_error(complex_floordiv, ["c16(c16, c16)"])
    assert_points_at(message, complex_floordiv, "x // y", r"//|complex")


def complex_ordering(x, y):
    if x < y:
        return x
    return y


def test_complex_ordering_is_a_type_error():
    message = compile_error(complex_ordering, ["c16(c16, c16)"])
    assert_points_at(message, complex_ordering, "x < y", r"<|complex|order")


def missing_return(x):
    if x > 0.0:
        return x


def test_missing_return():
    message = compile_error(missing_return)
    assert_matches(message.splitlines()[0], r"return")


def mixed_return_counts(x):
    if x > 0.0:
        return x, x
    return x


def test_return_counts_must_agree():
    with pytest.raises(CompileError):
        vectorize(["(f8, f8)(f8)"])(mixed_return_counts)


def two_args(x, y):
    return x + y


def test_signature_with_wrong_number_of_arguments():
    with pytest.raises(CompileError, match="argument"):
        vectorize(["f8(f8)"])(two_args)


def test_error_text_names_this_file():
    message = compile_error(list_literal)
    assert os.path.basename(__file__) in message.splitlines()[0]


def test_compile_error_is_a_type_error():
    assert issubclass(CompileError, TypeError)
    with pytest.raises(TypeError):
        vectorize(["f8(f8)"])(list_literal)


def test_lazy_ufunc_reports_front_end_errors_at_decoration():
    with pytest.raises(CompileError):
        vectorize(list_literal)


def test_lazy_ufunc_reports_type_errors_at_call():
    f = vectorize(complex_floordiv)
    with pytest.raises(TypeError):
        f(np.ones(2, np.complex128), np.ones(2, np.complex128))
