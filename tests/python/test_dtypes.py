"""Every scalar type of the signature grammar, checked against the Python
function itself run element by element on NumPy scalars of that type
(which wrap, divide and promote the way kernels do)."""

import numpy as np
import pytest
from conftest import (COMPLEX_CODES, DTYPES, FLOAT_CODES, INT_CODES,
                      assert_same, check_against_python, sample)

from ufuncforge import vectorize

NUMERIC = INT_CODES + FLOAT_CODES + COMPLEX_CODES
REAL = INT_CODES + FLOAT_CODES
ALL = ["b1"] + NUMERIC


def ident(x):
    return x


def add(x, y):
    return x + y


def arith(x, y):
    return x * y - x + 3


def true_div(x, y):
    return x / y


def floor_div(x, y):
    return x // y


def mod(x, y):
    return x % y


def neg(x):
    return -x


def absolute(x):
    return abs(x)


def square(x):
    return x ** 2


def compare(x, y):
    return x < y


def equal(x, y):
    return x == y


def bits(x, y):
    return (x & y) | (x ^ 5)


def invert(x):
    return ~x


def shifts(x):
    return (x << 3) + (x >> 1)


def logic(x, y):
    return x and not y


def pair(x):
    return x


@pytest.mark.parametrize("code", ALL)
def test_identity(code):
    f = vectorize([f"{code}({code})"])(ident)
    x = sample(code)
    out = f(x)
    assert out.dtype == DTYPES[code]
    assert_same(out, x)


@pytest.mark.parametrize("code", ALL)
def test_identity_lazy(code):
    f = vectorize(ident)
    x = sample(code)
    assert_same(f(x), x)


@pytest.mark.parametrize("code", NUMERIC)
@pytest.mark.parametrize("func", [add, arith])
def test_arithmetic(code, func):
    f = vectorize([f"{code}({code}, {code})"])(func)
    x, y = sample(code, seed=1), sample(code, seed=2)
    check_against_python(f, func, x, y, dtypes=[code])


@pytest.mark.parametrize("code", NUMERIC)
def test_inferred_return_follows_numpy(code):
    f = vectorize([f"({code}, {code})"])(arith)
    x, y = sample(code, seed=1), sample(code, seed=2)
    expected = np.result_type(x, y)
    out = check_against_python(f, arith, x, y, dtypes=[expected])
    assert out.dtype == expected


@pytest.mark.parametrize("code", REAL)
def test_true_division(code):
    f = vectorize([f"({code}, {code})"])(true_div)
    x, y = sample(code, seed=3), sample(code, seed=4)
    out = check_against_python(f, true_div, x, y,
                               dtypes=["f4" if code == "f4" else "f8"])
    assert out.dtype == (np.float32 if code == "f4" else np.float64)


@pytest.mark.parametrize("code", REAL)
@pytest.mark.parametrize("func", [floor_div, mod])
def test_floor_division_and_modulo(code, func):
    # zero divisors included: integers give 0, floats follow NumPy
    f = vectorize([f"{code}({code}, {code})"])(func)
    x, y = sample(code, seed=5), sample(code, seed=6)
    y[::7] = 0
    check_against_python(f, func, x, y, dtypes=[code])


@pytest.mark.parametrize("code", INT_CODES)
def test_integer_division_by_zero_warns_like_numpy(code):
    f = vectorize([f"{code}({code}, {code})"])(floor_div)
    x = np.arange(1, 5, dtype=code)
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        out = f(x, np.zeros_like(x))
    assert_same(out, np.zeros_like(x))


@pytest.mark.parametrize("code", INT_CODES[:4] + FLOAT_CODES + COMPLEX_CODES)
@pytest.mark.parametrize("func", [neg, square])
def test_unary(code, func):
    f = vectorize([f"{code}({code})"])(func)
    check_against_python(f, func, sample(code), dtypes=[code])


