"""for ... else and while ... else with Python's semantics: the else
clause runs when the loop ends without break (also when it runs no
iteration), not after a break or a return; with continue, nested loops,
a break in the else clause (it leaves the enclosing loop), loops of
inlined helpers, and gufunc kernels.  The reference is the Python
function itself."""

import numpy as np
import numpy.testing as npt
import pytest

import ufuncforge as uf
from conftest import check_against_python


@pytest.fixture(params=["cpu", "parallel"])
def target(request):
    return request.param


def smallest_divisor(n):
    for d in range(2, n):
        if n % d == 0:
            break
    else:
        return -1
    return d


def count_until_negative(x):
    """while ... else with continue: the else adds 100 when the loop
    ran out instead of breaking."""
    i = 0
    total = 0.0
    while i < 6:
        i += 1
        if i % 2 == 0:
            continue
        if x * i < -10.0:
            break
        total += x * i
    else:
        total += 100.0
    return total


def nested(x):
    """An inner loop's else breaks the outer loop; the outer else runs
    when no inner loop ever broke."""
    found = 0.0
    for i in range(1, 5):
        for j in range(1, 5):
            if i * j * x > 6.0:
                found = i * 10.0 + j
                break
        else:
            if i * x > 3.0:
                found = -i
                break
            continue
        found += 0.5
    else:
        found = 1000.0
    return found


def no_iterations(x):
    """else runs after a loop that never runs, and after a while whose
    condition is false at once."""
    acc = x
    for i in range(0):
        acc += 1.0
    else:
        acc *= 2.0
    while acc < -1e300:
        acc = 0.0
    else:
        acc += 1.0
    return acc


def else_without_break(x):
    """No break in the body: the else always runs, without a flag."""
    acc = 0.0
    for i in range(3):
        if i == 1:
            continue
        acc += x
    else:
        acc = -acc
    return acc


def first_over(limit, step):
    v = 0.0
    while v <= limit:
        v += step
        if v > 50.0:
            return -1.0
    else:
        return v
    return 0.0


def helper_search(x):
    """A helper whose loop returns from inside: the else must not run
    after that return."""
    return first_over(x, 7.0)


def cond_helper(v):
    return v * v


def while_condition_with_helper(x):
    """A while condition that needs statements (an inlined helper) is
    rewritten with an internal break: that break must not skip the
    else."""
    v = 0.0
    n = 0
    while cond_helper(v) < x:
        v += 1.0
        n += 1
        if n > 20:
            break
    else:
        v = -v
    return v


def return_in_loop(x):
    """A return inside the loop leaves the kernel: no else."""
    for i in range(4):
        if x < i:
            return x * 10.0
        if x > 50.0:
            break
    else:
        return -x
    return 0.5


FLOATS = np.array([-5.0, -2.5, -1.0, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 7.0,
                   20.0, 100.0])


@pytest.mark.parametrize("code", ["f8", "f4"])
@pytest.mark.parametrize("func", [count_until_negative, nested,
                                  no_iterations, else_without_break,
                                  helper_search, return_in_loop,
                                  while_condition_with_helper],
                         ids=lambda f: f.__name__)
def test_against_python(target, code, func):
    sig = f"{code}({code})"
    if func is helper_search:
        sig = f"f8({code})"  # Python's float arithmetic, checked exactly
    ufunc = uf.vectorize([sig], target=target)(func)
    out_code = sig.split("(")[0]
    check_against_python(ufunc, func, FLOATS.astype(code),
                         dtypes=[out_code])


def test_for_else_integers(target):
    f = uf.vectorize(["i8(i8)", "i4(i4)"], target=target)(smallest_divisor)
    for dt in (np.int64, np.int32):
        check_against_python(f, smallest_divisor,
                             np.arange(-3, 200, dtype=dt), dtypes=[dt])


def test_for_else_kir_has_a_flag_only_when_needed():
    f = uf.vectorize(["i8(i8)"])(smallest_divisor)
    assert "(set broke_" in uf.inspect_kir(f, "i8(i8)")
    g = uf.vectorize(["f8(f8)"])(else_without_break)
    assert "broke" not in uf.inspect_kir(g, "f8(f8)")


def first_negative(a, out):
    for i, v in enumerate(a):
        if v < 0:
            out[0] = i
            break
    else:
        out[0] = -1


def test_gufunc_for_else(target):
    g = uf.guvectorize(["void(f8[:], i8[:])"], "(n)->()",
                       target=target)(first_negative)
    a = np.ones((5, 4))
    a[1, 2] = -1.0
    a[3, 0] = -2.0
    a[3, 3] = -2.0
    npt.assert_array_equal(g(a), [-1, 2, -1, 0, -1])
    npt.assert_array_equal(g(np.ones((2, 0))), [-1, -1])
