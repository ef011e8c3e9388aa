"""A ufuncforge ufunc called inside another kernel: its Python function
is inlined; with one loop the arguments and the result are cast to that
loop's types, as NumPy runs the ufunc."""

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
