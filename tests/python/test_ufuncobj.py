"""pyext/ufuncobj.c through _core.make_ufunc: loops, dispatch, identities,
lazy compilation and ownership, with kernels written in kir text."""
import gc
import sys
import warnings
import weakref

import numpy as np
import pytest

from ufuncforge import _core

OPTS = {"fastmath": False, "boundscheck": True}


def kern(text):
    return _core.kernel_from_kir(text)


ADD = "(kernel add (a b) (return (+ a b)))"
MAX = "(kernel mx (a b) (return (max a b)))"
MUL = "(kernel mul (a b) (return (* a b)))"
DIVMOD = "(kernel dm (a b) (return (// a b) (% a b)))"
FDIV = "(kernel fd (a b) (return (// a b)))"


def make(text, sigs, identity=None, name="f", doc="doc", opts=OPTS):
    return _core.make_ufunc(kern(text), sigs, name, doc, identity, opts)


@pytest.fixture
def add2():
    return make(ADD, ["f8(f8, f8)", "f4(f4, f4)"], name="add_")


# ---- basics ---------------------------------------------------------------


def test_is_ufunc(add2):
    assert isinstance(add2, np.ufunc)
    assert add2.__name__ == "add_"
    assert add2.nin == 2 and add2.nout == 1 and add2.nargs == 3
    assert add2.identity is None
    assert "doc" in add2.__doc__
    assert add2.ntypes == 2
    assert add2.types == ["dd->d", "ff->f"]


def test_doc_none():
    f = make(ADD, ["f8(f8, f8)"], doc=None)
    assert isinstance(f.__doc__, str)


@pytest.mark.parametrize("dt", ["f8", "f4"])
def test_exact_dtypes(add2, dt):
    a = np.linspace(-3, 3, 17).astype(dt)
    b = np.linspace(1, 2, 17).astype(dt)
    r = add2(a, b)
    assert r.dtype == dt
    np.testing.assert_array_equal(r, a + b)


ALL_KINDS = ["b1", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f4",
             "f8", "c8", "c16"]


@pytest.mark.parametrize("k", ALL_KINDS[1:])
def test_every_kind(k):
    f = make(MUL, [f"{k}({k}, {k})"])
    a = (np.arange(12) % 5 + 1).astype(np.dtype(k))
    r = f(a, a)
    assert r.dtype == np.dtype(k)
    np.testing.assert_array_equal(r, a * a)


def test_bool_kind():
    f = make("(kernel a (x y) (return (and x y)))", ["b1(b1, b1)"])
    x = np.array([True, True, False, False])
    y = np.array([True, False, True, False])
    r = f(x, y)
    assert r.dtype == np.bool_
    np.testing.assert_array_equal(r, x & y)


def test_dispatch_order_int32(add2):
    a = np.arange(5, dtype=np.int32)
    r = add2(a, a)  # int32 -> first safe loop: f8
    assert r.dtype == np.float64
    np.testing.assert_array_equal(r, 2.0 * a)


def test_dispatch_int16_picks_f8_first():
    f = make(ADD, ["f8(f8, f8)", "f4(f4, f4)"])
    assert f(np.ones(3, "i2"), np.ones(3, "i2")).dtype == np.float64
    g = make(ADD, ["f4(f4, f4)", "f8(f8, f8)"])
    assert g(np.ones(3, "i2"), np.ones(3, "i2")).dtype == np.float32
    assert g(np.ones(3, "i4"), np.ones(3, "i4")).dtype == np.float64


def test_exact_loop_preferred(add2):
    a = np.ones(3, np.float32)
    assert add2(a, a).dtype == np.float32


def test_python_scalars(add2):
    a = np.arange(4, dtype=np.float32)
    r = add2(a, 2.0)
    assert r.dtype == np.float32  # NEP 50: exact f4, as np.add(a, 2.0)
    np.testing.assert_array_equal(r, a + np.float32(2.0))
    r = add2(2, 3)
    assert r == 5.0 and np.asarray(r).dtype == np.float64  # int64 -> f8
    r = add2(1.5, np.float32(2))
    assert np.asarray(r).dtype == np.float32


def test_python_scalars_int_loops():
    f = make(ADD, ["i1(i1, i1)", "i8(i8, i8)", "f8(f8, f8)"])
    a = np.arange(4, dtype=np.int8)
    r = f(a, 3)
    assert r.dtype == np.int8  # NEP 50: a Python int takes int8
    assert f(a, 3.5).dtype == np.float64
    assert f(2, 3).dtype == np.int64 if hasattr(f(2, 3), "dtype") else True


