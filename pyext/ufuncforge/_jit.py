"""``njit`` and ``jit``: Numba's decorators for helper functions, accepted
so that a helper moves with only the import line changed.

ufuncforge compiles ufuncs, not free functions: a helper a kernel calls is
translated and inlined into the kernel (docs/guide.md, "Helper
functions").  These decorators therefore return the function itself,
unchanged, so that it runs as Python when called from Python and is
inlined when a kernel calls it.  Numba's options (``cache=``,
``fastmath=``, ``nogil=``, ...) and signatures are accepted and ignored,
apart from ``forceobj=True``, which cannot mean anything in a kernel.
"""

import types


def _check(kws):
    if kws.get("forceobj"):
        raise TypeError("forceobj=True cannot be honoured: ufuncforge "
                        "compiles helpers into kernels, in nopython mode")


def njit(*args, **kws):
    """``@njit``, ``@njit(cache=True)``, ``@njit('f8(f8)')``: the function
    itself, to be inlined into the kernels that call it."""
    _check(kws)
    if len(args) == 1 and isinstance(args[0], types.FunctionType) and not kws:
        return args[0]
    return lambda func: func


jit = njit
