"""The source compiled is the source that ran: a kernel whose file was
edited after the function was defined (without a reload) raises
CompileError instead of compiling the new text.  Each case writes a module,
imports it, and edits the file before decorating; the reference for the
unedited cases is the function run in plain Python."""

import importlib.util
import itertools
import os
import sys
import textwrap
import time

import numpy as np
import pytest
from conftest import assert_same

from ufuncforge import CompileError, guvectorize, vectorize
from ufuncforge._source import _check_fresh, _find, _read

_names = itertools.count()


def load(tmp_path, source):
    """The module made of |source|, imported from a new file."""
    name = f"_uf_changed_{next(_names)}"
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(source))
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod, path


def edit(path, old, new):
    """Replaces |old| by |new| in the file, with a later mtime."""
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))


X = np.array([-2.0, 0.5, 3.0])

KERNEL = """
import math

def k(x):
    return math.exp(x) + 1.0
"""


def test_unchanged_file_compiles(tmp_path):
    mod, _ = load(tmp_path, KERNEL)
    f = vectorize(["f8(f8)"])(mod.k)
    assert_same(f(X), np.array([mod.k(x) for x in X]), rtol=1e-15)


@pytest.mark.parametrize("old, new", [
    ("+ 1.0", "- 1.0"),                   # same length, same columns
    ("1.0", "2.0"),                       # a constant
    ("math.exp", "math.sin"),             # a name
    ("def k(x):", "# a comment\ndef k(x):"),  # lines moved
    ("    return", "    y = x\n    return"),    # a statement added
])
def test_edited_file_is_refused(tmp_path, old, new):
    mod, path = load(tmp_path, KERNEL)
    edit(path, old, new)
    with pytest.raises(CompileError, match="changed since the function was "
                       "defined") as info:
        vectorize(["f8(f8)"])(mod.k)
    first = str(info.value).splitlines()[0]
    assert first.startswith(f"{path}:{mod.k.__code__.co_firstlineno}:")
    assert "reload" in str(info.value)


def test_edit_elsewhere_in_the_file_is_fine(tmp_path):
    mod, path = load(tmp_path, KERNEL + "\n\ndef other():\n    return 1\n")
    edit(path, "return 1", "return 2")
    f = vectorize(["f8(f8)"])(mod.k)
    assert_same(f(X), np.array([mod.k(x) for x in X]), rtol=1e-15)


def test_edited_helper_is_refused(tmp_path):
    mod, path = load(tmp_path, """
        def helper(x):
            return x * 2.0

        def k(x):
            return helper(x) + 1.0
        """)
    assert_same(vectorize(["f8(f8)"])(mod.k)(X), X * 2.0 + 1.0)
    edit(path, "x * 2.0", "x * 3.0")
    with pytest.raises(CompileError, match="'helper' changed"):
        vectorize(["f8(f8)"])(mod.k)


def test_closures_and_lambdas(tmp_path):
    mod, path = load(tmp_path, """
        import numpy as np

        def make(scale):
            def k(x):
                return np.sqrt(abs(x)) * scale
            return k

        lam = lambda x: x * 0.5 + 1.0
        """)
    k = mod.make(3.0)
    assert_same(vectorize(["f8(f8)"])(k)(X), np.sqrt(abs(X)) * 3.0)
    assert_same(vectorize(["f8(f8)"])(mod.lam)(X), X * 0.5 + 1.0)
    edit(path, "* scale", "/ scale")
    with pytest.raises(CompileError, match="changed"):
        vectorize(["f8(f8)"])(k)
    edit(path, "x * 0.5", "x / 0.5")
    with pytest.raises(CompileError, match="changed"):
        vectorize(["f8(f8)"])(mod.lam)


def test_gufunc_kernel(tmp_path):
    mod, path = load(tmp_path, """
        def total(a, out):
            s = 0.0
            for v in a:
                s += v
            out[0] = s
        """)
    a = np.arange(6.0).reshape(2, 3)
    assert_same(guvectorize(["void(f8[:], f8[:])"], "(n)->()")(mod.total)(a),
                a.sum(axis=1))
    edit(path, "s += v", "s -= v")
    with pytest.raises(CompileError, match="changed"):
        guvectorize(["void(f8[:], f8[:])"], "(n)->()")(mod.total)


def test_modules_not_bound_by_import(tmp_path):
    """CPython compiles math.exp(x) differently when `math` comes from an
    import; a module bound by assignment must not look like an edit."""
    mod, _ = load(tmp_path, """
        import math as _m
        m2 = _m

        def k(x):
            return m2.exp(x) + _m.exp(x)
        """)
    f = vectorize(["f8(f8)"])(mod.k)
    assert_same(f(X), np.array([mod.k(x) for x in X]), rtol=1e-15)


def test_set_constants_compare_as_sets(tmp_path):
    """A set literal is a frozenset constant, whose order may differ
    between compiles: the kernel gets the language's own error, not a
    file-changed one."""
    mod, _ = load(tmp_path, """
        def k(x):
            if x in {1.5, "a", "b", "c", "d", "e"}:
                return 1.0
            return 0.0
        """)
    with pytest.raises(CompileError, match="'in' is not supported"):
        vectorize(["f8(f8)"])(mod.k)


def test_check_is_cheap():
    """Well under a millisecond for a seed-sized kernel (median of 21)."""
    def selu(x):
        alpha = 1.6732632423543772
        scale = 1.0507009873554805
        if x > 0.0:
            return scale * x
        return scale * alpha * (np.exp(x) - 1.0)

    lines, first = _read(selu)
    text = "".join(lines)
    node, _ = _find(selu, text)
    times = []
    for _ in range(21):
        t = time.perf_counter()
        _check_fresh(selu, node, text, first)
        times.append(time.perf_counter() - t)
    assert sorted(times)[10] < 1e-3