def test_no_loop_error(add2):
    with pytest.raises(TypeError, match="did not contain a loop"):
        add2(np.array(["a"]), np.array(["b"]))
    f = make(ADD, ["i8(i8, i8)"])
    with pytest.raises(TypeError, match="did not contain a loop"):
        f(np.ones(3), np.ones(3))
    with pytest.raises(TypeError, match="did not contain a loop"):
        f(np.ones(3, "u8"), np.ones(3, "i8"))  # common dtype is f8


def test_out_where(add2):
    a = np.arange(6.0)
    out = np.full(6, -7.0)
    mask = np.array([1, 0, 1, 0, 1, 0], bool)
    r = add2(a, a, out=out, where=mask)
    assert r is out
    np.testing.assert_array_equal(out, [0, -7, 4, -7, 8, -7])


def test_out_view(add2):
    a = np.arange(6.0)
    big = np.zeros(12)
    add2(a, 1.0, out=big[::2])
    np.testing.assert_array_equal(big[::2], a + 1)
    np.testing.assert_array_equal(big[1::2], 0)


def test_out_cast(add2):
    a = np.arange(4.0)
    out = np.zeros(4, np.int64)
    with pytest.raises(TypeError, match="Cannot cast"):
        add2(a, a, out=out)
    add2(a, a, out=out, casting="unsafe")
    np.testing.assert_array_equal(out, 2 * a)


def test_casting_arg(add2):
    a = np.arange(4, dtype=np.int64)
    add2(a, a)  # int64 -> f8 is "safe" for NumPy
    with pytest.raises(TypeError):
        add2(a, a, casting="no")
    with pytest.raises(TypeError):
        add2(a, a, casting="equiv")


def test_dtype_arg(add2):
    a = np.arange(4, dtype=np.float64)
    r = add2(a, a, dtype=np.float32)
    assert r.dtype == np.float32
    np.testing.assert_array_equal(r, 2 * a)
    r = add2(np.arange(3, dtype="i4"), 1, dtype="f4")  # same_kind cast
    assert r.dtype == np.float32
    r = add2(a, a, signature=("f4", "f4", "f4"))
    assert r.dtype == np.float32
    with pytest.raises(TypeError, match="did not contain a loop"):
        add2(a, a, dtype=np.int32)


def test_broadcasting(add2):
    a = np.arange(3.0)[:, None]
    b = np.arange(4.0)[None, :]
    np.testing.assert_array_equal(add2(a, b), a + b)
    np.testing.assert_array_equal(add2(a, 5.0), a + 5.0)


@pytest.mark.parametrize("n", [1, 3, 17, 1000, 4099])
def test_strides(add2, n):
    base = np.arange(3 * n, dtype=np.float64)
    a = base[::3]
    b = base[::-3]
    np.testing.assert_array_equal(add2(a, b), a + b)
    c = base.reshape(3, n).T  # non-contiguous 2-D
    np.testing.assert_array_equal(add2(c, c), c + c)
    out = np.zeros(2 * n)[::-2]
    add2(a, b, out=out)
    np.testing.assert_array_equal(out, a + b)


def test_empty(add2):
    r = add2(np.zeros(0), np.zeros(0))
    assert r.shape == (0,) and r.dtype == np.float64
    r = add2(np.zeros((0, 3), "f4"), np.zeros(3, "f4"))
    assert r.shape == (0, 3) and r.dtype == np.float32


def test_scalar_inputs(add2):
    r = add2(np.float64(1), np.float64(2))
    assert isinstance(r, np.float64) and r == 3


# ---- reductions and friends ------------------------------------------------


def test_reduce_no_identity(add2):
    a = np.arange(1.0, 7.0).reshape(2, 3)
    np.testing.assert_array_equal(add2.reduce(a), a.sum(0))
    np.testing.assert_array_equal(add2.reduce(a, axis=1), a.sum(1))
    assert add2.reduce(np.arange(5, dtype="i4")) == 10
    with pytest.raises(ValueError, match="identity"):
        add2.reduce(np.zeros(0))
    with pytest.raises(ValueError):
        add2.reduce(a, axis=(0, 1))  # not reorderable
    assert add2.reduce(np.zeros(0), initial=5.0) == 5.0
    np.testing.assert_array_equal(add2.accumulate(a[0]), np.cumsum(a[0]))
    np.testing.assert_array_equal(
        add2.reduceat(np.arange(8.0), [0, 4, 6]), np.add.reduceat(
            np.arange(8.0), [0, 4, 6]))
    np.testing.assert_array_equal(add2.outer(np.arange(3.0), np.arange(2.0)),
                                  np.add.outer(np.arange(3.0), np.arange(2.0)))
    x = np.zeros(5)
    add2.at(x, [0, 1, 1, 4], 1.0)
    np.testing.assert_array_equal(x, [1, 2, 0, 0, 1])


