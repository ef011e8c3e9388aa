"""The ufuncs behave as NumPy ufuncs: dispatch, broadcasting, strides,
out=, where=, casting=, dtype=, empty arrays, Python scalars, the ufunc
methods with every kind of identity, and several outputs.

The kernels here are written in kir and made into ufuncs by
_core.make_ufunc directly, so these tests do not depend on the Python
front end (test_vectorize_api and test_language cover that).
"""

import gc
import math

import numpy as np
import pytest
from conftest import assert_same, kir_ufunc

ADD = "(kernel add (x y) (return (+ x y)))"
MUL = "(kernel mul (x y) (return (* x y)))"
MAX = "(kernel biggest (x y) (return (max x y)))"
AND = "(kernel both (x y) (return (and x y)))"
BITAND = "(kernel bitand (x y) (return (& x y)))"
SCALE = "(kernel scale (x) (return (* 2 x)))"
DIVMOD = "(kernel dm (x y) (return (// x y) (% x y)))"
IDIV = "(kernel idiv (x y) (return (// x y)))"

X = np.linspace(-5.0, 5.0, 11)


@pytest.fixture(scope="module")
def add():
    return kir_ufunc(ADD, ["f8(f8, f8)"], ("value", 0), name="add")


@pytest.fixture(scope="module")
def scale():
    return kir_ufunc(SCALE, ["f8(f8)", "f4(f4)"], name="scale",
                     doc="Doubles x.")


def test_is_a_real_ufunc(add):
    assert isinstance(add, np.ufunc)
    assert (add.nin, add.nout, add.nargs) == (2, 1, 3)
    assert add.signature is None
    assert add.__name__ == "add"
    assert repr(add) == "<ufunc 'add'>"


def test_name_and_doc(scale):
    assert scale.__name__ == "scale"
    assert "Doubles x." in scale.__doc__


# ---- dispatch ------------------------------------------------------------

@pytest.mark.parametrize("sigs, given, chosen", [
    (["f8(f8)", "f4(f4)"], "f4", "f4"),  # an exact loop wins
    (["f8(f8)", "f4(f4)"], "f8", "f8"),
    (["f8(f8)", "f4(f4)"], "i2", "f8"),  # else the first safe one listed
    (["f4(f4)", "f8(f8)"], "i2", "f4"),
    (["f4(f4)", "f8(f8)"], "i4", "f8"),  # i4 -> f4 is not safe
    (["i2(i2)", "f8(f8)"], "u1", "i2"),
    (["i2(i2)", "f8(f8)"], "u2", "f8"),
    (["i8(i8)", "f8(f8)"], "?", "i8"),
])
def test_dispatch_order(sigs, given, chosen):
    f = kir_ufunc(SCALE, sigs)
    x = np.arange(6).astype(given)
    assert_same(f(x), (2 * x.astype(chosen)).astype(chosen))


def test_no_matching_loop():
    f = kir_ufunc(SCALE, ["f4(f4)"])
    with pytest.raises(TypeError):
        f(X)
    with pytest.raises(TypeError):
        f(X.astype(np.complex128))


def test_dtype_selects_the_output_loop(scale):
    assert_same(scale(X, dtype=np.float32), (2 * X).astype(np.float32))
    x4 = X.astype(np.float32)
    assert_same(scale(x4, dtype=np.float64), 2 * X)
    assert_same(scale(X, signature=("f4", "f4")), (2 * X).astype(np.float32))


def test_casting_keyword():
    f = kir_ufunc(SCALE, ["f4(f4)"])
    assert_same(f(X, dtype=np.float32), (2 * X).astype(np.float32))
    assert_same(f(X, dtype=np.float32, casting="unsafe"),
                (2 * X).astype(np.float32))
    with pytest.raises(TypeError):
        f(X, dtype=np.float32, casting="safe")
    g = kir_ufunc(SCALE, ["f8(f8)"])
    with pytest.raises(TypeError):
        g(X.astype(np.float32), casting="no")
    assert_same(g(X.astype(np.float32), casting="safe"), 2 * X)


