"""Module-level tuples, lists and NumPy arrays used in kernels: frozen
when the kernel is compiled into constant arrays of their NumPy dtype
(ints -> int64, any float -> float64, bools -> bool), read-only, indexable
(constant, variable and negative indices, bounds-checked), with len(),
loops over them, .shape / .size / .ndim for arrays, and unpacking.  The
reference is the Python function itself."""

import math

import numpy as np
import numpy.testing as npt
import pytest

import ufuncforge as uf
from ufuncforge import CompileError
from conftest import check_against_python

COEFFS = (0.25, -1.5, 2.0, 0.125)          # float64
INTS = [3, 1, 4, 1, 5, 9, 2, 6]            # int64
MIXED = (1, 2.5, True)                     # float64
FLAGS = (True, False, False, True)          # bool
NESTED = ((1, 2, 3), (4, 5, 6))             # int64, 2-D
TABLE = np.array([[1.5, -2.0, 3.0], [0.5, 4.0, -1.0]])
SMALL = np.array([7, 200, 13], dtype=np.uint8)
SINGLE = np.linspace(0.0, 1.0, 5, dtype=np.float32)
BOOLS = np.array([True, False, True])
STRIDED = np.arange(20.0)[::4]              # not contiguous: copied
SCALAR = np.array(2.5)                      # 0-d: a number
PAIR = (3, 0.5)
EMPTY = ()


@pytest.fixture(params=["cpu", "parallel"])
def target(request):
    return request.param


def horner(x):
    acc = 0.0
    for c in COEFFS:
        acc = acc * x + c
    return acc


def lookup(x):
    i = int(abs(x)) % len(INTS)
    return INTS[i] + INTS[-1] * 10 + INTS[-i - 1] + MIXED[1] + len(MIXED)


def flags_and_nested(x):
    k = int(abs(x)) % 4
    r = NESTED[k % 2][k % 3] * 1.0
    if FLAGS[k]:
        r = -r
    return r + NESTED[1][-1]


def tables(x):
    n, m = TABLE.shape
    acc = 0.0
    for i in range(n):
        for j in range(m):
            acc += TABLE[i, j] * x
    k = int(abs(x)) % 3
    return (acc + SMALL[k] + TABLE.size + TABLE.ndim + TABLE.shape[1]
            + SINGLE[k] + BOOLS[k] + STRIDED[k] + SCALAR)


def enumerated(x):
    total = 0.0
    for i, c in enumerate(COEFFS):
        total += i * c * x
    a, b = PAIR
    return total + a * b + len(EMPTY)


def reductions(x):
    return sum(COEFFS) + np.max(TABLE[0]) + min(INTS) * x + np.sum(SINGLE)


X = np.array([-7.5, -2.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.25, 10.0, 123.0])


@pytest.mark.parametrize("code", ["f8", "f4"])
@pytest.mark.parametrize("func", [horner, lookup, flags_and_nested, tables,
                                  enumerated, reductions],
                         ids=lambda f: f.__name__)
def test_against_python(target, code, func):
    """Frozen float64 constants make float32 kernels compute in float64,
    as in NumPy and Numba; the result is cast to the declared type."""
    ufunc = uf.vectorize([f"{code}({code})"], target=target)(func)
    x = X.astype(code)
    expected = np.array([func(float(v)) for v in x]).astype(code)
    npt.assert_allclose(ufunc(x), expected, rtol=1e-6 if code == "f4" else 0)


def test_types_follow_numpy():
    f = uf.vectorize(["f8(f8)"])(tables)
    text = uf.inspect_kir(f, "f8(f8)")
    assert "(constarray f8 (2 3) 1.5 -2.0 3.0 0.5 4.0 -1.0)" in text
    assert "(constarray u1 (3) 7 200 13)" in text
    assert "(constarray f4 (5) 0.0 0.25 0.5 0.75 1.0)" in text
    assert "(constarray b1 (3) True False True)" in text
    assert "(constarray f8 (5) 0.0 4.0 8.0 12.0 16.0)" in text
    g = uf.vectorize(["f8(f8)"])(lookup)
    text = uf.inspect_kir(g, "f8(f8)")
    assert "(constarray i8 (8) 3 1 4 1 5 9 2 6)" in text
    assert "(constarray f8 (3) 1.0 2.5 1.0)" in text
    h = uf.vectorize(["f8(f8)"])(flags_and_nested)
    assert "(constarray i8 (2 3) 1 2 3 4 5 6)" in uf.inspect_kir(h, "f8(f8)")
    types = uf.inspect_types(g, "f8(f8)")
    assert ":i8[::1]" in types


def test_bound_once_per_kernel():
    f = uf.vectorize(["f8(f8)"])(lookup)
    text = uf.inspect_kir(f, "f8(f8)")
    assert text.count("constarray i8") == 1
    assert text.splitlines()[1].startswith("  (set INTS_")


def out_of_range(i):
    return COEFFS[i]