@pytest.mark.parametrize("ident, code", [(0, 0), (1, 1), (-1, -1), (True, 1)])
def test_small_identities(ident, code):
    f = make(ADD, ["f8(f8, f8)", "i8(i8, i8)"], ("value", ident))
    assert f.identity == code
    assert f.reduce(np.zeros(0)) == code
    assert f.reduce(np.zeros(0, "i8")) == code
    a = np.arange(24.0).reshape(2, 3, 4)
    # the identity is the initial value of every reduction
    np.testing.assert_array_equal(f.reduce(a, axis=(0, 2)),
                                  a.sum(axis=(0, 2)) + code)
    assert f.reduce(a, axis=None) == a.sum() + code
    assert f.reduce(np.arange(5.0)) == 10 + code


def test_identity_value_and_where():
    f = make(MUL, ["f8(f8, f8)", "i8(i8, i8)"], ("value", 1))
    a = np.arange(1.0, 5.0)
    m = np.array([True, False, True, False])
    assert f.reduce(a, where=m) == 3.0
    g = make(MUL, ["f8(f8, f8)"])
    with pytest.raises(ValueError, match="identity"):
        g.reduce(a, where=m)


def test_minus_one_unsigned():
    f = make("(kernel band (a b) (return (& a b)))", ["u1(u1, u1)",
                                                       "i8(i8, i8)"],
             ("value", -1))
    assert f.identity == -1
    assert f.reduce(np.zeros(0, "u1")) == 255
    assert f.reduce(np.array([0xF0, 0x3C], "u1")) == 0x30
    assert f.reduce(np.zeros(0, "i8")) == -1


def test_reorderable_none():
    f = make(ADD, ["f8(f8, f8)"], ("reorderable", None))
    assert f.identity is None
    a = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(f.reduce(a, axis=(0, 2)), a.sum((0, 2)))
    with pytest.raises(ValueError, match="identity"):
        f.reduce(np.zeros(0))
    assert f.reduce(np.zeros(0), initial=1.5) == 1.5


def test_max_neg_inf():
    f = make(MAX, ["f8(f8, f8)", "f4(f4, f4)", "i8(i8, i8)"],
             ("value", -np.inf))
    assert f.identity == -np.inf
    assert f.reduce(np.zeros(0)) == -np.inf
    assert f.reduce(np.zeros(0, "f4")) == -np.inf
    a = np.random.default_rng(0).normal(size=(3, 4, 5))
    np.testing.assert_array_equal(f.reduce(a, axis=(0, 2)), a.max((0, 2)))
    np.testing.assert_array_equal(f.reduce(a, axis=None), a.max())
    np.testing.assert_array_equal(f.reduce(np.zeros((0, 3)), axis=0),
                                  [-np.inf] * 3)
    np.testing.assert_array_equal(f.accumulate(a[0, 0]),
                                  np.maximum.accumulate(a[0, 0]))
    with pytest.raises(ValueError, match=r"identity -inf cannot be the "
                       r"initial value of a reduction over int64") as ei:
        f.reduce(np.zeros(0, "i8"))
    assert isinstance(ei.value.__cause__, OverflowError)
    with pytest.raises(ValueError, match="identity -inf"):
        f.reduce(np.arange(3, dtype="i8"))  # like NumPy's legacy identity
    assert f.reduce(np.arange(3, dtype="i8"), initial=-5) == 2


def test_reduce_exact_loop_first():
    f = make(ADD, ["f8(f8, f8)", "f4(f4, f4)", "i8(i8, i8)"], ("value", 0))
    r = f.reduce(np.arange(4, dtype="i8"))
    assert np.asarray(r).dtype == np.int64  # the exact loop, not f8
    assert np.asarray(f.reduce(np.arange(4, dtype="f4"))).dtype == np.float32
    r = f.reduce(np.arange(4, dtype="i4"))  # no exact loop: first safe
    assert np.asarray(r).dtype == np.float64
    r = f.accumulate(np.arange(4, dtype="i8"))
    assert r.dtype == np.int64


