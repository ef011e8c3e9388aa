"""Ufuncs without signatures: one loop compiled per new set of input
dtypes, with the exact output dtype the kernel's typing gives, on every
call path (call, reduce, accumulate, outer, at)."""

import numpy as np
import pytest
from conftest import DTYPES, FLOAT_CODES, INT_CODES, assert_same, sample

from ufuncforge import _core, inspect_kir, vectorize


def plus(x, y):  # not "add": NumPy upcasts small ints in add.reduce
    return x + y


def square(x):
    return x * x


def halve(x):
    return x / 2


def signatures(ufunc):
    return list(_core.ufunc_info(ufunc)["signatures"])


def test_nothing_compiled_before_the_first_call():
    f = vectorize(plus)
    assert isinstance(f, np.ufunc)
    assert signatures(f) == []
    assert inspect_kir(f) == {}
    assert _core.ufunc_info(f)["lazy"] is True


def test_one_loop_per_new_input_dtype():
    f = vectorize(plus)
    for i, code in enumerate(["i4", "f4", "f8"], start=1):
        x = np.arange(5).astype(code)
        assert_same(f(x, x), x + x)
        assert_same(f(x, x), x + x)  # the same dtypes compile nothing new
        assert len(signatures(f)) == i
    assert len(inspect_kir(f)) == 3


@pytest.mark.parametrize("code", INT_CODES + FLOAT_CODES + ["c8", "c16"])
def test_output_dtype_is_the_input_dtype(code):
    f = vectorize(square)
    x = sample(code, special=False)
    with np.errstate(all="ignore"):
        out = f(x)
        expected = x * x
    assert_same(out, expected)


@pytest.mark.parametrize("a, b", [("i1", "i1"), ("u1", "u1"), ("i1", "u1"),
                                  ("i8", "u8"), ("f4", "i4"), ("f4", "f8"),
                                  ("i2", "f4"), ("u4", "i4"), ("c8", "f8")])
def test_mixed_inputs_promote_like_numpy(a, b):
    f = vectorize(plus)
    x, y = sample(a, special=False), sample(b, seed=1, special=False)
    with np.errstate(all="ignore"):
        out = f(x, y)
        expected = np.add(x, y)
    assert out.dtype == expected.dtype
    assert_same(out, expected)


def test_integer_true_division_gives_float64():
    f = vectorize(halve)
    assert_same(f(np.arange(5, dtype=np.int16)), np.arange(5) / 2)
    assert_same(f(np.arange(5, dtype=np.float32)),
                np.arange(5, dtype=np.float32) / 2)


def test_bool_arithmetic_gives_int64():
    f = vectorize(plus)
    out = f(np.array([True, True]), np.array([True, False]))
    assert_same(out, np.array([2, 1]))


def test_python_scalars():
    f = vectorize(plus)
    r = f(2, 3)
    assert r == 5 and type(r) is np.int64
    r = f(2.0, 3)
    assert r == 5.0 and type(r) is np.float64
    x4 = np.arange(4, dtype=np.float32)
    assert f(x4, 2.0).dtype == np.float32  # NEP 50: a Python float is weak
    assert f(np.arange(4, dtype=np.int8), 1).dtype == np.int8


def test_reduce_compiles():
    f = vectorize(plus)
    x = np.arange(10, dtype=np.int32)
    r = f.reduce(x)
    assert r == 45 and r.dtype == np.int32
    assert_same(f.reduce(x.reshape(2, 5), axis=1), np.array([10, 35], np.int32))


def test_accumulate_compiles():
    f = vectorize(plus)
    x = np.arange(6, dtype=np.float32)
    assert_same(f.accumulate(x), np.cumsum(x, dtype=np.float32))


def test_outer_compiles():
    f = vectorize(plus)
    a, b = np.arange(3, dtype=np.int16), np.arange(4, dtype=np.int16)
    assert_same(f.outer(a, b), np.add.outer(a, b))


def test_at_compiles():
    f = vectorize(plus)
    a = np.zeros(4, dtype=np.int64)
    f.at(a, [0, 0, 3], 5)
    assert_same(a, np.array([10, 0, 0, 5]))


def test_reduceat_compiles():
    f = vectorize(plus)
    x = np.arange(8.0)
    assert_same(f.reduceat(x, [0, 4, 6]), np.add.reduceat(x, [0, 4, 6]))


def test_lazy_identity():
    f = vectorize(identity=0)(plus)
    assert f.reduce(np.array([], np.float64)) == 0.0
    assert f.reduce(np.ones((2, 3)), axis=(0, 1)) == 6.0


def test_out_and_where_on_first_call():
    f = vectorize(plus)
    x = np.arange(6.0)
    out = np.full(6, -1.0)
    f(x, x, out=out, where=x > 2)
    assert_same(out, np.where(x > 2, 2 * x, -1.0))


def test_inspect_shows_compiled_signatures():
    f = vectorize(square)
    f(np.arange(3, dtype=np.int8))
    f(np.arange(3, dtype=np.float64))
    kir = inspect_kir(f)
    assert set(kir) == set(signatures(f))
    assert len(kir) == 2
    for text in kir.values():
        assert "(kernel square (x)" in text


def test_type_error_surfaces_at_call():
    def floordiv(x, y):
        return x // y

    f = vectorize(floordiv)
    assert_same(f(np.arange(4.0), 2.0), np.arange(4.0) // 2.0)
    with pytest.raises(TypeError):
        f(np.ones(2, np.complex128), np.ones(2, np.complex128))
    assert_same(f(np.arange(4), 2), np.arange(4) // 2)


def test_dtypes_of_all_scalar_kinds():
    f = vectorize(square)
    for code, dt in DTYPES.items():
        x = np.ones(3, dt)
        out = f(x)
        assert out.dtype == (np.int64 if code == "b1" else dt)
