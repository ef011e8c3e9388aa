"""Constants from literals and globals: float('inf'), float('nan'),
float('-inf') and other conversions of a constant string; Enum and IntEnum
members (Color.RED, Color['RED'], Color.RED.value) frozen to their values,
so comparisons and arithmetic work.  The reference is the Python function
itself (with a plain Enum member standing for its value)."""

import enum
import math

import numpy as np
import numpy.testing as npt
import pytest

import ufuncforge as uf
from ufuncforge import CompileError
from conftest import check_against_python


class Color(enum.Enum):
    RED = 1
    GREEN = 2
    BLUE = 3


class Level(enum.IntEnum):
    LOW = 10
    HIGH = 20


class Scale(float, enum.Enum):
    SMALL = 0.5
    LARGE = 4.0


class Perm(enum.IntFlag):
    R = 4
    W = 2


class Name(enum.Enum):
    A = "a"


@pytest.fixture(params=["cpu", "parallel"])
def target(request):
    return request.param


def clip_inf(x):
    if x > 100.0:
        return float("inf")
    if x < -100.0:
        return float("-inf")
    if x == 0.0:
        return float("nan")
    return x + float("1e3") - float(" 1000 ")


def levels(x):
    if x < Level.LOW:
        return x * Scale.SMALL
    if x >= Level.HIGH:
        return x + Level.HIGH - Level.LOW
    return x * Scale.LARGE + (Perm.R | Perm.W)


def colors(code):
    if code == Color.RED.value:
        return Color.GREEN.value * 10
    if code == Color["BLUE"].value:
        return Color["RED"].value + 100
    return code


@pytest.mark.parametrize("code", ["f8", "f4"])
def test_float_of_strings(target, code):
    f = uf.vectorize([f"{code}({code})"], target=target)(clip_inf)
    x = np.array([-1e3, -100.0, -1.0, 0.0, 2.5, 100.0, 1e3], dtype=code)
    check_against_python(f, clip_inf, x, dtypes=[code])


def strong_nan(x):
    return np.float32("nan") if x < 0 else x


def test_numpy_scalar_of_string_keeps_its_type():
    f = uf.vectorize(["(f4)"])(strong_nan)  # inferred: float32 stays
    got = f(np.array([-1.0, 2.0], dtype=np.float32))
    assert got.dtype == np.float32
    assert math.isnan(got[0]) and got[1] == 2.0
    text = uf.inspect_kir(f)
    assert "(cast f4 nan)" in next(iter(text.values()))


@pytest.mark.parametrize("code", ["f8", "f4", "i8"])
def test_enum_members(target, code):
    f = uf.vectorize([f"f8({code})"], target=target)(levels)
    x = np.array([0, 5, 10, 15, 19, 20, 30], dtype=code)
    check_against_python(f, levels, x, dtypes=["f8"])


def test_enum_values_and_subscripts(target):
    f = uf.vectorize(["i8(i8)"], target=target)(colors)
    check_against_python(f, colors, np.arange(-1, 5), dtypes=["i8"])
    text = uf.inspect_kir(f, "i8(i8)")
    assert "(== code 1)" in text and "(== code 3)" in text


def plain_member(x):
    return x * Color.BLUE + Color["GREEN"]


def test_plain_enum_member_is_its_value():
    """A plain Enum member stands for its value (in Python it is no
    number): documented."""
    f = uf.vectorize(["i8(i8)"])(plain_member)
    npt.assert_array_equal(f(np.array([1, 2])), [5, 8])


def scaled(x, factor=Scale.LARGE):
    return x * factor


def default_enum(x):
    return scaled(x)


def test_enum_as_a_helper_default():
    f = uf.vectorize(["f8(f8)"])(default_enum)
    npt.assert_array_equal(f(np.array([1.0, 2.5])), [4.0, 10.0])


def bad_float(x):
    return float("abc") + x


def string_member(x):
    return Name.A + x


def missing_member(x):
    return Color["PURPLE"].value + x


def variable_member(x):
    return Color[x].value + x


@pytest.mark.parametrize("func, match", [
    (bad_float, "conversion of a constant string fails.*abc"),
    (string_member, "Enum member Name.A has a value of type 'str'"),
    (missing_member, "no such member"),
    (variable_member, "constant name of a member"),
])
def test_errors(func, match):
    with pytest.raises(CompileError, match=match):
        uf.vectorize(["f8(f8)"])(func)
