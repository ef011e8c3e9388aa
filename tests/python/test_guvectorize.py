"""guvectorize: the seed gufuncs against NumPy, calling forms and keywords,
the array syntax of slice kernels (checked against the same function run
in plain Python, and against NumPy), errors raised while the loop runs,
mistakes caught at decoration time, lazy gufuncs, pickling and inspection.

The layout grammar itself is test_gufunc_layouts.py's."""

import inspect
import pickle
import warnings

import numpy as np
import pytest
from conftest import assert_same

import ufuncforge as uf
from ufuncforge import CompileError, _core, guvectorize

sliding_window_view = np.lib.stride_tricks.sliding_window_view


def compiled(ufunc):
    return list(_core.ufunc_info(ufunc)["signatures"])


def line_of(func, marker):
    """The file line number of the line of |func| holding |marker|."""
    lines, first = inspect.getsourcelines(func)
    hits = [first + i for i, text in enumerate(lines) if marker in text]
    assert len(hits) == 1, (marker, hits)
    return hits[0]


def python_rows(func, *arrays, core_out=(), out_dtype=np.float64):
    """Reference for a layout whose inputs each have one core dim
    (``(n),...->(core_out)``): runs ``func`` in plain Python on each row of
    the broadcast inputs and collects its single output."""
    loop = np.broadcast_shapes(*[a.shape[:-1] for a in arrays])
    arrays = [np.broadcast_to(a, loop + a.shape[-1:]) for a in arrays]
    res = np.empty(loop + tuple(core_out), out_dtype)
    for idx in np.ndindex(*loop):
        o = np.empty(core_out or (1,), out_dtype)
        func(*[a[idx].copy() for a in arrays], o)
        res[idx] = o if core_out else o[0]
    return res


# ---- the seed gufuncs ------------------------------------------------------

@guvectorize(["void(f8[:], f8[:], f8[:])", "void(f4[:], f4[:], f4[:])"],
             "(n),(n)->(n)")
def normalise_to_reference(signal, reference, out):
    """Normalise each channel of signal relative to the reference."""
    ref_sum = reference.sum()
    if ref_sum == 0.0:
        for i in range(signal.shape[0]):
            out[i] = 0.0
    else:
        for i in range(signal.shape[0]):
            out[i] = signal[i] / ref_sum


@guvectorize(["void(f8[:], f8[:])", "void(f4[:], f4[:])",
              "void(i8[:], i8[:])"], "(n)->()")
def window_max(a, out):
    """(n)->(): the largest element of each row."""
    m = a[0]
    for i in range(1, a.shape[0]):
        if a[i] > m:
            m = a[i]
    out[0] = m


@guvectorize(["void(f8[:], i8, f8[:])"], "(n),()->(n)")
def rolling_mean(a, w, out):
    """(n),()->(n): mean of the last w elements (fewer at the start)."""
    s = 0.0
    for i in range(a.shape[0]):
        s += a[i]
        if i >= w:
            s -= a[i - w]
        out[i] = s / min(i + 1, w)


@guvectorize(["void(f8[:, :], f8[:, :], f8[:, :])",
              "void(f4[:, :], f4[:, :], f4[:, :])"], "(m,n),(n,p)->(m,p)")
def matmul(a, b, out):
    for i in range(a.shape[0]):
        for j in range(b.shape[1]):
            s = 0.0
            for k in range(a.shape[1]):
                s += a[i, k] * b[k, j]
            out[i, j] = s


@guvectorize(["void(f8[:], f8[:], f8[:])"], "(n),(n)->()")
def dot(a, b, out):
    s = 0.0
    for i in range(a.shape[0]):
        s += a[i] * b[i]
    out[0] = s


def np_rolling_mean(a, w):
    c = np.cumsum(a, axis=-1)
    c[..., w:] -= c[..., :-w].copy()
    return c / np.minimum(np.arange(1, a.shape[-1] + 1), w)


def test_seed_gufuncs_are_numpy_gufuncs():
    for f, sig in [(normalise_to_reference, "(n),(n)->(n)"),
                   (window_max, "(n)->()"), (rolling_mean, "(n),()->(n)"),
                   (matmul, "(m,n),(n,p)->(m,p)"), (dot, "(n),(n)->()")]:
        assert isinstance(f, np.ufunc)
        assert f.signature == sig


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_normalise_to_reference(rng, dtype):
    x = rng.standard_normal((4, 6)).astype(dtype)
    ref = rng.random((4, 6)).astype(dtype) + 0.5
    assert_same(normalise_to_reference(x, ref),
                x / ref.sum(axis=-1, keepdims=True), rtol=1e-5)


def test_normalise_zero_reference_gives_zeros(rng):
    x = rng.standard_normal((3, 4))
    ref = np.array([[1.0, -1.0, 0.0, 0.0], [0.0] * 4, [1.0, 1.0, 1.0, 1.0]])
    want = np.vstack([np.zeros((2, 4)), x[2:] / 4.0])
    assert_same(normalise_to_reference(x, ref), want)


def test_normalise_broadcasts_one_reference(rng):
    x, ref = rng.standard_normal((3, 5)), rng.random(5) + 0.5
    assert_same(normalise_to_reference(x, ref), x / ref.sum())


@pytest.mark.parametrize("w", [1, 3, 10])
def test_window_max_over_sliding_windows(rng, w):
    x = rng.standard_normal(40)
    windows = sliding_window_view(x, w)
    assert_same(window_max(windows), windows.max(axis=-1))


def test_window_max_sliding_windows_2d(rng):
    x = rng.standard_normal((3, 20))
    windows = sliding_window_view(x, 5, axis=-1)  # (3, 16, 5), strided
    assert_same(window_max(windows), windows.max(axis=-1))


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
def test_window_max_dtypes(rng, dtype):
    a = (rng.standard_normal((6, 9)) * 100).astype(dtype)
    assert_same(window_max(a), a.max(axis=-1))


@pytest.mark.parametrize("w", [1, 2, 7, 50])
def test_rolling_mean_with_python_int_window(rng, w):
    a = rng.standard_normal((3, 30))
    assert_same(rolling_mean(a, w), np_rolling_mean(a, w), rtol=1e-12)


def test_rolling_mean_one_window_per_row(rng):
    a = rng.standard_normal((3, 12))
    w = np.array([1, 4, 12])
    got = rolling_mean(a, w)
    for i in range(3):
        assert_same(got[i], np_rolling_mean(a[i], int(w[i])), rtol=1e-12)


@pytest.mark.parametrize("sa, sb", [
    ((3, 4), (4, 5)),
    ((7, 3, 4), (4, 5)),
    ((2, 1, 3, 4), (6, 4, 2)),
    ((1, 1), (1, 1)),
])
def test_matmul_against_numpy(rng, sa, sb):
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    assert_same(matmul(a, b), np.matmul(a, b), rtol=1e-12)


def test_matmul_float32(rng):
    a = rng.standard_normal((4, 3, 5)).astype(np.float32)
    b = rng.standard_normal((5, 2)).astype(np.float32)
    got = matmul(a, b)
    assert got.dtype == np.float32
    assert_same(got, np.matmul(a, b), rtol=1e-5, atol=1e-6)


def test_matmul_core_mismatch_is_value_error():
    with pytest.raises(ValueError, match="core dimension"):
        matmul(np.ones((2, 3)), np.ones((4, 3)))


def test_dot_against_vecdot(rng):
    a, b = rng.standard_normal((5, 8)), rng.standard_normal((5, 8))
    want = np.vecdot(a, b) if hasattr(np, "vecdot") else (a * b).sum(-1)
    assert_same(dot(a, b), want, rtol=1e-12)


def test_dot_scalar_result():
    r = dot(np.arange(4.0), np.arange(4.0))
    assert np.ndim(r) == 0 and r == 14.0


# ---- axis= and axes= --------------------------------------------------------

def test_axis_keyword(rng):
    a = rng.standard_normal((4, 5, 6))
    for axis in range(-3, 3):
        assert_same(window_max(a, axis=axis), a.max(axis=axis))


def test_axis_keyword_with_keepdims(rng):
    a = rng.standard_normal((4, 5))
    assert_same(window_max(a, axis=0, keepdims=True),
                a.max(axis=0, keepdims=True))


def test_axes_on_transposed_inputs(rng):
    a, b = rng.standard_normal((3, 4, 5)), rng.standard_normal((5, 2))
    at = np.swapaxes(a, -1, -2).copy()  # (3, 5, 4)
    got = matmul(at, b.T.copy(), axes=[(-1, -2), (-1, -2), (-2, -1)])
    assert_same(got, a @ b, rtol=1e-12)


