"""Names a Numba module imports besides the decorators: njit / jit for
helpers (inlined into kernels; plain Python when called from Python),
from_dtype, and Numba dispatchers (anything with .py_func) called from a
kernel."""

import numpy as np
import pytest

import ufuncforge as uf
from ufuncforge import from_dtype, guvectorize, jit, njit, vectorize


@njit
def twice(x):
    return 2 * x


@njit(cache=True, fastmath=True)
def thrice(x):
    return 3 * x


@jit(nopython=True)
def plus_one(x):
    return x + 1


class FakeDispatcher:
    """What Numba's @njit returns: a callable with the Python function
    as .py_func."""

    def __init__(self, func):
        self.py_func = func

    def __call__(self, *args):
        return self.py_func(*args)


def _four(x):
    return 4 * x


four = FakeDispatcher(_four)


def combined(x):
    return twice(x) + thrice(x) + plus_one(x) + four(x)


def test_decorated_helpers_are_inlined_and_stay_python():
    assert twice(2) == 4 and thrice(2) == 6 and plus_one(1) == 2
    f = vectorize(["f8(f8)", "i8(i8)"])(combined)
    x = np.arange(5.0)
    np.testing.assert_array_equal(f(x), [combined(v) for v in x])
    np.testing.assert_array_equal(f(np.arange(5)), [combined(v) for v in
                                                    range(5)])


def test_forceobj_is_refused():
    with pytest.raises(TypeError, match="forceobj"):
        njit(forceobj=True)


@pytest.mark.parametrize("dtype, t", [
    (np.float64, uf.float64), (np.float32, uf.float32), ("i4", uf.int32),
    (np.uint8, uf.uint8), (np.bool_, uf.boolean), (np.complex64, uf.c8)])
def test_from_dtype(dtype, t):
    assert from_dtype(dtype) is t
    assert from_dtype(np.dtype(dtype)) is t


@pytest.mark.parametrize("dtype", ["U3", np.float16, ">f8", "V8"])
def test_from_dtype_rejects(dtype):
    with pytest.raises(TypeError, match="has no ufuncforge type"):
        from_dtype(dtype)


def test_from_dtype_in_signatures():
    t = from_dtype(np.float32)

    @guvectorize([(t[:], t[:])], "(n)->()")
    def first(a, out):
        out[0] = a[0]

    assert first(np.arange(3, dtype=np.float32)) == 0
