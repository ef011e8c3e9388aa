"""Bad input: what a user gets for each row of the table in
docs/reliability.md ("Bad input"), one test per row, in the table's
order.  Each checks the behaviour against NumPy's own ufuncs or the plain
Python function where there is one: an exception of the documented type
and message, or NumPy's documented result.  A crash or a wrong result is a
bug: its test is marked xfail(strict=True) with the reason.
"""

import warnings

import numpy as np
import pytest

import ufuncforge as uf
from conftest import assert_same

CompileError = uf.CompileError


# ---- kernels shared by several rows ---------------------------------------
# Built on first use (not at import), so that conftest's parallel pass
# (UFUNCFORGE_TEST_TARGET=parallel) applies to them too.


def _add(x, y):
    return x + y


def _floordiv(x, y):
    return x // y


def _mod(x, y):
    return x % y


def _ipow(x, y):
    return x ** y


def _divmod(x, y):
    return x // y, x % y


def _pick(x, i, out):
    out[0] = x[i]


def _total(x, out):
    s = 0.0
    for i in range(x.shape[0]):
        s += x[i]
    out[0] = s


def _cumsum(x, out):
    s = 0.0
    for i in range(x.shape[0]):
        s += x[i]
        out[i] = s


def _last_plus_n(x, out):
    out[0] = x[x.shape[0] - 1] + x.shape[0]


@pytest.fixture(scope="module")
def k():
    """The compiled kernels, by name."""
    class K:
        add = uf.vectorize(["f8(f8, f8)"])(_add)
        add4 = uf.vectorize(["f4(f4, f4)"])(_add)
        add0 = uf.vectorize(["f8(f8, f8)"], identity=0)(_add)
        lazy_add = uf.vectorize(_add)
        floordiv = uf.vectorize(["i8(i8, i8)"])(_floordiv)
        mod = uf.vectorize(["i8(i8, i8)"])(_mod)
        fdiv = uf.vectorize(["f8(f8, f8)"])(_floordiv)
        ipow = uf.vectorize(["i8(i8, i8)"])(_ipow)
        divmod = uf.vectorize(["(i8, i8)(i8, i8)"])(_divmod)
        pick = uf.guvectorize(["void(f8[:], i8, f8[:])"], "(n),()->()")(_pick)
        total = uf.guvectorize(["void(f8[:], f8[:])"], "(n)->()")(_total)
        cumsum = uf.guvectorize(["void(f8[:], f8[:])"], "(n)->(n)")(_cumsum)
        last_plus_n = uf.guvectorize(["void(f8[:], f8[:])"],
                                     "(n)->()")(_last_plus_n)
    return K


def raises_like_numpy(ours, theirs, exc=Exception):
    """Runs both; each must raise |exc|, and the same exception type.
    Returns the two messages, with our kernels' names ('_add') written as
    NumPy's ufunc's would be ('add') for comparing."""
    with pytest.raises(exc) as got:
        ours()
    with pytest.raises(exc) as want:
        theirs()
    assert type(got.value) is type(want.value)
    mine = str(got.value)
    for name in ["add", "ipow", "divmod"]:
        mine = mine.replace(f"'_{name}'", f"'{name}'").replace(
            f"_{name}()", f"{name}()").replace(f"operation _{name} ",
                                               f"operation {name} ")
    return mine, str(want.value)


# ---- compile time ----------------------------------------------------------


def test_unsupported_construct():
    """A construct the kernel language lacks: CompileError (a TypeError)
    at decoration, file:line:col, the line and a caret."""
    with pytest.raises(CompileError) as e:
        @uf.vectorize(["f8(f8)"])
        def as_list(x):
            return [x]
    msg = str(e.value)
    assert "test_bad_input.py:" in msg
    assert "error: list displays are not supported in a kernel" in msg
    assert "return [x]" in msg and "^~~" in msg
    assert isinstance(e.value, TypeError)

    with pytest.raises(CompileError, match="try statements are not "
                       "supported in a kernel"):
        @uf.vectorize(["f8(f8)"])
        def guarded(x):
            try:
                return 1.0 / x
            except ZeroDivisionError:
                return 0.0


def test_bad_signature_string():
    """A signature string that does not parse: CompileError pointing into
    the string; a signature of the wrong kind: TypeError."""
    with pytest.raises(CompileError) as e:
        uf.vectorize(["f9(f8)"])(_add)
    assert str(e.value).startswith(
        "<signature>:1:1: error: expected a type name such as 'f8' or "
        "'float64', found 'f9'")
    with pytest.raises(CompileError, match=r"<signature>:1:6: error: "
                       "expected ',' or '\\)' after argument 1"):
        uf.vectorize(["f8(f8"])(_add)
    with pytest.raises(TypeError, match="a signature is a string"):
        uf.vectorize([42])(_add)
    with pytest.raises(CompileError, match="takes 2 arguments"):
        uf.vectorize(["f8(f8)"])(_add)  # parses, wrong argument count


