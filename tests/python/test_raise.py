"""raise and assert in kernels: the ufunc call raises the kernel's
exception class with its message (and the kernel's name and line), on
every call path, from worker threads of target='parallel' too; the loop
stops at the failing element.  The reference is the Python function run
element by element: it raises the same class, and the kernel's message
is Python's plus the place.

PYTEST_DONT_REWRITE: the kernels' own asserts must stay plain Python
asserts for the reference run."""

import inspect

import numpy as np
import numpy.testing as npt
import pytest

import ufuncforge as uf
from ufuncforge import CompileError, _core

N = 20_003  # above the parallel target's chunk sizes with force_split


class WindowError(ValueError):
    """A user exception class resolved from the kernel's globals."""


class Errors:
    """Exception classes reached through attributes."""

    class Deep(Exception):
        pass


MISSING = KeyError("no such key")  # a global exception instance


def line_of(func, needle):
    lines, first = inspect.getsourcelines(func)
    return first + next(i for i, t in enumerate(lines) if needle in t)


@pytest.fixture(params=["cpu", "parallel"])
def target(request):
    if request.param == "parallel":
        old = _core.set_parallel_min_work(0.0)  # split every call
        yield "parallel"
        _core.set_parallel_min_work(old)
    else:
        yield "cpu"


def clamp_window(x):
    if x < 0:
        raise WindowError("window must be positive")
    if x > 1000:
        raise ValueError
    if x == 500:
        raise Errors.Deep()
    if x == 600:
        raise MISSING
    assert x != 700, "x must not be 700"
    assert x != 800
    return x * 0.5


def python_error(func, *args):
    """The exception |func| raises on plain Python scalars, or None."""
    try:
        func(*args)
    except Exception as exc:  # noqa: BLE001 (any class the kernel raises)
        return exc
    return None


CASES = [(-1.0, WindowError, "window must be positive", "WindowError("),
         (2000.0, ValueError, "", "raise ValueError"),
         (500.0, Errors.Deep, "", "Errors.Deep()"),
         (600.0, KeyError, "no such key", "raise MISSING"),
         (700.0, AssertionError, "x must not be 700", "x != 700"),
         (800.0, AssertionError, "", "x != 800")]


@pytest.mark.parametrize("code", ["f8", "f4"])
@pytest.mark.parametrize("bad, cls, msg, needle", CASES)
def test_raise_classes_and_messages(target, code, bad, cls, msg, needle):
    f = uf.vectorize([f"{code}({code})"], target=target)(clamp_window)
    x = np.linspace(0.0, 400.0, 64).astype(code)
    npt.assert_array_equal(f(x), (x * 0.5).astype(code))
    x[40] = bad
    expected = python_error(clamp_window, x[40].item())
    assert type(expected) is cls
    line = line_of(clamp_window, needle)
    where = f"(kernel 'clamp_window', line {line})"
    want = f"{msg} {where}" if msg else where
    with pytest.raises(cls) as info:
        f(x)
    assert type(info.value) is cls
    assert info.value.args == (want,)
    assert expected.args == ((msg,) if msg else ())


def test_loop_stops_at_the_failing_element(target):
    f = uf.vectorize(["f8(f8)"], target=target)(clamp_window)
    x = np.arange(N, dtype=np.float64) % 300
    x[N - 5] = -7.0
    out = np.full(N, -1.0)
    with pytest.raises(WindowError, match="window must be positive"):
        f(x, out=out)
    npt.assert_array_equal(out[:N - 5], x[:N - 5] * 0.5)  # all before it
    assert out[N - 5] == -1.0
    if target == "cpu":
        assert (out[N - 4:] == -1.0).all()  # nothing after it
    npt.assert_array_equal(f(x[:N - 5]), x[:N - 5] * 0.5)  # still usable


def first_error(x):
    if x == -1.0:
        raise ValueError("first")
    if x == -2.0:
        raise KeyError("second")
    return x