def test_axes_on_output(rng):
    a, b = rng.standard_normal((3, 4, 5)), rng.standard_normal((5, 2))
    got = matmul(a, b, axes=[(-2, -1), (-2, -1), (-1, -2)])
    assert_same(got, np.swapaxes(a @ b, -1, -2), rtol=1e-12)


def test_axes_same_as_default_on_transposed_views(rng):
    a, b = rng.standard_normal((2, 4, 3)), rng.standard_normal((2, 3, 4))
    at, bt = np.swapaxes(a, -1, -2), np.swapaxes(b, -1, -2)  # views
    got = matmul(at, bt, axes=[(-2, -1), (-2, -1), (-2, -1)])
    assert_same(got, at @ bt, rtol=1e-12)


# ---- broadcasting, strides, empty arrays, out= ------------------------------

def test_loop_dims_broadcast(rng):
    a, b = rng.standard_normal((4, 1, 6)), rng.standard_normal((3, 6))
    got = dot(a, b)
    assert got.shape == (4, 3)
    assert_same(got, (a * b).sum(-1), rtol=1e-12)


@pytest.mark.parametrize("view", [
    lambda a: a[:, ::2],
    lambda a: a.T,
    lambda a: a[::-1],
    lambda a: a[:, ::-1],
    lambda a: a[::-2, ::-3],
    lambda a: np.asfortranarray(a),
    lambda a: a[1:, 2:-1],
])
def test_non_contiguous_inputs(rng, view):
    a = view(rng.standard_normal((8, 9)))
    assert_same(window_max(a), a.max(axis=-1))
    b = view(rng.standard_normal((8, 9)))
    assert_same(dot(a, b), (a * b).sum(-1), rtol=1e-12)


def test_contiguous_and_strided_operands_mixed(rng):
    a, b = rng.standard_normal((5, 6)), rng.standard_normal((6, 5))
    assert_same(dot(a, b.T), (a * b.T).sum(-1), rtol=1e-12)
    assert_same(dot(b.T, a), (a * b.T).sum(-1), rtol=1e-12)
    out = np.empty((5, 2))[:, 0]
    dot(a, a, out=out)
    assert_same(out, (a * a).sum(-1), rtol=1e-12)


def test_non_contiguous_matmul(rng):
    a, b = rng.standard_normal((6, 4)), rng.standard_normal((5, 6))
    assert_same(matmul(a.T, b.T), a.T @ b.T, rtol=1e-12)
    c = rng.standard_normal((7, 4))[::-4, ::-1]  # (2, 4), both strides < 0
    assert_same(matmul(a[::-1, ::2], c), a[::-1, ::2] @ c, rtol=1e-12)


def test_non_contiguous_out(rng):
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((4, 5))
    big = np.full((10, 6), np.nan)
    out = big[:6:2, :5]  # (3, 5), every other row
    assert matmul(a, b, out=out) is out
    assert_same(out, a @ b, rtol=1e-12)
    assert np.isnan(big[1::2]).all()


def test_contiguous_declared_arrays_take_strided_input(rng):
    def weighted(a, out):
        s = 0.0
        for i in range(a.shape[0]):
            s += a[i] * (i + 1)
        out[0] = s

    f = guvectorize(["void(f8[::1], f8[:])"], "(n)->()")(weighted)
    a = rng.standard_normal((4, 6))
    assert_same(f(a[:, ::2]), a[:, ::2] @ np.arange(1.0, 4.0), rtol=1e-12)
    assert_same(f(a.T), a.T @ np.arange(1.0, 5.0), rtol=1e-12)


def test_zero_strides_from_broadcast_to(rng):
    col = np.broadcast_to(rng.standard_normal((3, 1)), (3, 5))  # core 0
    row = np.broadcast_to(rng.standard_normal(5), (4, 5))  # loop 0
    assert_same(window_max(col), col.max(-1))
    assert_same(window_max(row), row.max(-1))
    assert_same(dot(col, row[:3]), (col * row[:3]).sum(-1), rtol=1e-12)


def test_partially_overlapping_out_is_handled(rng):
    def reverse(a, out):
        n = a.shape[0]
        for i in range(n):
            out[i] = a[n - 1 - i]

    f = guvectorize(["void(f8[:], f8[:])"], "(n)->(n)")(reverse)
    x = np.arange(8.0)
    want = x.copy()
    want[1:] = x[:7][::-1]
    f(x[:7], out=x[1:])
    assert_same(x, want)


def test_many_rows(rng):
    a = rng.standard_normal((3001, 17))
    assert_same(window_max(a), a.max(-1))
    assert_same(dot(a, a[::-1]), (a * a[::-1]).sum(-1), rtol=1e-12)


def test_empty_loop(rng):
    assert_same(window_max(np.empty((0, 5))), np.empty(0))
    assert_same(dot(np.empty((0, 3)), np.empty((0, 3))), np.empty(0))
    assert_same(matmul(np.empty((0, 2, 3)), np.ones((3, 4))),
                np.empty((0, 2, 4)))


def test_zero_core_size():
    assert_same(dot(np.empty((3, 0)), np.empty((3, 0))), np.zeros(3))
    assert_same(matmul(np.ones((2, 0)), np.ones((0, 3))), np.zeros((2, 3)))
    assert_same(rolling_mean(np.empty((2, 0)), 3), np.empty((2, 0)))


def test_zero_core_size_read_is_index_error():
    with pytest.raises(IndexError, match="size 0"):
        window_max(np.empty((3, 0)))


def test_out_is_returned_and_filled(rng):
    a = rng.standard_normal((4, 7))
    out = np.empty(4)
    assert window_max(a, out=out) is out
    assert_same(out, a.max(-1))
    out = np.empty(4)
    assert window_max(a, out=(out,)) is out


def test_out_of_another_dtype_is_cast(rng):
    a = rng.standard_normal((4, 7))
    out = np.empty(4, np.float32)
    window_max(a, out=out)
    assert_same(out, a.max(-1).astype(np.float32))


def test_out_of_unsafe_dtype_is_refused():
    with pytest.raises(TypeError):
        window_max(np.ones((2, 3)), out=np.empty(2, np.int64))


def test_out_with_unsafe_casting_allowed():
    a = np.array([[1.5, 2.7], [-3.2, 0.1]])
    out = np.empty(2, np.int64)
    window_max(a, out=out, casting="unsafe")
    assert_same(out, np.array([2, 0]))


def test_out_broadcasting_shape_mismatch():
    with pytest.raises(ValueError):
        window_max(np.ones((2, 3)), out=np.empty(3))


# ---- dtypes and signature dispatch ------------------------------------------

@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
def test_listed_signatures_dispatch_by_dtype(dtype):
    a = np.arange(12).reshape(3, 4).astype(dtype)
    got = window_max(a)
    assert got.dtype == dtype
    assert_same(got, a.max(-1))


def test_each_listed_signature_is_compiled():
    assert compiled(window_max) == ["void(f8[:], f8[:])", "void(f4[:], f4[:])",
                                    "void(i8[:], i8[:])"]


@pytest.mark.parametrize("dtype, loop", [(np.int16, np.float32),
                                         (np.uint8, np.float32),
                                         (np.int32, np.float64),
                                         (np.float64, np.float64),
                                         (np.float32, np.float32)])
def test_loop_choice_exact_match_then_first_safe_cast(dtype, loop):
    f = guvectorize(["void(f4[:], f4[:])", "void(f8[:], f8[:])"],
                    "(n)->()")(first_into)
    a = np.arange(6).reshape(2, 3).astype(dtype)
    got = f(a)
    assert got.dtype == loop
    assert_same(got, a[:, 0].astype(loop))


def test_no_matching_loop_is_type_error():
    with pytest.raises(TypeError):
        window_max(np.ones((2, 3), np.complex128))


@pytest.mark.parametrize("sigs", [
    ["void(f8[:], f8[:])"],
    "void(f8[:], f8[:])",
    ["void(float64[:], float64[:])"],
    [uf.void(uf.float64[:], uf.float64[:])],
    [(uf.float64[:], uf.float64[:])],
    ["(f8[:], f8[:])"],
    "f8[:], f8[:]",                     # Numba's tuple form, void implied
    ["f8[:], f8[:]"],
    ["float64[:],float64[:],"],
    ["void(f8[:], f8[:],)"],
])
def test_signature_forms(sigs):
    def first(a, out):
        out[0] = a[0]

    f = guvectorize(sigs, "(n)->()")(first)
    assert_same(f(np.arange(6.0).reshape(2, 3)), np.array([0.0, 3.0]))


