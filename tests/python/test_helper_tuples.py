"""Helpers that return tuples: unpacked where they are called
(a, b = helper(...)) or returned as a kernel's outputs."""

import numpy as np
import pytest

from ufuncforge import CompileError, guvectorize, njit, vectorize


def stats(a):
    s = 0.0
    m = a[0]
    for v in a:
        s += v
        m = max(m, v)
    return s, m, a.shape[0]


@njit
def folded(x):
    if x < 0:
        return -x, True
    return x, False


def summarize(a, out):
    s, m, n = stats(a)
    y, neg = folded(a[0])
    out[0] = s
    out[1] = m
    out[2] = n
    out[3] = y
    out[4] = neg


def test_unpacked_in_a_gufunc():
    f = guvectorize(["void(f8[:], f8[:])"], "(n)->(k)")(summarize)
    a = np.array([[-1.0, 5.0, 2.0], [4.0, 1.0, 0.5]])
    out = np.zeros((2, 5))
    f(a, out=out)
    expected = np.zeros((2, 5))
    for r in range(2):
        summarize(a[r].copy(), expected[r])
    np.testing.assert_array_equal(out, expected)


def returns_helper_tuple(x):
    return folded(x)


def test_returned_as_outputs():
    f = vectorize(["(f8, b1)(f8)", "(f4, b1)(f4)"])(returns_helper_tuple)
    x = np.array([-2.0, 3.0, -0.5])
    y, neg = f(x)
    np.testing.assert_array_equal(y, np.abs(x))
    np.testing.assert_array_equal(neg, x < 0)


def uneven(x):
    if x > 0:
        return x, x
    return x


def uses_uneven(x):
    a, b = uneven(x)
    return a + b


def tuple_as_value(x):
    return folded(x)[0]


def test_errors():
    with pytest.raises(CompileError, match="a tuple of the same length at "
                                           "every return"):
        vectorize(["f8(f8)"])(uses_uneven)
    with pytest.raises(CompileError, match="returns 2 values: unpack them"):
        vectorize(["f8(f8)"])(tuple_as_value)


def _trim(a, n):
    return a[:n], n - 1


def rebinds_from_helper(a, n, out):
    a, n = _trim(a, n)
    out[0] = a.sum() + n


def test_inputs_rebound_from_a_helper_tuple():
    f = guvectorize(["void(f8[:], i8, f8[:])"], "(m),()->()")(
        rebinds_from_helper)
    a = np.arange(6.0)
    np.testing.assert_array_equal(f(a, 3), a[:3].sum() + 2)
