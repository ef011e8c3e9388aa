"""NumPy functions a kernel may call, written in the kernel language.

The front end inlines these functions where a kernel calls the NumPy
function (``np.nanmean(a)``, ``a.argmax()``, ``np.sum(a, axis=0)``), as it
inlines any helper: they are typed for each signature like the kernel
itself.  ``IMPLS`` maps each NumPy function (and ``"method:NAME"`` for
array methods) to a chooser: ``chooser(nargs, **keywords)`` returns
``(function, extra)``, the function to inline and numbers to append to
the call's arguments (``ddof=1`` -> ``(1,)``), or raises TypeError with
the message the CompileError gives.  Keywords must be constants.

Arrays are 1-D unless ``axis=`` is given, which takes 2-D arrays (0, 1,
-1 or -2).  Result types (docs/semantics.md, "NumPy functions"): the
NaN-skipping sums and means, ``var`` and ``std`` compute in float64
(complex128 for complex data), which is more accurate than NumPy's
float32 for float32 data; the others follow NumPy.
"""

import math

import numpy as np

# ---- kernel-only names for what the C core does itself ---------------------
# Registered in _funcmap: calling them outside a kernel is an error.


def _reduce_sum(a):
    raise TypeError("kernel-only function")


def _reduce_prod(a):
    raise TypeError("kernel-only function")


def _reduce_mean(a):
    raise TypeError("kernel-only function")


def _reduce_min(a):
    raise TypeError("kernel-only function")


def _reduce_max(a):
    raise TypeError("kernel-only function")


def _empty_typed(n, sample):
    """A new 1-D array of n elements of |sample|'s type; |sample| is only
    typed, never computed (the front end's ("typed_empty",) spec)."""
    raise TypeError("kernel-only function")


# ---- whole-array reductions of 1-D arrays ---------------------------------
# sum_ ... max_ are what np.sum(a) ... compute inside _along(); without
# axis= the front end's own reductions (kir sum, prod, ...) do the call.

def sum_(a):
    return _reduce_sum(a)


def prod_(a):
    return _reduce_prod(a)


def mean_(a):
    return _reduce_mean(a)


def min_(a):
    return _reduce_min(a)


def max_(a):
    return _reduce_max(a)


PLAIN = (sum_, prod_, mean_, min_, max_)


def nansum(a):
    s = 0.0
    for v in a:
        if v == v:
            s += v
    return s


def nanprod(a):
    p = 1.0
    for v in a:
        if v == v:
            p *= v
    return p


def _nan_sum_count(a):
    s = 0.0
    n = 0
    for v in a:
        if v == v:
            s += v
            n += 1
    return s, n


def nanmean(a):
    s, n = _nan_sum_count(a)
    return s / n


def nanmin(a):
    if a.shape[0] == 0:
        return _reduce_min(a)  # NumPy's ValueError for an empty array
    m = a[0]
    for v in a:
        if v < m or m != m:
            m = v
    return m


def nanmax(a):
    if a.shape[0] == 0:
        return _reduce_max(a)
    m = a[0]
    for v in a:
        if v > m or m != m:
            m = v
    return m


def argmin(a):
    if a.shape[0] == 0:
        _reduce_min(a)  # ValueError: an empty array has no minimum
    k = 0
    m = a[0]
    for i in range(1, a.shape[0]):
        if m != m:
            break  # a NaN is the minimum, as in NumPy
        v = a[i]
        if v < m or v != v:
            m = v
            k = i
    return k


def argmax(a):
    if a.shape[0] == 0:
        _reduce_max(a)
    k = 0
    m = a[0]
    for i in range(1, a.shape[0]):
        if m != m:
            break
        v = a[i]
        if v > m or v != v:
            m = v
            k = i
    return k


def nanargmin(a):
    k = -1
    for i in range(a.shape[0]):
        v = a[i]
        if v == v and (k < 0 or v < a[k]):
            k = i
    if k < 0:
        raise ValueError("All-NaN slice encountered")
    return k


def nanargmax(a):
    k = -1
    for i in range(a.shape[0]):
        v = a[i]
        if v == v and (k < 0 or v > a[k]):
            k = i
    if k < 0:
        raise ValueError("All-NaN slice encountered")
    return k


def any_(a):
    for v in a:
        if v:
            return True
    return False


def all_(a):
    for v in a:
        if not v:
            return False
    return True


def var(a, ddof):
    s = 0.0
    for v in a:
        s += v
    mean = s / a.shape[0]
    acc = 0.0
    for v in a:
        d = v - mean
        acc += (d * d.conjugate()).real
    return acc / max(a.shape[0] - ddof, 0)  # NumPy: 0/0 is NaN, x/0 inf


