"""The Python subset kernels are written in, construct by construct.  Each
kernel is checked against the Python function itself, run element by
element on NumPy scalars of the signature's types."""

import cmath
import math
import sys

import numpy as np
import pytest
from conftest import assert_same, check_against_python, sample

from ufuncforge import vectorize

F8 = sample("f8")
F8_FINITE = sample("f8", special=False)
I8 = np.concatenate([np.arange(-20, 21), [1000, -1000, 12345]]).astype(np.int64)
SMALL = np.arange(-6, 26, dtype=np.int64)


def return_codes(sig):
    """The output types of a signature string, or None when inferred."""
    head = sig[:sig.rindex("(")].strip()
    if not head:
        return None
    if head.startswith("("):
        return [t.strip() for t in head[1:-1].split(",")]
    return [head]


def check(func, sigs, *args, dtypes=None, rtol=None, atol=0):
    """Compiles |func| for |sigs| and compares it on |args| with Python;
    |dtypes| (the output types) defaults to the first signature's."""
    f = vectorize(sigs)(func)
    dtypes = dtypes or return_codes(sigs[0])
    assert dtypes, "an inferred signature needs dtypes="
    return check_against_python(f, func, *args, dtypes=dtypes, rtol=rtol,
                                atol=atol)


# ---- arguments, locals, constants ---------------------------------------

def locals_and_arguments(x, y):
    a = x + y
    b = a * 2.0
    c = b - y
    return c / 2.0


def test_arguments_and_locals():
    check(locals_and_arguments, ["f8(f8, f8)"], F8, F8[::-1])


def constants(x):
    a = 1_000 + 0x10 + 0o7 + 0b11
    b = 1e-3 + 2.5E2 + .5
    c = True + False
    return x * a + b - c + -3


def test_constants():
    check(constants, ["f8(f8)"], F8)


def complex_constant(z):
    return z * 2j + (1 + 0.5j)


def test_complex_constant():
    z = sample("c16", special=False)
    check(complex_constant, ["c16(c16)"], z)


def assign_to_argument(x):
    x = x * 2.0
    x += 1.0
    return x


def test_assign_to_argument():
    check(assign_to_argument, ["f8(f8)"], F8)


# ---- operators -----------------------------------------------------------