def test_out_casting(scale):
    out4 = np.empty(X.shape, np.float32)
    scale(X, out=out4)  # same_kind: f8 -> f4 is fine
    assert_same(out4, (2 * X).astype(np.float32))
    with pytest.raises(TypeError):
        scale(X, out=np.empty(X.shape, np.int64))
    with pytest.raises(TypeError):
        scale(X, out=np.empty(X.shape, np.float32), casting="safe")
    out8 = np.empty(X.shape, np.int64)
    scale(X, out=out8, casting="unsafe")
    assert_same(out8, (2 * X).astype(np.int64))


# ---- shapes and strides --------------------------------------------------

def test_broadcasting(add):
    a, b = np.arange(3.0)[:, None], np.arange(4.0)[None, :]
    assert_same(add(a, b), a + b)
    assert_same(add(np.ones((2, 1, 3)), np.arange(5.0)[:, None]),
                np.ones((2, 1, 3)) + np.arange(5.0)[:, None])
    with pytest.raises(ValueError):
        add(np.ones(3), np.ones(4))


@pytest.mark.parametrize("view", [
    lambda a: a[::2], lambda a: a[::-1], lambda a: a[::-3], lambda a: a[5:],
    lambda a: a.reshape(50, 40).T, lambda a: a.reshape(50, 40)[::-2, 1::3],
    lambda a: np.asfortranarray(a.reshape(40, 50)),
    lambda a: np.broadcast_to(a[:1], (100,)),
])
def test_noncontiguous_and_negative_strides(add, scale, view):
    base = np.random.default_rng(0).standard_normal(2000)
    x = view(base)
    assert_same(scale(x), 2 * x)
    assert_same(add(x, x[..., ::-1]), x + x[..., ::-1])


def test_strided_input_that_needs_casting_and_buffering(scale):
    x = np.arange(60_000, dtype=np.int32)[::3]
    assert_same(scale(x), 2 * x.astype(np.float64))


def test_out_views(add, scale):
    out = np.zeros(2 * X.size)
    res = scale(X, out=out[::2])
    assert np.shares_memory(res, out)
    assert_same(out[::2], 2 * X)
    assert_same(out[1::2], np.zeros(X.size))
    tup = np.zeros_like(X)
    scale(X, out=(tup,))
    assert_same(tup, 2 * X)
    inplace = X.copy()
    add(inplace, inplace[::-1], out=inplace)
    assert_same(inplace, X + X[::-1])
    m = np.zeros((4, 6))
    scale(np.ones((6, 4)), out=m.T)
    assert_same(m, np.full((4, 6), 2.0))


def test_where(add):
    mask = X > 0
    out = np.full(X.shape, -1.0)
    add(X, 1.0, out=out, where=mask)
    assert_same(out, np.where(mask, X + 1.0, -1.0))
    out2 = np.full((3, X.size), 7.0)
    add(X, X, out=out2, where=[[True], [False], [True]])
    assert_same(out2[1], np.full(X.size, 7.0))
    assert_same(out2[2], 2 * X)


@pytest.mark.parametrize("shape", [(0,), (3, 0), (0, 4), (2, 0, 3)])
def test_empty_arrays(add, scale, shape):
    x = np.empty(shape)
    assert_same(scale(x), np.empty(shape))
    assert_same(add(x, 1.0), np.empty(shape))
    assert add(np.empty((0, 1)), np.empty((1, 5))).shape == (0, 5)


def test_python_scalars(add, scale):
    r = scale(2.0)
    assert type(r) is np.float64 and r == 4.0
    r = scale(3)
    assert type(r) is np.float64 and r == 6.0
    assert add(1, 2) == 3.0 and type(add(1, 2)) is np.float64
    assert_same(add(X, 1), X + 1)
    assert_same(add(2.5, X), X + 2.5)
    both = kir_ufunc(ADD, ["i8(i8, i8)", "f8(f8, f8)"])
    assert type(both(2, 3)) is np.int64 and both(2, 3) == 5
    assert type(both(2.0, 3)) is np.float64 and both(2.0, 3) == 5.0