def test_bad_layout_string():
    """A malformed layout: CompileError with a caret into the layout; a
    layout the kernel's arguments do not fit: CompileError at the def."""
    with pytest.raises(CompileError) as e:
        uf.guvectorize(["void(f8[:], f8[:])"], "(n)->(")(_total)
    assert str(e.value).startswith(
        "<layout>:1:7: error: expected a dimension name or size, found end "
        "of layout")
    with pytest.raises(CompileError, match="takes 2 arguments but layout "
                       r"'\(n\),\(n\)->\(\)' has 2 inputs and 1 output"):
        uf.guvectorize(["void(f8[:], f8[:])"], "(n),(n)->()")(_total)


# ---- calls -----------------------------------------------------------------


def test_wrong_arity_at_call(k):
    """Too few or too many operands: NumPy's TypeError, as np.add."""
    for args in [(np.ones(3),), (), (np.ones(3), 1.0, np.empty(3), 4)]:
        ours, theirs = raises_like_numpy(lambda: k.add(*args),
                                         lambda: np.add(*args), TypeError)
        assert ours == theirs  # both name themselves 'add'
    with pytest.raises(TypeError, match="takes from 1 to 2 positional "
                       "arguments but 3 were given"):
        k.total(np.ones(3), np.ones(3), np.ones(3))


@pytest.mark.parametrize("values", [
    np.array(["a", "b"]),
    np.array(["2020-01-01", "2021-01-01"], "M8[D]"),
    np.array([1, 2], "m8[s]"),
    np.zeros(2, "V8"),
], ids=["str", "datetime64", "timedelta64", "void"])
def test_dtype_with_no_loop(k, values):
    """A dtype no loop takes: NumPy's UFuncTypeError (a TypeError) 'did
    not contain a loop', as np.add on dtypes it lacks; a lazy ufunc
    raises TypeError naming the dtypes kernels take."""
    with pytest.raises(TypeError, match="did not contain a loop with "
                       "signature matching types"):
        k.add(values, values)
    with pytest.raises(TypeError, match="cannot compile a loop for .* "
                       "values: kernels take bool, int8-int64"):
        k.lazy_add(values, values)
    with pytest.raises(TypeError, match="did not contain a loop"):
        k.total(values)


def test_float16_casts_or_is_refused(k):
    """float16, which kernels do not take: an eager ufunc runs the first
    loop it casts to safely (f4 or f8), as NumPy's dispatch does; a lazy
    ufunc refuses to compile a loop for it."""
    h = np.array([0.5, 1.5, 65504.0], np.float16)
    assert_same(k.add(h, h), h.astype("f8") + h.astype("f8"))
    assert_same(k.add4(h, h), h.astype("f4") + h.astype("f4"))
    with pytest.raises(TypeError, match="cannot compile a loop for "
                       "float16 values"):
        k.lazy_add(h, h)


def test_index_out_of_bounds_in_gufunc(k):
    """An index outside [-n, n): IndexError with NumPy's message plus the
    kernel and line; the loop stops at that element (earlier ones are
    written).  Negative indices in range count from the end, as Python."""
    x = np.arange(5.0)
    assert k.pick(x, -1) == x[-1] and k.pick(x, 4) == x[4]
    for i in [5, 7, -6, 2**40]:
        with pytest.raises(IndexError) as e:
            k.pick(x, i)
        msg = str(e.value)
        assert msg.startswith(f"index {i} is out of bounds for axis 0 "
                              "with size 5 (kernel '_pick', line ")
        with pytest.raises(IndexError) as ref:
            x[i]
        assert str(ref.value) in msg  # NumPy's own message
    out = np.full(3, -1.0)
    with pytest.raises(IndexError):
        k.pick(x, np.array([1, 9, 2]), out=out)
    assert out[0] == 1.0  # written before the failing element


