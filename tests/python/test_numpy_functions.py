"""NumPy reductions, queries and scalar functions called in gufunc
kernels (pyext/ufuncforge/_npimpl.py), checked against NumPy itself on
1-D slices, 2-D slices with axis=, NaNs, float32, float64 and int32."""

import warnings

import numpy as np
import pytest

from ufuncforge import CompileError, guvectorize

RNG = np.random.default_rng(7)


def data(dtype, shape, nans=True):
    a = RNG.standard_normal(shape) * 10
    if np.dtype(dtype).kind == "f" and nans:
        a.flat[::7] = np.nan
    return a.astype(dtype)


# name -> (kernel body calling the function on 1-D a, NumPy reference)
def k_nansum(a, out):
    out[0] = np.nansum(a)


def k_nanprod(a, out):
    out[0] = np.nanprod(a)


def k_nanmean(a, out):
    out[0] = np.nanmean(a)


def k_nanmin(a, out):
    out[0] = np.nanmin(a)


def k_nanmax(a, out):
    out[0] = np.nanmax(a)


def k_argmin(a, out):
    out[0] = np.argmin(a)


def k_argmax(a, out):
    out[0] = a.argmax()


def k_nanargmax(a, out):
    m = np.nanmax(a)  # NaN only when every value is NaN
    out[0] = np.nanargmax(a) if m == m else -1


def k_var(a, out):
    out[0] = np.var(a)


def k_std_ddof(a, out):
    out[0] = a.std(ddof=1)


def k_nanvar(a, out):
    out[0] = np.nanvar(a, ddof=1)


def k_nanstd(a, out):
    out[0] = np.nanstd(a)


def k_median(a, out):
    out[0] = np.median(a)


def k_nanmedian(a, out):
    out[0] = np.nanmedian(a)


def k_any(a, out):
    out[0] = np.any(a)


def k_all(a, out):
    out[0] = a.all()


def k_cumsum_last(a, out):
    c = np.cumsum(a)
    out[0] = c[-1] if c.shape[0] > 0 else 0


REFS = {
    k_nansum: np.nansum, k_nanprod: np.nanprod, k_nanmean: np.nanmean,
    k_nanmin: np.nanmin, k_nanmax: np.nanmax, k_argmin: np.argmin,
    k_argmax: np.argmax, k_var: np.var,
    k_nanargmax: lambda a: -1 if np.isnan(a).all() else np.nanargmax(a),
    k_std_ddof: lambda a: np.std(a, ddof=1),
    k_nanvar: lambda a: np.nanvar(a, ddof=1), k_nanstd: np.nanstd,
    k_median: np.median, k_nanmedian: np.nanmedian, k_any: np.any,
    k_all: np.all,
    k_cumsum_last: lambda a: np.cumsum(a)[-1] if len(a) else 0,
}


@pytest.mark.parametrize("kernel", list(REFS), ids=lambda k: k.__name__)
@pytest.mark.parametrize("dtype", ["f4", "f8", "i4"])
def test_one_d(kernel, dtype):
    f = guvectorize([f"void({dtype}[:], f8[:])"], "(n)->()")(kernel)
    a = data(dtype, (6, 11))
    a[1] = a[1, 0]  # ties
    if a.dtype.kind == "f":
        a[2] = np.nan  # all NaN
        a[3, 1:] = np.nan
    if a.dtype.kind == "i":
        a[4] = 0  # any / all
    expected = np.empty(6)
    # NaN-skipping sums, var and std compute in float64 (semantics.md)
    wide = kernel in (k_nansum, k_nanprod, k_nanmean, k_var, k_std_ddof,
                      k_nanvar, k_nanstd)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        for r in range(6):
            expected[r] = REFS[kernel](a[r].astype(np.float64) if wide
                                       else a[r])
        got = f(a)
    rtol = 1e-5 if dtype == "f4" and kernel is k_cumsum_last else 1e-12
    # NumPy's pairwise mean leaves ~1e-15 of variance in a constant row
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=1e-12,
                               equal_nan=True)


def sums_along(a, out0, out1):
    out0[:] = np.sum(a, axis=0)
    out1[:] = a.mean(axis=-1)


def nan_along(a, out0, out1):
    out0[:] = np.nanmax(a, axis=0)
    out1[:] = np.nanstd(a, axis=1, ddof=1)