def test_python_scalars_are_weak():
    f = kir_ufunc(ADD, ["f4(f4, f4)", "f8(f8, f8)"])
    x4 = X.astype(np.float32)
    assert_same(f(x4, 2.0), x4 + np.float32(2.0))  # NEP 50: stays f4
    assert f(x4, np.float64(2.0)).dtype == np.float64  # a NumPy f8 is not weak
    g = kir_ufunc(ADD, ["f8(f8, f8)", "f4(f4, f4)"])
    assert g(x4, 2.0).dtype == np.float32  # exact after NEP 50, as np.add


def test_array_scalars_and_zero_d(scale):
    assert scale(np.float32(1.5)) == np.float32(3.0)
    assert type(scale(np.float32(1.5))) is np.float32
    z = scale(np.array(2.0))
    assert np.ndim(z) == 0 and z == 4.0
    assert scale(X.tolist()).shape == X.shape


# ---- ufunc methods and identities ----------------------------------------

def test_reduce_accumulate_reduceat_outer_at(add):
    x = np.arange(1.0, 9.0)
    assert add.reduce(x) == 36.0
    assert_same(add.reduce(x.reshape(2, 4), axis=1), np.array([10.0, 26.0]))
    assert_same(add.reduce(x.reshape(2, 4), axis=0, keepdims=True),
                x.reshape(2, 4).sum(axis=0, keepdims=True))
    assert_same(add.accumulate(x), np.cumsum(x))
    assert_same(add.accumulate(x.reshape(2, 4), axis=1),
                np.cumsum(x.reshape(2, 4), axis=1))
    assert_same(add.reduceat(x, [0, 3, 5]), np.add.reduceat(x, [0, 3, 5]))
    assert_same(add.outer(x[:3], x[:4]), np.add.outer(x[:3], x[:4]))
    a = np.zeros(5)
    add.at(a, [0, 0, 1, 4, 4, 4], 1.0)
    assert_same(a, np.array([2.0, 1.0, 0.0, 0.0, 3.0]))


def test_reduce_with_out_where_and_initial(add):
    x = np.arange(12.0).reshape(3, 4)
    out = np.empty(4)
    add.reduce(x, axis=0, out=out)
    assert_same(out, x.sum(axis=0))
    assert add.reduce(x.ravel(), where=x.ravel() > 5, initial=0.0) == sum(
        range(6, 12))
    assert add.reduce(np.empty(0), initial=5.0) == 5.0


IDENTITY_CASES = [
    # (kir, signature, identity for make_ufunc, data, reduce result,
    #  empty-reduce result)
    (ADD, "f8(f8, f8)", ("value", 0), [1.0, 2.0, 4.0], 7.0, 0.0),
    (MUL, "f8(f8, f8)", ("value", 1), [1.0, 2.0, 4.0], 8.0, 1.0),
    (BITAND, "i8(i8, i8)", ("value", -1), [7, 6, 14], 6, -1),
    (MAX, "f8(f8, f8)", ("value", -math.inf), [1.0, 5.0, 2.0], 5.0,
     -math.inf),
    (AND, "b1(b1, b1)", ("value", True), [True, True, False], False, True),
]


@pytest.mark.parametrize("kir, sig, identity, data, full, empty",
                         IDENTITY_CASES)
def test_identity_values(kir, sig, identity, data, full, empty):
    f = kir_ufunc(kir, [sig], identity)
    dtype = np.dtype(sig[:2] if sig[:2] != "b1" else "?")
    x = np.array(data, dtype)
    assert f.reduce(x) == full
    r = f.reduce(np.array([], dtype))
    assert r == empty and r.dtype == dtype
    assert f.identity == identity[1]
    grid = np.resize(x, (3, len(data)))
    assert f.reduce(grid, axis=(0, 1)) == f.reduce(grid.ravel())
    assert f.reduce(grid, axis=None) == f.reduce(grid.ravel())
    assert_same(f.reduce(np.empty((0, 3), dtype), axis=0),
                np.full(3, empty, dtype))


