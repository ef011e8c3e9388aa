"""vectorize's calling forms and keywords, the type objects, signature
normalisation, and what importing the package does."""

import functools
import importlib.metadata
import math
import subprocess
import sys

import numpy as np
import pytest
from conftest import assert_same

import ufuncforge as uf
from ufuncforge import CompileError, vectorize
from ufuncforge._types import normalize_signatures


def add(x, y):
    return x + y


def twice(x):
    """Twice x."""
    return 2 * x


X = np.linspace(-3.0, 3.0, 13)


# ---- calling forms -------------------------------------------------------

def test_bare_decorator_is_lazy_ufunc():
    f = vectorize(twice)
    assert isinstance(f, np.ufunc)
    assert (f.nin, f.nout) == (1, 1)
    assert_same(f(X), 2 * X)
    assert_same(f(np.arange(4, dtype=np.int16)), np.arange(4, dtype=np.int16) * 2)


def test_empty_call_decorator_is_lazy_ufunc():
    f = vectorize()(twice)
    assert isinstance(f, np.ufunc)
    assert_same(f(X.astype(np.float32)), (2 * X).astype(np.float32))


@pytest.mark.parametrize("sigs", [
    ["f8(f8)"],
    "f8(f8)",
    ("f8(f8)",),
    ["float64(float64)"],
    "double(double)",
    [uf.float64(uf.float64)],
    uf.f8(uf.f8),
    [(uf.float64,)],
    (uf.float64,),
    ["(f8)"],
    "(float64)",
    "f8,",                    # Numba's tuple of argument types
    ["float64,"],
    "f8(f8,)",                # a trailing comma, as Python allows
])
def test_eager_signature_forms(sigs):
    f = vectorize(sigs)(twice)
    assert isinstance(f, np.ufunc)
    assert_same(f(X), 2 * X)


@pytest.mark.parametrize("target", ["cpu", "parallel"])
@pytest.mark.parametrize("sigs", ["f8, f8", ["f8, f8"], ["f8,f8", "f4, f4"],
                                  ("float64, float64", "(f4, f4)")])
def test_signatures_without_parentheses(sigs, target):
    """Numba reads 'f8, f8' as a tuple of argument types (return type
    inferred); so does ufuncforge, for each entry of a list too."""
    f = vectorize(sigs, target=target)(add)
    assert f.nin == 2
    assert_same(f(X, 2 * X), X + 2 * X)
    if isinstance(sigs, list) and len(sigs) == 2:
        x4 = X.astype(np.float32)
        assert_same(f(x4, x4), x4 + x4)   # the f4 loop, not a cast
    assert list(uf.inspect_kir(f))[0] == "f8(f8, f8)"


def test_signature_list_sets_loops_in_order():
    f = vectorize(["f8(f8)", "f4(f4)", "i8(i8)"])(twice)
    assert_same(f(X), 2 * X)
    assert_same(f(X.astype(np.float32)), (2 * X).astype(np.float32))
    assert_same(f(np.arange(5)), np.arange(5) * 2)


def test_vectorize_called_on_function_with_signatures():
    f = vectorize(["f8(f8, f8)"], nopython=True)(add)
    assert_same(f(X, 1.0), X + 1.0)


def test_function_with_keywords_is_lazy():
    f = vectorize(add, identity=0)
    assert f.reduce(np.array([], dtype=np.float64)) == 0.0
    assert_same(f(X, X), 2 * X)


def test_inferred_return_type():
    f = vectorize(["(f8, f8)", (uf.int32, uf.int32)])(add)
    assert_same(f(X, X), 2 * X)
    a = np.arange(5, dtype=np.int32)
    assert_same(f(a, a), a + a)


def test_lambda_kernel():
    f = vectorize(["f8(f8)"])(lambda x: x * 3.0 + 1.0)
    assert f.__name__ == "<lambda>"
    assert_same(f(X), X * 3.0 + 1.0)


@pytest.mark.parametrize("sig", [
    "(f8, f8)(f8)",
    "Tuple(f8, f8)(f8)",
    uf.Tuple(uf.f8, uf.f8)(uf.f8),
    uf.Tuple((uf.f8, uf.f8))(uf.f8),
    uf.UniTuple(uf.f8, 2)(uf.f8),
])
def test_multiple_outputs(sig):
    def split(x):
        return x + 1.0, x - 1.0

    f = vectorize([sig])(split)
    assert (f.nin, f.nout) == (1, 2)
    lo_hi = f(X)
    assert isinstance(lo_hi, tuple)
    assert_same(lo_hi[0], X + 1.0)
    assert_same(lo_hi[1], X - 1.0)


# ---- keywords ------------------------------------------------------------