@pytest.mark.parametrize("target", ["cpu", "parallel"])
def test_signature_list_without_parentheses(target):
    """A list of Numba's tuple forms: one loop each, in order."""
    f = guvectorize(["f8[:], i8, f8[:]", "f4[:], i8, f4[:]"], "(n),()->()",
                    target=target)(scaled_first)
    a = np.arange(6.0).reshape(2, 3)
    assert_same(f(a, 3), a[:, 0] * 3)
    a4 = a.astype(np.float32)
    assert_same(f(a4, np.int64(3)), a4[:, 0] * 3)
    assert list(uf.inspect_kir(f)) == ["void(f8[:], i8, f8[:])",
                                       "void(f4[:], i8, f4[:])"]


def scaled_first(a, k, out):
    out[0] = a[0] * k


@pytest.mark.parametrize("code, values", [
    ("c16", [[1 + 2j, 3 - 1j, 0.5j], [0j, 1 + 0j, -2 + 0j]]),
    ("c8", [[1 + 2j, 3 - 1j, 0.5j], [0j, 1 + 0j, -2 + 0j]]),
    ("b1", [[True, False, False], [False, False, False]]),
    ("u1", [[200, 100, 1], [0, 0, 255]]),
    ("i2", [[30000, 30000, -1], [-5, 7, 9]]),
    ("u8", [[2**63, 2**63, 3], [1, 2, 3]]),
])
def test_other_scalar_types(code, values):
    def total(a, out):
        s = a[0]
        for i in range(1, a.shape[0]):
            s = s + a[i]
        out[0] = s

    f = guvectorize([f"void({code}[:], {code}[:])"], "(n)->()")(total)
    a = np.array(values, dtype=np.dtype(code if code != "b1" else "?"))
    with np.errstate(all="ignore"):
        assert_same(f(a), python_rows(total, a, out_dtype=a.dtype))


def test_integer_kernel_wraps(rng):
    def total(a, out):
        s = 0
        for i in range(a.shape[0]):
            s += a[i]
        out[0] = s

    f = guvectorize(["void(i1[:], i1[:])"], "(n)->()")(total)
    a = np.full((2, 3), 100, np.int8)
    with np.errstate(all="ignore"):
        assert_same(f(a), a.sum(axis=-1, dtype=np.int8))


# ---- scalar core inputs ---------------------------------------------------

def scale_by(a, k, out):
    for i in range(a.shape[0]):
        out[i] = a[i] * k


def scale_by_array(a, k, out):
    for i in range(a.shape[0]):
        out[i] = a[i] * k[0]


def test_scalar_core_input_declared_scalar(rng):
    f = guvectorize(["void(f8[:], f8, f8[:])"], "(n),()->(n)")(scale_by)
    a, k = rng.standard_normal((3, 4)), rng.standard_normal(3)
    assert_same(f(a, k), a * k[:, None])
    assert_same(f(a, 2.5), a * 2.5)


def test_scalar_core_input_declared_one_element_array(rng):
    f = guvectorize(["void(f8[:], f8[:], f8[:])"], "(n),()->(n)")(
        scale_by_array)
    a, k = rng.standard_normal((3, 4)), rng.standard_normal(3)
    assert_same(f(a, k), a * k[:, None])
    assert_same(f(a, 2.5), a * 2.5)


def test_rolling_mean_window_as_one_element_array(rng):
    def rolling(a, win, out):
        w = int(win[0])
        s = 0.0
        for i in range(a.shape[0]):
            s += a[i]
            if i >= w:
                s -= a[i - w]
            out[i] = s / min(i + 1, w)

    f = guvectorize(["void(f8[:], f8[:], f8[:])"], "(n),()->(n)")(rolling)
    a = rng.standard_normal((2, 20))
    assert_same(f(a, 4.0), np_rolling_mean(a, 4), rtol=1e-12)


def test_scalar_output_has_one_element():
    def writes_second(a, out):
        out[1] = a[0]  # <- second element

    f = guvectorize(["void(f8[:], f8[:])"], "(n)->()")(writes_second)
    with pytest.raises(IndexError, match="index 1 is out of bounds") as info:
        f(np.ones(3))
    assert "size 1" in str(info.value)


def test_scalar_core_input_as_array_has_one_element():
    def reads_second(a, k, out):
        out[0] = k[1]

    f = guvectorize(["void(f8[:], f8[:], f8[:])"], "(n),()->()")(reads_second)
    with pytest.raises(IndexError, match="size 1"):
        f(np.ones(3), 2.0)


def test_scalar_core_input_declared_scalar_cannot_be_indexed():
    def indexes_scalar(a, k, out):
        out[0] = k[0]

    with pytest.raises(CompileError, match="needs an array"):
        guvectorize(["void(f8[:], f8, f8[:])"], "(n),()->()")(indexes_scalar)


def test_scalar_core_input_declared_matrix_is_refused():
    with pytest.raises(CompileError, match="argument 2"):
        guvectorize(["void(f8[:], f8[:, :], f8[:])"], "(n),()->(n)")(
            scale_by_array)


# ---- array syntax inside kernels --------------------------------------------

def k_shape0(a, out):
    out[0] = a.shape[0]


def k_len(a, out):
    out[0] = len(a)


def k_size(a, out):
    out[0] = a.size


def k_ndim(a, out):
    out[0] = a.ndim


def k_last(a, out):
    out[0] = a[-1]


def k_neg_indices(a, out):
    out[0] = a[-1] * 100 + a[-2] * 10 + a[-a.shape[0]]


def k_slice_from(a, out):
    b = a[1:]
    s = 0.0
    for i in range(b.shape[0]):
        s += b[i] * (i + 1)
    out[0] = s + 1000 * b.shape[0]


def k_slice_to(a, out):
    b = a[:-2]
    s = 0.0
    for i in range(len(b)):
        s += b[i] * (i + 1)
    out[0] = s + 1000 * len(b)


def k_slice_step(a, out):
    b = a[::2]
    s = 0.0
    for i in range(b.shape[0]):
        s += b[i] * (i + 1)
    out[0] = s + 1000 * b.shape[0]


def k_slice_reversed(a, out):
    b = a[::-1]
    s = 0.0
    for i in range(b.shape[0]):
        s += b[i] * (i + 1)
    out[0] = s


def k_slice_neg_step_bounds(a, out):
    b = a[5:1:-2]
    s = 0.0
    for i in range(b.shape[0]):
        s += b[i] * (i + 1)
    out[0] = s + 1000 * b.shape[0]


def k_slice_of_slice(a, out):
    b = a[::2][1:]
    out[0] = b[0] + 1000 * b.shape[0]


def k_for_in(a, out):
    s = 0.0
    j = 1.0
    for x in a:
        s += x * j
        j += 1.0
    out[0] = s


def k_np_sum(a, out):
    out[0] = np.sum(a)


def k_np_mean(a, out):
    out[0] = np.mean(a)


def k_np_min(a, out):
    out[0] = np.min(a)


def k_np_max(a, out):
    out[0] = np.max(a)


def k_np_prod(a, out):
    out[0] = np.prod(a)


def k_np_dot(a, out):
    out[0] = np.dot(a, a)


def k_methods(a, out):
    out[0] = a.sum() + 10 * a.max() + 100 * a.min() + 1000 * a.mean()


def k_method_prod(a, out):
    out[0] = a.prod()


def k_sum_of_slice(a, out):
    out[0] = np.sum(a[1:]) + 100 * np.max(a[::2]) + 10 * np.min(a[::-1])


# func: run on the float64 rows of SYNTAX_INPUT, in plain Python and as a
# gufunc '(n)->()'.
SYNTAX_KERNELS = [k_shape0, k_len, k_size, k_ndim, k_last, k_neg_indices,
                  k_slice_from, k_slice_to, k_slice_step, k_slice_reversed,
                  k_slice_neg_step_bounds, k_slice_of_slice, k_for_in,
                  k_np_sum, k_np_mean, k_np_min, k_np_max, k_np_prod,
                  k_np_dot, k_methods, k_method_prod, k_sum_of_slice]
SYNTAX_INPUT = np.random.default_rng(7).integers(-9, 9, (4, 7)).astype(float)


@pytest.mark.parametrize("func", SYNTAX_KERNELS, ids=lambda f: f.__name__)
def test_array_syntax_matches_python(func):
    f = guvectorize(["void(f8[:], f8[:])"], "(n)->()")(func)
    assert_same(f(SYNTAX_INPUT), python_rows(func, SYNTAX_INPUT))


@pytest.mark.parametrize("func, reference", [
    (k_np_sum, lambda a: a.sum(-1)),
    (k_np_mean, lambda a: a.mean(-1)),
    (k_np_min, lambda a: a.min(-1)),
    (k_np_max, lambda a: a.max(-1)),
    (k_np_prod, lambda a: a.prod(-1)),
    (k_np_dot, lambda a: (a * a).sum(-1)),
    (k_shape0, lambda a: np.full(a.shape[:-1], float(a.shape[-1]))),
    (k_slice_reversed,
     lambda a: a[..., ::-1] @ np.arange(1.0, a.shape[-1] + 1)),
], ids=lambda x: getattr(x, "__name__", ""))
def test_array_syntax_matches_numpy(rng, func, reference):
    f = guvectorize(["void(f8[:], f8[:])"], "(n)->()")(func)
    a = rng.standard_normal((5, 6))
    assert_same(f(a), reference(a), rtol=1e-12)