def test_identity_none_refuses_empty_and_multi_axis_reduce():
    f = kir_ufunc(ADD, ["f8(f8, f8)"], None)
    assert f.identity is None
    assert f.reduce(X) == X.sum()
    with pytest.raises(ValueError):
        f.reduce(np.empty(0))
    with pytest.raises(ValueError):
        f.reduce(np.ones((2, 3)), axis=(0, 1))
    assert f.reduce(np.empty(0), initial=0.0) == 0.0


def test_reorderable_identity_allows_multi_axis_reduce():
    f = kir_ufunc(ADD, ["f8(f8, f8)"], ("reorderable", None))
    assert f.identity is None
    grid = np.arange(6.0).reshape(2, 3)
    assert f.reduce(grid, axis=(0, 1)) == 15.0
    assert f.reduce(grid, axis=None) == 15.0
    with pytest.raises(ValueError):
        f.reduce(np.empty(0))


def test_methods_of_unary_ufunc_raise(scale):
    with pytest.raises(ValueError):
        scale.reduce(X)
    with pytest.raises(ValueError):
        scale.outer(X, X)


# ---- several outputs -----------------------------------------------------

def test_multiple_outputs():
    f = kir_ufunc(DIVMOD, ["(f8, f8)(f8, f8)"], name="dm")
    assert (f.nin, f.nout) == (2, 2)
    x, y = np.linspace(-7.0, 7.0, 15), np.array(3.0)
    q, r = f(x, y)
    assert_same(q, np.floor_divide(x, y))
    assert_same(r, np.remainder(x, y))
    o1, o2 = np.empty_like(x), np.empty_like(x)
    res = f(x, y, out=(o1, o2))
    assert res[0] is o1 and res[1] is o2
    assert_same(o2, np.remainder(x, y))
    qs, rs = f(7.0, 2.0)
    assert (qs, rs) == (3.0, 1.0)
    with pytest.raises(ValueError):
        f.reduce(x)


def test_multiple_outputs_inferred():
    f = kir_ufunc(DIVMOD, ["(i8, i8)"])
    assert (f.nin, f.nout) == (2, 2)
    q, r = f(np.arange(-5, 6), 4)
    assert_same(q, np.arange(-5, 6) // 4)
    assert_same(r, np.arange(-5, 6) % 4)


# ---- floating-point flags and lifetime ------------------------------------

def test_integer_division_by_zero_follows_errstate():
    f = kir_ufunc(IDIV, ["i8(i8, i8)"])
    x = np.arange(5)
    with np.errstate(divide="raise"):
        with pytest.raises(FloatingPointError):
            f(x, 0)
    with np.errstate(divide="ignore"):
        assert_same(f(x, 0), np.zeros(5, np.int64))
    with np.errstate(divide="raise"):
        assert_same(f(x, 2), x // 2)


@pytest.mark.parametrize("n", [3, 1000])  # GIL held / released by NumPy
def test_float_invalid_follows_errstate_and_nan_compares_are_quiet(n):
    sub = kir_ufunc("(kernel sub (x y) (return (- x y)))", ["f8(f8, f8)"])
    pick = kir_ufunc("(kernel pick (x y) (return (select (> x y) x y)))",
                     ["f8(f8, f8)"])
    inf, nan = np.full(n, np.inf), np.full(n, np.nan)
    with np.errstate(invalid="raise"):
        with pytest.raises(FloatingPointError):
            sub(inf, inf)  # inf - inf is invalid, as in np.subtract
        assert_same(pick(nan, inf), inf)  # comparing with NaN is not
        assert_same(pick(inf, nan), nan)


def test_many_ufuncs_come_and_go():
    x = np.arange(100.0)
    keep = kir_ufunc(SCALE, ["f8(f8)"])
    for i in range(30):
        f = kir_ufunc(f"(kernel k{i} (x) (return (+ x {i})))", ["f8(f8)"])
        assert_same(f(x), x + i)
        del f
        gc.collect()
    assert_same(keep(x), 2 * x)
