"""The functions and types a kernel may call, for ``_core.translate``.

``funcmap()`` returns a dict ``{python object: spec}``; the front end looks
up the object a call's target resolves to (``math.exp``, ``np.sqrt``,
``abs``, ``np.float32``) and translates the call by its spec:

  ("fn", NAME)        the kir intrinsic NAME (src/kernels/kir_fns.def),
                      called with the same arguments
  ("cast", CODE)      conversion to the scalar type CODE ("f4", "b1", ...)
  ("int",)            Python int(x): truncates toward zero, gives i8
  ("complex",)        complex(x) or complex(re, im)
  ("floor_int", FN)   math.floor / ceil / trunc: FN ("floor", "ceil",
                      "trunc") then, for a float argument, a conversion to
                      i8, since Python returns an int
  ("round", F)        round(x): half to even, an i8 for a float argument;
                      round(x, ndigits): the kernel function F, inlined
  ("inline", F, ...)  a kernel function of _kernelfns.py, inlined as a
                      helper (keywords by parameter name): the first F
                      that takes the call's positional arguments
                      (math.perm(n) is factorial(n)); also for methods of
                      ints, under int.METHOD (n.bit_length())
  ("divmod",)         divmod(a, b): (a // b, a % b), only unpacked
                      (q, r = divmod(a, b)) or returned
  ("minmax", FN)      builtin min / max: with two or more arguments the
                      intrinsic FN; with one (an array) the reduction
                      amin / amax
  ("op", "**")        the power operator: builtin pow(a, b), np.power
  ("cfn", NAME)       a cmath function: the arguments become complex128
                      first (cmath.sqrt(-1.0) is 1j), then the intrinsic
  ("log",)            math.log with one argument, or two
                      (log(x, base) = log(x) / log(base)); ("log", "c")
                      is cmath.log, on complex128 arguments
  ("square",)         np.square: x * x
  ("sign",)           np.sign: -1, 0 or 1 (NaN for NaN), in x's type
  ("phase",)          cmath.phase: atan2(x.imag, x.real)

Array calls of gufunc kernels (pyext/frontend_array.c):

  ("reduce", OP)      the kir array op OP ("sum", "prod", "mean", "amin",
                      "amax", "dot") of the arguments: np.sum(a),
                      np.dot(a, b); no keywords (axis=)
  ("sum",)            builtin sum(a), or sum(a, start): start + np.sum(a)
  ("len",)            len(a): (shape a 0)
  ("newarray", FILL)  np.empty / np.zeros / np.ones (FILL "None", "0",
                      "1"): (array TYPE FILL EXTENT...) for a shape n,
                      (n,) or (n, m) and a dtype known at translation
  ("like", NAME)      np.NAME_like: an error suggesting np.NAME(len(a), dtype)

Module constants (``math.pi``, ``np.e``, ``math.inf``) need no entry: the
front end freezes numbers it reaches through attributes.  The dict is
built on first use, so importing ufuncforge does not import NumPy.
"""

import builtins
import cmath
import math

_MATH_FNS = (
    "sqrt exp exp2 expm1 log2 log10 log1p sin cos tan asin acos atan sinh "
    "cosh tanh asinh acosh atanh cbrt erf erfc gamma lgamma fabs degrees "
    "radians atan2 hypot fmod copysign pow isnan isinf isfinite ldexp gcd")

_CMATH_FNS = "sqrt exp log10 sin cos tan tanh"
_CMATH_PREDICATES = "isnan isinf isfinite"

