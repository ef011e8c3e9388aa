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
  ("divmod",)         divmod(a, b), np.divmod(a, b): (a // b, a % b), only
                      unpacked
                      (q, r = divmod(a, b)) or returned
  ("minmax", FN)      builtin min / max: with two or more arguments the
                      intrinsic FN; with one (an array) the reduction
                      amin / amax
  ("op", "**")        a binary operator: builtin pow(a, b), np.power,
                      np.add ("+"), np.less ("<"), ...
  ("unop", "neg")     a unary operator: np.negative, np.invert ("~")
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
  ("newarray", FILL)  np.empty / np.zeros / np.ones / np.full (FILL "None",
                      "0", "1", "value"): (array TYPE FILL SHAPE...) for a
                      shape n, (n, m, ...) or a.shape and a dtype known at
                      translation; (arraylike SOURCE FILL SHAPE...) for
                      dtype=a.dtype or np.full's fill value's type
  ("like", FILL)      np.empty_like / zeros_like / ones_like / full_like:
                      (arraylike a FILL a), a's shape and dtype

Loops (pyext/frontend_stmt.c):

  ("ndindex",)        for i, j in np.ndindex(m, n) / np.ndindex(a.shape):
                      nested range loops

NumPy functions written in the kernel language (_npimpl.py):

  ("impl", CHOOSER[, SPEC...])
                      np.nanmean, np.argmax, np.sum(a, axis=0), np.var(a,
                      ddof=1), np.where(c, x, y), ...; also the keys
                      "method:NAME" for array methods (a.argmax()):
                      CHOOSER(nargs, **keywords) -> (function, extra)
                      picks the function the front end inlines, or None
                      for the plain SPEC that follows (np.sum(a) is
                      ("reduce", "sum"))
  ("typed_empty",)    _npimpl._empty_typed(n, sample): a new array of
                      sample's type; sample is typed, never computed

Other ufuncs: m["ufunc_callee"] is ufunc_callee(), which says how a
ufunc made by ufuncforge is inlined when a kernel calls it.

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
    "radians atan2 hypot fmod copysign pow isnan isinf isfinite ldexp gcd "
    "nextafter")

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

# NumPy ufuncs that are a kir operator: ("op", TEXT) for two operands,
# ("unop", TEXT) for one.
_NUMPY_OPS = {
    "add": "+", "subtract": "-", "multiply": "*", "divide": "/",
    "true_divide": "/", "floor_divide": "//", "remainder": "%", "mod": "%",
    "left_shift": "<<", "right_shift": ">>", "bitwise_left_shift": "<<",
    "bitwise_right_shift": ">>", "bitwise_and": "&", "bitwise_or": "|",
    "bitwise_xor": "^", "equal": "==", "not_equal": "!=", "less": "<",
    "less_equal": "<=", "greater": ">", "greater_equal": ">=",
}
_NUMPY_UNOPS = {
    "negative": "neg", "positive": "pos", "invert": "~",
    "bitwise_not": "~", "bitwise_invert": "~",
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
_NUMPY_NEW_ARRAYS = {"empty": "None", "zeros": "0", "ones": "1",
                     "full": "value"}


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
    for name, op in _NUMPY_OPS.items():
        if hasattr(np, name):
            m[getattr(np, name)] = ("op", op)
    for name, op in _NUMPY_UNOPS.items():
        if hasattr(np, name):
            m[getattr(np, name)] = ("unop", op)
    m[np.gcd] = ("fn", "gcd")
    m[np.divmod] = ("divmod",)
    m[np.ldexp] = ("fn", "ldexp")
    m[np.nextafter] = ("fn", "nextafter")
    m[np.square] = ("square",)
    m[np.sign] = ("sign",)
    m[np.power] = ("op", "**")
    m[np.ndindex] = ("ndindex",)
    for name, op in _NUMPY_REDUCTIONS.items():
        m[getattr(np, name)] = ("reduce", op)
    for name, fill in _NUMPY_NEW_ARRAYS.items():
        m[getattr(np, name)] = ("newarray", fill)
        m[getattr(np, name + "_like")] = ("like", fill)
    return m


def _impl_entries(plain):
    """("impl", chooser) entries, each followed by the spec in |plain| it
    falls back to when the chooser returns None."""
    from . import _npimpl

    m = {}
    for k, chooser in _npimpl.IMPLS.items():
        m[k] = ("impl", chooser) + plain.get(k, ())
    for op in ("sum", "prod", "mean", "min", "max"):
        kir = {"min": "amin", "max": "amax"}.get(op, op)
        m[getattr(_npimpl, "_reduce_" + op)] = ("reduce", kir)
    m[_npimpl._empty_typed] = ("typed_empty",)
    return m


def ufunc_callee(u):
    """For the ufunc |u| called in a kernel: None when NumPy's own (it is
    looked up like any function), else (function, input codes, output
    code, loops) of a ufuncforge ufunc: with one loop its codes (the call
    casts to them, as NumPy would), with several "NAME|f8 f8>f8;f4 f4>f4"
    (the kernel's kir picks the loop once types are known), and neither
    for a lazy ufunc (typed for the arguments as given).  TypeError when
    it cannot be called from a kernel."""
    from . import _core

    info = _core.ufunc_info(u)
    if info is None:
        return None
    if info["layout"]:
        raise TypeError(f"the gufunc {u.__name__!r} cannot be called from "
                        "a kernel: call its Python function")
    func = getattr(u, "__wrapped__", None)
    if func is None:
        raise TypeError(f"the ufunc {u.__name__!r} keeps no Python function "
                        "(NumPy < 2.1): call its Python function instead")
    sigs = [s for s in info["signatures"] if not s.startswith("(")]
    if info["lazy"] or len(sigs) != len(info["signatures"]) or not sigs:
        return func, None, None, None  # typed for the arguments as given
    loops = []
    for sig in sigs:
        ret, args = sig.split("(", 1)
        loops.append((tuple(a.strip() for a in args[:-1].split(",")), ret))
    if len(loops) == 1:
        return func, loops[0][0], loops[0][1], None
    text = ";".join(" ".join(ins) + ">" + out for ins, out in loops)
    return func, None, None, f"{u.__name__}|{text}"


def funcmap():
    """The dict {python object: spec tuple}, built once (borrowed: do not
    change it)."""
    global _cache
    if _cache is None:
        m = _python_entries()
        m.update(_numpy_entries())
        m.update(_impl_entries(m))
        m["ufunc_callee"] = ufunc_callee
        _cache = m
    return _cache
