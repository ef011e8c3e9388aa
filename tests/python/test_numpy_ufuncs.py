"""Every NumPy ufunc with a scalar meaning can be called in a kernel.

The list is NumPy's own (every np.ufunc without a core signature), not a
hand-made one: a new NumPy ufunc fails here until it is supported or
listed in EXCLUDED with the reason.  Each is called in a vectorize kernel
on float64 values (int64 or bool where NumPy has no float loop) and
compared with the ufunc itself; an excluded one must give a clear
CompileError."""

import warnings

import numpy as np
import pytest

from ufuncforge import CompileError, vectorize

EXCLUDED = {
    "isnat": "datetime64 and timedelta64 only",
    "frexp": "two outputs",
    "modf": "two outputs",
}

UFUNCS = sorted({getattr(np, n) for n in dir(np)
                 if isinstance(getattr(np, n), np.ufunc)
                 and getattr(np, n).signature is None},
                key=lambda u: u.__name__)

FLOATS = np.array([-2.5, -1.0, -0.0, 0.0, 0.5, 1.0, 3.0, np.inf, -np.inf,
                   np.nan, 1e-300, 700.0])
FLOATS2 = np.array([1.5, -2.0, 0.0, 2.0, 0.25, 1.0, -3.0, 1.0, np.inf, 2.0,
                    3.0, 700.0])
INTS = np.array([0, 1, 2, 3, 7, -4, 12, -9, 2**40, -1, 5, 6])
INTS2 = np.array([1, 2, 3, 5, 2, 1, 4, 3, 2, 7, 1, 6])
BOOLS = np.array([True, False, True, False, True, True, False, False, True,
                  False, True, False])
BOOLS2 = ~BOOLS


def one(u):
    def kernel(x):
        return u(x)
    return kernel


def two(u):
    def kernel(x, y):
        return u(x, y)
    return kernel


CODES = {"d": "f8", "q": "i8", "l": "i8", "?": "b1", "B": "u1"}

VALUES = {"d": (FLOATS, FLOATS2), "q": (INTS, INTS2), "l": (INTS, INTS2),
          "?": (BOOLS, BOOLS2)}


def loop_for(u):
    """(input codes, output code, values) of the loop to test: all float64
    if there is one, else all int64, else all bool, else float64 and
    int64 mixed (np.ldexp)."""
    for code in "dql?":
        for t in u.types:
            ins, out = t.split("->")
            if ins == code * u.nin and len(out) == u.nout:
                return ins, out, VALUES[code][:u.nin]
    for t in u.types:
        ins, out = t.split("->")
        if set(ins) <= set("dql") and len(out) == u.nout:
            return ins, out, tuple(VALUES[c][i] for i, c in enumerate(ins))
    return None


@pytest.mark.parametrize("u", UFUNCS, ids=lambda u: u.__name__)
def test_ufunc_in_a_kernel(u):
    kernel = (one if u.nin == 1 else two)(u)
    if u.__name__ in EXCLUDED:
        with pytest.raises(CompileError, match="is not supported"):
            vectorize(["f8(" + ", ".join(["f8"] * u.nin) + ")"])(kernel)
        return
    found = loop_for(u)
    assert found is not None, f"no float, int64 or bool loop in {u.types}"
    ins, out, vals = found
    ret = ", ".join(CODES[c] for c in out)
    ret = ret if u.nout == 1 else f"({ret})"
    sig = f"{ret}({', '.join(CODES[c] for c in ins)})"
    f = vectorize([sig])(kernel)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        expected = u(*vals)
        got = f(*vals)
    pairs = zip(got, expected) if u.nout > 1 else [(got, expected)]
    for g, e in pairs:
        assert g.dtype == e.dtype
        if e.dtype.kind == "f":
            np.testing.assert_allclose(g, e, rtol=1e-13, atol=1e-300,
                                       equal_nan=True)
        else:
            np.testing.assert_array_equal(g, e)


@pytest.mark.parametrize("u", [u for u in UFUNCS if u.__name__ not in
                               EXCLUDED and "f" * u.nin + "->f" in u.types],
                         ids=lambda u: u.__name__)
def test_float32_loop(u):
    kernel = (one if u.nin == 1 else two)(u)
    sig = "f4(" + ", ".join(["f4"] * u.nin) + ")"
    f = vectorize([sig])(kernel)
    vals = [v.astype(np.float32) for v in (FLOATS, FLOATS2)[:u.nin]]
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        expected = u(*vals)
        got = f(*vals)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, expected, rtol=2e-6, atol=1e-37,
                               equal_nan=True)
