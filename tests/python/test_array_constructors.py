"""New arrays in gufunc kernels with shapes and dtypes as values:
np.full(out.shape, v), np.zeros(a.shape), np.empty((n, m, k)),
dtype=a.dtype, a.dtype.type(v), np.*_like(a).  Each signature is typed
on its own, so a.dtype is known when it compiles.  The reference is the
kernel run in plain Python on NumPy arrays."""

import numpy as np
import pytest

from ufuncforge import CompileError, guvectorize

SIGS = ["void(f4[:], f4[:])", "void(f8[:], f8[:])", "void(i4[:], i4[:])"]


def reference(kernel, x, out_dtype):
    out = np.empty(x.shape, out_dtype)
    for r in range(x.shape[0]):
        kernel(x[r].copy(), out[r])
    return out


def full_of_shape(x, out):
    t = np.full(out.shape, 7)
    for i in range(x.shape[0]):
        out[i] = t[i] + x[i]


def zeros_of_shape(x, out):
    z = np.zeros(x.shape)
    z[0] = 1.5
    out[:] = z


def typed_like_input(x, out):
    acc = np.zeros(x.shape[0], dtype=x.dtype)
    acc[:] = x
    acc[0] = x.dtype.type(2.75)
    out[:] = acc


def empty_like_then_fill(x, out):
    b = np.empty_like(x)
    for i in range(x.shape[0]):
        b[i] = x[i] * 2
    out[:] = b


def zeros_like_float(x, out):
    b = np.zeros_like(x, dtype=np.float64)
    b[-1] = 0.5
    out[:] = b


def ones_and_full_like(x, out):
    a = np.ones_like(x)
    b = np.full_like(x, 3)
    for i in range(x.shape[0]):
        out[i] = a[i] + b[i]


def full_keeps_fill_type(x, out):
    t = np.full(x.shape[0], x[0])  # dtype of x[0]: the input's
    for i in range(x.shape[0]):
        out[i] = t[i] // 3


def three_d_scratch(x, out):
    s = np.empty((2, 3, x.shape[0]))
    for i, j, k in np.ndindex(2, 3, x.shape[0]):
        s[i, j, k] = x[k] * (i + j)
    out[:] = s[1, 2]


def dtype_type_zero(x, out):
    z = x.dtype.type()
    out[:] = z


@pytest.mark.parametrize("kernel", [
    full_of_shape, zeros_of_shape, typed_like_input, empty_like_then_fill,
    zeros_like_float, ones_and_full_like, full_keeps_fill_type,
    three_d_scratch, dtype_type_zero])
@pytest.mark.parametrize("sig", SIGS)
def test_matches_python(kernel, sig):
    f = guvectorize([sig], "(n)->(n)")(kernel)
    dtype = {"f4": np.float32, "f8": np.float64, "i4": np.int32}[sig[5:7]]
    x = (np.arange(15).reshape(3, 5) * 1.25).astype(dtype)
    np.testing.assert_allclose(f(x), reference(kernel, x, dtype), rtol=1e-6)


def dtype_follows_input(x, out):
    y = np.empty_like(x)
    y[0] = x.dtype.type(1) / x.dtype.type(3)
    out[0] = y[0]


def test_each_signature_typed_separately():
    f = guvectorize(["void(f4[:], f8[:])", "void(f8[:], f8[:])"],
                    "(n)->()")(dtype_follows_input)
    # the scratch array is float32 for the first loop: 1/3 rounded to f4
    assert f(np.ones(2, np.float32)) == np.float64(np.float32(1) /
                                                   np.float32(3))
    assert f(np.ones(2)) == 1 / 3


def negative_full(n, out):
    t = np.full((n, 2), 1.0)
    out[0] = t[0, 0]


def test_negative_extent_raises():
    f = guvectorize(["void(i8, f8[:])"], "()->()")(negative_full)
    with pytest.raises(ValueError, match="negative dimensions"):
        f(-1)


def like_of_scalar_dtype(x, out):
    b = np.zeros(3, dtype=x.dtype)
    out[0] = b[0]


def bad_full(x, out):
    t = np.full(x.shape)
    out[0] = t[0]


def test_errors():
    with pytest.raises(CompileError, match="needs a shape and a fill value"):
        guvectorize(["void(f8[:], f8[:])"], "(n)->()")(bad_full)
