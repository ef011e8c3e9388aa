"""for i, j in np.ndindex(...) in gufunc kernels: nested loops in C
order, with break leaving the whole nest, continue, and a.shape.  The
reference is the kernel run in plain Python on NumPy arrays."""

import numpy as np
import pytest

from ufuncforge import CompileError, guvectorize


def total(a, out):
    m, n = a.shape
    s = 0.0
    for i, j in np.ndindex(m, n):
        s += a[i, j] * (i + 1) - j
    out[0] = s


def total_of_shape(a, out):
    s = 0.0
    for i, j in np.ndindex(a.shape):
        s += a[i, j] * (i + 1) - j
    out[0] = s


def total_of_tuple(a, out):
    s = 0.0
    for i, j in np.ndindex((a.shape[0], a.shape[1])):
        s += a[i, j] * (i + 1) - j
    out[0] = s


def first_negative(a, out):
    out[0] = -1.0
    for i, j in np.ndindex(a.shape):
        if a[i, j] < 0:
            out[0] = i * 100 + j
            break


def skip_diagonal(a, out):
    s = 0.0
    for i, j in np.ndindex(a.shape):
        if i == j:
            continue
        s += a[i, j]
    out[0] = s


def find(a, v):
    for i, j in np.ndindex(a.shape):
        if a[i, j] == v:
            return i * 10 + j
    return -1


def helper_return(a, out):
    out[0] = find(a, 5.0)


def three_d(a, out):
    s = 0.0
    for i, j, k in np.ndindex(a.shape):
        s += a[i, j, k] * (i - j + 2 * k)
    out[0] = s


def run(kernel, a):
    out = np.empty(a.shape[0])
    for r in range(a.shape[0]):
        o = np.empty(1)
        kernel(a[r].copy(), o)
        out[r] = o[0]
    return out


@pytest.mark.parametrize("kernel", [total, total_of_shape, total_of_tuple,
                                    first_negative, skip_diagonal,
                                    helper_return])
def test_two_axes(kernel):
    f = guvectorize(["void(f8[:, :], f8[:])"], "(m,n)->()")(kernel)
    a = np.arange(4 * 3 * 5, dtype=np.float64).reshape(4, 3, 5) - 20
    a[2, 1, 3] = -7
    np.testing.assert_array_equal(f(a), run(kernel, a))
    empty = np.empty((2, 0, 3))
    np.testing.assert_array_equal(f(empty), run(kernel, empty))


def test_three_axes():
    f = guvectorize(["void(f8[:, :, :], f8[:])"], "(a,b,c)->()")(three_d)
    a = np.random.default_rng(0).standard_normal((2, 3, 4, 5))
    np.testing.assert_allclose(f(a), run(three_d, a), rtol=1e-12)


def tuple_index(a, out):
    for idx in np.ndindex(a.shape):
        out[0] = a[idx]


def count_mismatch(a, out):
    for i, j in np.ndindex(3, 4, 5):
        out[0] = i


def test_errors():
    with pytest.raises(CompileError, match="unpack the index"):
        guvectorize(["void(f8[:, :], f8[:])"], "(m,n)->()")(tuple_index)
    with pytest.raises(CompileError, match="gives 3 indices here but the "
                                           "loop unpacks 2"):
        guvectorize(["void(f8[:, :], f8[:])"], "(m,n)->()")(count_mismatch)