@pytest.mark.parametrize("kw", [
    {"nopython": True}, {"nopython": False}, {"forceobj": False},
    {"target": "cpu"}, {"cache": True}, {"cache": False},
    {"boundscheck": True}, {"boundscheck": False}, {"boundscheck": None},
    {"fastmath": True}, {"fastmath": False}, {"fastmath": {"nnan", "ninf"}},
    {"identity": None}, {"identity": 0}, {"identity": 1}, {"identity": -1},
    {"identity": "reorderable"}, {"identity": -math.inf},
])
def test_accepted_keywords(kw):
    f = vectorize(["f8(f8, f8)"], **kw)(add)
    assert_same(f(X, X), X + X)


@pytest.mark.parametrize("identity, empty", [
    (0, 0.0), (1, 1.0), (-1, -1.0), (-math.inf, -math.inf), (2.5, 2.5)])
def test_identity_reaches_reduce(identity, empty):
    f = vectorize(["f8(f8, f8)"], identity=identity)(add)
    assert f.identity == identity
    assert f.reduce(np.empty(0)) == empty
    # NumPy starts every reduction from the identity; with one, several
    # axes may be reduced at once
    assert f.reduce(np.zeros((2, 3)), axis=(0, 1)) == empty


@pytest.mark.parametrize("identity", [None, "reorderable"])
def test_no_identity(identity):
    f = vectorize(["f8(f8, f8)"], identity=identity)(add)
    with pytest.raises(ValueError):
        f.reduce(np.empty(0))
    assert f.reduce(X) == X.sum()


def test_fastmath_still_computes():
    f = vectorize(["f8(f8, f8)"], fastmath=True)(add)
    np.testing.assert_allclose(f(X, 1.0), X + 1.0)


def test_forceobj_true_is_rejected():
    with pytest.raises(CompileError, match="object mode"):
        vectorize(["f8(f8)"], forceobj=True)(twice)


def test_cuda_target_not_available_yet():
    with pytest.raises(NotImplementedError, match="not available yet"):
        vectorize(["f8(f8)"], target="cuda")(twice)


def test_parallel_target_makes_a_ufunc():
    f = vectorize(["f8(f8)"], target="parallel")(twice)
    assert isinstance(f, np.ufunc)
    assert f(np.float64(2.5)) == twice(2.5)


@pytest.mark.parametrize("target", ["gpu", "CPU ", "", None, 1])
def test_unknown_target(target):
    with pytest.raises(ValueError, match="target"):
        vectorize(["f8(f8)"], target=target)


@pytest.mark.parametrize("kw", [{"nogil": True}, {"parallel": True},
                                {"locals": {}}, {"signatures": ["f8(f8)"]}])
def test_unknown_keyword(kw):
    with pytest.raises(TypeError, match=next(iter(kw))):
        vectorize(["f8(f8)"], **kw)


@pytest.mark.parametrize("identity", ["zero", "", "Reorderable"])
def test_bad_identity_string(identity):
    with pytest.raises(ValueError, match="identity"):
        vectorize(["f8(f8, f8)"], identity=identity)


@pytest.mark.parametrize("obj", [np.sin, math.sqrt, functools.partial(add, 1),
                                 print])
def test_not_a_python_function(obj):
    with pytest.raises(TypeError):
        vectorize(["f8(f8)"])(obj)


def test_ufunc_attributes():
    f = vectorize(["f8(f8)"])(twice)
    assert f.__name__ == "twice"
    assert "Twice x." in f.__doc__
    if hasattr(f, "__dict__"):  # NumPy >= 2.1
        assert f.__module__ == __name__
        assert f.__qualname__ == "twice"


# ---- malformed signatures ------------------------------------------------

@pytest.mark.parametrize("sig, col", [
    ("f8(f9)", 4),
    ("f8(f8", 6),
    ("f8(f8,, f8)", 7),
    ("f8(f8) junk", 8),
    ("float63(f8)", 1),
    ("f8", 3),                 # a lone type is no signature (nor in Numba)
    ("f8, f8 junk", 8),
    ("void, f8", 1),
])
def test_malformed_signature_gives_column(sig, col):
    with pytest.raises(CompileError) as info:
        vectorize([sig])(twice)
    first, text, caret = str(info.value).splitlines()[:3]
    assert f":1:{col}: error:" in first
    assert text.strip() == sig
    assert caret.index("^") - 4 == col - 1


def test_signature_arity_mismatch():
    with pytest.raises(CompileError):
        vectorize(["f8(f8, f8)"])(twice)


@pytest.mark.parametrize("bad", [1, 2.0, None, [1], [uf.f8], uf.f8,
                                 {"f8(f8)"}, [["f8(f8)"]]])
def test_signature_of_wrong_type(bad):
    with pytest.raises(TypeError, match="signature"):
        vectorize(bad)


# ---- type objects --------------------------------------------------------

