"""Python ints, floats and complex numbers passed to eager ufuncs and
gufuncs: they reach a listed loop the way NumPy's type resolution takes
them for its own ufuncs (NEP 50 weak scalars; np.ldexp(x, 2) runs its
(float64, int) loop), on every call path.

References: NumPy's own ufuncs with the same loops (dtype and values) and
the kernel run in plain Python on NumPy scalars of the loop's types."""

import numpy as np
import pytest
from conftest import assert_same, elementwise

from ufuncforge import guvectorize, vectorize

TARGETS = ["cpu", "parallel"]
X = np.array([-1.5, 0.0, 0.25, 3.0])


def scale2(x, n):
    return x * 2.0 ** n


def plus(a, b):
    """(Not named add: NumPy reduces ints of ufuncs named 'add' or
    'multiply' in int64.)"""
    return a + b


@pytest.fixture(params=TARGETS)
def target(request):
    return request.param


def test_python_int_to_the_only_int_loop(target):
    """Numba runs f(x, 2) with only 'f8(f8, i8)'; NumPy's ldexp does the
    same with its (d, l) loop."""
    f = vectorize(["f8(f8, i8)"], target=target)(scale2)
    assert_same(f(X, 2), np.ldexp(X, 2))
    assert_same(f(X, -3), np.ldexp(X, -3))
    out = np.empty(4)
    assert f(X, 2, out=out) is out
    assert_same(out, np.ldexp(X, 2))
    assert_same(f(X.astype(np.float32), 2), np.ldexp(X, 2))   # f4 -> f8
    assert_same(f(2, 3), np.ldexp(2.0, 3))                      # all scalars
    assert_same(f(1.5, 3), np.ldexp(1.5, 3))
    assert_same(f(X[:, None], np.int64(2)), np.ldexp(X[:, None], 2))


@pytest.mark.parametrize("code", ["i1", "i2", "i4", "u1", "u8"])
def test_python_int_fits_any_integer_loop(code, target):
    """A Python int goes to an integer loop of any width; one that does not
    fit raises NumPy's OverflowError, as np.add(int8_array, 1000) does."""
    f = vectorize([f"f8(f8, {code})"], target=target)(scale2)
    want = elementwise(scale2, X, np.dtype(code).type(3), dtypes=["f8"])
    assert_same(f(X, 3), want)
    with pytest.raises(OverflowError):
        f(X, 2**70)
    if code != "u8":
        with pytest.raises(OverflowError):
            f(X, int(np.iinfo(code).max) + 1)


def test_exact_array_loop_wins_for_a_python_int(target):
    """With (f8, i8) and (f4, i8) loops, a float32 array and a Python int
    run the float32 loop, as np.ldexp(f4_array, 2) does."""
    f = vectorize(["f8(f8, i8)", "f4(f4, i8)"], target=target)(scale2)
    x4 = X.astype(np.float32)
    got = f(x4, 2)
    assert got.dtype == np.ldexp(x4, 2).dtype == np.float32
    assert_same(got, elementwise(scale2, x4, np.int64(2), dtypes=["f4"]))


def test_float32_array_and_python_number_keep_float32(target):
    """As np.add: a Python float or int next to a float32 array is float32
    (NEP 50); next to an int array a Python float is float64."""
    f = vectorize(["f8(f8, f8)", "f4(f4, f4)"], target=target)(plus)
    x4 = X.astype(np.float32)
    for other in (2.5, 2, 1e30):
        got = f(x4, other)
        assert got.dtype == np.add(x4, other).dtype == np.float32
        assert_same(got, np.add(x4, other))
    i2 = np.arange(4, dtype=np.int16)
    assert_same(f(i2, 2.5), np.add(i2, 2.5))            # float64
    assert_same(f(2, 3.5), np.float64(5.5))


def test_python_float_does_not_go_to_an_integer_loop():
    """NumPy's ldexp refuses a float exponent; so does an (f8, i8) loop."""
    f = vectorize(["f8(f8, i8)"])(scale2)
    with pytest.raises(TypeError, match="did not contain a loop"):
        f(X, 2.5)
    with pytest.raises(TypeError):
        np.ldexp(X, 2.5)


def test_python_complex_goes_to_complex_loops_only(target):
    def scale(z, s):
        return z * s

    f = vectorize(["c16(c16, f8)"], target=target)(scale)
    z = X + 1j
    assert_same(f(z, 2), z * 2.0)              # int -> f8
    assert_same(f(z, 0.5), z * 0.5)            # float -> f8
    assert_same(f(1j, 2), np.complex128(2j))
    with pytest.raises(TypeError):
        f(z, 1j)                               # complex -> f8: no
    g = vectorize(["f8(f8, f8)", "c16(c16, c16)"], target=target)(plus)
    assert_same(g(X, 1j), X + 1j)
    assert_same(g(X, 2), X + 2.0)


def test_scalars_alone_take_their_default_types():
    """As NumPy's legacy resolution: only next to an array of at least
    their kind are Python scalars weak; alone, 2 is int64, which does not
    cast safely to int32, so the float64 loop runs (np.add's rule for
    Python ints: int64)."""
    f = vectorize(["i4(i4, i4)", "f8(f8, f8)"])(plus)
    assert_same(f(2, 3), np.float64(5.0))
    i2 = np.arange(4, dtype=np.int16)
    assert_same(f(i2, 3), (i2 + 3).astype(np.int32))
    assert_same(f(i2, 3.5), i2 + 3.5)
    assert_same(f(np.int32(2), 3), np.int32(5))


def test_python_bool_is_not_weak():
    """Python's bool is NumPy's bool (NEP 50): it casts safely to ints."""
    f = vectorize(["f8(f8, i8)"])(scale2)
    assert_same(f(X, True), np.ldexp(X, 1))


def test_ufunc_at_with_a_python_int(target):
    f = vectorize(["f8(f8, i8)"], target=target)(scale2)
    buf = X.copy()
    f.at(buf, [0, 2, 2], 1)
    want = X.copy()
    for i in [0, 2, 2]:
        want[i] = scale2(want[i], 1)
    assert_same(buf, want)


def test_reduce_with_a_python_initial(target):
    f = vectorize(["i4(i4, i4)", "f8(f8, f8)"], identity=0,
                  target=target)(plus)
    a = np.arange(5, dtype=np.int32)
    got = f.reduce(a, initial=10)
    assert got.dtype == np.int32 and got == 20
    assert_same(f.accumulate(a), np.cumsum(a, dtype=np.int32))


def scaled_first(a, k, out):
    out[0] = a[0] * k


def test_gufunc_exact_array_loop_for_a_python_int(target):
    f = guvectorize(["void(f8[:], i8, f8[:])", "void(f4[:], i8, f4[:])"],
                    "(n),()->()", target=target)(scaled_first)
    a4 = np.arange(6.0, dtype=np.float32).reshape(2, 3)
    got = f(a4, 3)
    assert got.dtype == np.float32
    assert_same(got, a4[:, 0] * np.float32(3))
    assert_same(f(a4.astype(np.float64), 3), a4[:, 0].astype(np.float64) * 3)


def test_gufunc_python_int_to_a_narrow_int_loop(target):
    f = guvectorize(["void(f8[:], i2, f8[:])"], "(n),()->()",
                    target=target)(scaled_first)
    a = np.arange(6.0).reshape(2, 3)
    assert_same(f(a, 3), a[:, 0] * 3)
    with pytest.raises(OverflowError):
        f(a, 2**20)