# NumPy name -> kir intrinsic name.
_NUMPY_FNS = {
    "exp": "exp", "exp2": "exp2", "expm1": "expm1", "log": "log",
    "log2": "log2", "log10": "log10", "log1p": "log1p", "sqrt": "sqrt",
    "cbrt": "cbrt", "sin": "sin", "cos": "cos", "tan": "tan",
    "arcsin": "asin", "arccos": "acos", "arctan": "atan",
    "arctan2": "atan2", "sinh": "sinh", "cosh": "cosh", "tanh": "tanh",
    "arcsinh": "asinh", "arccosh": "acosh", "arctanh": "atanh",
    "floor": "floor", "ceil": "ceil", "trunc": "trunc", "rint": "round",
    "abs": "abs", "absolute": "abs", "fabs": "fabs", "hypot": "hypot",
    "fmod": "fmod", "copysign": "copysign", "isnan": "isnan",
    "isinf": "isinf", "isfinite": "isfinite", "maximum": "max",
    "minimum": "min", "deg2rad": "radians", "radians": "radians",
    "rad2deg": "degrees", "degrees": "degrees", "real": "real",
    "imag": "imag", "conj": "conj", "conjugate": "conj",
}

_NUMPY_CASTS = {
    "bool_": "b1", "int8": "i1", "int16": "i2", "int32": "i4",
    "int64": "i8", "uint8": "u1", "uint16": "u2", "uint32": "u4",
    "uint64": "u8", "float32": "f4", "float64": "f8",
    "complex64": "c8", "complex128": "c16",
}

_cache = None


# NumPy reductions -> kir array op.
_NUMPY_REDUCTIONS = {
    "sum": "sum", "prod": "prod", "mean": "mean", "min": "amin",
    "amin": "amin", "max": "amax", "amax": "amax", "dot": "dot",
}

# NumPy array constructors -> the fill of the new array.
_NUMPY_NEW_ARRAYS = {"empty": "None", "zeros": "0", "ones": "1"}


def _python_entries():
    from . import _kernelfns

    m = {
        builtins.abs: ("fn", "abs"),
        builtins.len: ("len",),
        builtins.sum: ("sum",),
        builtins.min: ("minmax", "min"),
        builtins.max: ("minmax", "max"),
        builtins.round: ("round", _kernelfns.round_ndigits),
        builtins.divmod: ("divmod",),
        int.bit_length: ("inline", _kernelfns.bit_length),
        math.comb: ("inline", _kernelfns.comb),
        math.perm: ("inline", _kernelfns.factorial, _kernelfns.perm),
        math.factorial: ("inline", _kernelfns.factorial),
        math.isclose: ("inline", _kernelfns.isclose),
        builtins.pow: ("op", "**"),
        builtins.int: ("int",),
        builtins.float: ("cast", "f8"),
        builtins.bool: ("cast", "b1"),
        builtins.complex: ("complex",),
        math.log: ("log",),
        math.floor: ("floor_int", "floor"),
        math.ceil: ("floor_int", "ceil"),
        math.trunc: ("floor_int", "trunc"),
        cmath.log: ("log", "c"),
        cmath.phase: ("phase",),
    }
    # math.exp2 and math.cbrt are new in Python 3.11: skip what is missing.
    for name in _MATH_FNS.split():
        if hasattr(math, name):
            m[getattr(math, name)] = ("fn", name)
    for name in _CMATH_FNS.split():
        m[getattr(cmath, name)] = ("cfn", name)
    for name in _CMATH_PREDICATES.split():
        m[getattr(cmath, name)] = ("fn", name)
    return m


def _numpy_entries():
    import numpy as np

    m = {getattr(np, k): ("fn", v) for k, v in _NUMPY_FNS.items()}
    m.update({getattr(np, k): ("cast", v) for k, v in _NUMPY_CASTS.items()})
    m[np.square] = ("square",)
    m[np.sign] = ("sign",)
    m[np.power] = ("op", "**")
    for name, op in _NUMPY_REDUCTIONS.items():
        m[getattr(np, name)] = ("reduce", op)
    for name, fill in _NUMPY_NEW_ARRAYS.items():
        m[getattr(np, name)] = ("newarray", fill)
        m[getattr(np, name + "_like")] = ("like", name)
    return m


def funcmap():
    """The dict {python object: spec tuple}, built once (borrowed: do not
    change it)."""
    global _cache
    if _cache is None:
        m = _python_entries()
        m.update(_numpy_entries())
        _cache = m
    return _cache
