"""Reading a Python function for the front end (``_core.translate``).

``extract(func)`` returns ``(fdef, source, resolve)``:

  fdef     the function's ``ast.FunctionDef`` (its decorators are parsed
           but ignored by the front end); for a lambda, an equivalent
           ``FunctionDef`` named ``lambda`` whose body is
           ``[Return(<lambda body>)]``, with the lambda's locations
  source   ``(filename, text, first_line, col_offset)``: the original,
           un-dedented source lines starting at file line ``first_line``,
           and the indentation that was removed before parsing, to add to
           every AST column
  resolve  ``resolve(name)``: the value of a name that is not a local:
           a closure cell, then the function's globals, then builtins;
           NameError otherwise

``load_helper`` is the same for plain Python functions a kernel calls.
"""

import ast
import builtins
import functools
import inspect
import textwrap
import types

_HINT = ("ufuncforge compiles a function from its source text: define it "
         "in a file (a module or a script), not with exec() or in an "
         "interactive session without source")


def _compile_error(msg):
    from ._core import CompileError

    return CompileError(msg)


def _read(func):
    """(lines, first_line) of func's source, or CompileError."""
    code = func.__code__
    try:
        lines, first = inspect.getsourcelines(func)
    except (OSError, TypeError) as exc:
        where = f"{code.co_filename}:{code.co_firstlineno}"
        raise _compile_error(
            f"{where}: error: cannot read the source of "
            f"{func.__name__!r}: {exc}\nhint: {_HINT}") from None
    return lines, max(first, 1)


def _indent(line):
    return len(line) - len(line.lstrip(" \t"))


def _parse(text):
    """(tree, col_offset) of |text|, parsed after textwrap.dedent.

    When dedent cannot remove the indentation (a string continuation line
    less indented than the def), the text is parsed inside ``if 1:``
    with its indentation kept and the line numbers shifted back."""
    dedented = textwrap.dedent(text)
    try:
        return ast.parse(dedented), _indent(text) - _indent(dedented)
    except SyntaxError:
        if _indent(dedented) == 0:  # not an indentation problem
            raise
    tree = ast.parse("if 1:\n" + text)
    ast.increment_lineno(tree, -1)
    return tree, 0


def _is_named_def(node, code):
    return (isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.name == code.co_name)


def _lambda_matches(node, code):
    names = code.co_varnames[:code.co_argcount]
    return (isinstance(node, ast.Lambda) and node.lineno == 1
            and tuple(a.arg for a in node.args.args) == names)


def _lambda_def(lam):
    """A FunctionDef equivalent to |lam|, with its locations."""
    ret = ast.copy_location(ast.Return(value=lam.body), lam.body)
    fdef = ast.FunctionDef(name="lambda", args=lam.args, body=[ret],
                           decorator_list=[], returns=None,
                           type_comment=None)
    if hasattr(fdef, "type_params"):  # Python >= 3.12
        fdef.type_params = []
    return ast.copy_location(fdef, lam)


def _parse_lambda_line(text):
    """(tree, col) for a lambda whose first line does not parse alone (it
    sits inside a longer expression): parse from each 'lambda' on the
    first line, trimming the end until the rest parses.  |col| is right
    for the first line only (lambdas spanning lines are rare)."""
    first = text.split("\n", 1)[0]
    start = first.find("lambda")
    while start >= 0:
        rest = text[start:].rstrip()
        for end in range(len(rest), 0, -1):
            try:
                return ast.parse(rest[:end]), start
            except SyntaxError:
                continue
        start = first.find("lambda", start + 1)
    raise SyntaxError("no lambda expression found")


def _pick_lambda(lambdas, code, col):
    """The lambda of |code| among |lambdas| (same line, same argument
    names): with Python >= 3.11 the one starting nearest before the first
    column its instructions come from, else the first."""
    positions = getattr(code, "co_positions", None)
    cols = [] if positions is None else [
        c for line, _, c, end in positions()  # skip empty spans (RESUME)
        if line == code.co_firstlineno and c is not None and end
        and end > c]
    if len(lambdas) == 1 or not cols:
        return lambdas[0]
    first = min(cols)
    before = [n for n in lambdas if n.col_offset + col <= first]
    return max(before, key=lambda n: n.col_offset) if before else lambdas[0]


def _find(func, text):
    """(fdef, col_offset) of |func| in |text|."""
    code = func.__code__
    is_lambda = code.co_name == "<lambda>"
    try:
        tree, col = _parse(text)
    except SyntaxError:
        if not is_lambda:
            raise
        tree, col = _parse_lambda_line(text)
    if is_lambda:
        lambdas = [n for n in ast.walk(tree) if _lambda_matches(n, code)]
        if lambdas:
            return _lambda_def(_pick_lambda(lambdas, code, col)), col
    for node in ast.walk(tree):
        if not is_lambda and _is_named_def(node, code):
            return node, col
    raise SyntaxError(f"no definition of {func.__name__!r} in its source")


def make_resolver(func):
    """resolve(name) for |func|: closure cell, globals, builtins."""
    code = func.__code__
    cells = dict(zip(code.co_freevars, func.__closure__ or ()))
    globs = func.__globals__
    blt = globs.get("__builtins__", builtins)
    blt = blt if isinstance(blt, dict) else vars(blt)

    def resolve(name):
        if name in cells:
            try:
                return cells[name].cell_contents
            except ValueError:
                raise NameError(f"free variable {name!r} is not bound "
                                "yet") from None
        if name in globs:
            return globs[name]
        if name in blt:
            return blt[name]
        raise NameError(f"name {name!r} is not defined")

    return resolve


def extract(func):
    """(fdef, source, resolve) of the Python function |func| (see the
    module docstring).  TypeError if |func| is not a Python function;
    CompileError if its source cannot be read or parsed."""
    if not isinstance(func, types.FunctionType):
        raise TypeError("ufuncforge compiles Python functions (def or "
                        f"lambda), not {type(func).__name__} objects")
    lines, first = _read(func)
    text = "".join(lines)
    try:
        fdef, col = _find(func, text)
    except SyntaxError as exc:
        raise _compile_error(
            f"{func.__code__.co_filename}:{first}: error: cannot parse the "
            f"source of {func.__name__!r}: {exc}") from None
    if isinstance(fdef, ast.AsyncFunctionDef):
        raise _compile_error(
            f"{func.__code__.co_filename}:{fdef.lineno + first - 1}:"
            f"{fdef.col_offset + col + 1}: error: async functions cannot "
            "be compiled")
    source = (func.__code__.co_filename, text, first, col)
    return fdef, source, make_resolver(func)


@functools.lru_cache(maxsize=512)
def load_helper(func):
    """(fdef, source, resolve) of a plain Python function called by a
    kernel, to be translated and inlined: the same as extract(), read
    once per function (a helper inlined many times is parsed once)."""
    return extract(func)
