"""Bugs found by reviewing the package against Python and NumPy, each
with the smallest kernel that showed it."""

import math
import warnings

import numpy as np
import pytest

from ufuncforge import CompileError, vectorize

F64 = np.float64(0.1)


def assert_quiet(fn, *args):
    """Calls fn(*args) with every warning an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            return fn(*args)


# ---- the front end -------------------------------------------------------

def two_loops(x):
    for i in range(3):
        if x < 0:
            return -1.0
    for i in range(3):
        if x > 0:
            return 2.0
    return 0.0


def uses_two_loops(x):
    return two_loops(x) + 1.0


def test_helper_returns_from_its_second_loop():
    f = vectorize(["f8(f8)"])(uses_two_loops)
    x = np.array([-1.0, 1.0, 0.0])
    np.testing.assert_array_equal(f(x), [uses_two_loops(v) for v in x])


def floors(x):
    return math.floor(x), math.ceil(x), math.trunc(x), round(x)


@pytest.mark.parametrize("dtype, value", [
    ("i8", 2**53 + 1), ("i8", 2**63 - 2), ("i8", -2**63), ("u8", 2**63 + 5),
])
def test_floor_of_an_integer_is_exact(dtype, value):
    f = vectorize([f"({dtype}, {dtype}, {dtype}, {dtype})({dtype})"])(floors)
    got = f(np.array([value], dtype))
    assert [int(g[0]) for g in got] == [value] * 4


def div_guard(x):
    return 0 < x < 10 // x


def test_chained_comparison_is_lazy():
    f = vectorize(["b1(i8)"])(div_guard)
    x = np.array([0, -3, 2, 5])
    np.testing.assert_array_equal(assert_quiet(f, x),
                                  [div_guard(int(v)) for v in x])


def scaled(x):
    return x * F64


def test_numpy_float64_global_is_strong():
    f = vectorize(scaled)
    assert f(np.ones(3, np.float32)).dtype == np.float64


def bool_parts(b):
    return b.real + b.conjugate()


def test_real_of_a_bool():
    f = vectorize(bool_parts)
    np.testing.assert_array_equal(f(np.array([True, False])), [2, 0])


def truth(z):
    return bool(z)


def test_bool_of_a_complex():
    f = vectorize(["b1(c16)"])(truth)
    z = np.array([0j, 1j, 2 + 0j])
    np.testing.assert_array_equal(f(z), [bool(v) for v in z])


def with_default(x, y=1.0):
    return x + y


def no_value(x):
    pass


def test_kernel_shape_errors_are_compile_errors():
    with pytest.raises(CompileError, match="default values"):
        vectorize(["f8(f8, f8)"])(with_default)
    with pytest.raises(CompileError, match="returns no value"):
        vectorize(["f8(f8)"])(no_value)
    with pytest.raises(TypeError, match="identity must be a number"):
        vectorize(["f8(f8, f8)"], identity=[1])(two_loops)


# ---- dispatch and types ------------------------------------------------------

def add(a, b):
    return a + b


def test_python_ints_take_the_exact_int64_loop():
    f = vectorize(["f8(f8, f8)", "i8(i8, i8)"])(add)
    r = f(2**53 + 1, 0)
    assert r.dtype == np.int64 and int(r) == 2**53 + 1


def less(a, b):
    return a < b


def equal(a, b):
    return a == b


def test_int64_and_uint64_compare_exactly():
    a = np.array([2**63 - 2, -1, 5], dtype=np.int64)
    b = np.array([2**63 - 1, 2**64 - 1, 5], dtype=np.uint64)
    for kernel, ref in ((less, np.less), (equal, np.equal)):
        np.testing.assert_array_equal(vectorize(kernel)(a, b), ref(a, b))


def below_300(x):
    return x < 300


def minus_one(x):
    return x == -1


def plus_300(x):
    return x + 300


def test_python_int_out_of_range():
    x8 = np.arange(-128, 128, dtype=np.int8)
    assert vectorize(below_300)(x8).all()
    assert not vectorize(minus_one)(np.array([255], np.uint8)).any()
    # narrow integers compute in int64 (Numba's rule): x + 300 is the
    # Python sum, wrapped to int8 only when returned
    got = vectorize(["i1(i1)"])(plus_300)(x8)
    np.testing.assert_array_equal(got, (x8.astype(np.int64) + 300).astype(np.int8))


# ---- floating-point flags and accuracy ---------------------------------------

def floordiv(a, b):
    return a // b


def test_float_floor_division_by_zero_only_divides_by_zero():
    f = vectorize(["f8(f8, f8)"])(floordiv)
    a, b = np.array([1.0, -1.0, 3.5]), np.zeros(3)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        r = f(a, b)
    np.testing.assert_array_equal(r, [np.inf, -np.inf, np.inf])
    messages = [str(x.message) for x in w]
    assert any("divide by zero" in m for m in messages), messages
    assert not any("invalid" in m for m in messages), messages


def eight_pow(x):
    return 8.0 ** x


def test_constant_base_power_keeps_libm_accuracy():
    f = vectorize(["f8(f8)"])(eight_pow)
    x = np.array([-200.7, -50.3, 1.5, 100.25])
    np.testing.assert_allclose(f(x), [math.pow(8.0, v) for v in x],
                               rtol=4e-16)


def floor_of(x):
    return np.floor(x)


def sign_of(x):
    return np.sign(x)


def test_numpy_floor_keeps_integers_and_sign_is_quiet():
    f = vectorize(floor_of)
    big = np.array([2**53 + 1], dtype=np.int64)
    assert f(big).dtype == np.int64 and f(big)[0] == 2**53 + 1
    s = vectorize(sign_of)
    x = np.array([np.inf, -np.inf, 0.0, -2.5, 3.0])
    np.testing.assert_array_equal(assert_quiet(s, x), np.sign(x))
    assert np.isnan(s(np.array([np.nan]))[0])


def floordiv_by_int(x, k):
    return x // k + x % k


def test_float_floordiv_by_int_raises_no_invalid_warning():
    # LLVM paired the two sign compares of npy_divmod into a packed x86
    # compare whose unused lane held garbage: a spurious "invalid value"
    f = vectorize(["f8(f8, i8)", "f4(f4, i4)"])(floordiv_by_int)
    x = np.array([4.0, 7.5, -7.5, 1.0, -0.0, 3.0])
    k = np.array([2, 2, 2, 3, 5, -4])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for xt, kt in ((np.float64, np.int64), (np.float32, np.int32)):
            got = f(x.astype(xt), k.astype(kt))
            expected = [floordiv_by_int(float(a), int(b)) for a, b in zip(x, k)]
            np.testing.assert_allclose(got, expected, rtol=1e-6)