def test_numpy_add_name_quirk():
    """NumPy gives reductions of ufuncs *named* add or multiply an int64
    accumulator for smaller ints and bools (signature[0] = intp)."""
    f = make(ADD, ["i4(i4, i4)", "i8(i8, i8)"], name="add")
    r = f.reduce(np.arange(4, dtype="i4"))
    assert np.asarray(r).dtype == np.int64
    g = make(ADD, ["i4(i4, i4)", "i8(i8, i8)"], name="plus")
    assert np.asarray(g.reduce(np.arange(4, dtype="i4"))).dtype == np.int32
    h = make(ADD, ["f8(f8, f8)"], name="add")
    with pytest.raises(TypeError, match="did not contain a loop"):
        h.reduce(np.arange(4, dtype="i4"))
    lz = make(ADD, [], name="add")
    assert np.asarray(lz.reduce(np.arange(4, dtype="i2"))).dtype == np.int64


def test_identity_bad():
    with pytest.raises(TypeError, match="identity must be"):
        make(ADD, ["f8(f8, f8)"], 0)
    with pytest.raises(TypeError, match="identity must be"):
        make(ADD, ["f8(f8, f8)"], ("bogus", 1))


def test_identity_value_object():
    f = make(ADD, ["f8(f8, f8)"], ("value", 2.5))
    assert f.identity == 2.5
    assert f.reduce(np.zeros(0)) == 2.5