def test_parallel_first_error_wins():
    old = _core.set_parallel_min_work(0.0)
    try:
        f = uf.vectorize(["f8(f8)"], target="parallel")(first_error)
        for _ in range(5):
            x = np.ones(N)
            x[N // 3] = -1.0
            x[N - 3] = -2.0
            with pytest.raises(ValueError, match="^first"):
                f(x)
            x[N // 3] = -2.0
            x[N - 3] = -1.0
            with pytest.raises(KeyError, match="second"):
                f(x)
    finally:
        _core.set_parallel_min_work(old)


def checked_add(a, b):
    s = a + b
    if s > 100:
        raise OverflowError("sum too large")
    return s


def test_reduce_accumulate_outer_at(target):
    f = uf.vectorize(["i8(i8, i8)", "f8(f8, f8)"], target=target,
                     identity=0)(checked_add)
    small = np.arange(10)
    assert f.reduce(small) == 45
    npt.assert_array_equal(f.accumulate(small), np.cumsum(small))
    big = np.arange(30)
    with pytest.raises(OverflowError, match=r"sum too large \(kernel "
                       r"'checked_add'"):
        f.reduce(big)
    with pytest.raises(OverflowError, match="sum too large"):
        f.accumulate(big.astype(np.float64))
    with pytest.raises(OverflowError, match="sum too large"):
        f.outer(big, big + 50)
    a = np.array([90, 1, 2])
    with pytest.raises(OverflowError, match="sum too large"):
        f.at(a, [0, 0], 20)
    with pytest.raises(OverflowError, match="sum too large"):
        f(np.arange(200), 1)  # a broadcast Python scalar
    with pytest.raises(OverflowError, match="sum too large"):
        f(np.arange(200)[::-3], np.int64(1))  # strided


def validate(v):
    if v < 0:
        raise ValueError("negative input")
    return v


def helper_raises(x):
    return validate(x) + validate(x - 1.0)


def test_raise_in_an_inlined_helper(target):
    f = uf.vectorize(["f8(f8)"], target=target)(helper_raises)
    npt.assert_array_equal(f(np.array([1.0, 2.0])), [1.0, 3.0])
    line = line_of(helper_raises, "validate(x)")
    with pytest.raises(ValueError, match=rf"^negative input \(kernel "
                       rf"'helper_raises', line {line}\)$"):
        f(np.array([1.0, 0.5]))


def positive_mean(a, out):
    assert a.shape[0] > 0, "empty window"
    s = 0.0
    for v in a:
        if v < 0.0:
            raise WindowError("negative value in window")
        s += v
    out[0] = s / a.shape[0]


def test_gufunc_raise(target):
    g = uf.guvectorize(["void(f8[:], f8[:])"], "(n)->()",
                       target=target)(positive_mean)
    a = np.arange(4000.0).reshape(1000, 4)
    npt.assert_allclose(g(a), a.mean(axis=1))
    a[777, 2] = -1.0
    out = np.zeros(1000)
    with pytest.raises(WindowError, match=r"negative value in window "
                       r"\(kernel 'positive_mean'"):
        g(a, out=out)
    npt.assert_allclose(out[:777], a[:777].mean(axis=1))
    with pytest.raises(AssertionError, match="empty window"):
        g(np.zeros((3, 0)))


class NeedsTwo(Exception):
    def __init__(self, a, b):
        super().__init__(a, b)


def raises_needs_two(x):
    if x > 0:
        raise NeedsTwo
    return x


def test_class_that_takes_no_message():
    """The class is called with the message: when that fails, the call
    raises what it raised."""
    f = uf.vectorize(["f8(f8)"])(raises_needs_two)
    with pytest.raises(TypeError):
        f(np.array([1.0]))


def raise_in_lambda_helper(x):
    return x if x >= 0 else fail_negative()


def fail_negative():
    raise ArithmeticError("negative")


def test_helper_that_only_raises(target):
    f = uf.vectorize(["f8(f8)"], target=target)(raise_in_lambda_helper)
    npt.assert_array_equal(f(np.array([0.0, 3.0])), [0.0, 3.0])
    with pytest.raises(ArithmeticError, match="negative"):
        f(np.array([-1.0]))


def test_kernel_ending_in_raise():
    def sign_or_fail(x):
        if x > 0:
            return 1.0
        elif x < 0:
            return -1.0
        raise ZeroDivisionError("zero has no sign")

    f = uf.vectorize(["f8(f8)"])(sign_or_fail)
    npt.assert_array_equal(f(np.array([2.0, -3.0])), [1.0, -1.0])
    with pytest.raises(ZeroDivisionError, match="zero has no sign"):
        f(np.array([0.0]))


def test_inspect_kir_shows_raise():
    f = uf.vectorize(["f8(f8)"])(clamp_window)
    kir = uf.inspect_kir(f, "f8(f8)")
    assert '(raise "test_raise.WindowError" "window must be positive")' in kir
    assert '(raise "ValueError" "")' in kir
    assert '(raise "AssertionError" "x must not be 700")' in kir


def test_same_qualname_different_classes():
    """Two live classes with one module.qualname get different keys."""
    def make():
        class Local(Exception):
            pass

        def kernel(x):
            if x > 0:
                raise Local("local")
            return x
        return Local, uf.vectorize(["f8(f8)"])(kernel)

    cls1, f1 = make()
    cls2, f2 = make()
    with pytest.raises(cls1):
        f1(np.array([1.0]))
    with pytest.raises(cls2):
        f2(np.array([1.0]))


# ---- compile errors --------------------------------------------------------

def formatted_message(x):
    if x < 0:
        raise ValueError(f"bad value {x}")
    return x


def computed_message(x):
    if x < 0:
        raise ValueError(x + 1.0)
    return x


def bare_raise(x):
    raise


def raise_from(x):
    raise ValueError("a") from None


def raise_not_a_class(x):
    raise np.float64


def raise_number(x):
    raise 3


def two_arguments(x):
    raise ValueError("a", "b")


def keyword_argument(x):
    raise ValueError(msg="a")


def assert_formatted(x):
    assert x > 0, f"{x}"
    return x


def raise_local(x):
    e = x
    raise e


ERROR_CASES = [
    (formatted_message, "f-string", 'f"bad value {x}"'),
    (computed_message, "constant string", "x + 1.0"),
    (bare_raise, "bare 'raise'", "    raise"),
    (raise_from, "from", "None"),
    (raise_not_a_class, "exception classes.*float64", "np.float64"),
    (raise_number, "known at compile time", "3"),
    (two_arguments, "one argument", 'ValueError("a", "b")'),
    (keyword_argument, "one argument", 'ValueError(msg="a")'),
    (assert_formatted, "message of an assert.*f-string", 'f"{x}"'),
    (raise_local, "known at compile time", "raise e"),
]


@pytest.mark.parametrize("func, match, needle", ERROR_CASES,
                         ids=[c[0].__name__ for c in ERROR_CASES])
def test_compile_errors(func, match, needle):
    with pytest.raises(CompileError, match=match) as info:
        uf.vectorize(["f8(f8)"])(func)
    head = str(info.value).splitlines()[0]
    assert f":{line_of(func, needle)}:" in head
