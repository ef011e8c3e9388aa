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

``load_helper`` is the same for plain Python functions a kernel calls;
``helper_loader()`` gives one that reads each helper once per
translation.

The text is read from the function's file when the decorator runs, so it
is checked against the code Python runs (``_check_fresh``): a file edited
since the function was defined raises CompileError instead of compiling
text that never ran.
"""

import __future__
import ast
import builtins
import functools
import inspect
import itertools
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
    """(node, col_offset) of |func| in |text|: its FunctionDef, or for a
    lambda its ast.Lambda."""
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
            return _pick_lambda(lambdas, code, col), col
    for node in ast.walk(tree):
        if not is_lambda and _is_named_def(node, code):
            return node, col
    raise SyntaxError(f"no definition of {func.__name__!r} in its source "
                      "(did the file change since the function was "
                      "defined?)")


# The compiler flags of `from __future__ import ...` (a function's code
# carries them in co_flags).
_FUTURE_FLAGS = 0
for _feature in __future__.all_feature_names:
    _FUTURE_FLAGS |= getattr(__future__, _feature).compiler_flag
del _feature


def _norm_consts(consts):
    """co_consts comparable by value: floats by repr (0.0 is not -0.0, nan
    is nan), nested code by its bytecode and names."""
    out = []
    for c in consts:
        if isinstance(c, types.CodeType):
            c = ("code", c.co_code, _norm_consts(c.co_consts), c.co_names,
                 c.co_varnames)
        elif isinstance(c, (float, complex)):
            c = (type(c), repr(c))
        elif isinstance(c, tuple):
            c = (tuple, _norm_consts(c))
        elif isinstance(c, frozenset):  # its order may differ: a set
            c = (frozenset, frozenset(_norm_consts(c)))
        out.append(c)
    return tuple(out)


def _fingerprint(code, shift=0):
    """What of |code| must match a compile of the source it came from:
    the bytecode, constants, names and the line of every instruction
    (moved by |shift| lines)."""
    lines = tuple((a, b, line if line is None else line + shift)
                  for a, b, line in code.co_lines())
    return (code.co_code, _norm_consts(code.co_consts), code.co_names,
            code.co_varnames, code.co_freevars, lines)


def _at(node, line):
    """|node| placed at the start of |line| (for nodes made here)."""
    node.lineno = node.end_lineno = line
    node.col_offset = node.end_col_offset = 0
    return node


def _compile_node(node, code, imports):
    """The code object that compiling |node| (a FunctionDef or Lambda
    parsed from the text) gives in a module that imports the names
    |imports| (CPython compiles a method call on an imported name
    differently) inside a function binding |code|'s free variables (so
    that they compile to closure reads again; the def's own name stays
    global unless it is one).  None when it does not compile."""
    line = node.lineno
    body = _at(ast.Return(node), line) if isinstance(node, ast.Lambda) \
        else node
    binds = [_at(ast.Assign(targets=[_at(ast.Name(v, ast.Store()), line)],
                            value=_at(ast.Constant(None), line)), line)
             for v in code.co_freevars]
    if isinstance(node, ast.FunctionDef) and \
            node.name not in code.co_freevars:  # a recursive call: global
        binds.append(_at(ast.Global(names=[node.name]), line))
    outer = _at(ast.FunctionDef(
        name="_uf_outer", args=ast.arguments(
            posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[],
            defaults=[]),
        body=binds + [body], decorator_list=[], returns=None), line)
    if hasattr(outer, "type_params"):  # Python >= 3.12
        outer.type_params = []
    imported = [_at(ast.Import(names=[_at(ast.alias(name=n), line)]), line)
                for n in imports]
    try:
        top = compile(ast.Module(body=imported + [outer], type_ignores=[]),
                      code.co_filename, "exec", dont_inherit=True,
                      flags=code.co_flags & _FUTURE_FLAGS)
    except (SyntaxError, ValueError, TypeError):
        return None
    inner = next(c for c in top.co_consts if isinstance(c, types.CodeType))
    return next((c for c in inner.co_consts if isinstance(c, types.CodeType)
                 and c.co_name == code.co_name), None)


def _import_guesses(func, node):
    """Sets of global names the function's module may have bound by an
    import (only those called through, as in np.exp(x), change the
    bytecode): first those holding modules, then, lazily, every other
    subset of the globals called through (up to 16)."""
    globs = func.__globals__
    code = func.__code__
    first = [n for n in code.co_names
             if isinstance(globs.get(n), types.ModuleType)]
    yield first
    local = set(code.co_varnames) | set(code.co_freevars)
    bases = sorted({n.func.value.id for n in ast.walk(node)
                    if isinstance(n, ast.Call)
                    and isinstance(n.func, ast.Attribute)
                    and isinstance(n.func.value, ast.Name)
                    and n.func.value.id in globs
                    and n.func.value.id not in local})
    for subset in itertools.islice(itertools.chain.from_iterable(
            itertools.combinations(bases, k)
            for k in range(len(bases) + 1)), 16):
        if set(subset) != set(first) & set(bases):
            yield list(subset) + [n for n in first if n not in bases]


def _check_fresh(func, node, text, first):
    """CompileError when |node|, parsed from |text| (the file's lines from
    line |first| on, as read now), is not the source of the code |func|
    runs: the file changed since the function was defined (edited after
    import, without a reload).  Compiling the parsed definition must give
    the same bytecode, constants, names and line of every instruction.
    Skipped for a definition with `assert` statements (pytest rewrites
    those; kernels cannot have them anyway) and when the definition does
    not compile alone.  About 0.1-0.3 ms: one compile of the definition."""
    code = func.__code__
    if "assert" in text and any(isinstance(n, ast.Assert)
                                for n in ast.walk(node)):
        return
    want = _fingerprint(code, 1 - first)
    for imports in _import_guesses(func, node):
        fresh = _compile_node(node, code, imports)
        if fresh is None or _fingerprint(fresh) == want:
            return
    raise _compile_error(
        f"{code.co_filename}:{code.co_firstlineno}: error: the source of "
        f"{func.__name__!r} changed since the function was defined: its "
        f"file no longer holds the code Python runs, and ufuncforge "
        f"compiles the source text\nhint: reload the module (or run the "
        f"definition again) after editing it")


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
        node, col = _find(func, text)
    except SyntaxError as exc:
        raise _compile_error(
            f"{func.__code__.co_filename}:{first}: error: cannot parse the "
            f"source of {func.__name__!r}: {exc}") from None
    _check_fresh(func, node, text, first)
    fdef = _lambda_def(node) if isinstance(node, ast.Lambda) else node
    if isinstance(fdef, ast.AsyncFunctionDef):
        raise _compile_error(
            f"{func.__code__.co_filename}:{fdef.lineno + first - 1}:"
            f"{fdef.col_offset + col + 1}: error: async functions cannot "
            "be compiled")
    source = (func.__code__.co_filename, text, first, col)
    return fdef, source, make_resolver(func)


def load_helper(func):
    """(fdef, source, resolve) of a plain Python function called by a
    kernel, to be translated and inlined: the same as extract()."""
    return extract(func)


def helper_loader():
    """load_helper for one translation: each helper is read once however
    often the kernel inlines it, and read again by the next translation
    (so an edited file is noticed every time)."""
    return functools.lru_cache(maxsize=None)(load_helper)