@pytest.mark.parametrize("func", [k_np_sum, k_np_min, k_np_max, k_np_prod,
                                  k_methods],
                         ids=lambda f: f.__name__)
@pytest.mark.parametrize("code", ["i8", "f4"])
def test_array_syntax_other_dtypes(func, code):
    f = guvectorize([f"void({code}[:], f8[:])"], "(n)->()")(func)
    a = np.random.default_rng(3).integers(-5, 6, (3, 5)).astype(code)
    assert_same(f(a), python_rows(func, a), rtol=1e-6)


REDUCTIONS = {k_np_sum: np.sum, k_np_prod: np.prod, k_np_mean: np.mean,
              k_np_min: np.min, k_np_max: np.max,
              k_np_dot: lambda a: np.dot(a, a)}


@pytest.mark.parametrize("code, values", [
    ("i1", [100, 100, 50]),
    ("u1", [200, 100, 3]),
    ("b1", [True, True, False]),
    ("i4", [2**30, 2**30, 2**30]),
    ("f4", [1.5, 2.5, 1e8]),
    ("c8", [1 + 1j, 2, 3]),
])
@pytest.mark.parametrize("func", list(REDUCTIONS), ids=lambda f: f.__name__)
def test_lazy_reduction_result_types_follow_numpy(func, code, values):
    if code == "c8" and func in (k_np_min, k_np_max):
        pytest.skip("complex min/max: NumPy orders lexicographically")
    f = guvectorize("(n)->()")(func)
    a = np.array([values], np.dtype(code if code != "b1" else "?"))
    with np.errstate(all="ignore"):
        want = np.asarray(REDUCTIONS[func](a[0]))[None]
        got = f(a)
    assert_same(got, want)


@pytest.mark.parametrize("func", [k_np_min, k_np_max, k_np_sum, k_np_mean],
                         ids=lambda f: f.__name__)
def test_reductions_propagate_nan(func):
    f = guvectorize(["void(f8[:], f8[:])"], "(n)->()")(func)
    a = np.array([[1.0, np.nan, 3.0], [np.nan, 0.0, -1.0], [4.0, 5.0, np.nan]])
    with np.errstate(invalid="ignore"):  # see test_nan_input_comparisons...
        assert np.isnan(f(a)).all()


def test_integer_sum_keeps_integer_type():
    f = guvectorize(["void(i8[:], i8[:])"], "(n)->()")(k_np_sum)
    a = np.array([[2**62, 2**62, 5]])
    with np.errstate(all="ignore"):
        assert_same(f(a), a.sum(-1))  # wraps like NumPy's int64 sum


def k2_index_pair(a, out):
    s = 0.0
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            s += a[i, j] * (i + 1) * (j + 2)
    out[0] = s


def k2_index_chain(a, out):
    s = 0.0
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            s += a[i][j] * (i + 1) * (j + 2)
    out[0] = s


def k2_shape_unpack(a, out):
    n, m = a.shape
    out[0] = n * 10 + m


def k2_attributes(a, out):
    out[0] = a.ndim + 10 * a.size + 1000 * len(a)


def k2_for_rows(a, out):
    s = 0.0
    for row in a:
        for x in row:
            s += x
    out[0] = s


def k2_row_and_column(a, out):
    out[0] = a[1, :].sum() + 100 * a[:, 1].sum() + 10000 * a[-1, -1]


def k2_dot_rows(a, out):
    out[0] = np.dot(a[0], a[-1])


def k2_negative_indices(a, out):
    out[0] = a[-1, 0] + 10 * a[0, -1] + 100 * a[-2][-2]


def k2_sub_block(a, out):
    b = a[1:, ::2]
    out[0] = b[0, 0] + 10 * b[-1, -1] + 100 * b.shape[0] + 1000 * b.shape[1]


@pytest.mark.parametrize("func", [
    k2_index_pair, k2_index_chain, k2_shape_unpack, k2_attributes,
    k2_for_rows, k2_row_and_column, k2_dot_rows, k2_negative_indices,
    k2_sub_block], ids=lambda f: f.__name__)
def test_2d_array_syntax_matches_python(func):
    f = guvectorize(["void(f8[:, :], f8[:])"], "(m,n)->()")(func)
    a = np.random.default_rng(5).integers(-9, 9, (2, 3, 4)).astype(float)
    want = np.empty(2)
    for b in range(2):
        o = np.empty(1)
        func(a[b].copy(), o)
        want[b] = o[0]
    assert_same(f(a), want)


def k_enumerate(a, out):
    s = 0.0
    for i, x in enumerate(a):
        s += i * x
    out[0] = s


def k2_enumerate_rows(a, out):
    s = 0.0
    for i, row in enumerate(a):
        s += i * row[-1]
    out[0] = s


def test_enumerate_1d(rng):
    f = guvectorize(["void(f8[:], f8[:])"], "(n)->()")(k_enumerate)
    a = rng.standard_normal((3, 6))
    assert_same(f(a), a @ np.arange(6.0), rtol=1e-12)


def test_enumerate_rows_2d(rng):
    f = guvectorize(["void(f8[:, :], f8[:])"], "(m,n)->()")(k2_enumerate_rows)
    a = rng.standard_normal((2, 4, 3))
    assert_same(f(a), a[..., -1] @ np.arange(4.0), rtol=1e-12)


def copy_into(a, out):
    for i in range(a.shape[0]):
        out[i] = a[i]


@pytest.mark.parametrize("src, dst, values", [
    ("f8", "i8", [2.7, -2.7, 0.5, -0.5, 1e3]),
    ("i8", "i1", [1, 127, 128, 300, -129]),
    ("f8", "f4", [1 / 3, 1e-3, 2.5]),
    ("i4", "f8", [1, -7, 2**31 - 1]),
    ("f8", "c16", [1.5, -2.0]),
    ("b1", "f8", [True, False]),
])
def test_store_converts_to_the_element_type(src, dst, values):
    f = guvectorize([f"void({src}[:], {dst}[:])"], "(n)->(n)")(copy_into)
    a = np.array(values, np.dtype(src if src != "b1" else "?"))
    assert_same(f(a), a.astype(dst))


def test_store_of_complex_into_float_is_refused():
    with pytest.raises(CompileError, match="cannot store c16"):
        guvectorize(["void(c16[:], f8[:])"], "(n)->(n)")(copy_into)


def test_2d_store_with_chained_index():
    def transpose(a, out):
        for i in range(a.shape[0]):
            for j in range(a.shape[1]):
                out[j][i] = a[i][j]

    f = guvectorize(["void(f8[:, :], f8[:, :])"], "(m,n)->(n,m)")(transpose)
    a = np.arange(24.0).reshape(2, 3, 4)
    assert_same(f(a), np.swapaxes(a, -1, -2))


def get_twice(a, i):
    return a[i] * 2.0


def test_plain_helper_taking_an_array():
    def uses_helper(a, out):
        out[0] = get_twice(a, 1) + get_twice(a, -1)

    f = guvectorize(["void(f8[:], f8[:])"], "(n)->()")(uses_helper)
    a = np.arange(8.0).reshape(2, 4)
    assert_same(f(a), python_rows(uses_helper, a))


def test_bare_return_ends_the_kernel():
    def early(a, out):
        out[0] = -1.0
        if a.shape[0] == 0:
            return
        out[0] = a[0]

    f = guvectorize(["void(f8[:], f8[:])"], "(n)->()")(early)
    assert_same(f(np.ones((2, 0))), np.array([-1.0, -1.0]))
    assert_same(f(np.arange(6.0).reshape(2, 3)), np.array([0.0, 3.0]))


def test_slice_with_variable_bounds(rng):
    def window_sum(a, i, j, out):
        out[0] = np.sum(a[i:j])

    f = guvectorize(["void(f8[:], i8, i8, f8[:])"], "(n),(),()->()")(
        window_sum)
    a = rng.standard_normal(10)
    for i, j in [(1, 4), (0, 10), (-3, 100), (4, 1), (-100, 2), (5, 5)]:
        assert_same(f(a, i, j), a[i:j].sum(), rtol=1e-12)


def test_scratch_array_of_constant_size():
    def cumulative(a, out):
        t = np.zeros(8)
        for i in range(a.shape[0]):
            t[i % 8] += a[i]
        s = 0.0
        for i in range(8):
            s += t[i] * (i + 1)
        out[0] = s

    f = guvectorize(["void(f8[:], f8[:])"], "(n)->()")(cumulative)
    a = np.arange(20.0).reshape(2, 10)
    assert_same(f(a), python_rows(cumulative, a))