NAMES = {
    "b1": ["b1", "bool_", "boolean"],
    "i1": ["i1", "int8"], "i2": ["i2", "int16"],
    "i4": ["i4", "int32", "intc"], "i8": ["i8", "int64", "intp", "int_"],
    "u1": ["u1", "uint8", "byte"], "u2": ["u2", "uint16"],
    "u4": ["u4", "uint32", "uintc"], "u8": ["u8", "uint64", "uintp", "uint"],
    "f4": ["f4", "float32", "single", "float_"],
    "f8": ["f8", "float64", "double"],
    "c8": ["c8", "complex64", "csingle"],
    "c16": ["c16", "complex128", "cdouble"],
    "void": ["void"],
}


@pytest.mark.parametrize("code, names", NAMES.items())
def test_exported_type_names(code, names):
    for name in names:
        t = getattr(uf, name)
        assert t is getattr(uf, names[0])
        assert str(t) == code


def test_float_is_float32_as_in_numba():
    assert uf.float_ is uf.float32


@pytest.mark.parametrize("obj, text", [
    (uf.float64[:], "f8[:]"),
    (uf.float64[::1], "f8[::1]"),
    (uf.float64[:, :], "f8[:, :]"),
    (uf.float64[:, ::1], "f8[:, ::1]"),
    (uf.int32[:, :, :], "i4[:, :, :]"),
    (uf.float64(uf.float64, uf.int32), "f8(f8, i4)"),
    (uf.float64(), "f8()"),
    (uf.void(uf.float64[:], uf.float64[:]), "void(f8[:], f8[:])"),
    (uf.float64[:](uf.float64[:], uf.f8), "f8[:](f8[:], f8)"),
    (uf.Tuple(uf.f8, uf.f8)(uf.f8), "(f8, f8)(f8)"),
    (uf.Tuple((uf.f8, uf.i8))(uf.f8), "(f8, i8)(f8)"),
    (uf.UniTuple(uf.f4, 3)(uf.f4), "(f4, f4, f4)(f4)"),
    (uf.Tuple(uf.f8, uf.f8), "(f8, f8)"),
])
def test_type_object_text(obj, text):
    assert str(obj) == text


@pytest.mark.parametrize("make", [
    lambda: uf.float64[1],
    lambda: uf.float64[::2],
    lambda: uf.float64[::1, :],
    lambda: uf.float64[0:3],
    lambda: uf.void[:],
    lambda: uf.float64(1),
    lambda: uf.float64("f8"),
    lambda: uf.float64(uf.void),
    lambda: uf.UniTuple(uf.f8, 0),
    lambda: uf.Tuple(uf.f8, 2),
])
def test_bad_type_objects(make):
    with pytest.raises(TypeError):
        make()


def test_type_objects_compare():
    assert uf.f8[:] == uf.float64[:]
    assert uf.f8[:] != uf.f8[::1]
    assert uf.f8(uf.f8) == uf.float64(uf.double)
    assert len({uf.f8[:, :], uf.float64[:, :]}) == 1


@pytest.mark.parametrize("obj, expected", [
    ("f8(f8)", ["f8(f8)"]),
    ("  f8 ( f8 )", ["  f8 ( f8 )"]),
    (["f8(f8)", "f4(f4)"], ["f8(f8)", "f4(f4)"]),
    (("f8(f8)", "f4(f4)"), ["f8(f8)", "f4(f4)"]),
    (uf.f8(uf.f8, uf.i4), ["f8(f8, i4)"]),
    ((uf.f8, uf.i4), ["(f8, i4)"]),
    ([(uf.f8, uf.i4), (uf.f4,)], ["(f8, i4)", "(f4)"]),
    ([uf.f8(uf.f8), "f4(f4)", (uf.i8,)], ["f8(f8)", "f4(f4)", "(i8)"]),
    ([], []),
    ((), []),
])
def test_normalize_signatures(obj, expected):
    assert normalize_signatures(obj) == expected


# ---- the package ---------------------------------------------------------

def test_version_matches_metadata():
    assert uf.__version__ == importlib.metadata.version("ufuncforge")


def test_public_names():
    for name in ["vectorize", "CompileError", "inspect_kir", "inspect_types",
                 "inspect_llvm", "inspect_asm", "__version__", "Tuple",
                 "UniTuple", "Signature"]:
        assert hasattr(uf, name), name
    assert issubclass(uf.CompileError, TypeError)


def test_import_loads_neither_core_nor_llvm():
    code = ("import sys, ufuncforge\n"
            "maps = open('/proc/self/maps').read()\n"
            "print('ufuncforge._core' in sys.modules, 'libLLVM' in maps)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, check=True).stdout.split()
    assert out == ["False", "False"]


def test_vectorize_does_not_start_before_use():
    code = ("import sys, ufuncforge as uf\n"
            "uf.vectorize\n"
            "s = uf.float64(uf.float64)\n"
            "print('ufuncforge._core' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, check=True).stdout.split()
    assert out == ["False"]
