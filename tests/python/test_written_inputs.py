"""Inputs a gufunc kernel writes into: found in the kernel (stores into the
argument, or into a view of it) and passed read-write by NumPy, so the
stores reach the caller's array -- also when NumPy must cast the array to
the loop's dtype (it then writes the cast copy back when the call ends).
Numba passes such inputs read-write only when writable_args names them,
and loses the stores into a cast copy.

The reference is the kernel run in plain Python on each core slice of a
float64 copy, cast back to the array's dtype."""

import numpy as np
import pytest
from conftest import assert_same

from ufuncforge import _core, guvectorize

TARGETS = ["cpu", "parallel"]


def accumulate_into(a, acc):
    for i in range(a.shape[0]):
        acc[i] += a[i]


def scale_tail(a, k):
    v = a[1:]
    for i in range(v.shape[0]):
        v[i] = v[i] * k


def fill_corner(m, x):
    m[0][0] = x
    for row in m:
        row[1] = row[0] + 1


def python_in_place(func, *arrays, core_dims):
    """Runs |func| in plain Python on each core slice of float64 copies of
    |arrays| (each with its count of core dims in |core_dims|, a scalar
    core given as a 0-d value); returns the copies cast back to the
    arrays' own dtypes."""
    arrays = [np.asarray(a) for a in arrays]
    loop = np.broadcast_shapes(*[a.shape[:a.ndim - c]
                                 for a, c in zip(arrays, core_dims)])
    work = [np.array(a, np.float64) for a in arrays]
    for idx in np.ndindex(*loop):
        views = []
        for w, c in zip(work, core_dims):
            lead = idx[len(idx) - (w.ndim - c):]
            v = w[lead]
            views.append(v if c else v[()])
        func(*views)
    return [w.astype(a.dtype, casting="unsafe") for w, a in zip(work, arrays)]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int32,
                                   np.int64, np.uint8, np.complex128])
def test_no_outputs_updates_any_dtype_in_place(target, dtype):
    """A float64 loop given another dtype: NumPy casts a copy in and
    writes it back (an int array receives the float results truncated, as
    an unsafe cast does; complex casts to float64 are refused by NumPy:
    see the next test)."""
    f = guvectorize(["void(f8[:], f8[:])"], "(n),(n)",
                    target=target)(accumulate_into)
    x = np.arange(12.0).reshape(4, 3) / 2
    acc = np.ones((4, 3), dtype)
    if dtype is np.complex128:
        with pytest.raises(TypeError, match="(?i)complex128"):
            f(x, acc)
        return
    (want_x, want_acc) = python_in_place(accumulate_into, x, acc,
                                         core_dims=(1, 1))
    f(x, acc)
    assert_same(acc, want_acc)
    assert_same(x, want_x)


@pytest.mark.parametrize("target", TARGETS)
def test_cast_copy_of_a_strided_view_is_written_back(target):
    f = guvectorize(["void(f8[:], f8[:])"], "(n),(n)",
                    target=target)(accumulate_into)
    base = np.zeros((6, 8), np.float32)
    view = base[::2, 1::3]
    want = base.copy()
    want[::2, 1::3] = python_in_place(accumulate_into, np.ones(3), view,
                                      core_dims=(1, 1))[1]
    f(np.ones(3), view)
    assert_same(base, want)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_store_through_a_view_of_an_input(target, dtype):
    f = guvectorize(["void(f8[:], f8)"], "(n),()",
                    target=target)(scale_tail)
    assert _core.ufunc_info(f)["writable"] == (0,)
    a = np.arange(20.0).reshape(4, 5).astype(dtype)
    k = np.array([1.0, 2.0, -1.0, 0.5])
    want = python_in_place(scale_tail, a, k, core_dims=(1, 0))[0]
    f(a, k)
    assert_same(a, want)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("lazy", [False, True])
def test_store_into_rows_of_an_input(target, lazy):
    args = ("(m,n),()",) if lazy else (["void(f8[:, :], f8)"], "(m,n),()")
    f = guvectorize(*args, target=target)(fill_corner)
    assert _core.ufunc_info(f)["writable"] == (0,)
    m = np.zeros((3, 2, 4))
    want = python_in_place(fill_corner, m, 7.0, core_dims=(2, 0))[0]
    f(m, 7.0)
    assert_same(m, want)


@pytest.mark.parametrize("target", TARGETS)
def test_exact_loop_wins_over_a_cast_copy(target):
    """With an f4 loop listed after the f8 one, a float32 array runs it
    on the array itself."""
    f = guvectorize(["void(f8[:], f8[:])", "void(f4[:], f4[:])"], "(n),(n)",
                    target=target)(accumulate_into)
    acc = np.zeros((2, 3), np.float32)
    x = np.full((2, 3), 0.1, np.float32)
    f(x, acc)
    assert_same(acc, x)


def test_same_array_as_both_operands():
    """NumPy copies the read operand that overlaps the written one, so the
    result is what Python gives."""
    f = guvectorize(["void(f8[:], f8[:])"], "(n),(n)")(accumulate_into)
    a = np.arange(6.0).reshape(2, 3)
    want = python_in_place(accumulate_into, a, a.copy(), core_dims=(1, 1))[1]
    f(a, a)
    assert_same(a, want)


def test_written_input_cannot_be_broadcast():
    """NumPy refuses to repeat a read-write operand over the loop."""
    f = guvectorize(["void(f8[:], f8[:])"], "(n),(n)")(accumulate_into)
    with pytest.raises(ValueError):
        f(np.ones((2, 3)), np.zeros(3))


def test_writable_args_still_names_inputs():
    """writable_args makes an input read-write even when the kernel does
    not visibly store into it."""
    def reads(a, b, out):
        out[0] = a[0] + b[0]

    f = guvectorize(["void(f8[:], f8[:], f8[:])"], "(n),(n)->()",
                    writable_args=("b",))(reads)
    assert _core.ufunc_info(f)["writable"] == (1,)
    g = guvectorize(["void(f8[:], f8[:], f8[:])"], "(n),(n)->()")(reads)
    assert _core.ufunc_info(g)["writable"] == ()
