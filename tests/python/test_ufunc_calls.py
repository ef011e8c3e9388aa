"""A ufuncforge ufunc called inside another kernel: its Python function
is inlined, and the arguments and the result are cast to the types of the
loop NumPy would pick (the first exact match, else the first the
arguments cast to safely), known once the kernel is typed."""

import numpy as np
import pytest

from ufuncforge import CompileError, guvectorize, vectorize


@vectorize(["f8(f8)"])
def half(x):
    return x / 2


@vectorize(["f8(f8)", "f4(f4)"])
def scaled(x):
    return x * 3


@vectorize
def plus_one(x):
    return x + 1


@guvectorize(["void(f8[:], f8[:])"], "(n)->()")
def total(a, out):
    out[0] = a.sum()


def halves_an_int(n):
    return half(n)


def test_one_loop_casts_like_numpy():
    f = vectorize(["i8(i8)"])(halves_an_int)
    n = np.arange(-3, 4)
    # half runs its float64 loop: 3 // 2 would be 1, half(3) is 1.5 -> 1
    np.testing.assert_array_equal(f(n), half(n).astype(np.int64))


@vectorize(["i8(i8, i8)", "f8(f8, f8)"])
def floor_div(a, b):
    return a // b


@vectorize(["f4(f4)", "f8(f8)"])
def third(x):
    return x / 3


def picks_loops(x, k):
    return floor_div(x, k) + third(k)


def test_several_loops_pick_numpy_loop():
    # (f8, i8) takes floor_div's f8 loop, an int32 third()'s f8 loop
    # (int32 does not cast safely to float32), as NumPy picks them
    f = vectorize(["f8(f8, i4)"])(picks_loops)
    x = np.array([7.5, -3.25, 10.0])
    k = np.array([2, 3, 4], np.int32)
    expected = floor_div(x, k) + third(k)
    np.testing.assert_allclose(f(x, k), expected, rtol=1e-15)
    g = vectorize(["f8(i8, i8)"])(picks_loops)
    n = np.array([7, -3, 10])
    np.testing.assert_allclose(g(n, n // 2 + 5), floor_div(n, n // 2 + 5) +
                               third(n // 2 + 5), rtol=1e-15)


@vectorize(["f4(f4)", "i2(i2)"])
def narrow_only(x):
    return x


def no_loop_fits(x):
    return narrow_only(x)


def test_no_loop_fits_is_an_error():
    with pytest.raises(CompileError, match=r"no loop of the ufunc "
                                           r"'narrow_only' takes \(f8\)"):
        vectorize(["f8(f8)"])(no_loop_fits)


def mixed(x):
    return scaled(x) + plus_one(x) + half(x)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_several_loops_and_lazy(dtype):
    f = vectorize(["f8(f4)", "f8(f8)"])(mixed)
    x = np.linspace(-2, 2, 9).astype(dtype)
    expected = (scaled(x) + plus_one(x) + half(x)).astype(np.float64)
    np.testing.assert_allclose(f(x), expected, rtol=1e-6)


def inside_gufunc(a, out):
    for i in range(a.shape[0]):
        out[i] = half(a[i]) + scaled(a[i])


def test_called_from_a_gufunc():
    f = guvectorize(["void(f8[:], f8[:])"], "(n)->(n)")(inside_gufunc)
    a = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(f(a), half(a) + scaled(a))


def calls_gufunc(a, out):
    out[0] = total(a)


def test_gufunc_cannot_be_called():
    with pytest.raises(CompileError, match="the gufunc 'total' cannot be "
                                           "called from a kernel"):
        guvectorize(["void(f8[:], f8[:])"], "(n)->()")(calls_gufunc)