@pytest.mark.parametrize("code", INT_CODES + FLOAT_CODES)
def test_abs(code):
    f = vectorize([f"{code}({code})"])(absolute)
    check_against_python(f, absolute, sample(code), dtypes=[code])


@pytest.mark.parametrize("code, result", [("c8", "f4"), ("c16", "f8")])
def test_abs_of_complex_is_real(code, result):
    f = vectorize([f"({code})"])(absolute)
    out = check_against_python(f, absolute, sample(code), dtypes=[result])
    assert out.dtype == DTYPES[result]


@pytest.mark.parametrize("code", REAL)
@pytest.mark.parametrize("func", [compare, equal])
@pytest.mark.parametrize("template", ["b1({0}, {0})", "({0}, {0})"])
def test_comparisons_give_bool(code, func, template):
    f = vectorize([template.format(code)])(func)
    x, y = sample(code, seed=7), sample(code, seed=8)
    y[::3] = x[::3]
    out = check_against_python(f, func, x, y, dtypes=["b1"])
    assert out.dtype == np.bool_


@pytest.mark.parametrize("code", COMPLEX_CODES)
def test_complex_equality(code):
    f = vectorize([f"({code}, {code})"])(equal)
    x, y = sample(code, seed=9), sample(code, seed=10)
    y[::2] = x[::2]
    check_against_python(f, equal, x, y, dtypes=["b1"])


@pytest.mark.parametrize("code", INT_CODES)
@pytest.mark.parametrize("func", [bits, shifts, invert])
def test_bit_operations(code, func):
    nargs = func.__code__.co_argcount
    f = vectorize([f"{code}({', '.join([code] * nargs)})"])(func)
    args = [sample(code, seed=s) for s in range(nargs)]
    check_against_python(f, func, *args, dtypes=[code])


def test_bool_logic():
    f = vectorize(["b1(b1, b1)"])(logic)
    x, y = np.array([0, 0, 1, 1], "?"), np.array([0, 1, 0, 1], "?")
    assert_same(f(x, y), np.array([False, False, True, False]))
    assert_same(vectorize(["b1(b1)"])(invert)(x), ~x)


def test_bool_arithmetic_gives_int64():
    f = vectorize(["(b1, b1)"])(add)
    out = f(np.array([True, True, False]), np.array([True, False, False]))
    assert_same(out, np.array([2, 1, 0], dtype=np.int64))


@pytest.mark.parametrize("src, dst", [("i1", "i8"), ("u1", "i2"),
                                      ("i4", "f8"), ("u4", "i8"),
                                      ("f4", "f8"), ("i2", "f4"),
                                      ("f4", "c8"), ("f8", "c16"),
                                      ("c8", "c16"), ("b1", "i4")])
def test_return_converts_safely_to_declared_type(src, dst):
    f = vectorize([f"{dst}({src})"])(pair)
    x = sample(src, special=False)
    out = f(x)
    assert_same(out, x.astype(dst))


@pytest.mark.parametrize("a, b", [("i1", "u1"), ("i4", "f4"), ("i8", "u8"),
                                  ("u2", "i2"), ("f4", "c16"), ("c8", "f8"),
                                  ("i8", "f4"), ("b1", "f4")])
def test_mixed_argument_types_promote_like_numpy(a, b):
    f = vectorize([f"({a}, {b})"])(add)
    x, y = sample(a, seed=11, special=False), sample(b, seed=12, special=False)
    expected_type = np.result_type(DTYPES[a], DTYPES[b])
    out = check_against_python(f, add, x, y, dtypes=[expected_type])
    assert out.dtype == expected_type


@pytest.mark.parametrize("code", INT_CODES + FLOAT_CODES)
def test_python_literal_is_weak(code):
    def scale(x):
        return x * 2 + 1

    f = vectorize([f"({code})"])(scale)
    out = check_against_python(f, scale, sample(code), dtypes=[code])
    assert out.dtype == DTYPES[code]
