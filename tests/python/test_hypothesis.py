"""Property test: on random float64 inputs, NaN and infinities included,
compiled kernels agree with the Python function run element by element.
The kernels use only exactly rounded operations (no libm), so results must
match bit for bit (NaN matching NaN)."""

import math

import numpy as np
import pytest
from conftest import elementwise
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ufuncforge import vectorize


def leaky_relu(x):
    return x if x > 0.0 else 0.01 * x


def huber(p, t):
    diff = abs(p - t)
    if diff <= 1.0:
        return 0.5 * diff * diff
    return diff - 0.5


def clamp_poly(x, y):
    v = 3.0 * x * x - 2.0 * x * y + y
    if v > 1e6:
        v = 1e6
    elif v < -1e6:
        v = -1e6
    return v


def floor_div_mod(x, y):
    return x // y, x % y


def signs(x, y):
    return math.copysign(abs(x), y) - max(x, y) + min(x, -y)


def loop_sum(x, y):
    acc = 0.0
    for i in range(5):
        if acc > 100.0:
            break
        acc += x * i - y
    return acc


KERNELS = [
    (leaky_relu, 1, 1), (huber, 2, 1), (clamp_poly, 2, 1),
    (floor_div_mod, 2, 2), (signs, 2, 1), (loop_sum, 2, 1),
]

_compiled = {}


def compiled(func, nin, nout):
    """The kernel compiled once per test session for f8."""
    if func not in _compiled:
        args = ", ".join(["f8"] * nin)
        ret = "f8" if nout == 1 else "(" + ", ".join(["f8"] * nout) + ")"
        _compiled[func] = vectorize([f"{ret}({args})"])(func)
    return _compiled[func]


floats = st.floats(allow_nan=True, allow_infinity=True, width=64)


def same_bits(got, expected):
    both_nan = np.isnan(got) & np.isnan(expected)
    return bool(np.all(both_nan | (got == expected)))


@pytest.mark.parametrize("func, nin, nout", KERNELS,
                         ids=[k[0].__name__ for k in KERNELS])
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_matches_python(func, nin, nout, data):
    # min/max differ from Python on NaN (they propagate it, like np.minimum)
    ok_nan = func is not signs
    elements = floats if ok_nan else st.floats(allow_nan=False, width=64)
    x = data.draw(hnp.arrays(np.float64, st.integers(0, 40),
                             elements=elements), label="x")
    args = [x] + [data.draw(hnp.arrays(np.float64, x.shape, elements=elements),
                            label=f"arg{i}") for i in range(1, nin)]
    f = compiled(func, nin, nout)
    with np.errstate(all="ignore"):
        got = f(*args)
    expected = elementwise(func, *args, dtypes=["f8"] * nout)
    if nout == 1:
        got, expected = (got,), (expected,)
    for g, e in zip(got, expected):
        assert g.dtype == np.float64
        assert same_bits(g, e), (args, g, e)


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=6),
                  elements=floats))
def test_strided_views_match_contiguous(x):
    f = compiled(leaky_relu, 1, 1)
    for view in (x[..., ::-1], x.T, x[..., ::2]):
        assert same_bits(f(view), f(np.ascontiguousarray(view)))
