"""``guvectorize``: Numba's decorator, making real generalized ufuncs."""

import types

from ._types import normalize_signatures
from ._vectorize import _common_options, _finish, _identity

_MAX_ARGS = 32  # UF_MAXARGS in src/kernels/kernels.h

_KEYWORDS = frozenset(
    ["identity", "nopython", "forceobj", "target", "cache", "boundscheck",
     "fastmath", "writable_args", "signature", "layout"])


def guvectorize(*args, **kws):
    """Compile a Python slice kernel into a NumPy generalized ufunc.

    The forms of Numba's ``@guvectorize`` are accepted::

        @guvectorize(['void(f8[:], f8[:])'], '(n)->()')   # eager
        @guvectorize('void(f8[:], f8, f8[:])', '(n),()->(n)')
        @guvectorize([(float64[:], float64[:])], '(n)->()')
        @guvectorize('(n)->()')            # lazy: a loop per input dtypes

    The layout is NumPy's gufunc signature -- named dims ``(m,n)``,
    frozen sizes ``(3)``, optional ``n?``, no outputs ``(n),(n)`` -- plus
    broadcastable ``n|1`` (NEP 20) and output sizes computed from input
    sizes, ``(n)->(n+1)`` or ``(m),(n)->(m+n-1)`` (NumPy >= 2.1 for these
    two).  The kernel returns nothing: it writes into its output
    arguments (``out[i] = ...``; ``out[0] = ...`` for a ``()`` output,
    which is declared as a 1-D array such as ``f8[:]``).

    Keywords:
      writable_args  inputs to pass read-write, by position or name; the
                     inputs the kernel stores into (also through views)
                     are found and passed read-write without it
      boundscheck    index checks raising IndexError; default True
      fastmath       as for vectorize
      target         'cpu', or 'parallel' (the outer loop split across
                     threads); 'cuda' is not available yet
      identity       accepted as Numba does; a gufunc has no reductions
      nopython, cache  accepted (always compiled; nothing cached yet)
      forceobj       True raises CompileError
      signature      the layout as a keyword (Numba's name for it)

    Returns a ``numpy.ufunc`` whose ``signature`` is the layout NumPy
    sees.  A lazy gufunc compiles on the first call with new input
    dtypes; its output dtypes are inferred from what the kernel stores
    (``out=`` arrays receive a cast; ``signature=`` picks other output
    dtypes).
    """
    options = _check_keywords(kws)
    sigs, layout = _split_args(args, kws)

    def wrap(func):
        if not isinstance(func, types.FunctionType):
            raise TypeError(f"guvectorize decorates a Python function, not "
                            f"{type(func).__name__}")
        return _build(func, sigs, layout, **options)

    return wrap


def _split_args(args, kws):
    """(signatures, layout) from Numba's positional forms."""
    layout = kws.get("signature", kws.get("layout"))
    if len(args) == 2 and layout is None:
        return normalize_signatures(args[0]), args[1]
    if len(args) == 1 and layout is None:  # Numba's dynamic gufunc
        return [], args[0]
    if len(args) == 1:
        return normalize_signatures(args[0]), layout
    if not args and layout is not None:
        return [], layout
    raise TypeError(f"guvectorize takes (signatures, layout) or (layout), "
                    f"got {len(args)} positional arguments")


def _check_keywords(kws):
    options = _common_options("guvectorize", kws, _KEYWORDS)
    _identity(kws.get("identity"))  # validated; gufuncs do not reduce
    writable = kws.get("writable_args", ())
    if isinstance(writable, (str, int)):
        writable = (writable,)
    try:
        count = len(writable)
    except TypeError:
        raise TypeError("writable_args is a position, a name, or a tuple or "
                        "list of them") from None
    if count > _MAX_ARGS:  # checked before it is expanded
        raise ValueError(f"writable_args names {count} arguments; a kernel "
                         f"takes at most {_MAX_ARGS}")
    return {"writable": tuple(writable), "options": options}


def _writable_positions(func, writable):
    """Input positions for names or positions in |writable|."""
    names = func.__code__.co_varnames[:func.__code__.co_argcount]
    out = []
    for w in writable:
        if isinstance(w, str):
            if w not in names:
                raise ValueError(f"writable_args names {w!r}, which is not an "
                                 f"argument of {func.__name__}{names}")
            out.append(names.index(w))
        elif isinstance(w, int) and not isinstance(w, bool):
            out.append(w if w >= 0 else w + len(names))
        else:
            raise TypeError(f"writable_args holds argument positions or "
                            f"names, not {type(w).__name__}")
    return tuple(out)


def _layout_ranks(layout):
    """Each operand's number of core dims in |layout|, -1 for a '()'
    operand (declared as a scalar or, in Numba's style, as a 1-D array:
    its rank is up to the signature)."""
    import re

    ranks = []
    for dims in re.findall(r"\(([^()]*)\)", layout):
        n = len([d for d in dims.split(",") if d.strip()])
        ranks.append(n if n > 0 else -1)
    return tuple(ranks)


def _count_outputs(layout):
    """How many operands follow the layout's '->' (0 without one)."""
    _, arrow, outs = layout.partition("->")
    return outs.count("(") if arrow else 0


def _build(func, sigs, layout, writable, options):
    """The gufunc for |func| compiled for |sigs| ([]: lazily)."""
    from . import _core
    from ._funcmap import funcmap
    from ._source import extract, helper_loader

    if not isinstance(layout, str):
        raise TypeError(f"the layout must be a string such as '(n)->()', "
                        f"not {type(layout).__name__}")
    fdef, source, resolve = extract(func)
    kernel = _core.translate(fdef, source, resolve, funcmap(), helper_loader(),
                             _count_outputs(layout), _layout_ranks(layout))
    positions = _writable_positions(func, writable)
    doc = func.__doc__ or ""
    ufunc = _core.make_gufunc(kernel, sigs, layout, func.__name__, doc,
                              options, positions)
    return _finish(ufunc, func, doc)
