"""Operands that overlap on purpose: NumPy's accumulate passes out[i] as
an input to compute out[i + 1], and its reduce passes the accumulator as a
stride-0 input and output.  Those calls must run element by element in
order, never through the vectorized loop.  Sizes go well past the vector
width and the 512-item chunks of the broadcast path."""

import numpy as np
import pytest

from ufuncforge import vectorize


@vectorize(["f8(f8, f8)", "i8(i8, i8)", "f4(f4, f4)"])
def add(a, b):
    return a + b


@vectorize(["f8(f8, f8)"])
def mix(a, b):
    return 0.5 * a + b


SIZES = [1, 7, 8, 33, 1000, 100_003]


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", [np.float64, np.int64, np.float32])
def test_accumulate_matches_cumsum(n, dtype):
    x = (np.arange(n) % 7).astype(dtype)
    np.testing.assert_array_equal(add.accumulate(x), np.cumsum(x, dtype=dtype))


@pytest.mark.parametrize("n", SIZES)
def test_accumulate_of_an_order_dependent_kernel(n):
    x = np.linspace(-1, 1, n)
    expected = np.empty(n)
    acc = x[0]
    expected[0] = acc
    for i in range(1, n):
        acc = 0.5 * acc + x[i]
        expected[i] = acc
    np.testing.assert_allclose(mix.accumulate(x), expected, rtol=1e-12)


@pytest.mark.parametrize("n", SIZES)
def test_reduce_matches_sum(n):
    x = (np.arange(n) % 5).astype(np.int64)
    assert add.reduce(x) == x.sum()


@pytest.mark.parametrize("axis", [0, 1])
def test_accumulate_and_reduce_2d(axis):
    y = np.arange(3000, dtype=np.float64).reshape(100, 30) % 11
    np.testing.assert_array_equal(add.accumulate(y, axis=axis),
                                  np.cumsum(y, axis=axis))
    np.testing.assert_array_equal(add.reduce(y, axis=axis), y.sum(axis=axis))


def test_in_place_is_still_vectorized_and_right():
    # out= the first input: the same element in the same order is safe
    a = np.arange(10_000, dtype=np.float64)
    b = np.ones(10_000)
    expected = a + b
    add(a, b, out=a)
    np.testing.assert_array_equal(a, expected)


def test_overlapping_views_follow_numpy():
    a = np.arange(1000, dtype=np.float64)
    b = a.copy()
    add(a[:-1], 1.0, out=a[1:])
    np.add(b[:-1], 1.0, out=b[1:])
    np.testing.assert_array_equal(a, b)