def test_integer_division_by_zero(k):
    """`//` and `%` by zero give 0 with NumPy's 'divide by zero'
    RuntimeWarning, as np.floor_divide and np.remainder; under
    np.errstate(divide='raise') a FloatingPointError."""
    a = np.array([7, -7, 0, np.iinfo(np.int64).min])
    z = np.zeros(4, np.int64)
    for ours, theirs in [(k.floordiv, np.floor_divide),
                         (k.mod, np.remainder)]:
        with pytest.warns(RuntimeWarning, match="divide by zero"):
            got = ours(a, z)
        with pytest.warns(RuntimeWarning, match="divide by zero"):
            want = theirs(a, z)
        assert_same(got, want)
        with np.errstate(divide="raise"):
            with pytest.raises(FloatingPointError, match="divide by zero"):
                ours(a, z)
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        got = k.divmod(a, z)
    assert_same(got[0], np.zeros(4, np.int64))
    assert_same(got[1], np.zeros(4, np.int64))


def test_nan_and_inf_inputs(k):
    """NaN and inf flow through as IEEE and NumPy say: NaN inputs raise
    no warning; inf - inf is NaN with the 'invalid value' warning; float
    floor division by zero follows np.floor_divide."""
    special = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0])
    x, y = np.meshgrid(special, special)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_same(k.add(np.array([np.nan, 1.0]), np.array([2.0, np.nan])),
                    np.array([np.nan, np.nan]))
    with np.errstate(all="ignore"):
        assert_same(k.add(x, y), np.add(x, y))
        assert_same(k.fdiv(x, y), np.floor_divide(x, y))
    with pytest.warns(RuntimeWarning, match="invalid value"):
        r = k.add(np.array([np.inf]), np.array([-np.inf]))
    assert np.isnan(r[0])


def test_huge_arrays(k):
    """Shapes of 2**33 and 2**40 elements without allocating them: an
    elementwise call whose output would be 8 TiB raises NumPy's
    MemoryError, as np.add; a gufunc's core dimension of 2**33 + 1 from a
    zero-stride view is read with 64-bit sizes and indices; a large-ish
    zero-stride operand broadcasts as in NumPy."""
    huge = np.broadcast_to(np.float64(1.0), (2**40,))
    ours, theirs = raises_like_numpy(lambda: k.add(huge, 1.0),
                                     lambda: np.add(huge, 1.0), MemoryError)
    assert ours == theirs  # "Unable to allocate 8.00 TiB for an array ..."
    n = 2**33 + 1
    core = np.broadcast_to(np.float64(0.5), (n,))
    assert k.last_plus_n(core) == 0.5 + n
    wide = np.broadcast_to(np.float64(2.0), (512, 4096))
    row = np.arange(4096.0)
    assert_same(k.add(wide, row), np.add(wide, row))


def test_zero_size_arrays(k):
    """Empty operands give empty results of NumPy's shape and dtype; the
    kernel never runs.  An empty core dimension runs the kernel with
    n == 0.  reduce of nothing gives the identity, or NumPy's ValueError
    when there is none."""
    for shape in [(0,), (3, 0), (0, 4)]:
        e = np.ones(shape)
        assert_same(k.add(e, e), np.add(e, e))
        assert_same(k.lazy_add(e, 1), np.add(e, 1))
    assert_same(k.total(np.ones((0, 3))), np.zeros(0))
    assert_same(k.total(np.ones((4, 0))), np.zeros(4))
    assert_same(k.cumsum(np.ones((2, 0))), np.ones((2, 0)) * 0)
    assert_same(np.asarray(k.add0.reduce(np.ones(0))), np.asarray(0.0))
    ours, theirs = raises_like_numpy(lambda: k.add.reduce(np.ones(0)),
                                     lambda: np.maximum.reduce(np.ones(0)),
                                     ValueError)
    assert ours == theirs.replace("maximum", "add")  # "zero-size array ..."


def test_read_only_out(k):
    """A read-only out=: NumPy's ValueError, nothing written."""
    out = np.zeros(4)
    out.flags.writeable = False
    ours, theirs = raises_like_numpy(lambda: k.add(np.ones(4), 1.0, out=out),
                                     lambda: np.add(np.ones(4), 1.0, out=out),
                                     ValueError)
    assert ours == theirs == "output array is read-only"
    assert not out.any()
    with pytest.raises(ValueError, match="read-only"):
        k.total(np.ones((4, 3)), out=out)


def test_overlapping_out(k):
    """out= aliasing an input, shifted by one element: NumPy's semantics,
    as if the inputs were copied first (NumPy detects the overlap and
    buffers); in place (out is the input) works too."""
    x = np.arange(1000.0)
    y = x.copy()
    k.add(x[:-1], 1.0, out=x[1:])
    np.add(y[:-1], 1.0, out=y[1:])
    assert_same(x, y)
    x = np.arange(1000.0)
    k.add(x[1:], x[:-1], out=x[:-1])  # the other direction
    y = np.arange(1000.0)
    np.add(y[1:], y[:-1], out=y[:-1])
    assert_same(x, y)
    x = np.arange(10.0)
    want = np.cumsum(x[:-1])
    k.cumsum(x[:-1], out=x[1:])
    assert_same(x[1:], want)
    x = np.arange(10.0)
    k.cumsum(x, out=x)  # in place: each element read before written
    assert_same(x, np.cumsum(np.arange(10.0)))