def test_two_outputs():
    f = make(DIVMOD, ["(i8, i8)(i8, i8)"])
    assert f.nout == 2
    a = np.array([7, -7, 9, 10])
    b = np.array([2, 2, -4, 3])
    q, r = f(a, b)
    np.testing.assert_array_equal(q, a // b)
    np.testing.assert_array_equal(r, a % b)
    assert q.dtype == r.dtype == np.int64
    oq, orr = np.zeros(4, "i8"), np.zeros(4, "i8")
    res = f(a, b, out=(oq, orr))
    assert res[0] is oq and res[1] is orr
    np.testing.assert_array_equal(oq, a // b)
    q, r = f(np.int32(7), 2)
    assert q == 3 and r == 1
    with pytest.raises(ValueError):
        f.reduce(a)


def test_divide_by_zero_warning():
    f = make(FDIV, ["i8(i8, i8)"])
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        r = f(np.array([1, 2]), np.array([0, 1]))
    np.testing.assert_array_equal(r, [0, 2])
    with np.errstate(divide="raise"):
        with pytest.raises(FloatingPointError):
            f(np.array([1, 2]), np.array([0, 1]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f(np.array([1, 2]), np.array([1, 1]))


# ---- signatures: errors and duplicates -------------------------------------


def test_duplicate_sigs_skipped():
    f = make(ADD, ["f8(f8, f8)", "float64(float64, float64)", "(f8, f8)",
                   "f4(f4, f4)"])
    assert _core.ufunc_info(f)["signatures"] == ["f8(f8, f8)", "f4(f4, f4)"]


def test_inferred_return():
    f = make(ADD, ["(i4, f4)"])
    assert _core.ufunc_info(f)["signatures"] == ["f8(i4, f4)"]
    r = f(np.arange(3, dtype="i4"), np.ones(3, "f4"))
    assert r.dtype == np.float64


def test_array_sig_rejected():
    with pytest.raises(TypeError, match="guvectorize"):
        make(ADD, ["f8[:](f8[:], f8)"])
    with pytest.raises(TypeError, match="void"):
        make(ADD, ["void(f8, f8)"])


def test_compile_error_mid_list():
    k = kern(ADD)
    before = sys.getrefcount(k)
    with pytest.raises(_core.CompileError, match="signature"):
        _core.make_ufunc(k, ["f8(f8, f8)", "f8(f8)"], "x", None, None, OPTS)
    with pytest.raises(_core.CompileError):
        _core.make_ufunc(k, ["f8(f8, f8)", "f8(f8, qq)"], "x", None, None,
                         OPTS)
    with pytest.raises(TypeError, match="strings"):
        _core.make_ufunc(k, ["f8(f8, f8)", 3], "x", None, None, OPTS)
    with pytest.raises(TypeError):
        _core.make_ufunc(k, "f8(f8, f8)", "x", None, None, OPTS)
    gc.collect()
    assert sys.getrefcount(k) == before


def test_no_return_kernel():
    k = kern("(kernel n (a) (expr a))")
    with pytest.raises(_core.CompileError, match="returns no value"):
        _core.make_ufunc(k, ["f8(f8)"], "n", None, None, OPTS)


def test_wrong_arity():
    with pytest.raises(_core.CompileError, match="takes 2 arguments"):
        make(ADD, ["f8(f8)"])


# ---- lifetime -------------------------------------------------------------


def test_owner_freed():
    k = kern(ADD)
    base = sys.getrefcount(k)
    f = _core.make_ufunc(k, ["f8(f8, f8)", "f4(f4, f4)"], "x", "d",
                         ("value", 2.5), OPTS)
    f(np.ones(3), np.ones(3))
    assert sys.getrefcount(k) == base + 1
    info = _core.ufunc_info(f)
    assert info["kernel"] is k
    del info
    del f
    gc.collect()
    assert sys.getrefcount(k) == base


def test_lazy_owner_freed():
    k = kern(ADD)
    base = sys.getrefcount(k)
    f = _core.make_ufunc(k, [], "x", "d", None, OPTS)
    f(np.ones(3, "i2"), 1)
    f.reduce(np.ones(3, "u1"))
    del f
    gc.collect()
    assert sys.getrefcount(k) == base


# ---- lazy ufuncs ------------------------------------------------------------


def lazy(text=ADD, identity=None, name="lz"):
    return make(text, [], identity, name=name)


def sigs(f):
    return _core.ufunc_info(f)["signatures"]


def test_lazy_basic():
    f = lazy()
    assert _core.ufunc_info(f)["lazy"] is True
    assert sigs(f) == []
    a = np.arange(5, dtype=np.int32)
    r = f(a, a)
    assert r.dtype == np.int32
    np.testing.assert_array_equal(r, a + a)
    assert sigs(f) == ["i4(i4, i4)"]
    b = np.arange(5, dtype=np.float32)
    r = f(b, b)
    assert r.dtype == np.float32
    assert sigs(f) == ["i4(i4, i4)", "f4(f4, f4)"]
    # exact loops: int16 gets its own loop, not a cast to the int32 one
    c = np.arange(5, dtype=np.int16)
    assert f(c, c).dtype == np.int16
    assert f(a, a).dtype == np.int32
    assert sigs(f) == ["i4(i4, i4)", "f4(f4, f4)", "i2(i2, i2)"]


def test_lazy_mixed():
    f = lazy()
    r = f(np.arange(3, dtype="i4"), np.arange(3, dtype="f4"))
    assert r.dtype == np.float64  # NumPy: i4 + f4 -> f8
    assert sigs(f) == ["f8(i4, f4)"]
    r = f(np.arange(3, dtype="u1"), np.arange(3, dtype="i1"))
    assert r.dtype == np.int16
    assert sigs(f)[-1] == "i2(u1, i1)"


def test_lazy_python_scalars():
    f = lazy()
    a = np.arange(3, dtype="f4")
    r = f(a, 2.0)
    assert r.dtype == np.float32
    r = f(np.arange(3, dtype="i2"), 7)
    assert r.dtype == np.int16
    r = f(np.arange(3, dtype="i2"), 7.5)
    assert r.dtype == np.float64
    assert "f8(i2, f8)" in sigs(f)
    r = f(2, 3)
    assert r == 5 and np.asarray(r).dtype == np.int64
    r = f(2.0, 3)
    assert np.asarray(r).dtype == np.float64
    r = f(1j, np.float32(2))
    assert np.asarray(r).dtype == np.complex64
    r = f(True, 2)
    assert sigs(f)[-1] == "i8(b1, i8)"


def test_lazy_all_kinds():
    f = lazy(MUL)
    for k in ALL_KINDS[1:]:
        a = (np.arange(6) % 4 + 1).astype(k)
        r = f(a, a)
        assert r.dtype == np.dtype(k), k
        np.testing.assert_array_equal(r, a * a)


def test_lazy_longlong():
    f = lazy()
    a = np.arange(4, dtype=np.longlong)
    r = f(a, a)
    np.testing.assert_array_equal(r, a + a)
    b = np.arange(4, dtype=np.int64)
    assert f(b, b).dtype == np.int64


def test_lazy_unsupported():
    f = lazy()
    with pytest.raises(TypeError, match=r"ufunc 'lz' cannot compile a loop "
                       r"for float16"):
        f(np.ones(3, "f2"), np.ones(3, "f2"))
    with pytest.raises(TypeError, match="object"):
        f(np.ones(3, object), np.ones(3, object))
    with pytest.raises(TypeError, match="DateTime64DType"):
        f(np.ones(3, "M8[s]"), np.ones(3, "M8[s]"))
    with pytest.raises(TypeError, match="longdouble|float128"):
        f(np.ones(3, "g"), np.ones(3, "g"))
    with pytest.raises(TypeError, match="StrDType"):
        f(np.array(["a"]), np.array(["b"]))
    assert sigs(f) == []


def test_lazy_compile_error():
    f = lazy("(kernel fd (a b) (return (// a b)))")
    with pytest.raises(_core.CompileError):
        f(np.ones(3, "c16"), np.ones(3, "c16"))
    assert sigs(f) == []
    with pytest.raises(_core.CompileError):  # failures are not cached
        f(np.ones(3, "c16"), np.ones(3, "c16"))
    assert f(np.arange(1, 4), np.arange(1, 4)).dtype == np.int64


def test_lazy_reduce_accumulate_outer_at():
    f = lazy(identity=("value", 0))
    a = np.arange(10, dtype=np.int16)
    r = f.reduce(a)
    assert r == 45 and np.asarray(r).dtype == np.int16
    assert sigs(f) == ["i2(i2, i2)"]
    np.testing.assert_array_equal(f.accumulate(np.arange(5.0, dtype="f4")),
                                  np.cumsum(np.arange(5.0, dtype="f4")))
    assert sigs(f)[-1] == "f4(f4, f4)"
    assert f.reduce(np.zeros(0, "u4")) == 0
    o = f.outer(np.arange(3, dtype="u2"), np.arange(2, dtype="u2"))
    assert o.dtype == np.uint16
    x = np.zeros(4, "i8")
    f.at(x, [0, 0, 3], 5)
    np.testing.assert_array_equal(x, [10, 0, 0, 5])
    r = f.reduceat(np.arange(6, dtype="i4"), [0, 2])
    np.testing.assert_array_equal(r, [1, 14])
    a3 = np.arange(24, dtype="i4").reshape(2, 3, 4)
    np.testing.assert_array_equal(f.reduce(a3, axis=(0, 2)), a3.sum((0, 2)))


def test_lazy_reduce_dtype():
    f = lazy(identity=("value", 0))
    a = np.arange(5, dtype="i4")
    r = f.reduce(a, dtype="f8")
    assert r == 10.0 and np.asarray(r).dtype == np.float64
    r = f.reduce(a, dtype="f4")
    assert np.asarray(r).dtype == np.float32
    r = f.accumulate(a, dtype="i8")
    assert r.dtype == np.int64
    np.testing.assert_array_equal(r, np.cumsum(a))


def test_lazy_reduce_no_identity():
    f = lazy()
    with pytest.raises(ValueError, match="identity"):
        f.reduce(np.zeros(0, "i4"))
    assert f.reduce(np.arange(4, dtype="i4")) == 6


def test_lazy_true_divide_accumulate():
    f = lazy("(kernel dv (a b) (return (/ a b)))", ("value", 1))
    r = f.accumulate(np.arange(1, 5))
    np.testing.assert_allclose(r, np.divide.accumulate(np.arange(1., 5.)))
    r = f.reduce(np.arange(1, 5))
    np.testing.assert_allclose(r, 1 / 2 / 3 / 4)


def test_lazy_dtype_fixed_output():
    f = lazy()
    a = np.arange(3, dtype="i4")
    r = f(a, a, dtype="f8")  # all operands fixed, equal inputs: works
    assert r.dtype == np.float64
    assert f(a, a).dtype == np.int32  # a plain call keeps the natural loop
    assert f(a, a, dtype="f8").dtype == np.float64
    assert f(a, a, dtype="i4").dtype == np.int32
    r = f(a, a, signature=("i4", "i4", "f4"))
    assert r.dtype == np.float32
    assert sigs(f) == ["i4(i4, i4)", "f8(i4, i4)", "f4(i4, i4)"]
    assert f(a, a).dtype == np.int32
    b = np.arange(3, dtype="i2")
    assert f(b, b, dtype="i2").dtype == np.int16  # natural output: works
    assert f(a, 1, dtype="f4").dtype == np.float32


def test_lazy_dtype_known_limitation():
    """NumPy 2.0-2.4: a unary call whose every DType is fixed and whose
    loop is new and not natural fails once, then works."""
    f = lazy("(kernel ng (a) (return (neg a)))")
    a = np.arange(3, dtype="i4")
    if np.lib.NumpyVersion(np.__version__) < "2.5.0":
        with pytest.raises(TypeError, match="did not contain a loop"):
            f(a, dtype="f8")
    r = f(a, dtype="f8")
    assert r.dtype == np.float64
    np.testing.assert_array_equal(r, -a)
    assert f(a).dtype == np.int32


def test_lazy_two_outputs():
    f = lazy(DIVMOD)
    a = np.array([7, -7, 9], "i2")
    q, r = f(a, np.int16(2))
    assert q.dtype == r.dtype == np.int16
    np.testing.assert_array_equal(q, a // 2)
    np.testing.assert_array_equal(r, a % 2)


def test_lazy_divide_by_zero():
    f = lazy(FDIV)
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        f(np.array([1, 2], "i4"), np.array([0, 1], "i4"))


def test_lazy_no_cast_to_earlier_loop():
    f = lazy()
    f(np.ones(3), np.ones(3))  # f8 loop exists
    r = f(np.ones(3, "i1"), np.ones(3, "i1"))
    assert r.dtype == np.int8  # not silently the f8 loop
    r = f(np.ones(3, "u8"), np.ones(3, "u8"))
    assert r.dtype == np.uint64


def test_lazy_strides_and_where():
    f = lazy()
    base = np.arange(40, dtype="i4")
    a, b = base[::4], base[::-4]
    np.testing.assert_array_equal(f(a, b), a + b)
    out = np.full(10, -1, "i4")
    m = np.arange(10) % 2 == 0
    f(a, b, out=out, where=m)
    np.testing.assert_array_equal(out, np.where(m, a + b, -1))


# ---- info and inspect -------------------------------------------------------


def test_ufunc_info(add2):
    info = _core.ufunc_info(add2)
    assert set(info) == {"signatures", "kernel", "lazy", "options", "layout",
                         "target", "costs", "writable"}
    assert info["writable"] == ()  # a gufunc's inputs it writes into
    assert len(info["costs"]) == 2 and all(c > 0 for c in info["costs"])
    assert info["layout"] is None  # a gufunc's is its layout text
    assert info["target"] == "cpu"
    assert info["signatures"] == ["f8(f8, f8)", "f4(f4, f4)"]
    assert info["lazy"] is False
    assert info["options"] == {"fastmath": False, "boundscheck": True}
    assert info["kernel"].name == "add"
    assert _core.ufunc_info(np.add) is None
    assert _core.ufunc_info(len) is None
    assert _core.ufunc_info(np.frompyfunc(lambda x: x, 1, 1)) is None
    g = make(ADD, ["f8(f8, f8)"], opts={"fastmath": True})
    assert _core.ufunc_info(g)["options"] == {"fastmath": True,
                                              "boundscheck": True}
    g = make(ADD, ["f8(f8, f8)"], opts=None)
    assert _core.ufunc_info(g)["options"]["fastmath"] is False


def test_inspect():
    k = kern(ADD)
    d = _core.inspect(k, "f8(f8, f8)", OPTS)
    assert set(d) == {"kir", "types", "llvm", "opt", "asm"}
    assert "kernel add" in d["kir"]
    assert "f8" in d["types"]
    assert "fadd" in d["llvm"]
    assert "define" in d["opt"]
    assert d["asm"].strip()
    d2 = _core.inspect(k, "(f4, f4)", {"fastmath": True, "boundscheck": True})
    assert "fast" in d2["llvm"] or "fast" in d2["opt"]
    with pytest.raises(_core.CompileError):
        _core.inspect(k, "f8(f8)", OPTS)


def test_options_bad():
    with pytest.raises(TypeError, match="options"):
        make(ADD, ["f8(f8, f8)"], opts=[1])


# ---- more -------------------------------------------------------------------


def test_eager_longlong_and_mixed_scalars():
    f = make(ADD, ["i1(i1, i1)", "f4(f4, f4)", "i8(i8, i8)", "f8(f8, f8)"])
    a = np.arange(4, dtype=np.longlong)
    r = f(a, a)
    assert r.dtype == np.int64
    np.testing.assert_array_equal(r, a + a)
    b = np.arange(4, dtype=np.int8)
    assert f(b, 3.5).dtype == np.float64  # NumPy: int8 + 3.5 -> float64
    assert f(np.ones(2, "f4"), 3.5).dtype == np.float32
    assert f(b, 3).dtype == np.int8
    assert np.asarray(f(2, 3)).dtype == np.int64
    assert np.asarray(f(2.5, 3)).dtype == np.float64


def test_eager_reduce_dtype(add2):
    a = np.arange(5, dtype="i4")
    r = add2.reduce(a, dtype="f4")
    assert np.asarray(r).dtype == np.float32 and r == 10
    r = add2.accumulate(a, dtype="f4")
    assert r.dtype == np.float32
    np.testing.assert_array_equal(r, np.cumsum(a))
    r = add2.reduce(np.arange(5.0), out=np.zeros((), "f4"))
    assert r.dtype == np.float32


def test_lazy_large_and_threads():
    import threading
    f = lazy(MUL)
    kinds = ["i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f4", "f8",
             "c8", "c16"]
    errors = []

    def work(k):
        try:
            a = (np.arange(5000) % 7).astype(k)
            for _ in range(5):
                r = f(a, a)
                assert r.dtype == np.dtype(k)
                np.testing.assert_array_equal(r, a * a)
        except Exception as e:  # pragma: no cover
            errors.append((k, e))

    ts = [threading.Thread(target=work, args=(k,)) for k in kinds * 2]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert errors == []
    assert sorted(sigs(f)) == sorted(f"{k}({k}, {k})" for k in kinds)


def test_lazy_out_and_casting():
    f = lazy()
    a = np.arange(4, dtype="i4")
    out = np.zeros(4, "f8")
    f(a, a, out=out)  # natural i4 loop, then cast to the f8 out
    np.testing.assert_array_equal(out, 2 * a)
    assert sigs(f) == ["i4(i4, i4)"]
    out = np.zeros(4, "i2")
    f(a, a, out=out)  # same_kind
    out = np.zeros(4, "?")
    with pytest.raises(TypeError, match="Cannot cast"):
        f(a, a, out=out)


def test_lazy_fastmath_option_kept():
    f = make(ADD, [], opts={"fastmath": True, "boundscheck": False})
    f(np.ones(2), np.ones(2))
    assert _core.ufunc_info(f)["options"] == {"fastmath": True,
                                              "boundscheck": False}


def test_eager_signature_and_where_reduce():
    f = make(ADD, ["i8(i8, i8)", "f8(f8, f8)"], ("value", 0))
    a = np.arange(6).reshape(2, 3)
    m = np.array([[True, False, True], [False, True, True]])
    np.testing.assert_array_equal(f.reduce(a, axis=1, where=m),
                                  np.add.reduce(a, axis=1, where=m))
    np.testing.assert_array_equal(f.reduce(a, axis=0, keepdims=True),
                                  a.sum(0, keepdims=True))


def test_three_inputs():
    f = make("(kernel fma (a b c) (return (+ (* a b) c)))",
             ["f8(f8, f8, f8)", "i8(i8, i8, i8)"])
    a = np.arange(5.0)
    np.testing.assert_array_equal(f(a, a, 1.0), a * a + 1)
    assert f(np.arange(3), 2, 1).dtype == np.int64  # the exact i8 loop
    g = make("(kernel sel (c a b) (return (select c a b)))", [])
    c = np.array([True, False, True])
    r = g(c, np.arange(3.0), -1.0)
    np.testing.assert_array_equal(r, [0.0, -1.0, 2.0])
    assert sigs(g) == ["f8(b1, f8, f8)"]
    i = np.arange(3, dtype="i4")
    if np.lib.NumpyVersion(np.__version__) < "2.5.0":  # known limitation
        with pytest.raises(TypeError, match="did not contain a loop"):
            g(c, i, np.int32(-1), dtype="f4")
    r = g(c, i, np.int32(-1), dtype="f4")
    assert r.dtype == np.float32
    r = g(c, i, -1, dtype="f8")  # a Python int: the DTypes differ, works
    assert r.dtype == np.float64


def test_reduce_empty_multi_axis_identity():
    f = make(MUL, ["f8(f8, f8)"], ("value", 1))
    r = f.reduce(np.zeros((0, 3, 0)), axis=(0, 2))
    np.testing.assert_array_equal(r, [1.0, 1.0, 1.0])