def float_ops(x, y):
    return (x + y, x - y, x * y, x / y, x // y, x % y, -x, +y)


def int_arith(x, y):
    return x + y, x - y, x * y, x // y, x % y, -x


def int_bits(x, y):
    return x & y, x | y, x ^ y, ~x, x << 2, x >> 1


def test_float_operators():
    y = F8[::-1].copy()
    y[::5] = 0.0
    check(float_ops, ["(f8, f8, f8, f8, f8, f8, f8, f8)(f8, f8)"], F8, y)


@pytest.mark.parametrize("func", [int_arith, int_bits])
def test_int_operators(func):
    y = I8[::-1].copy()
    y[::4] = 0
    check(func, ["(i8, i8, i8, i8, i8, i8)(i8, i8)"], I8, y)


def power(x, y):
    return x ** y


def test_power_float():
    x = np.abs(F8_FINITE) + 0.5
    check(power, ["f8(f8, f8)"], x, np.linspace(-3, 3, x.size))


def test_power_int():
    check(power, ["i8(i8, i8)"], I8 % 7, np.arange(I8.size) % 5)


def comparisons(x, y):
    return (x < y, x <= y, x > y, x >= y, x == y, x != y)


def test_comparisons():
    y = F8[::-1].copy()
    y[::3] = F8[::3]
    check(comparisons, ["(b1, b1, b1, b1, b1, b1)(f8, f8)"], F8, y)


def chained(x, y, z):
    return (x < y < z, x < y <= z != x, 0.0 <= x < 1.0)


def test_chained_comparisons():
    x, y, z = F8, np.roll(F8, 1), np.roll(F8, 2)
    check(chained, ["(b1, b1, b1)(f8, f8, f8)"], x, y, z)


def boolean_values(x, y):
    return x and y, x or y


def boolean_preds(x, y):
    return (x > 0 and y > 0), (x > 0 or not y > 0), not x


def test_and_or_give_python_values():
    x, y = F8.copy(), np.roll(F8, 3)
    x[::4] = 0.0
    check(boolean_values, ["(f8, f8)(f8, f8)"], x, y)


def test_and_or_not():
    check(boolean_preds, ["(b1, b1, b1)(f8, f8)"], F8, np.roll(F8, 5))


def short_circuit(x, y):
    return y != 0 and x // y > 1


def test_and_short_circuits():
    x, y = np.arange(10), np.arange(10) % 3
    with np.errstate(divide="raise"):
        out = vectorize(["b1(i8, i8)"])(short_circuit)(x, y)
    assert_same(out, np.array([short_circuit(a, b) for a, b in zip(x, y)]))


def conditional_expression(x):
    return x if x > 0.0 else -2.0 * x


def test_conditional_expression():
    check(conditional_expression, ["f8(f8)", "f4(f4)"], F8)
    check(conditional_expression, ["f4(f4)"], F8.astype(np.float32))


# ---- statements ----------------------------------------------------------

def if_elif_else(x):
    if x < -1.0:
        y = -1.0
    elif x < 0.0:
        y = x * x
    elif x == 0.0:
        y = 0.5
    else:
        if x > 10.0:
            y = 10.0
        else:
            y = x
    return y


def test_if_elif_else():
    check(if_elif_else, ["f8(f8)"], F8)


def ranges(n):
    s = 0
    for i in range(n):
        s += i
    for i in range(2, n):
        s += 3 * i
    for i in range(n, -5, -2):
        s -= i
    for i in range(0, n, 3):
        s += 1
    for i in range(5, 5):
        s += 1000
    for i in range(3, 0, 1):
        s += 1000
    return s


def test_for_range_forms():
    check(ranges, ["i8(i8)"], SMALL)


def loop_variable_keeps_last_value(n):
    i = -1
    for i in range(n):
        pass
    return i


def test_loop_variable_after_loop():
    check(loop_variable_keeps_last_value, ["i8(i8)"], SMALL)


def float_range_sum(x, n):
    acc = 0.0
    for k in range(1, n + 1):
        acc += x / k
    return acc


def test_for_range_with_float_accumulator():
    check(float_range_sum, ["f8(f8, i8)"], F8_FINITE[:20], SMALL[:20] % 9)


def collatz(n):
    steps = 0
    while n > 1:
        if n % 2 == 0:
            n = n // 2
        else:
            n = 3 * n + 1
        steps += 1
    return steps


def test_while():
    check(collatz, ["i8(i8)"], np.arange(1, 200, dtype=np.int64))


def smallest_divisor(n):
    d = 2
    while True:
        if d * d > n:
            d = n
            break
        if n % d == 0:
            break
        d += 1
    return d


def test_while_true_break():
    check(smallest_divisor, ["i8(i8)"], np.arange(2, 300, dtype=np.int64))


def skip_and_stop(n):
    s = 0
    for i in range(100):
        if i % 3 == 0:
            continue
        if i > n:
            break
        s += i
    return s


def test_break_and_continue():
    check(skip_and_stop, ["i8(i8)"], SMALL)


def nested_loops(n):
    count = 0
    for i in range(n):
        j = 0
        while j < i:
            if (i + j) % 4 == 0:
                j += 1
                continue
            count += 1
            j += 1
    return count


def test_nested_loops():
    check(nested_loops, ["i8(i8)"], SMALL)


def with_pass(x):
    if x > 0:
        pass
    else:
        x = -x
    return x


def test_pass():
    check(with_pass, ["f8(f8)"], F8)


def early_returns(x):
    if x != x:
        return -1.0
    for i in range(10):
        if x < i:
            return float(i)
    return 100.0


def test_multiple_returns():
    check(early_returns, ["f8(f8)"], F8)


def augmented(x, y):
    a = x
    a += y
    a -= 1
    a *= 3
    a //= 2
    a %= 1000
    b = a
    b &= 0xFF
    b |= 0x100
    b ^= y
    b <<= 2
    b >>= 1
    c = a
    c **= 2
    d = x
    d /= 4
    return a, b, c, d


def test_augmented_assignment():
    x, y = I8 % 50, np.roll(I8, 1) % 7
    check(augmented, ["(i8, i8, i8, f8)(i8, i8)"], x, y)


def unpack_constants(x):
    a, b = 1, 2.5
    (c, d) = 3, 4
    return x * a + b - c * d


def test_tuple_unpacking_of_constants():
    check(unpack_constants, ["f8(f8)"], F8)


# ---- math, cmath, numpy, builtins ----------------------------------------

def uses_math_attributes(x):
    return math.sqrt(abs(x)) + math.exp(-x * x) + math.atan2(x, 2.0) + math.pi


def test_math_through_attribute():
    check(uses_math_attributes, ["f8(f8)"], F8_FINITE)


POSITIVE = np.linspace(0.05, 20.0, 97)
UNIT = np.linspace(-0.95, 0.95, 97)
WIDE = np.linspace(-15.0, 15.0, 97)
NONZERO = np.linspace(-3.0, 3.0, 97) + 0.01  # a second argument

# math function name -> domain where Python's math does not raise
MATH_UNARY = {
    "sqrt": POSITIVE, "exp": WIDE, "expm1": WIDE, "log": POSITIVE,
    "log2": POSITIVE, "log10": POSITIVE, "log1p": POSITIVE, "sin": WIDE,
    "cos": WIDE, "tan": UNIT, "asin": UNIT, "acos": UNIT, "atan": WIDE,
    "sinh": WIDE, "cosh": WIDE, "tanh": WIDE, "asinh": WIDE,
    "acosh": POSITIVE + 1.0, "atanh": UNIT, "erf": WIDE, "erfc": WIDE,
    "gamma": POSITIVE + 0.5, "lgamma": POSITIVE + 2.5, "fabs": WIDE,
    "degrees": WIDE, "radians": WIDE, "exp2": WIDE, "cbrt": WIDE,
}


def one_arg_kernel(fn):
    def kernel(x):
        return fn(x)
    return kernel


def two_arg_kernel(fn):
    def kernel(x, y):
        return fn(x, y)
    return kernel


@pytest.mark.parametrize("name", sorted(MATH_UNARY))
@pytest.mark.parametrize("code", ["f8", "f4"])
def test_math_unary(name, code):
    if not hasattr(math, name):
        pytest.skip(f"math.{name} needs a newer Python")
    x = MATH_UNARY[name].astype(code)
    check(one_arg_kernel(getattr(math, name)), [f"{code}({code})"], x,
          atol=1e-6 if code == "f4" else 0)


@pytest.mark.parametrize("name", ["atan2", "hypot", "fmod", "copysign", "pow"])
@pytest.mark.parametrize("code", ["f8", "f4"])
def test_math_binary(name, code):
    x, y = POSITIVE.astype(code), NONZERO.astype(code)
    check(two_arg_kernel(getattr(math, name)), [f"{code}({code}, {code})"],
          x, y, atol=1e-6 if code == "f4" else 0)


@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite"])
def test_math_predicates(name):
    check(one_arg_kernel(getattr(math, name)), ["b1(f8)"], F8)


@pytest.mark.parametrize("name", ["floor", "ceil", "trunc"])
def test_math_rounding_returns_int(name):
    kernel = one_arg_kernel(getattr(math, name))
    out = check(kernel, ["(f8)"], np.linspace(-4.5, 4.5, 37), dtypes=["i8"])
    assert out.dtype == np.int64


def math_log_base(x, b):
    return math.log(x, b)


def test_math_log_two_args():
    check(math_log_base, ["f8(f8, f8)"], POSITIVE, POSITIVE[::-1] + 1.0)


def math_ldexp_gcd(x, n):
    return math.ldexp(x, int(n)), math.gcd(int(n), 12)


def test_math_ldexp_and_gcd():
    check(math_ldexp_gcd, ["(f8, i8)(f8, i8)"], F8_FINITE[:SMALL.size], SMALL)


CMATH_UNARY = ["sqrt", "exp", "log", "log10", "sin", "cos", "tan", "tanh"]


@pytest.mark.parametrize("name", CMATH_UNARY)
@pytest.mark.parametrize("code", ["c16", "c8"])
def test_cmath_on_complex(name, code):
    rng = np.random.default_rng(4)
    z = (rng.uniform(-2, 2, 50) + 1j * rng.uniform(-2, 2, 50)).astype(code)
    check(one_arg_kernel(getattr(cmath, name)), [f"{code}({code})"], z,
          atol=1e-6 if code == "c8" else 1e-15)


@pytest.mark.parametrize("name", CMATH_UNARY)
def test_cmath_on_real_arguments_is_complex(name):
    # cmath.sqrt(-1.0) is 1j: real arguments become complex first
    x = np.array([-4.0, -1.0, -0.5, 0.5, 2.0, 9.0])
    check(one_arg_kernel(getattr(cmath, name)), ["c16(f8)"], x, atol=1e-15)


def cmath_log_base(x, b):
    return cmath.log(x, b)


def test_cmath_log_two_args_on_reals():
    check(cmath_log_base, ["c16(f8, f8)"], np.array([-8.0, 0.5, 100.0]),
          np.array([2.0, 10.0, 10.0]), atol=1e-15)


@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite"])
def test_cmath_predicates(name):
    z = np.array([1 + 1j, complex(np.nan, 0), complex(0, np.inf), 0j])
    check(one_arg_kernel(getattr(cmath, name)), ["b1(c16)"], z)


def phase(z):
    return cmath.phase(z)


def test_cmath_phase():
    z = sample("c16", special=False)
    out = check(phase, ["(c16)"], z, dtypes=["f8"])
    assert out.dtype == np.float64


NUMPY_UNARY = {
    "exp": WIDE, "exp2": WIDE, "expm1": WIDE, "log": POSITIVE,
    "log2": POSITIVE, "log10": POSITIVE, "log1p": POSITIVE, "sqrt": F8,
    "cbrt": F8, "sin": WIDE, "cos": WIDE, "tan": UNIT, "arcsin": UNIT,
    "arccos": UNIT, "arctan": F8, "sinh": WIDE, "cosh": WIDE, "tanh": F8,
    "arcsinh": F8, "arccosh": POSITIVE + 1.0, "arctanh": UNIT, "floor": F8,
    "ceil": F8, "trunc": F8, "rint": np.linspace(-3.5, 3.5, 15), "abs": F8,
    "absolute": F8, "fabs": F8, "isnan": F8, "isinf": F8, "isfinite": F8,
    "deg2rad": F8, "radians": F8, "rad2deg": F8, "degrees": F8,
    "square": F8, "sign": F8,
}


@pytest.mark.parametrize("name", sorted(NUMPY_UNARY))
@pytest.mark.parametrize("code", ["f8", "f4"])
def test_numpy_unary(name, code):
    x = NUMPY_UNARY[name].astype(code)
    ret = "b1" if name.startswith("is") else code
    check(one_arg_kernel(getattr(np, name)), [f"{ret}({code})"], x,
          atol=1e-6 if code == "f4" else 0)


@pytest.mark.parametrize("name", ["arctan2", "hypot", "fmod", "copysign",
                                  "maximum", "minimum", "power"])
def test_numpy_binary(name):
    check(two_arg_kernel(getattr(np, name)), ["f8(f8, f8)"], POSITIVE,
          NONZERO)


@pytest.mark.parametrize("name", ["real", "imag"])
def test_numpy_real_imag(name):
    z = sample("c16", special=False)
    out = check(one_arg_kernel(getattr(np, name)), ["(c16)"], z,
                dtypes=["f8"])
    assert out.dtype == np.float64


@pytest.mark.parametrize("name", ["conj", "conjugate", "square", "exp",
                                  "sqrt"])
def test_numpy_on_complex(name):
    z = sample("c16", special=False)
    check(one_arg_kernel(getattr(np, name)), ["c16(c16)"], z)


def numpy_scalar_types(x):
    return np.float32(x) + np.int8(3), np.float64(np.int16(x)), np.bool_(x)


def test_numpy_scalar_types_convert():
    x = np.linspace(-100.0, 100.0, 41)
    check(numpy_scalar_types, ["(f4, f8, b1)(f8)"], x)


def builtins_kernel(x, y):
    return (abs(x), min(x, y), max(x, y, 0.5), pow(x, 2), float(round(x)),
            float(int(x)), float(bool(x)))


def test_builtins():
    x = np.linspace(-7.5, 7.5, 31)
    check(builtins_kernel, ["(f8, f8, f8, f8, f8, f8, f8)(f8, f8)"], x,
          x[::-1] * 0.7)


def round_and_int(x):
    return round(x), int(x)


def test_round_and_int_give_int64():
    x = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 2.7, -2.7, 1e15])
    out = check(round_and_int, ["(f8)"], x, dtypes=["i8", "i8"])
    assert out[0].dtype == np.int64 and out[1].dtype == np.int64