@pytest.mark.parametrize("dtype", ["f4", "f8"])
def test_axis(dtype):
    a = data(dtype, (3, 4, 5))
    f = guvectorize([f"void({dtype}[:, :], f8[:], f8[:])"],
                    "(m,n)->(n),(m)")(sums_along)
    s0, s1 = f(a)
    np.testing.assert_allclose(s0, a.sum(axis=1), rtol=1e-5, equal_nan=True)
    np.testing.assert_allclose(s1, a.mean(axis=-1), rtol=1e-5,
                               equal_nan=True)
    g = guvectorize([f"void({dtype}[:, :], f8[:], f8[:])"],
                    "(m,n)->(n),(m)")(nan_along)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        e0 = np.nanmax(a, axis=1)
        e1 = np.nanstd(a.astype(np.float64), axis=2, ddof=1)
        m0, m1 = g(a)
    np.testing.assert_allclose(m0, e0, rtol=1e-6, equal_nan=True)
    np.testing.assert_allclose(m1, e1, rtol=1e-10, equal_nan=True)


def sort_copy(a, out):
    out[:] = np.sort(a)


def sort_in_place(a, out):
    b = np.empty_like(a)
    b[:] = a
    b.sort()
    out[:] = b


@pytest.mark.parametrize("kernel", [sort_copy, sort_in_place])
@pytest.mark.parametrize("dtype", ["f4", "f8", "i4"])
def test_sort(kernel, dtype):
    f = guvectorize([f"void({dtype}[:], {dtype}[:])"], "(n)->(n)")(kernel)
    a = data(dtype, (5, 33))
    np.testing.assert_array_equal(f(a), np.sort(a, axis=-1))
    assert f(a[:, :0]).shape == (5, 0)


def scalar_functions(a, out):
    for i in range(a.shape[0]):
        out[i] = np.where(a[i] > 0, a[i], -1.0) + np.clip(a[i], -2.0, 2.0)


def test_where_and_clip_on_scalars():
    f = guvectorize(["void(f8[:], f8[:])"], "(n)->(n)")(scalar_functions)
    a = data("f8", (2, 9))
    with np.errstate(invalid="ignore"):
        expected = np.where(a > 0, a, -1.0) + np.clip(a, -2.0, 2.0)
    np.testing.assert_array_equal(f(a), expected)


def empty_argmax(a, out):
    out[0] = np.argmax(a)


def nanargmin_of(a, out):
    out[0] = np.nanargmin(a)


def test_all_nan_nanargmin_raises():
    f = guvectorize(["void(f8[:], f8[:])"], "(n)->()")(nanargmin_of)
    assert f(np.array([np.nan, 3.0, 1.0, np.nan, 1.0])) == 2
    with pytest.raises(ValueError, match="All-NaN slice encountered"):
        f(np.full(3, np.nan))


def test_empty_argmax_raises():
    f = guvectorize(["void(f8[:], f8[:])"], "(n)->()")(empty_argmax)
    with pytest.raises(ValueError, match="zero-size array"):
        f(np.empty(0))


def bad_axis(a, out):
    out[:] = np.sum(a, axis=2)


def bad_keyword(a, out):
    out[0] = np.nanmean(a, keepdims=True)


def runtime_ddof(a, d, out):
    out[0] = np.var(a, ddof=d)


def test_errors():
    with pytest.raises(CompileError, match="axis=2: a kernel reduces 1-D"):
        guvectorize(["void(f8[:, :], f8[:])"], "(m,n)->(n)")(bad_axis)
    with pytest.raises(CompileError, match=r"nanmean\(\): keepdims= is not "
                                           r"supported"):
        guvectorize(["void(f8[:], f8[:])"], "(n)->()")(bad_keyword)
    with pytest.raises(CompileError, match="keyword arguments must be "
                                           "constants"):
        guvectorize(["void(f8[:], i8, f8[:])"], "(n),()->()")(runtime_ddof)


def copies(a, out):
    b = a.copy()
    c = np.copy(a)
    b[0, 0] = -1.0
    out[:, :] = b
    out[1, 1] = c[0, 0]


def test_copy_any_rank():
    f = guvectorize(["void(f8[:, :], f8[:, :])"], "(m,n)->(m,n)")(copies)
    a = np.arange(12.0).reshape(3, 4) + 1
    expected = a.copy()
    expected[0, 0] = -1.0
    expected[1, 1] = a[0, 0]
    np.testing.assert_array_equal(f(a), expected)
    np.testing.assert_array_equal(a, np.arange(12.0).reshape(3, 4) + 1)