def std(a, ddof):
    return math.sqrt(var(a, ddof))


def nanvar(a, ddof):
    s, n = _nan_sum_count(a)
    mean = s / n
    acc = 0.0
    for v in a:
        if v == v:
            d = v - mean
            acc += (d * d.conjugate()).real
    return acc / max(n - ddof, 0)


def nanstd(a, ddof):
    return math.sqrt(nanvar(a, ddof))


def cumsum(a):
    out = np.empty_like(a)
    s = a.dtype.type(0)
    for i in range(a.shape[0]):
        s += a[i]
        out[i] = s
    return out


def cumprod(a):
    out = np.empty_like(a)
    p = a.dtype.type(1)
    for i in range(a.shape[0]):
        p *= a[i]
        out[i] = p
    return out


# ---- sorting: heapsort in place, NaN last as in NumPy -----------------------

def _before(x, y):
    return x < y or (y != y and x == x)


def _sift_down(a, root, end):
    while 2 * root + 1 <= end:
        child = 2 * root + 1
        if child + 1 <= end and _before(a[child], a[child + 1]):
            child += 1
        if not _before(a[root], a[child]):
            break
        t = a[root]
        a[root] = a[child]
        a[child] = t
        root = child
    return 0


def sort_inplace(a):
    n = a.shape[0]
    start = n // 2 - 1
    while start >= 0:
        _sift_down(a, start, n - 1)
        start -= 1
    end = n - 1
    while end > 0:
        t = a[end]
        a[end] = a[0]
        a[0] = t
        end -= 1
        _sift_down(a, 0, end)
    return 0


def sort(a):
    b = np.empty_like(a)
    b[:] = a
    sort_inplace(b)
    return b


