"""Library calls made of kernel code (ufuncforge/_kernelfns.py, inlined
like helpers): round(x, ndigits), math.comb, math.perm, math.factorial,
math.isclose with rel_tol / abs_tol keywords, n.bit_length(), and divmod
unpacked or returned.  The reference is Python itself, on the same
values; errors Python raises (ValueError) the kernels raise too, and
results beyond int64 raise OverflowError."""

import math
import warnings

import numpy as np
import numpy.testing as npt
import pytest

import ufuncforge as uf
from ufuncforge import CompileError
from conftest import elementwise


@pytest.fixture(params=["cpu", "parallel"])
def target(request):
    return request.param


# ---- round(x, ndigits) ------------------------------------------------------

def round_to(x, n):
    return round(x, n)


ROUND_X = [2.675, 488.725, -15.2985, 0.5, 1.5, 2.5, -2.5, -0.4, 0.125,
           1234.5678, 35.0, 25.0, 1e308, -1e-300, 0.1 + 0.2, 5e-324,
           123456789012345.67, 9007199254740993.0, math.inf, -math.inf,
           math.nan, 0.0, -0.0]
ROUND_N = [0, 1, 2, 3, -1, -2, 16, 22, -22, 400, -400]


@pytest.mark.parametrize("code", ["f8", "f4"])
def test_round_ndigits_against_python(target, code):
    f = uf.vectorize([f"f8({code}, i8)"], target=target)(round_to)
    rng = np.random.default_rng(7)
    decimals = np.array([round(v, int(d)) for v, d in zip(
        rng.uniform(-1e4, 1e4, 3000), rng.integers(0, 7, 3000))])
    x = np.concatenate([np.repeat(ROUND_X, len(ROUND_N)), decimals])
    n = np.concatenate([np.tile(ROUND_N, len(ROUND_X)),
                        rng.integers(-3, 8, 3000)])
    with np.errstate(over="ignore"):  # 1e308 as float32 is inf
        x = x.astype(code)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # ordinary values: no FP warnings
        f(x[-3000:], n[-3000:])
    with np.errstate(all="ignore"):  # 1e308 * 100, 10.0 ** 400 ...
        got = f(x, n)
    want = np.array([round(float(a), int(b)) for a, b in zip(x, n)])
    npt.assert_array_equal(got, want)
    npt.assert_array_equal(np.signbit(got), np.signbit(want))


def round_keeps_one_argument_form(x):
    return round(x)


def test_round_one_argument_is_still_an_int():
    f = uf.vectorize(["(f8)"])(round_keeps_one_argument_form)
    got = f(np.array([2.5, 3.5, -0.5]))
    assert got.dtype == np.int64
    npt.assert_array_equal(got, [2, 4, 0])


# ---- comb, perm, factorial ---------------------------------------------------

def comb(n, k):
    return math.comb(n, k)


def perm(n, k):
    return math.perm(n, k)


def perm1(n):
    return math.perm(n)


def factorial(n):
    return math.factorial(n)


def python_or_error(func, *args):
    try:
        return func(*args)
    except (ValueError, OverflowError) as exc:
        return type(exc)


PAIRS = [(0, 0), (1, 0), (5, 2), (5, 5), (5, 7), (10, 3), (20, 10),
         (52, 5), (60, 30), (62, 31), (66, 33), (67, 33), (1000, 2),
         (10 ** 6, 3), (3037000499, 2), (-1, 2), (4, -1), (21, 21)]


@pytest.mark.parametrize("func, ref", [(comb, math.comb), (perm, math.perm)],
                         ids=["comb", "perm"])