def k_scratch_zeros_int(a, out):
    t = np.zeros(3, dtype=np.int32)
    t[1] = 7
    out[0] = t[0] + t[1] + t[2] + 10 * t.shape[0]


def k_scratch_ones_2d(a, out):
    t = np.ones((2, 3))
    t[1, 2] = 5.0
    out[0] = t[1, 2] + t[1][1] + 10 * t.shape[0] + 100 * t.shape[1]


def k_scratch_empty_filled(a, out):
    t = np.empty(4, dtype=np.float32)
    for i in range(4):
        t[i] = i * 0.5
    out[0] = t.sum()


def k_scratch_ones_positional_dtype(a, out):
    t = np.ones(4, np.int64)
    out[0] = t.sum() + t.size


@pytest.mark.parametrize("func", [k_scratch_zeros_int, k_scratch_ones_2d,
                                  k_scratch_empty_filled,
                                  k_scratch_ones_positional_dtype],
                         ids=lambda f: f.__name__)
def test_scratch_arrays(func):
    f = guvectorize(["void(f8[:], f8[:])"], "(n)->()")(func)
    a = np.ones((2, 3))
    assert_same(f(a), python_rows(func, a))


def k_scratch_sized_by_input(a, out):
    t = np.empty(a.shape[0])
    for i in range(a.shape[0]):
        t[i] = a[a.shape[0] - 1 - i]
    s = 0.0
    for i in range(t.shape[0]):
        s += t[i] * (i + 1)
    out[0] = s


def k_scratch_sized_by_len(a, out):
    t = np.zeros(len(a))
    for i in range(a.shape[0]):
        t[i] = a[i] * a[i]
    out[0] = t.sum()


def k_scratch_2d_sized_by_input(a, out):
    n = a.shape[0]
    t = np.ones((n, 2), dtype=np.float64)
    for i in range(n):
        t[i, 1] = a[i]
    s = 0.0
    for i in range(n):
        s += t[i, 0] + t[i, 1]
    out[0] = s


@pytest.mark.parametrize("func", [k_scratch_sized_by_input,
                                  k_scratch_sized_by_len,
                                  k_scratch_2d_sized_by_input],
                         ids=lambda f: f.__name__)
def test_scratch_array_sized_by_input(func):
    f = guvectorize(["void(f8[:], f8[:])"], "(n)->()")(func)
    a = np.arange(12.0).reshape(3, 4)
    assert_same(f(a), python_rows(func, a))


def test_scratch_size_from_scalar_argument():
    def count(a, k, out):
        t = np.ones((k, a.shape[0]), dtype=np.int64)
        out[0] = t.size + t.shape[0]

    f = guvectorize(["void(f8[:], i8, f8[:])"], "(n),()->()")(count)
    assert_same(f(np.ones((2, 6)), 3), np.array([21.0, 21.0]))


# ---- errors while the loop runs ---------------------------------------------

def take_at(a, i, out):
    out[0] = a[i]  # <- take_at index


take_at_checked = guvectorize(["void(f8[:], i8, f8[:])"], "(n),()->()")(
    take_at)


@pytest.mark.parametrize("index", [4, 5, 100, -5, -100])
def test_index_out_of_bounds_message(index):
    with pytest.raises(IndexError) as info:
        take_at_checked(np.arange(4.0), index)
    msg = str(info.value)
    assert f"index {index}" in msg
    assert "size 4" in msg
    assert "axis 0" in msg
    assert "take_at" in msg
    assert f"line {line_of(take_at, '<- take_at index')}" in msg


@pytest.mark.parametrize("index", [0, 3, -1, -4])
def test_index_in_bounds(index):
    assert take_at_checked(np.arange(4.0), index) == np.arange(4.0)[index]


def test_index_error_in_second_axis():
    def take2(a, j, out):
        out[0] = a[1, j]  # <- take2 index

    f = guvectorize(["void(f8[:, :], i8, f8[:])"], "(m,n),()->()")(take2)
    with pytest.raises(IndexError) as info:
        f(np.ones((2, 3)), 3)
    msg = str(info.value)
    assert "index 3" in msg and "axis 1" in msg and "size 3" in msg
    assert f"line {line_of(take2, '<- take2 index')}" in msg


def test_index_error_on_store():
    def overrun(a, out):
        for i in range(a.shape[0] + 1):
            out[i] = a[0]  # <- overrun store

    f = guvectorize(["void(f8[:], f8[:])"], "(n)->(n)")(overrun)
    with pytest.raises(IndexError) as info:
        f(np.ones(3))
    msg = str(info.value)
    assert "index 3" in msg and "size 3" in msg and "overrun" in msg
    assert f"line {line_of(overrun, '<- overrun store')}" in msg


def test_loop_stops_at_first_error():
    out = np.full(5, -7.0)
    with pytest.raises(IndexError, match="index 9"):
        take_at_checked(np.arange(4.0), np.array([0, 1, 9, 2, 3]), out=out)
    assert_same(out, np.array([0.0, 1.0, -7.0, -7.0, -7.0]))


def test_error_in_a_later_row_of_a_2d_loop():
    out = np.full((2, 3), -7.0)
    idx = np.array([[0, 1, 2], [3, 4, 0]])
    with pytest.raises(IndexError, match="index 4"):
        take_at_checked(np.arange(4.0), idx, out=out)
    assert_same(out, np.array([[0.0, 1.0, 2.0], [3.0, -7.0, -7.0]]))


def test_boundscheck_false_compiles_and_runs_valid_indices():
    f = guvectorize(["void(f8[:], i8, f8[:])"], "(n),()->()",
                    boundscheck=False)(take_at)
    a = np.arange(4.0)
    assert_same(f(a, np.array([0, 3, -1, -4])), np.array([0.0, 3.0, 3.0, 0.0]))


def test_boundscheck_false_skips_the_check():
    f = guvectorize(["void(f8[:], i8, f8[:])"], "(n),()->()",
                    boundscheck=False)(take_at)
    base = np.arange(8.0)
    # base[:4] is a view: index 5 is still inside base's memory
    assert f(base[:4], 5) == 5.0
    with pytest.raises(IndexError):
        take_at_checked(base[:4], 5)


def test_boundscheck_false_skips_the_check_2d():
    def take2(a, j, out):
        out[0] = a[0, j]

    base = np.arange(6.0).reshape(2, 3)
    unchecked = guvectorize(["void(f8[:, :], i8, f8[:])"], "(m,n),()->()",
                            boundscheck=False)(take2)
    checked = guvectorize(["void(f8[:, :], i8, f8[:])"], "(m,n),()->()")(
        take2)
    assert unchecked(base, 3) == 3.0  # a[0, 3] is a[1, 0] in memory
    with pytest.raises(IndexError):
        checked(base, 3)


@pytest.mark.parametrize("func", [k_np_min, k_np_max],
                         ids=lambda f: f.__name__)
def test_min_max_of_empty_core_is_value_error(func):
    f = guvectorize(["void(f8[:], f8[:])"], "(n)->()")(func)
    with pytest.raises(ValueError, match="zero-size array") as info:
        f(np.ones((2, 0)))
    assert func.__name__ in str(info.value)


def test_empty_core_sum_and_prod_are_identities():
    s = guvectorize(["void(f8[:], f8[:])"], "(n)->()")(k_np_sum)
    p = guvectorize(["void(f8[:], f8[:])"], "(n)->()")(k_np_prod)
    assert_same(s(np.ones((2, 0))), np.zeros(2))
    assert_same(p(np.ones((2, 0))), np.ones(2))


def test_dot_of_different_lengths_is_value_error():
    def bad_dot(a, b, out):
        out[0] = np.dot(a, b)

    f = guvectorize(["void(f8[:], f8[:], f8[:])"], "(n),(m)->()")(bad_dot)
    assert f(np.arange(3.0), np.arange(3.0)) == 5.0
    with pytest.raises(ValueError, match="not aligned") as info:
        f(np.ones(3), np.ones(4))
    assert "bad_dot" in str(info.value)


def window_max_body(a, out):
    m = a[0]
    for i in range(1, a.shape[0]):
        if a[i] > m:
            m = a[i]
    out[0] = m


NAN_ROWS = np.array([[1.0, np.nan, 3.0], [np.nan, 0.0, -1.0],
                     [4.0, 5.0, np.nan], [1.0, 2.0, 0.5]])


@pytest.mark.parametrize("func", [window_max_body, k_np_max, k_np_min],
                         ids=lambda f: f.__name__)