def median(a):
    b = sort(a)
    n = b.shape[0]
    if n == 0 or b[n - 1] != b[n - 1]:
        return b[n - 1] if n > 0 else math.nan  # NaN (or empty): NaN
    return (b[(n - 1) // 2] + b[n // 2]) / 2


def nanmedian(a):
    b = sort(a)
    n = b.shape[0]
    while n > 0 and b[n - 1] != b[n - 1]:
        n -= 1
    if n == 0:
        return math.nan
    return (b[(n - 1) // 2] + b[n // 2]) / 2


def copy(a):
    b = np.empty_like(a)
    b[...] = a
    return b


# ---- scalar functions ------------------------------------------------------

def where(c, x, y):
    return x if c else y


def clip(x, lo, hi):
    return min(max(x, lo), hi)


# ---- NumPy ufuncs that are no single operator or intrinsic -----------------
# (the others map in _funcmap: np.add is `+`, np.exp is the intrinsic exp)

def logical_and(x, y):
    return bool(x) and bool(y)


def logical_or(x, y):
    return bool(x) or bool(y)


def logical_xor(x, y):
    return bool(x) != bool(y)


def logical_not(x):
    return not x


def fmax(x, y):
    return x if x >= y or y != y else y  # NaN only if both are NaN


def fmin(x, y):
    return x if x <= y or y != y else y


def heaviside(x, h0):
    return 0.0 if x < 0 else (h0 if x == 0 else (1.0 if x > 0 else x))


def logaddexp(x, y):
    if x == y:
        return x + math.log(2.0)  # also for x == y == inf
    m = max(x, y)
    return m + math.log1p(math.exp(-abs(x - y)))


def logaddexp2(x, y):
    if x == y:
        return x + 1.0
    m = max(x, y)
    return m + math.log1p(2.0 ** -abs(x - y)) / math.log(2.0)


def float_power(x, y):
    return float(x) ** float(y)


def reciprocal(x):
    return 1 / x


def signbit(x):
    return math.copysign(1.0, x) < 0


def spacing(x):
    a = abs(x)
    return math.copysign(math.nextafter(a, math.inf) - a, x)


def bitwise_count(x):
    v = abs(x)
    if v < 0:
        return 1  # abs(INT64_MIN) is 2**63: one bit
    c = 0
    while v:
        c += v & 1
        v >>= 1
    return c


def lcm(x, y):
    if x == 0 or y == 0:
        return x * 0
    return abs(x // math.gcd(x, y) * y)


UFUNCS = {
    "logical_and": logical_and, "logical_or": logical_or,
    "logical_xor": logical_xor, "logical_not": logical_not, "fmax": fmax,
    "fmin": fmin, "heaviside": heaviside, "logaddexp": logaddexp,
    "logaddexp2": logaddexp2, "float_power": float_power,
    "reciprocal": reciprocal, "signbit": signbit, "spacing": spacing,
    "bitwise_count": bitwise_count, "lcm": lcm,
}


# ---- along an axis of a 2-D array -------------------------------------------

def _along(fn):
    """(along axis 0, along axis 1) of the 1-D reduction |fn|."""

    def along0(a):
        out = _empty_typed(a.shape[1], fn(a[:, 0]))
        for j in range(a.shape[1]):
            out[j] = fn(a[:, j])
        return out

    def along1(a):
        out = _empty_typed(a.shape[0], fn(a[0]))
        for i in range(a.shape[0]):
            out[i] = fn(a[i])
        return out

    return along0, along1


def _along_ddof(fn):
    def along0(a, ddof):
        out = _empty_typed(a.shape[1], fn(a[:, 0], ddof))
        for j in range(a.shape[1]):
            out[j] = fn(a[:, j], ddof)
        return out

    def along1(a, ddof):
        out = _empty_typed(a.shape[0], fn(a[0], ddof))
        for i in range(a.shape[0]):
            out[i] = fn(a[i], ddof)
        return out

    return along0, along1


# ---- choosers -------------------------------------------------------------

class _Chooser:
    """Picks the function for a call of the NumPy function |name| with
    |nargs| positional arguments (the array first) and the keywords in
    |keywords| (each with its default)."""

    def __init__(self, name, func, nargs=1, along=None, ddof=False):
        # func None: the front end's plain spec does the call without axis=
        self.name = name
        self.func = func
        self.nargs = nargs
        self.along = along
        self.ddof = ddof

    def __call__(self, nargs, **kws):
        if nargs != self.nargs:
            raise TypeError(f"takes {self.nargs} positional argument"
                            f"{'s' if self.nargs != 1 else ''} in a kernel, "
                            f"{nargs} given")
        allowed = {"axis"} if self.along else set()
        allowed |= {"ddof"} if self.ddof else set()
        for k in kws:
            if k not in allowed:
                raise TypeError(f"{k}= is not supported in kernels")
        extra = ()
        if self.ddof:
            ddof = kws.get("ddof", 0)
            if not isinstance(ddof, int) or isinstance(ddof, bool):
                raise TypeError("ddof must be an integer constant")
            extra = (ddof,)
        axis = kws.get("axis")
        if axis is None:
            return None if self.func is None else (self.func, extra)
        if axis not in (0, 1, -1, -2) or isinstance(axis, bool):
            raise TypeError(f"axis={axis!r}: a kernel reduces 1-D arrays, "
                            "or 2-D arrays along axis 0, 1, -1 or -2")
        return self.along[axis in (1, -1)], extra


def _reduction(name, func, ddof=False):
    along = (_along_ddof if ddof else _along)(func)
    return _Chooser(name, func, along=along, ddof=ddof)


def _build():
    reductions = {
        "sum": (sum_, False), "prod": (prod_, False), "mean": (mean_, False),
        "min": (min_, False), "max": (max_, False), "amin": (min_, False),
        "amax": (max_, False), "nansum": (nansum, False),
        "nanprod": (nanprod, False), "nanmean": (nanmean, False),
        "nanmin": (nanmin, False), "nanmax": (nanmax, False),
        "argmin": (argmin, False), "argmax": (argmax, False),
        "nanargmin": (nanargmin, False), "nanargmax": (nanargmax, False),
        "any": (any_, False), "all": (all_, False), "var": (var, True),
        "std": (std, True), "nanvar": (nanvar, True),
        "nanstd": (nanstd, True), "median": (median, False),
        "nanmedian": (nanmedian, False),
    }
    impls = {}
    for name, (func, ddof) in reductions.items():
        chooser = _reduction(name, func, ddof)
        if func in PLAIN:  # np.sum(a) stays the C reduction (sum a)
            chooser.func = None
        impls[getattr(np, name)] = chooser
        if name in ("sum", "prod", "mean", "min", "max", "argmin", "argmax",
                    "any", "all", "var", "std"):
            impls["method:" + name] = chooser
    for name, func in (("cumsum", cumsum), ("cumprod", cumprod),
                       ("sort", sort), ("copy", copy)):
        impls[getattr(np, name)] = _Chooser(name, func)
        impls["method:" + name] = _Chooser(name, func)
    impls["method:sort"] = _Chooser("sort", sort_inplace)
    for name, func in UFUNCS.items():
        if hasattr(np, name):  # np.bitwise_count is new in NumPy 2.0
            impls[getattr(np, name)] = _Chooser(name, func, nargs=getattr(
                np, name).nin)
    impls[np.where] = _Chooser("where", where, nargs=3)
    impls[np.clip] = _Chooser("clip", clip, nargs=3)
    return impls


IMPLS = _build()