def test_non_native_byte_order(k):
    """'>f8' (and '>i4') inputs: NumPy byte-swaps them into the loop; the
    results are native and equal NumPy's."""
    a = np.arange(6, dtype=">f8") / 4
    b = np.arange(6, dtype=">i4")
    assert_same(k.add(a, a), np.add(a.astype("f8"), a.astype("f8")))
    assert k.add(a, a).dtype == np.dtype("f8")
    r = k.lazy_add(a, b)
    assert r.dtype == np.dtype("f8")
    assert_same(r, np.add(a, b).astype("f8"))
    assert_same(k.total(a.reshape(2, 3)), a.reshape(2, 3).sum(axis=1))
    out = np.empty(6, ">f8")
    k.add(a, 1.0, out=out)
    assert_same(out.astype("f8"), np.add(a, 1.0).astype("f8"))


def test_unaligned_data(k):
    """Views into a bytes buffer at an odd offset (not aligned for f8):
    NumPy copies through an aligned buffer; the results equal NumPy's."""
    buf = bytearray(8 * 12 + 3)
    u = np.frombuffer(buf, dtype="f8", offset=3, count=12)
    assert not u.flags.aligned
    u[:] = np.linspace(-2, 3, 12)
    assert_same(k.add(u, u), np.add(u, u))
    assert_same(k.lazy_add(u, 1), np.add(u, 1))
    assert_same(k.total(u.reshape(3, 4)), u.reshape(3, 4).sum(axis=1))
    out = np.frombuffer(bytearray(8 * 12 + 5), dtype="f8", offset=5,
                        count=12)
    k.add(u, 2.0, out=out)
    assert_same(out, u + 2.0)


def test_python_object_array(k):
    """An object array: no loop takes objects (np.add would call Python's
    +): TypeError, eager or lazy; .astype(float) is the way in."""
    o = np.array([1.0, 2.5, -1.0], dtype=object)
    assert_same(np.add(o, o).astype("f8"), np.array([2.0, 5.0, -2.0]))
    with pytest.raises(TypeError, match="did not contain a loop"):
        k.add(o, o)
    with pytest.raises(TypeError, match="did not contain a loop"):
        k.add(o, 1.0)
    with pytest.raises(TypeError, match="cannot compile a loop for object "
                       "values"):
        k.lazy_add(o, o)
    with pytest.raises(TypeError, match="did not contain a loop"):
        k.total(o)
    assert_same(k.add(o.astype(float), 1.0), np.array([2.0, 3.5, 0.0]))


def test_integer_negative_power(k):
    """An integer to a negative integer power: NumPy's ValueError from
    the call, as np.power; elements before it are written, and a
    negative power of a float is fine."""
    a = np.arange(1, 5)
    ours, theirs = raises_like_numpy(lambda: k.ipow(a, -1),
                                     lambda: np.power(a, -1), ValueError)
    assert ours == theirs == ("Integers to negative integer powers are not "
                              "allowed.")
    out = np.full(4, -9)
    with pytest.raises(ValueError):
        k.ipow(a, np.array([2, 2, -1, 2]), out=out)
    assert list(out[:2]) == [1, 4]
    assert_same(k.ipow(a, 2), np.power(a, 2))
    with pytest.raises(ValueError):
        k.ipow(-2, -3)
    assert _ipow(2.0, -1) == 0.5  # Python floats: fine, no kernel involved


