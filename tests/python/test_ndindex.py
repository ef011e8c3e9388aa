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


def count_mismatch(a, out):
    for i, j in np.ndindex(3, 4, 5):
        out[0] = i


def test_errors():
    with pytest.raises(CompileError, match="gives 3 indices here but the "
                                           "loop unpacks 2"):
        guvectorize(["void(f8[:, :], f8[:])"], "(m,n)->()")(count_mismatch)


def group_sum(values, labels, out):
    out[:] = 0.0
    for idx in np.ndindex(values.shape):
        label = labels[idx]
        if label >= 0:
            out[label] += values[idx]


def test_index_tuple_of_an_argument_shape():
    f = guvectorize(["void(f8[:, :], i8[:, :], f8[:])"],
                    "(m,n),(m,n)->(k)")(group_sum)
    rng = np.random.default_rng(3)
    values = rng.standard_normal((2, 4, 5))
    labels = rng.integers(-1, 3, (2, 4, 5))
    out = np.empty((2, 3))
    f(values, labels, out=out)
    expected = np.empty((2, 3))
    for r in range(2):
        group_sum(values[r], labels[r], expected[r])
    np.testing.assert_allclose(out, expected, rtol=1e-12)


def index_tuple_of_extents(a, out):
    s = 0.0
    for idx in np.ndindex(a.shape[0], 2):
        s += a[idx] * 2
    out[0] = s


def test_index_tuple_of_extents():
    f = guvectorize(["void(f8[:, :], f8[:])"], "(m,n)->()")(
        index_tuple_of_extents)
    a = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(f(a), [2 * a[r, :, :2].sum()
                                         for r in range(2)])


def index_tuple_used_alone(a, out):
    for idx in np.ndindex(a.shape):
        out[0] = idx


def index_tuple_of_a_local(a, out):
    b = a[1:]
    for idx in np.ndindex(b.shape):
        out[0] = b[idx]


def test_index_tuple_errors():
    with pytest.raises(CompileError, match="index tuple of np.ndindex"):
        guvectorize(["void(f8[:, :], f8[:])"], "(m,n)->()")(
            index_tuple_used_alone)
    with pytest.raises(CompileError, match="rank of np.ndindex's index is "
                                           "not known"):
        guvectorize(["void(f8[:, :], f8[:])"], "(m,n)->()")(
            index_tuple_of_a_local)