def test_nan_input_comparisons_do_not_warn(func):
    f = guvectorize(["void(f8[:], f8[:])"], "(n)->()")(func)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = f(NAN_ROWS)
    assert_same(got, python_rows(func, NAN_ROWS))


def test_nan_scalar_comparison_does_not_warn():
    def positive(x, out):
        out[0] = 1.0 if x > 0.0 else 0.0

    f = guvectorize(["void(f8, f8[:])"], "()->()")(positive)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = f(np.array([np.nan, 1.0, -1.0]))
    assert_same(got, np.array([0.0, 1.0, 0.0]))


def test_nan_input_without_comparison_does_not_warn():
    def plus_one(a, out):
        for i in range(a.shape[0]):
            out[i] = a[i] + 1.0

    f = guvectorize(["void(f8[:], f8[:])"], "(n)->(n)")(plus_one)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_same(f(NAN_ROWS), NAN_ROWS + 1.0)


@pytest.mark.parametrize("size", [-1, -10])
def test_negative_scratch_size_is_value_error(size):
    def scratch(a, k, out):
        t = np.empty(k)
        out[0] = a[0]

    f = guvectorize(["void(f8[:], i8, f8[:])"], "(n),()->()")(scratch)
    assert f(np.ones(3), 2) == 1.0
    assert f(np.ones(3), 0) == 1.0
    with pytest.raises(ValueError, match="negative") as info:
        f(np.ones(3), size)
    assert str(size) in str(info.value)


