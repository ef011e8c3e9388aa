"""``vectorize``: Numba's decorator, making real ``numpy.ufunc`` objects."""

import types

from ._types import normalize_signatures

_KEYWORDS = frozenset(
    ["identity", "nopython", "forceobj", "target", "cache", "boundscheck",
     "fastmath"])


def vectorize(ftylist_or_function=(), **kws):
    """Compile a Python scalar function into a NumPy ufunc.

    The forms of Numba's ``@vectorize`` are accepted::

        @vectorize                       # lazy: a loop per input dtypes
        @vectorize()                     # the same
        @vectorize(['f8(f8)', 'f4(f4)'])  # eager, in dispatch order
        @vectorize('f8(f8, f8)')         # one signature
        @vectorize([float64(float64)])   # type objects
        @vectorize(['(f8, f8)'])         # return type inferred
        @vectorize(['(f8, f8)(f8)'])     # two outputs: return a, b

    Keywords:
      identity     None (default), 0, 1, -1, 'reorderable' or any value
                   (e.g. -math.inf for a max kernel); used by reduce
      target       'cpu' (default), or 'parallel': large calls are split
                   across threads (set_num_threads), small ones run on
                   the calling thread; 'cuda' raises NotImplementedError
      nopython     accepted; every kernel is compiled (always True)
      forceobj     True raises CompileError: there is no object mode
      cache        accepted, no effect yet (nothing is cached on disk)
      boundscheck  array index checks (gufunc kernels); default True
      fastmath     True (or a non-empty set of Numba's flag names) turns
                   on all of LLVM's fast-math flags
    Any other keyword raises TypeError.

    Returns a ``numpy.ufunc`` with the function's ``__name__``, docstring,
    ``__module__`` and ``__qualname__`` (the last two from NumPy 2.1 on).
    Errors in the kernel raise CompileError ("file:line:col: error: ...").
    """
    options = _check_keywords(kws)
    if isinstance(ftylist_or_function, types.FunctionType):
        return _build(ftylist_or_function, [], **options)
    sigs = normalize_signatures(ftylist_or_function)

    def wrap(func):
        return _build(func, sigs, **options)

    return wrap


def _check_keywords(kws):
    return {"identity": _identity(kws.get("identity")),
            "options": _common_options("vectorize", kws, _KEYWORDS)}


def _common_options(decorator, kws, accepted):
    """The compile options of |kws| after the checks both decorators
    share: unknown keywords, forceobj, target."""
    unknown = sorted(set(kws) - accepted)
    if unknown:
        raise TypeError(f"{decorator}() got unexpected keyword arguments "
                        f"{unknown}; accepted: {sorted(accepted)}")
    if kws.get("forceobj"):
        from ._core import CompileError

        raise CompileError(
            "forceobj=True is not supported: ufuncforge compiles every "
            "kernel to machine code and has no object mode (for arbitrary "
            "Python code use numpy.frompyfunc)")
    parallel = _check_target(kws.get("target", "cpu"))
    boundscheck = kws.get("boundscheck")
    return {
        "fastmath": bool(kws.get("fastmath", False)),
        "boundscheck": True if boundscheck is None else bool(boundscheck),
        "parallel": parallel,
    }


def _check_target(target):
    """True for 'parallel', False for 'cpu'."""
    if target in ("cpu", "parallel"):
        return target == "parallel"
    if target == "cuda":
        raise NotImplementedError(
            "target='cuda' is not available yet in ufuncforge; use "
            "target='cpu' or 'parallel'")
    raise ValueError(f"unknown target {target!r}: expected 'cpu', "
                     "'parallel' or 'cuda'")


def _identity(value):
    """The identity as _core.make_ufunc takes it."""
    if value is None:
        return None
    if isinstance(value, str):
        if value == "reorderable":
            return ("reorderable", None)
        raise ValueError(f"identity must be None, 'reorderable' or a value "
                         f"such as 0, 1 or -inf, got {value!r}")
    if not _is_number(value):
        raise TypeError(f"identity must be a number (or None or "
                        f"'reorderable'), got {type(value).__name__}")
    return ("value", value)


def _is_number(value):
    """Python and NumPy numbers, bool included."""
    import numbers

    if isinstance(value, numbers.Number):
        return True
    import numpy as np

    return isinstance(value, np.generic) and not isinstance(
        value, (np.str_, np.bytes_, np.void, np.object_))


def _build(func, sigs, identity, options):
    """The ufunc for |func| compiled for |sigs| ([]: lazily)."""
    from . import _core
    from ._funcmap import funcmap
    from ._source import extract, helper_loader

    fdef, source, resolve = extract(func)
    kernel = _core.translate(fdef, source, resolve, funcmap(), helper_loader())
    doc = func.__doc__ or ""
    ufunc = _core.make_ufunc(kernel, sigs, func.__name__, doc, identity,
                             options)
    return _finish(ufunc, func, doc)


def _finish(ufunc, func, doc):
    """|ufunc| given |func|'s module, qualified name and docstring."""
    if hasattr(ufunc, "__dict__"):  # NumPy >= 2.1
        ufunc.__module__ = func.__module__
        ufunc.__qualname__ = func.__qualname__
        ufunc.__wrapped__ = func  # inlined where a kernel calls the ufunc
        if doc and doc not in (ufunc.__doc__ or ""):
            ufunc.__doc__ = doc
    return ufunc