def make_complex(x, y):
    return complex(x, y) * complex(y)


def test_complex_builtin():
    check(make_complex, ["c16(f8, f8)"], F8_FINITE, F8_FINITE[::-1])


def parts(z):
    return z.real, z.imag, z.conjugate()


def test_complex_attributes():
    z = sample("c16", special=False)
    check(parts, ["(f8, f8, c16)(c16)"], z)
    check(parts, ["(f4, f4, c8)(c8)"], z.astype(np.complex64))


def int_builtins(a, b):
    return abs(a) + min(a, b) - max(a, b, 3)


def test_builtins_on_ints():
    check(int_builtins, ["i8(i8, i8)"], I8, np.roll(I8, 7))


# ---- globals, closures, helpers ------------------------------------------

SCALE = 2.5
OFFSET = 3


def uses_globals(x):
    return x * SCALE + OFFSET + math.pi + np.e


def test_frozen_globals():
    global SCALE
    f = vectorize(["f8(f8)"])(uses_globals)
    expected = F8 * 2.5 + 3 + math.pi + np.e
    assert_same(f(F8), expected)
    SCALE = 100.0
    try:
        assert_same(f(F8), expected)  # the value was frozen at compile time
    finally:
        SCALE = 2.5


def uses_inf(x):
    return min(x, math.inf) if x > -math.inf else 0.0