def test_comb_perm(target, func, ref):
    f = uf.vectorize(["i8(i8, i8)", "i8(i4, i4)"], target=target)(func)
    for n, k in PAIRS:
        want = python_or_error(ref, n, k)
        if isinstance(want, int) and want >= 2 ** 63:
            want = OverflowError
        if isinstance(want, type):
            with pytest.raises(want, match=rf"\(kernel '{func.__name__}'"):
                f(np.array([n]), np.array([k]))
        else:
            assert f(np.array([n]), np.array([k]))[0] == want, (n, k)
    small = np.arange(0, 15, dtype=np.int32)
    npt.assert_array_equal(f(small, small[::-1] // 2),
                           [ref(int(a), int(b)) for a, b in
                            zip(small, small[::-1] // 2)])


@pytest.mark.parametrize("func", [factorial, perm1])
def test_factorial(target, func):
    f = uf.vectorize(["i8(i8)", "i8(i2)"], target=target)(func)
    npt.assert_array_equal(f(np.arange(21)),
                           [math.factorial(i) for i in range(21)])
    with pytest.raises(OverflowError, match="does not fit in int64"):
        f(np.array([5, 21]))
    with pytest.raises(ValueError, match="not defined for negative|"
                       "non-negative"):
        f(np.array([-3]))


def test_comb_of_floats_is_a_compile_error():
    def bad(x):
        return math.factorial(x)

    with pytest.raises(CompileError, match="range.. takes integers"):
        uf.vectorize(["f8(f8)"])(bad)


# ---- isclose -----------------------------------------------------------------

def close_default(a, b):
    return math.isclose(a, b)


def close_rel(a, b):
    return math.isclose(a, b, rel_tol=1e-3)


def close_abs(a, b):
    return math.isclose(a, b, abs_tol=0.5)


def close_both(a, b):
    return math.isclose(a, b, abs_tol=1e-12, rel_tol=0.25)


@pytest.mark.parametrize("code", ["f8", "f4"])
@pytest.mark.parametrize("func", [close_default, close_rel, close_abs,
                                  close_both], ids=lambda f: f.__name__)
def test_isclose(target, code, func):
    f = uf.vectorize([f"b1({code}, {code})"], target=target)(func)
    base = np.array([0.0, 1.0, 1.0, 100.0, -5.0, 1e-13, math.inf, math.inf,
                     math.nan, 3.0, 1e30, 0.0])
    other = np.array([0.0, 1.0 + 1e-10, 1.0005, 100.4, -5.6, 0.0, math.inf,
                      -math.inf, math.nan, 2.0, 1.1e30, 1e-300])
    a, b = base.astype(code), other.astype(code)
    npt.assert_array_equal(f(a, b), elementwise(
        lambda x, y: func(float(x), float(y)), a, b, dtypes=["?"]))


def negative_tolerance(a, b):
    return math.isclose(a, b, rel_tol=-1.0)


def test_isclose_negative_tolerance():
    f = uf.vectorize(["b1(f8, f8)"])(negative_tolerance)
    with pytest.raises(ValueError, match="tolerances must be non-negative"):
        f(np.array([1.0]), np.array([1.0]))


def unknown_keyword(a, b):
    return math.isclose(a, b, tol=1.0)


def test_isclose_unknown_keyword():
    with pytest.raises(CompileError, match="no parameter 'tol'"):
        uf.vectorize(["b1(f8, f8)"])(unknown_keyword)


# ---- bit_length --------------------------------------------------------------

def bits(n):
    return n.bit_length()


@pytest.mark.parametrize("code", ["i1", "i2", "i4", "i8", "u1", "u2", "u4",
                                  "u8", "b1"])
def test_bit_length(target, code):
    f = uf.vectorize([f"i8({code})"], target=target)(bits)
    dt = np.dtype(code if code != "b1" else "?")
    if dt.kind == "b":
        values = np.array([False, True])
    else:
        info = np.iinfo(dt)
        values = np.array(sorted({0, 1, 2, 3, 4, 7, 8, info.max, info.min,
                                  info.min + 1, info.max - 1,
                                  max(info.min, -1), max(info.min, -2),
                                  max(info.min, -4), max(info.min, -5)}),
                          dtype=dt)
    npt.assert_array_equal(f(values), [int(v).bit_length() for v in values])


# ---- divmod ------------------------------------------------------------------

def divmod_unpacked(a, b):
    q, r = divmod(a, b)
    return q * 1000 + r


def divmod_returned(a, b):
    return divmod(a, b)


@pytest.mark.parametrize("code", ["i8", "i4", "f8", "f4"])
def test_divmod(target, code):
    f = uf.vectorize([f"{code}({code}, {code})"],
                     target=target)(divmod_unpacked)
    g = uf.vectorize([f"({code}, {code})({code}, {code})"],
                     target=target)(divmod_returned)
    a = np.array([7, -7, 7, -7, 0, 13, 100], dtype=code)
    b = np.array([2, 2, -2, -2, 5, 13, 7], dtype=code)
    if code[0] == "f":
        a = a + np.array(0.5, dtype=code)
    expected = elementwise(lambda x, y: divmod_unpacked(x, y), a, b,
                           dtypes=[code])
    npt.assert_array_equal(f(a, b), expected)
    q, r = g(a, b)
    want_q, want_r = elementwise(lambda x, y: divmod(x, y), a, b,
                                 dtypes=[code, code])
    npt.assert_array_equal(q, want_q)
    npt.assert_array_equal(r, want_r)


def divmod_as_value(a, b):
    t = divmod(a, b)
    return a


def divmod_three_names(a, b):
    q, r, s = divmod(a, b)
    return q


@pytest.mark.parametrize("func, match", [
    (divmod_as_value, r"gives a tuple: unpack it"),
    (divmod_three_names, r"cannot unpack 2 values into 3 names"),
])
def test_divmod_errors(func, match):
    with pytest.raises(CompileError, match=match):
        uf.vectorize(["f8(f8, f8)"])(func)


# ---- keywords for helpers of the user's --------------------------------------

def scale(x, factor=2.0, offset=0.0):
    return x * factor + offset


def keywords_to_helper(x):
    return scale(x, offset=1.0) + scale(x, factor=3.0) + scale(offset=0.5,
                                                               x=x)


def test_helpers_take_keywords(target):
    f = uf.vectorize(["f8(f8)"], target=target)(keywords_to_helper)
    x = np.array([0.0, 1.0, -2.5])
    npt.assert_array_equal(f(x), [keywords_to_helper(float(v)) for v in x])


def twice(x):
    return scale(x, 2.0, factor=3.0)


def missing(x):
    return scale(factor=3.0)


@pytest.mark.parametrize("func, match", [
    (twice, "the argument 'factor' is given twice"),
    (missing, "missing the argument 'x'"),
])
def test_helper_keyword_errors(func, match):
    with pytest.raises(CompileError, match=match):
        uf.vectorize(["f8(f8)"])(func)
