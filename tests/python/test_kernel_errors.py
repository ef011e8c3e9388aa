"""Errors raised inside a kernel reach Python from every call path.

Integer ** negative integer is NumPy's ValueError; the kernel reports it,
the loop stops at the first failing element and the ufunc call raises,
whether NumPy calls the loop once (contiguous), per row (n-D), on
buffered copies (casting), with broadcast scalars, or from reduce,
accumulate, outer and at.
"""

import numpy as np
import pytest

from ufuncforge import vectorize

MESSAGE = "Integers to negative integer powers are not allowed"


@vectorize(["i8(i8, i8)"])
def ipow(a, b):
    return a ** b


@vectorize
def lazy_ipow(a, b):
    return a ** b


A = np.arange(24, dtype=np.int64).reshape(4, 6)
NEG = np.where(A == 13, -1, 2)

CALLS = {
    "contiguous": lambda f: f(A.ravel(), NEG.ravel()),
    "2-D": lambda f: f(A, NEG),
    "strided": lambda f: f(A[:, ::2], NEG[:, 1::2] * 0 - 1),
    "transposed": lambda f: f(A.T, NEG.T),
    "broadcast scalar": lambda f: f(A, -1),
    "broadcast row": lambda f: f(A, np.array([1, 2, 3, -1, 1, 1])),
    "0-d": lambda f: f(np.int64(3), np.int64(-2)),
    "buffered cast": lambda f: f(A.astype(np.int32), NEG.astype(np.int16)),
    "out= of another dtype": lambda f: f(A, NEG, out=np.empty(A.shape)),
    "where=": lambda f: f(A, NEG, out=np.zeros(A.shape, np.int64),
                         where=A > 10),
    "reduce": lambda f: f.reduce(np.array([2, 3, -1, 4])),
    "accumulate": lambda f: f.accumulate(np.array([2, -3, 1])),
    "outer": lambda f: f.outer(np.arange(3), np.array([1, -1])),
    "at": lambda f: f.at(A.ravel().copy(), [0, 5], np.array([2, -1])),
}


@pytest.mark.parametrize("path", list(CALLS))
@pytest.mark.parametrize("f", [ipow, lazy_ipow], ids=["eager", "lazy"])
def test_kernel_error_propagates(f, path):
    with pytest.raises(ValueError, match=MESSAGE):
        CALLS[path](f)


def test_loop_stops_at_the_first_error():
    out = np.zeros(6, dtype=np.int64)
    with pytest.raises(ValueError, match=MESSAGE):
        ipow(np.full(6, 2), np.array([1, 2, -1, 3, 4, 5]), out=out)
    assert out.tolist()[:2] == [2, 4]
    assert out.tolist()[3:] == [0, 0, 0]


def test_no_error_no_exception():
    np.testing.assert_array_equal(ipow(A, 2), A ** 2)
    assert ipow.reduce(np.array([2, 3, 2])) == (2 ** 3) ** 2


def test_unsigned_exponents_never_fail():
    @vectorize(["u8(u8, u8)"])
    def upow(a, b):
        return a ** b

    x = np.array([2, 3, 0], dtype=np.uint64)
    np.testing.assert_array_equal(upow(x, x), x ** x)