def test_infinity_constants():
    check(uses_inf, ["f8(f8)"], F8_FINITE)


def make_closure(k, n):
    def kernel(x):
        return x * k + n
    return kernel


def test_closure_numbers():
    kernel = make_closure(1.5, 2)
    check(kernel, ["f8(f8)"], F8)
    check(make_closure(-4, 7), ["i8(i8)"], I8)


def _square(v):
    return v * v


def _clip(v, lo, hi):
    if v < lo:
        return lo
    if v > hi:
        return hi
    return v


def _sum_to(n):
    s = 0
    for i in range(n):
        s += _square(i)
    return s


def uses_helpers(x):
    return _clip(_square(x) - 1.0, -2.0, 2.0)


def uses_helper_with_loop(n):
    return _sum_to(n) + _sum_to(n // 2)


def test_helper_functions_are_inlined():
    check(uses_helpers, ["f8(f8)", "f4(f4)"], F8)
    check(uses_helper_with_loop, ["i8(i8)"], SMALL)


def test_helper_in_a_closure():
    def local_helper(v):
        return v + 0.25

    def kernel(x):
        return local_helper(x) * 2.0

    check(kernel, ["f8(f8)"], F8)


def test_nested_kernel_definition_is_dedented():
    def deeply(x):
        if x > 0:
            return x
        return -x

    check(deeply, ["f8(f8)"], F8)


# ---- reading the source: awkward layouts ---------------------------------

def test_docstring_less_indented_than_the_kernel():
    def kernel(x):
        """A docstring whose second line
starts at column 0, so textwrap.dedent cannot dedent the function."""
        return x * 3.0 - 1.0

    check(kernel, ["f8(f8)"], F8)


def test_lambda_in_a_call_spanning_lines():
    f = vectorize(["f8(f8)"])(
        lambda x: x * 5.0 + 2.0)
    assert_same(f(F8), F8 * 5.0 + 2.0)


@pytest.mark.skipif(sys.version_info < (3, 11),
                    reason="telling them apart needs code.co_positions()")
def test_two_lambdas_with_the_same_arguments_on_one_line():
    fs = [vectorize(["f8(f8)"])(lambda x: x + 1.0), vectorize(["f8(f8)"])(lambda x: x * 2.0)]
    assert_same(fs[0](F8), F8 + 1.0)
    assert_same(fs[1](F8), F8 * 2.0)
