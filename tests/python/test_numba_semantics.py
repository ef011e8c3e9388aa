"""Where NumPy 2's rules would surprise a kernel written for Numba: float
literal accumulators are float64, narrow integers compute in int64, and
integer constants beyond 64 bits are errors (docs/semantics.md).

The reference is the Python function run on Python ints and floats (what
the kernel author reasons with), converted to the output type at the end.
"""

import numpy as np
import pytest

from ufuncforge import CompileError, guvectorize, vectorize


# ---- float accumulators -----------------------------------------------------

def float_sum(a, out):
    s = 0.0
    for v in a:
        s += v
    out[0] = s


def int_started_sum(a, out):
    s = 0
    for i in range(a.shape[0]):
        s += a[i]
    out[0] = s


@pytest.mark.parametrize("kernel", [float_sum, int_started_sum])
def test_float32_data_accumulates_in_float64(kernel):
    f = guvectorize(["void(f4[:], f4[:])"], "(n)->()")(kernel)
    rng = np.random.default_rng(1)
    a = (rng.standard_normal((4, 20000)) + 1000).astype(np.float32)
    got = f(a)
    exact = a.astype(np.float64).sum(axis=1)
    # float64 accumulation, rounded once to float32 at the store
    np.testing.assert_array_equal(got, exact.astype(np.float32))
    # a float32 accumulator would be off by far more than one rounding
    naive = np.empty(4, np.float32)
    for r in range(4):
        s = np.float32(0)
        for v in a[r]:
            s = np.float32(s + v)
        naive[r] = s
    assert np.abs(naive.astype(np.float64) - exact).max() > 1.0


def scaled(x):
    y = 0.01 * x
    return y


def test_literal_in_expression_stays_weak():
    f = vectorize(scaled)  # lazy: the output type is inferred
    x = np.array([1.5, -2.0], np.float32)
    assert f(x).dtype == np.float32
    np.testing.assert_allclose(f(x), np.float32(0.01) * x)


def float_start(x):
    s = 0.0
    s += x
    return s


def test_float_literal_local_is_float64_in_lazy_output():
    f = vectorize(float_start)
    assert f(np.array([1.5], np.float32)).dtype == np.float64


# ---- narrow integers compute in int64 ---------------------------------------

def saturating_add(a, b):
    s = a + b
    if s > 127:
        return 127
    if s < -128:
        return -128
    return s


def test_int8_saturating_add_matches_python():
    f = vectorize(["i1(i1, i1)"])(saturating_add)
    vals = np.arange(-128, 128, dtype=np.int8)
    a, b = np.meshgrid(vals, vals)
    expected = np.vectorize(lambda x, y: saturating_add(int(x), int(y)))(a, b)
    np.testing.assert_array_equal(f(a, b), expected.astype(np.int8))


def clamped_sum(a, out):
    s = a[0] - a[0]  # an int32 zero: the sum is still done in int64
    for v in a:
        s += v
    out[0] = min(s, 2**31 - 1)


def test_int32_sum_clamped_after_the_loop():
    f = guvectorize(["void(i4[:], i4[:])"], "(n)->()")(clamped_sum)
    a = np.full((2, 5), 2**30, np.int32)
    a[1] = -3
    expected = [min(sum(int(v) for v in row), 2**31 - 1) for row in a]
    np.testing.assert_array_equal(f(a), np.array(expected, np.int32))


def add(a, b):
    return a + b


@pytest.mark.parametrize("code", ["i1", "u1", "i2", "u4"])
def test_lazy_output_type_still_follows_numpy(code):
    f = vectorize(add)
    x = np.arange(100, dtype=code)
    got = f(x, x)
    assert got.dtype == np.add(x, x).dtype
    np.testing.assert_array_equal(got, np.add(x, x))


def uint8_bits(a, b):
    return (a & b) | (a ^ 5)


def test_unsigned_bit_operations_stay_integers():
    f = vectorize(["u1(u1, u1)"])(uint8_bits)
    a = np.arange(256, dtype=np.uint8)
    b = a[::-1].copy()
    expected = [uint8_bits(int(x), int(y)) & 0xFF for x, y in zip(a, b)]
    np.testing.assert_array_equal(f(a, b), np.array(expected, np.uint8))


# ---- integer constants ------------------------------------------------------

def two_to_64(x):
    return x + 2**64


def ten_to_20(x):
    return x * 10**20


def folded(x):
    return x + 2**40 - 3 * 7


@pytest.mark.parametrize("kernel", [two_to_64, ten_to_20])
@pytest.mark.parametrize("sig", ["f8(f8)", "i8(i8)"])
def test_constant_beyond_64_bits_is_an_error(kernel, sig):
    with pytest.raises(CompileError, match="does not fit in 64 bits"):
        vectorize([sig])(kernel)


def test_constants_that_fit_are_folded():
    f = vectorize(["i8(i8)"])(folded)
    x = np.array([0, 5, -2**40], np.int64)
    np.testing.assert_array_equal(f(x), [folded(int(v)) for v in x])


# ---- inlining is bounded ----------------------------------------------------

def h0(x):
    return x * 1.5 + 1


def h1(x):
    return h0(x) + h0(x)


def h2(x):
    return h1(x) + h1(x)


def h3(x):
    return h2(x) + h2(x)


def h4(x):
    return h3(x) + h3(x)


def h5(x):
    return h4(x) + h4(x)


def h6(x):
    return h5(x) + h5(x)


def h7(x):
    return h6(x) + h6(x)


def h8(x):
    return h7(x) + h7(x)


def h9(x):
    return h8(x) + h8(x)


def h10(x):
    return h9(x) + h9(x)


def h11(x):
    return h10(x) + h10(x)


def h12(x):
    return h11(x) + h11(x)


def h13(x):
    return h12(x) + h12(x)


def h14(x):
    return h13(x) + h13(x)


def h15(x):
    return h14(x) + h14(x)


def h16(x):
    return h15(x) + h15(x)


def test_exponential_inlining_stops_with_an_error():
    assert vectorize(["f8(f8)"])(h6)(np.array([2.0]))[0] == h6(2.0)
    with pytest.raises(CompileError, match="grows past 20000 operations"):
        vectorize(["f8(f8)"])(h16)


# ---- an input's name given a new value (Numba's p = p[0]) -------------------

def scalar_from_input(a, p, out):
    p = p[0]
    out[0] = a[p] * p


def test_input_rebound_at_the_top_level():
    f = guvectorize(["void(f8[:], u1[:], f8[:])"], "(n),()->()")(
        scalar_from_input)
    a = np.arange(5.0)
    p = np.array([2, 4], np.uint8)
    np.testing.assert_array_equal(f(a, p), [4.0, 16.0])


def rebind_output(a, out):
    out = a[0]


def rebind_in_loop(a, p, out):
    for i in range(2):
        p = p[0]
    out[0] = p


def test_rebinding_outputs_or_inside_blocks_is_an_error():
    with pytest.raises(CompileError, match="cannot assign to argument 'out'"):
        guvectorize(["void(f8[:], f8[:])"], "(n)->()")(rebind_output)
    with pytest.raises(CompileError, match="cannot assign to argument 'p'"):
        guvectorize(["void(f8[:], i8[:], f8[:])"], "(n),()->()")(
            rebind_in_loop)