def test_indices_are_bounds_checked(target):
    f = uf.vectorize(["f8(i8)"], target=target)(out_of_range)
    npt.assert_array_equal(f(np.array([0, 3, -1, -4])),
                           [0.25, 0.125, 0.125, 0.25])
    with pytest.raises(IndexError, match=r"index 4 is out of bounds for "
                       r"axis 0 with size 4 \(kernel 'out_of_range'"):
        f(np.array([0, 4]))
    with pytest.raises(IndexError, match="index -5"):
        f(np.array([-5]))


LIMITS = [0.0, 1.0]


def uses_limits(x):
    return min(max(x, LIMITS[0]), LIMITS[1])


def test_frozen_when_compiled():
    f = uf.vectorize(["f8(f8)"])(uses_limits)
    lazy = uf.vectorize(uses_limits)
    LIMITS[1] = 0.5  # changed after decorating: not seen
    try:
        npt.assert_array_equal(f(np.array([-1.0, 0.75, 2.0])), [0, 0.75, 1])
        npt.assert_array_equal(lazy(np.array([0.75])), [0.75])
    finally:
        LIMITS[1] = 1.0


def closure_table(scale):
    weights = (scale, 2 * scale)

    def kernel(x):
        return weights[0] * x + weights[1]
    return kernel


def test_closure_tuple():
    f = uf.vectorize(["f8(f8)"])(closure_table(3.0))
    npt.assert_array_equal(f(np.array([1.0, 2.0])), [9.0, 12.0])


def weight_of(i):
    return TABLE[1, i] * COEFFS[i]


def helper_uses_globals(x):
    return weight_of(int(x) % 3) + COEFFS[0]


def test_helpers_share_frozen_arrays(target):
    f = uf.vectorize(["f8(f8)"], target=target)(helper_uses_globals)
    check_against_python(f, lambda x: helper_uses_globals(float(x)),
                         np.arange(6.0), dtypes=["f8"])
    assert uf.inspect_kir(f, "f8(f8)").count("constarray f8 (4)") == 1


def weighted(a, out):
    for i in range(a.shape[0]):
        out[i] = a[i] * TABLE[i % 2, i % 3] + len(COEFFS)


def test_guvectorize(target):
    g = uf.guvectorize(["void(f8[:], f8[:])"], "(n)->(n)",
                       target=target)(weighted)
    a = np.arange(12.0).reshape(2, 6)
    expected = np.empty_like(a)
    for r in range(2):
        weighted(a[r], expected[r])
    npt.assert_array_equal(g(a), expected)


# ---- read-only ------------------------------------------------------------

def store_into_global(x):
    COEFFS[0] = x
    return x


def augassign_global(x):
    TABLE[0, 0] += x
    return x


def store_into_view(x):
    row = TABLE[1]
    row[0] = x
    return x


def store_through_loop_local(x):
    t = TABLE[0, :]
    for i in range(2):
        t[i] = x
    return x


@pytest.mark.parametrize("func, match", [
    (store_into_global, "cannot assign into 'COEFFS'.*read-only"),
    (augassign_global, "cannot assign into 'TABLE'"),
    (store_into_view, "cannot store into 'row'.*read-only"),
    (store_through_loop_local, "cannot store into 't'.*read-only"),
])
def test_read_only(func, match):
    with pytest.raises(CompileError, match=match):
        uf.vectorize(["f8(f8)"])(func)


# ---- what cannot be frozen -------------------------------------------------

COMPLEX = (1 + 2j, 3.0)
STRINGS = ("a", "b")
HUGE_INT = (2 ** 63, 1)
RAGGED = ((1, 2), (3,))
BIG = np.zeros(2 ** 20 + 1)
HALF = np.ones(3, dtype=np.float16)
SWAPPED = np.arange(3.0).astype(">f8")


def complex_reader(x):
    return COMPLEX[0].real + x


def strings_reader(x):
    return STRINGS[0] + x


def huge_reader(x):
    return HUGE_INT[0] + x


def ragged_reader(x):
    return RAGGED[0] + x


def big_reader(x):
    return BIG[0] + x


def half_reader(x):
    return HALF[0] + x


def swapped_reader(x):
    return SWAPPED[0] + x


@pytest.mark.parametrize("func, match", [
    (complex_reader, "complex"),
    (strings_reader, "strings"),
    (huge_reader, "int64"),
    (ragged_reader, "inhomogeneous|sequence"),
    (big_reader, "too large"),
    (half_reader, "float16"),
    (swapped_reader, "byte order"),
])
def test_cannot_freeze(func, match):
    with pytest.raises(CompileError, match=match):
        uf.vectorize(["f8(f8)"])(func)


def test_math_of_frozen_values():
    def norm(x):
        return math.sqrt(COEFFS[0] ** 2 + COEFFS[1] ** 2) * x

    f = uf.vectorize(["f8(f8)"])(norm)
    npt.assert_allclose(f(np.array([2.0])), [norm(2.0)])