def test_wrong_number_of_outputs_via_out(k):
    """out= with too many or too few arrays: NumPy's ValueError or
    TypeError, as np.add and np.divmod; None in the tuple allocates."""
    two = (np.empty(3), np.empty(3))
    ours, theirs = raises_like_numpy(lambda: k.add(np.ones(3), 1.0, out=two),
                                     lambda: np.add(np.ones(3), 1.0, out=two),
                                     ValueError)
    assert ours == theirs
    one = np.empty(3, np.int64)
    ours, theirs = raises_like_numpy(
        lambda: k.divmod(np.ones(3, np.int64), 2, out=one),
        lambda: np.divmod(np.ones(3, np.int64), 2, out=one), TypeError)
    assert ours == theirs
    ours, theirs = raises_like_numpy(
        lambda: k.divmod(np.ones(3, np.int64), 2, out=(one,) * 3),
        lambda: np.divmod(np.ones(3, np.int64), 2, out=(one,) * 3),
        ValueError)
    assert ours == theirs
    r_out = np.empty(6, np.int64)
    q, r = k.divmod(np.arange(6), 4, out=(None, r_out))
    assert r is r_out
    assert_same(q, np.arange(6) // 4)
    assert_same(r, np.arange(6) % 4)


def test_absurd_thread_count():
    """set_num_threads(0), negative, over 4096 or not an int: ValueError
    or TypeError, and the count is unchanged; a count far above the CPU
    count works."""
    before = uf.get_num_threads()
    for n, exc in [(0, ValueError), (-1, ValueError), (4097, ValueError),
                   (10**12, ValueError), (10**30, ValueError),
                   (np.int64(0), ValueError), (2.0, TypeError),
                   ("4", TypeError), (True, TypeError),
                   (np.bool_(True), TypeError)]:
        with pytest.raises(exc) as e:
            uf.set_num_threads(n)
        if exc is ValueError:
            assert str(e.value) == ("set_num_threads(): the number of "
                                    f"threads must be 1 to 4096, got {n}")
        assert uf.get_num_threads() == before
    with pytest.raises(ValueError, match="must be 1 to 4096, got 0"):
        with uf.num_threads(0):
            pass
    assert uf.get_num_threads() == before
    # any integer type, as NumPy's own functions take
    try:
        uf.set_num_threads(np.int64(3))
        assert uf.get_num_threads() == 3
        with uf.num_threads(np.int32(2)):
            assert uf.get_num_threads() == 2
    finally:
        uf.set_num_threads(before)

    @uf.vectorize(["f8(f8, f8)"], target="parallel")
    def padd(x, y):
        return x + y

    x = np.arange(300_000.0)
    try:
        uf.set_num_threads(64)
        assert_same(padd(x, 1.0), x + 1.0)
    finally:
        uf.set_num_threads(before)


# ---- found while writing these ---------------------------------------------

_LONG = "k" * 160
_long_src = f"def {_LONG}(x, y):\n    return x + y\n"


def test_long_function_name():
    """A Python function with a 160-character name: the front end cuts
    the kernel's name to 95 characters; both signatures compile."""
    import linecache

    filename = "<test_bad_input long name>"
    linecache.cache[filename] = (len(_long_src), None,
                                 _long_src.splitlines(True), filename)
    ns = {}
    exec(compile(_long_src, filename, "exec"), ns)
    f = uf.vectorize(["f8(f8, f8)", "f4(f4, f4)"])(ns[_LONG])
    assert f.__name__ == _LONG
    assert_same(f(np.ones(3), 2.0), np.full(3, 3.0))
    assert_same(f(np.ones(3, "f4"), np.float32(2)), np.full(3, 3.0, "f4"))


def test_long_kir_kernel_name():
    """kir text (``_core.kernel_from_kir``, the C core's kir_parse) with
    a 160-character kernel name compiles two signatures, as any other."""
    from conftest import kir_ufunc

    f = kir_ufunc(f"(kernel {_LONG} (x y) (return (+ x y)))",
                  ["f8(f8, f8)", "f4(f4, f4)"])
    assert_same(f(np.ones(3), 2.0), np.full(3, 3.0))


def _plain(x, out):
    out[0] = x[0]


def test_writable_args_is_checked_before_it_is_expanded():
    with pytest.raises(ValueError, match="names 1000000000 arguments"):
        uf.guvectorize(["void(f8[:], f8[:])"], "(n)->()",
                       writable_args=range(10**9))(_plain)
    with pytest.raises(TypeError, match="writable_args is a position"):
        uf.guvectorize(["void(f8[:], f8[:])"], "(n)->()",
                       writable_args=iter([0]))(_plain)


def test_malformed_ast_at_the_private_boundary():
    import ast

    from ufuncforge import _core
    from ufuncforge._funcmap import funcmap
    from ufuncforge._source import helper_loader

    src = ("f.py", "def f(x):\n    return x + 1\n", 1, 0)

    def translate(tree):
        return _core.translate(tree, src, lambda n: None, funcmap(),
                               helper_loader())

    tree = ast.parse(src[1]).body[0]
    tree.body = "not a list"
    with pytest.raises(TypeError, match='field "body" must be a list'):
        translate(tree)
    tree = ast.parse(src[1]).body[0]
    del tree.body[0].value.op
    with pytest.raises(TypeError, match='required field "op" missing'):
        translate(tree)
    with pytest.raises(TypeError, match="takes an ast.FunctionDef"):
        translate(ast.parse(src[1]))