def test_integer_division_by_zero_warns_like_numpy():
    def floor_div(a, b, out):
        for i in range(a.shape[0]):
            out[i] = a[i] // b[i]

    f = guvectorize(["void(i8[:], i8[:], i8[:])"], "(n),(n)->(n)")(floor_div)
    a, b = np.array([7, 8, 9]), np.array([2, 0, 3])
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        got = f(a, b)
    with np.errstate(divide="ignore"):
        want = a // b
    assert_same(got, want)
    with np.errstate(divide="raise"), pytest.raises(FloatingPointError):
        f(a, b)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_same(f(a, np.array([2, 1, 3])), a // np.array([2, 1, 3]))


# ---- mistakes caught at decoration time -------------------------------------

def first_into(a, out):
    out[0] = a[0]


@pytest.mark.parametrize("sig, fragment", [
    ("void(f8[:], f8)", "declare it f8[:] and write out[0]"),
    ("f8(f8[:])", "returns nothing"),
    ("f8(f8[:], f8[:])", "returns nothing"),
    ("f8[:](f8[:], f8[:])", "returns nothing"),
    ("void(f8[:], f8[:], f8[:])", "has 1 input and 1 output"),
    ("void(f8[:])", "has 1 input and 1 output"),
    ("void(f8[:, :], f8[:])", "declare it f8[:]"),
    ("void(f8, f8[:])", "declare it f8[:]"),
    ("void(f8[:], f8[:, :])", "declare it f8[:]"),
])
def test_signature_that_does_not_fit_the_layout(sig, fragment):
    with pytest.raises(CompileError) as info:
        guvectorize([sig], "(n)->()")(first_into)
    msg = str(info.value)
    assert fragment in msg
    assert "(n)->()" in msg


def test_signature_error_names_the_argument():
    def two(a, b, out):
        out[0] = a[0] + b[0, 0]

    with pytest.raises(CompileError, match="argument 2 .*'\\(m,n\\)'"):
        guvectorize(["void(f8[:], f8[:], f8[:])"], "(n),(m,n)->()")(two)


def test_kernel_that_returns_a_value():
    def returns(a, out):
        out[0] = a[0]
        return a[0]

    for make in [guvectorize(["void(f8[:], f8[:])"], "(n)->()"),
                 guvectorize("(n)->()")]:
        with pytest.raises(CompileError, match="returns a value") as info:
            make(returns)
        assert "returns" in str(info.value)


def test_rebinding_an_output_argument():
    def rebinds(a, out):
        out = a

    with pytest.raises(CompileError, match="cannot assign to argument 'out'"):
        guvectorize(["void(f8[:], f8[:])"], "(n)->()")(rebinds)


def test_kernel_arity_differs_from_layout():
    with pytest.raises(CompileError, match="takes 2 arguments") as info:
        guvectorize(["void(f8[:], f8[:], f8[:])"], "(n),(n)->()")(first_into)
    assert "2 inputs and 1 output" in str(info.value)


def test_lazy_kernel_arity_differs_from_layout():
    with pytest.raises(CompileError, match="takes 2 arguments"):
        guvectorize("(n),(n)->(),()")(first_into)


def writes_input(a, out):
    a[0] = 1.0
    out[0] = a[0]


def writes_input_view(a, out):
    b = a[::2]
    b[0] = 1.0
    out[0] = a[0]


def writes_input_alias(a, out):
    b = a
    b[0] = 5.0
    out[0] = a[0]


def writes_input_augmented(a, out):
    a[0] += 1.0
    out[0] = 0.0


def writes_input_rebound_alias(a, out):
    b = out
    b = a
    b[0] = 5.0


def python_in_place(func, a, core_out=()):
    """Reference for a kernel ``(a, out)`` that also writes into ``a``,
    over the first axis of ``a``: plain Python on each ``a[i]`` of a copy.
    Returns (the copy as the kernel left it, the outputs)."""
    a = a.copy()
    res = np.empty(a.shape[:1] + tuple(core_out))
    for i in range(a.shape[0]):
        o = np.empty(core_out or (1,))
        func(a[i], o)
        res[i] = o if core_out else o[0]
    return a, res


@pytest.mark.parametrize("func", [writes_input, writes_input_view,
                                  writes_input_alias, writes_input_augmented,
                                  writes_input_rebound_alias],
                         ids=lambda f: f.__name__)
@pytest.mark.parametrize("lazy", [False, True])
def test_writing_into_an_input_updates_it(func, lazy):
    """Numba makes such an input read-write only when writable_args names
    it; here the kernel says so itself, through views and aliases too."""
    sigs = [] if lazy else ["void(f8[:], f8[:])"]
    f = guvectorize(*([sigs] if sigs else []), "(n)->()")(func)
    assert _core.ufunc_info(f)["writable"] == (0,)
    a = np.arange(12.0).reshape(3, 4)
    want_a, want_out = python_in_place(func, a)
    out = f(a)
    assert_same(a, want_a)
    if func is not writes_input_rebound_alias:  # it leaves out unwritten
        assert_same(out, want_out)


def writes_row_of_input(a, out):
    r = a[0]
    r[1] = 5.0
    out[0] = 1.0


def writes_rows_in_for(a, out):
    for row in a:
        row[0] = 5.0
    out[0] = 1.0


def writes_element_of_row(a, out):
    a[1][2] = 7.0
    out[0] = 2.0


@pytest.mark.parametrize("func", [writes_row_of_input, writes_rows_in_for,
                                  writes_element_of_row],
                         ids=lambda f: f.__name__)
def test_writing_into_a_row_of_an_input_updates_it(func):
    f = guvectorize(["void(f8[:, :], f8[:])"], "(m,n)->()")(func)
    a = np.zeros((2, 3, 4))
    want_a, want_out = python_in_place(func, a)
    assert_same(f(a), want_out)
    assert_same(a, want_a)


def reads_only(a, out):
    b = a[1:]
    if a[0] > 0:
        c = b[::-1]
    else:
        c = a
    s = 0.0
    for x in a:
        s += x
    out[0] = s + b[0] + c[0]


def test_inputs_only_read_stay_read_only():
    """Views that are only read do not make an input read-write, so
    read-only arrays still work."""
    f = guvectorize(["void(f8[:], f8[:])"], "(n)->()")(reads_only)
    assert _core.ufunc_info(f)["writable"] == ()
    a = np.arange(6.0).reshape(2, 3)
    a.flags.writeable = False
    assert_same(f(a), python_rows(reads_only, a))


def test_written_input_must_be_writable():
    """NumPy's own error for a read-only array the kernel writes into."""
    f = guvectorize(["void(f8[:], f8[:])"], "(n)->()")(writes_input)
    a = np.zeros((2, 3))
    a.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        f(a)


def test_compile_error_points_at_the_source():
    with pytest.raises(CompileError) as info:
        guvectorize(["void(f8[:], f8[:])"], "(n)->()")(returns_a_value)
    first = str(info.value).splitlines()[0]
    assert __file__.rsplit("/", 1)[-1] in first
    assert f":{returns_a_value.__code__.co_firstlineno}:" in first


def returns_a_value(a, out):
    out[0] = a[0]
    return a[0]


def test_unsupported_construct_is_compile_error():
    def uses_string(a, out):
        out[0] = len("abc")

    with pytest.raises(CompileError):
        guvectorize(["void(f8[:], f8[:])"], "(n)->()")(uses_string)


# ---- writable_args ---------------------------------------------------------

@pytest.mark.parametrize("writable", [(0,), ("a",), 0, "a", [0], (-2,)])
def test_writable_args_by_position_or_name(writable):
    f = guvectorize(["void(f8[:], f8[:])"], "(n)->()",
                    writable_args=writable)(writes_input)
    a = np.zeros((2, 3))
    assert_same(f(a), np.ones(2))
    assert_same(a[:, 0], np.ones(2))
    assert_same(a[:, 1:], np.zeros((2, 2)))


def test_writable_args_on_a_strided_view():
    f = guvectorize(["void(f8[:], f8[:])"], "(n)->()",
                    writable_args=("a",))(writes_input)
    base = np.zeros((3, 4))
    f(base.T)
    assert_same(base, np.vstack([np.ones(4), np.zeros((2, 4))]))


def test_writable_args_lazy():
    f = guvectorize("(n)->()", writable_args=("a",))(writes_input)
    a = np.zeros((2, 3), np.float32)
    f(a)
    assert_same(a[:, 0], np.ones(2, np.float32))


def test_writable_args_unknown_name():
    with pytest.raises(ValueError, match="'b'"):
        guvectorize(["void(f8[:], f8[:])"], "(n)->()",
                    writable_args=("b",))(first_into)


@pytest.mark.parametrize("writable", [(1,), (5,), ("out",), (-1,)])
def test_writable_args_not_an_input(writable):
    with pytest.raises(ValueError, match="writable"):
        guvectorize(["void(f8[:], f8[:])"], "(n)->()",
                    writable_args=writable)(first_into)


@pytest.mark.parametrize("writable", [(1.5,), (None,), (True,)])
def test_writable_args_of_wrong_type(writable):
    with pytest.raises(TypeError, match="writable_args"):
        guvectorize(["void(f8[:], f8[:])"], "(n)->()",
                    writable_args=writable)(first_into)


def test_writable_args_and_written_inputs_add_up():
    """writable_args names inputs to pass read-write; the kernel's own
    stores add theirs (Numba: a write into an input not named is lost when
    NumPy passes a copy)."""
    def writes_b(a, b, out):
        b[0] = 1.0
        out[0] = a[0]

    f = guvectorize(["void(f8[:], f8[:], f8[:])"], "(n),(n)->()",
                    writable_args=("a",))(writes_b)
    assert _core.ufunc_info(f)["writable"] == (0, 1)
    a, b = np.arange(3.0), np.zeros(3, np.float32)
    assert_same(f(a, b), np.float64(0.0))
    assert_same(b, np.array([1.0, 0.0, 0.0], np.float32))


# ---- lazy gufuncs ----------------------------------------------------------

def mean_of(a, out):
    s = 0
    for i in range(a.shape[0]):
        s += a[i]
    out[0] = s / a.shape[0]


def copy_of(a, out):
    for i in range(a.shape[0]):
        out[i] = a[i]


def test_lazy_compiles_nothing_before_the_first_call():
    f = guvectorize("(n)->()")(mean_of)
    assert isinstance(f, np.ufunc)
    assert f.signature == "(n)->()"
    assert compiled(f) == []
    assert uf.inspect_kir(f) == {}


def test_lazy_one_loop_per_input_dtype():
    f = guvectorize("(n)->(n)")(copy_of)
    for i, code in enumerate(["i4", "f4", "f8", "i2"], start=1):
        a = np.arange(6).reshape(2, 3).astype(code)
        got = f(a)
        assert_same(got, a)  # the output dtype is the stored dtype
        f(a)
        assert len(compiled(f)) == i
    assert len(uf.inspect_kir(f)) == 4


def test_lazy_output_dtype_inferred_from_stores():
    f = guvectorize("(n)->()")(mean_of)
    a = np.arange(12).reshape(3, 4)
    got = f(a)
    assert got.dtype == np.float64
    assert_same(got, a.mean(axis=-1))
    assert compiled(f) == ["void(i8[:], f8[:])"]


def test_lazy_float32_mean(rng):
    f = guvectorize("(n)->()")(mean_of)
    a = rng.standard_normal((3, 4)).astype(np.float32)
    # the accumulator started at 0 is an int64 local, so float32 data is
    # summed in float64 (Numba's rule): the reference sums in float64 too
    assert_same(f(a), python_rows(mean_of, a.astype(np.float64)))


def test_lazy_with_python_scalar_core_input(rng):
    f = guvectorize("(n),()->(n)")(rolling_mean_body)
    a = rng.standard_normal((2, 15))
    assert_same(f(a, 4), np_rolling_mean(a, 4), rtol=1e-12)


def rolling_mean_body(a, w, out):
    s = 0.0
    for i in range(a.shape[0]):
        s += a[i]
        if i >= w:
            s -= a[i - w]
        out[i] = s / min(i + 1, w)


def test_lazy_accepts_out_of_the_inferred_dtype():
    f = guvectorize("(n)->()")(mean_of)
    out = np.empty(3)
    assert f(np.arange(12).reshape(3, 4), out=out) is out
    assert_same(out, np.arange(12).reshape(3, 4).mean(-1))


def test_lazy_accepts_out_of_a_castable_dtype():
    # Numba's dynamic gufunc refuses out=; ours takes it on the first call
    f = guvectorize("(n)->()")(mean_of)
    out = np.empty(3, np.float32)
    f(np.arange(12).reshape(3, 4), out=out)
    assert_same(out, np.arange(12).reshape(3, 4).mean(-1).astype(np.float32))


def test_lazy_out_receives_a_cast_of_the_inferred_output():
    """NumPy does not show out='s dtype to the loop search: the loop is
    the one for the inputs (its output inferred, f8 here), and out= gets
    a cast under casting= (same_kind refuses f8 -> i8)."""
    f = guvectorize("(n)->()")(mean_of)
    a = np.arange(12).reshape(3, 4)
    out = np.empty(3, np.int64)
    with pytest.raises(TypeError, match="Cannot cast"):
        f(a, out=out)
    f(a, out=out, casting="unsafe")
    assert_same(out, python_rows(mean_of, a).astype(np.int64))


def test_lazy_signature_sets_the_output_dtype():
    f = guvectorize("(n)->()")(mean_of)
    a = np.arange(12).reshape(3, 4)
    if np.lib.NumpyVersion(np.__version__) < "2.5.0":
        # the known limitation of lazy loops with every dtype fixed on
        # NumPy < 2.5 (guide.md): the first such call compiles the loop
        # but fails; the next finds it
        with pytest.raises(TypeError):
            f(a, signature=(None, np.int64))
    got = f(a, signature=(None, np.int64))
    assert got.dtype == np.int64
    assert_same(got, python_rows(mean_of, a, out_dtype=np.int64))
    assert "void(i8[:], i8[:])" in compiled(f)


def test_lazy_out_on_output_only_dim():
    def ramp(start, out):
        for i in range(out.shape[0]):
            out[i] = start + i

    f = guvectorize("()->(n)")(ramp)
    out = np.empty((2, 4))
    f(np.array([1.0, 10.0]), out=out)
    assert_same(out, np.array([1.0, 10.0])[:, None] + np.arange(4))


def test_lazy_outputs_inferred_one_by_one():
    def arg_and_max(a, idx, val):
        best = 0
        for i in range(a.shape[0]):
            if a[i] > a[best]:
                best = i
        idx[0] = best
        val[0] = a[best]

    f = guvectorize("(n)->(),()")(arg_and_max)
    a = np.array([[1.0, 5.0, 2.0], [7.0, 0.0, 1.0]])
    idx, val = f(a)
    assert_same(idx, np.argmax(a, axis=-1).astype(np.int64))
    assert_same(val, a.max(-1))


def test_lazy_output_type_promotes_over_branches():
    def one_or_half(a, out):
        if a[0] > 0:
            out[0] = 1
        else:
            out[0] = 2.5

    f = guvectorize("(n)->()")(one_or_half)
    assert_same(f(np.array([[1.0], [-1.0]])), np.array([1.0, 2.5]))


def test_lazy_frozen_layout_int():
    def cross3(a, b, out):
        out[0] = a[1] * b[2] - a[2] * b[1]
        out[1] = a[2] * b[0] - a[0] * b[2]
        out[2] = a[0] * b[1] - a[1] * b[0]

    f = guvectorize("(3),(3)->(3)")(cross3)
    a, b = np.array([[1, 2, 3], [0, 1, 0]]), np.array([[4, 5, 6], [0, 0, 1]])
    assert_same(f(a, b), np.cross(a, b))


def accumulate_body(a, acc):
    for i in range(a.shape[0]):
        acc[i] += a[i]


@pytest.mark.parametrize("dtype", [np.float64, np.int32])
def test_lazy_without_outputs_first_call(dtype):
    f = guvectorize("(n),(n)", writable_args=("acc",))(accumulate_body)
    acc = np.ones(3, dtype)
    f(np.arange(3, dtype=dtype), acc)
    assert_same(acc, np.arange(1, 4, dtype=dtype))


def test_lazy_without_outputs_second_call():
    f = guvectorize("(n),(n)", writable_args=("acc",))(accumulate_body)
    acc = np.ones(3)
    f(np.arange(3.0), acc)
    acc[:] = 1.0
    f(np.arange(3.0), acc)
    assert_same(acc, np.arange(1.0, 4.0))


def test_lazy_type_error_surfaces_at_call():
    def compare(a, out):
        out[0] = a[0] < a[1]

    f = guvectorize("(n)->()")(compare)
    assert_same(f(np.array([[1.0, 2.0], [3.0, 1.0]])),
                np.array([True, False]))
    with pytest.raises(TypeError):
        f(np.ones((2, 2), np.complex128))


def test_lazy_layout_keyword_only():
    f = guvectorize(signature="(n)->()")(mean_of)
    assert_same(f(np.arange(4.0)), np.float64(1.5))


# ---- keywords ---------------------------------------------------------------

@pytest.mark.parametrize("kw", [
    {"nopython": True}, {"nopython": False}, {"cache": True},
    {"cache": False}, {"forceobj": False}, {"target": "cpu"},
    {"fastmath": True}, {"fastmath": {"nnan"}}, {"boundscheck": True},
    {"boundscheck": None}, {"identity": None}, {"identity": 0},
])
def test_accepted_keywords(kw):
    f = guvectorize(["void(f8[:], f8[:], f8[:])"], "(n),(n)->()", **kw)(
        dot_body)
    a = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(f(a, a), (a * a).sum(-1))


def dot_body(a, b, out):
    s = 0.0
    for i in range(a.shape[0]):
        s += a[i] * b[i]
    out[0] = s


def test_cuda_target_not_available_yet():
    with pytest.raises(NotImplementedError, match="not available yet"):
        guvectorize(["void(f8[:], f8[:])"], "(n)->()", target="cuda")(
            first_into)


def test_parallel_target_matches_numpy(rng):
    f = guvectorize(["void(f8[:], f8[:])"], "(n)->()", target="parallel")(
        window_max_body)
    a = rng.standard_normal((100_000, 9))
    assert_same(f(a), a.max(-1))
    assert_same(f(a[::-1, ::2]), a[::-1, ::2].max(-1))
    assert_same(f(a.T, axis=0), a.max(-1))


def test_parallel_target_computed_size(rng):
    f = guvectorize(["void(f8[:], f8[:], f8[:])"], "(m),(n)->(m+n-1)",
                    target="parallel")(convolve_body)
    a, b = rng.standard_normal((20_000, 5)), rng.standard_normal(3)
    got = f(a, b)
    assert got.shape == (20_000, 7)
    for i in [0, 12_345, 19_999]:
        np.testing.assert_allclose(got[i], np.convolve(a[i], b), rtol=1e-13)


def test_parallel_target_lazy(rng):
    f = guvectorize("(n)->()", target="parallel")(mean_of)
    a = rng.integers(-100, 100, (50_000, 6))
    assert_same(f(a), a.mean(-1))


def test_parallel_target_reports_errors():
    f = guvectorize(["void(f8[:], i8, f8[:])"], "(n),()->()",
                    target="parallel")(take_at)
    idx = np.zeros(100_000, np.int64)
    idx[77_777] = 9
    with pytest.raises(IndexError, match="index 9 is out of bounds"):
        f(np.arange(4.0), idx)


def test_parallel_target_integer_division_by_zero_warns():
    def floor_div(a, b, out):
        for i in range(a.shape[0]):
            out[i] = a[i] // b[i]

    f = guvectorize(["void(i8[:], i8[:], i8[:])"], "(n),(n)->(n)",
                    target="parallel")(floor_div)
    a, b = np.full((50_000, 3), 7), np.full((50_000, 3), 2)
    b[40_000, 1] = 0
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        got = f(a, b)
    with np.errstate(divide="ignore"):
        assert_same(got, a // b)


def convolve_body(a, b, out):
    for k in range(out.shape[0]):
        out[k] = 0.0
    for i in range(a.shape[0]):
        for j in range(b.shape[0]):
            out[i + j] += a[i] * b[j]


@pytest.mark.parametrize("target", ["gpu", "", None])
def test_unknown_target(target):
    with pytest.raises(ValueError, match="target"):
        guvectorize(["void(f8[:], f8[:])"], "(n)->()", target=target)


@pytest.mark.parametrize("kw", [{"nogil": True}, {"locals": {}},
                                {"writeable_args": (0,)}, {"parallel": True}])
def test_unknown_keyword(kw):
    with pytest.raises(TypeError, match=next(iter(kw))):
        guvectorize(["void(f8[:], f8[:])"], "(n)->()", **kw)


def test_forceobj_true_is_rejected():
    with pytest.raises(CompileError, match="object mode"):
        guvectorize(["void(f8[:], f8[:])"], "(n)->()", forceobj=True)


def test_bad_identity_is_value_error():
    with pytest.raises(ValueError, match="identity"):
        guvectorize(["void(f8[:], f8[:])"], "(n)->()", identity="zero")


@pytest.mark.parametrize("args", [(), ("a", "b", "c")])
def test_wrong_positional_arguments(args):
    with pytest.raises(TypeError):
        guvectorize(*args)


@pytest.mark.parametrize("obj", [np.sin, print, len])
def test_not_a_python_function(obj):
    with pytest.raises(TypeError, match="Python function"):
        guvectorize(["void(f8[:], f8[:])"], "(n)->()")(obj)


def test_ufunc_attributes():
    assert window_max.__name__ == "window_max"
    assert "largest element" in window_max.__doc__
    assert (window_max.nin, window_max.nout) == (1, 1)
    if hasattr(window_max, "__dict__"):  # NumPy >= 2.1
        assert window_max.__module__ == __name__
        assert window_max.__qualname__ == "window_max"


# ---- pickling ---------------------------------------------------------------

@guvectorize("(n)->()")
def lazy_mean(a, out):
    s = 0.0
    for i in range(a.shape[0]):
        s += a[i]
    out[0] = s / a.shape[0]


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
@pytest.mark.parametrize("ufunc", [window_max, matmul, lazy_mean],
                         ids=lambda f: f.__name__)
def test_pickle_round_trip_is_the_same_object(ufunc, protocol):
    assert pickle.loads(pickle.dumps(ufunc, protocol=protocol)) is ufunc


def test_unpickled_gufunc_works(rng):
    back = pickle.loads(pickle.dumps({"f": window_max}))["f"]
    a = rng.standard_normal((3, 4))
    assert_same(back(a), a.max(-1))


def test_nested_gufunc_does_not_pickle():
    @guvectorize(["void(f8[:], f8[:])"], "(n)->()")
    def not_at_module_level(a, out):
        out[0] = a[0]

    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        pickle.dumps(not_at_module_level)


# ---- inspection -------------------------------------------------------------

def test_inspect_kir_lists_each_signature():
    kir = uf.inspect_kir(window_max)
    assert list(kir) == compiled(window_max)
    for text in kir.values():
        assert text.startswith("(kernel window_max (a out)")
    one = uf.inspect_kir(window_max, "void(f8[:], f8[:])")
    assert one == kir["void(f8[:], f8[:])"]


def test_inspect_llvm_is_keyed_by_signature():
    ir = uf.inspect_llvm(window_max)
    assert set(ir) == {"void(f8[:], f8[:])", "void(f4[:], f4[:])",
                       "void(i8[:], i8[:])"}
    for text in ir.values():
        assert "define" in text and "window_max" in text
    one = uf.inspect_llvm(window_max, "void(f4[:], f4[:])")
    assert isinstance(one, str) and "float" in one


def test_inspect_types_and_asm():
    types = uf.inspect_types(dot, "void(f8[:], f8[:], f8[:])")
    assert "f8[:]" in types
    asm = uf.inspect_asm(dot)
    assert list(asm) == ["void(f8[:], f8[:], f8[:])"]
    assert isinstance(asm["void(f8[:], f8[:], f8[:])"], str)


def test_inspect_lazy_shows_what_calls_compiled():
    f = guvectorize("(n)->()")(mean_of)
    f(np.arange(4))
    f(np.arange(4.0))
    assert set(uf.inspect_kir(f)) == {"void(i8[:], f8[:])",
                                      "void(f8[:], f8[:])"}
    assert set(uf.inspect_llvm(f)) == set(uf.inspect_kir(f))
