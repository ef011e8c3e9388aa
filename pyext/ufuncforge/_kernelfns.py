"""Library functions a kernel may call, written in the kernel language.

``_funcmap.py`` maps ``round(x, ndigits)``, ``math.comb``, ``math.perm``,
``math.factorial``, ``math.isclose`` and ``int.bit_length`` to these
functions; the front end translates and inlines them at each call like
any helper of the user's (pyext/frontend_lib.c).  They are typed with
the kernel's types, so they must stay plain kernel code: numbers,
control flow, the math functions a kernel may call, and ``raise``.

Integers are the kernel's fixed-width integers: where Python's result
would not fit in int64, these raise ``OverflowError`` instead of wrapping
to a wrong number (Numba supports none of comb, perm and factorial in
nopython mode; its int64 arithmetic wraps silently).
"""

import math

import numpy as np

INT64_MAX = 9223372036854775807


def _product_error(a, b, p):
    """a * b - p exactly, for p = a * b rounded (Dekker's product with
    Veltkamp's split; no fma needed)."""
    c = 134217729.0 * a
    ah = c - (c - a)
    al = a - ah
    c = 134217729.0 * b
    bh = c - (c - b)
    bl = b - bh
    return ((ah * bh - p) + ah * bl + al * bh) + al * bl


def round_ndigits(x, ndigits):
    """round(x, ndigits): NumPy's np.round algorithm (scale by 10**ndigits,
    round half to even, scale back), corrected where the scaling rounded
    onto a half: the exact product (or quotient) decides, as Python's
    correctly rounded round() does.  Equal to Python's round for a float
    x when 10**|ndigits| is exact (|ndigits| <= 22); a float result, in
    float64, for any x.  With ndigits > 308 x comes back unchanged (Python
    may still round a subnormal x there)."""
    if not math.isfinite(x) or ndigits > 308:
        return x * 1.0
    if ndigits < -308:
        return 0.0 * x
    # one power for both directions: a vectorized loop computes both
    # branches, and a power of the other branch's exponent could overflow
    p = 10.0 ** abs(ndigits)
    if ndigits >= 0:
        y = x * p
        if abs(y) >= 9007199254740992.0:  # 2**53: no digit of x is cut
            return x * 1.0
        r = np.rint(y)
        if abs(y - r) == 0.5:  # a tie after rounding the product
            e = _product_error(x, p, y)
            if e > 0.0:
                r = np.floor(y) + 1.0
            elif e < 0.0:
                r = np.floor(y)
        return r / p
    y = x / p
    r = np.rint(y)
    if abs(y - r) == 0.5:  # a tie after rounding the quotient
        e = (x - y * p) - _product_error(y, p, y * p)
        if e > 0.0:
            r = np.floor(y) + 1.0
        elif e < 0.0:
            r = np.floor(y)
    return r * p


def _negative_or_above(n, k):
    """Python's ValueError for a negative n or k; whether k > n (then
    comb and perm are 0)."""
    if n < 0:
        raise ValueError("n must be a non-negative integer")
    if k < 0:
        raise ValueError("k must be a non-negative integer")
    return k > n


def comb(n, k):
    """math.comb(n, k) for integers; OverflowError beyond int64."""
    if _negative_or_above(n, k):
        return 0
    k = min(k, n - k)
    r = 1
    for i in range(1, k + 1):
        # r * (n - k + i) / i is C(n - k + i, i), an integer: with g the
        # gcd of r and i, i // g divides n - k + i, so nothing overflows
        # before the result does (it grows with i)
        g = math.gcd(r, i)
        q = r // g
        m = (n - k + i) // (i // g)
        if q > INT64_MAX // m:
            raise OverflowError("math.comb() result does not fit in int64")
        r = q * m
    return r


def perm(n, k):
    """math.perm(n, k) for integers; OverflowError beyond int64."""
    if _negative_or_above(n, k):
        return 0
    r = 1
    for i in range(n - k + 1, n + 1):
        if r > INT64_MAX // i:
            raise OverflowError("math.perm() result does not fit in int64")
        r *= i
    return r


def factorial(n):
    """math.factorial(n) (and math.perm(n)); OverflowError beyond int64,
    that is for n > 20."""
    if n < 0:
        raise ValueError("factorial() not defined for negative values")
    r = 1
    for i in range(2, n + 1):
        if r > INT64_MAX // i:
            raise OverflowError(
                "math.factorial() result does not fit in int64")
        r *= i
    return r


def isclose(a, b, rel_tol=1e-09, abs_tol=0.0):
    """math.isclose: Python's algorithm, in float64."""
    if rel_tol < 0.0 or abs_tol < 0.0:
        raise ValueError("tolerances must be non-negative")
    x = float(a)
    y = float(b)
    if x == y:
        return True
    if math.isinf(x) or math.isinf(y):
        return False
    diff = abs(y - x)
    return ((diff <= abs(rel_tol * y)) or (diff <= abs(rel_tol * x))
            or (diff <= abs_tol))


def bit_length(n):
    """int.bit_length() of a fixed-width integer, INT_MIN included."""
    r = 0
    if n < 0:
        m = -(n + 1)  # |n| - 1: never overflows
        power = (m & (m + 1)) == 0  # |n| is a power of two
        while m != 0:
            m >>= 1
            r += 1
        if power:
            r += 1
        return r
    while n != 0:
        n >>= 1
        r += 1
    return r
