"""Array statements of gufunc kernels: slice assignment of scalars and
arrays (NumPy's broadcasting, overlapping operands), a[()] = v and
a[...] = v.  The reference is the kernel run in plain Python on NumPy
arrays, core by core."""

import numpy as np
import pytest

from ufuncforge import CompileError, guvectorize


def fill_nan(x, out):
    out[:] = np.nan
    out[0] = x[0]


def fill_2d(x, out):
    out[:, :] = 0
    out[0, 0] = x[0, 0]


def fill_range(x, lo, out):
    out[:] = -1.0
    out[lo:lo + 2] = x[0]


def copy_all(x, out):
    out[:] = x[:]


def copy_reversed(x, out):
    out[:] = x[::-1]


def shift_in_place(x, out):
    out[:] = x
    out[1:] = out[:-1]


def rows_from_vector(x, out):
    out[:, :] = x


def one_row(x, out):
    out[:] = 0.0
    out[1] = x


def whole_scalar(x, out):
    out[()] = x[0] * 2


def whole_ellipsis(x, out):
    out[...] = x[-1]


def narrow_into(x, out):
    out[:] = x[:2]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fill_with_a_scalar(dtype):
    f = guvectorize([f"void({d}[:], {d}[:])" for d in ("f4", "f8")],
                    "(n)->(n)")(fill_nan)
    x = np.arange(12, dtype=dtype).reshape(3, 4)
    expected = np.full_like(x, np.nan)
    expected[:, 0] = x[:, 0]
    np.testing.assert_array_equal(f(x), expected)


def test_fill_two_axes():
    f = guvectorize(["void(f8[:, :], f8[:, :])"], "(m,n)->(m,n)")(fill_2d)
    x = np.arange(24.0).reshape(2, 3, 4) + 1
    expected = np.zeros_like(x)
    expected[:, 0, 0] = x[:, 0, 0]
    np.testing.assert_array_equal(f(x), expected)


@pytest.mark.parametrize("lo", [0, 1, 3, -2, 10])
def test_fill_a_range(lo):
    f = guvectorize(["void(f8[:], i8, f8[:])"], "(n),()->(n)")(fill_range)
    x = np.arange(1.0, 6.0)
    expected = np.empty(5)
    fill_range(x, lo, expected)
    np.testing.assert_array_equal(f(x, lo), expected)


@pytest.mark.parametrize("kernel", [copy_all, copy_reversed, shift_in_place])
def test_copy_arrays(kernel):
    f = guvectorize(["void(f8[:], f8[:])"], "(n)->(n)")(kernel)
    x = np.arange(30.0).reshape(3, 10) ** 2
    expected = np.empty_like(x)
    for r in range(3):
        kernel(x[r].copy(), expected[r])
    np.testing.assert_array_equal(f(x), expected)
    # strided input, out= view
    out = np.zeros((3, 20))[:, ::2]
    f(x[:, ::-1], out=out)
    for r in range(3):
        kernel(x[r, ::-1].copy(), expected[r])
    np.testing.assert_array_equal(out, expected)


def test_copy_converts_dtype():
    f = guvectorize(["void(f4[:], f8[:])"], "(n)->(n)")(copy_all)
    x = np.linspace(0, 1, 7, dtype=np.float32)
    np.testing.assert_array_equal(f(x), x.astype(np.float64))


def test_broadcast_a_row_into_rows():
    f = guvectorize(["void(f8[:], f8[:, :])"], "(n)->(m,n)")(rows_from_vector)
    x = np.arange(4.0)
    out = np.empty((3, 4))
    f(x, out=out)
    np.testing.assert_array_equal(out, np.broadcast_to(x, (3, 4)))


def test_assign_a_row_by_integer_index():
    f = guvectorize(["void(f8[:], f8[:, :])"], "(n)->(m,n)")(one_row)
    x = np.arange(4.0)
    out = np.empty((3, 4))
    f(x, out=out)
    expected = np.zeros((3, 4))
    expected[1] = x
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("kernel", [whole_scalar, whole_ellipsis])
def test_whole_array_assignment(kernel):
    f = guvectorize(["void(f8[:], f8[:])"], "(n)->()")(kernel)
    x = np.arange(12.0).reshape(3, 4)
    expected = np.empty(3)
    for r in range(3):
        o = np.empty(1)
        kernel(x[r].copy(), o)
        expected[r] = o[0]
    np.testing.assert_array_equal(f(x), expected)


def test_shape_mismatch_raises_value_error():
    f = guvectorize(["void(f8[:], f8[:])"], "(n)->(n)")(narrow_into)
    with pytest.raises(ValueError, match="could not broadcast input array "
                       "with an axis of size 2 into an axis of size 5"):
        f(np.arange(5.0))
    # size 2 into 2, and 1 (broadcast) work
    np.testing.assert_array_equal(f(np.arange(2.0)), np.arange(2.0))


def test_empty_core():
    f = guvectorize(["void(f8[:], f8[:])"], "(n)->(n)")(copy_reversed)
    assert f(np.empty((3, 0))).shape == (3, 0)


def test_errors_at_decoration():
    def too_many_dims(x, out):
        out[:] = x

    with pytest.raises(CompileError, match="cannot assign a 2-D array"):
        guvectorize(["void(f8[:, :], f8[:])"], "(m,n)->(n)")(too_many_dims)

    def aug_slice(x, out):
        out[:] += x

    with pytest.raises(CompileError, match="augmented assignment to a slice"):
        guvectorize(["void(f8[:], f8[:])"], "(n)->(n)")(aug_slice)
