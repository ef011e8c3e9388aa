"""ufuncforge: real NumPy ufuncs from Python functions, compiled by LLVM.

    import ufuncforge as uf

    @uf.vectorize(['f8(f8)', 'f4(f4)'])
    def leaky_relu(x):
        return x if x > 0.0 else 0.01 * x

    @uf.guvectorize(['void(f8[:], f8[:])'], '(n)->()')
    def window_max(x, out):
        out[0] = x.max()

Importing the package compiles nothing and loads neither NumPy nor the C
extension ``ufuncforge._core`` (and with it LLVM): they load on the first
``vectorize``, ``guvectorize``, ``inspect_*`` or ``CompileError`` use.
"""

from ._guvectorize import guvectorize
from ._jit import jit, njit
from ._inspect import inspect_asm, inspect_kir, inspect_llvm, inspect_types
from ._threads import get_num_threads, num_threads, set_num_threads
from ._types import *  # noqa: F403 (the type objects)
from ._types import __all__ as _type_names
from ._vectorize import vectorize

__version__ = "0.1.0"

__all__ = [
    "vectorize", "guvectorize", "CompileError", "inspect_kir", "inspect_types",
    "inspect_llvm", "inspect_asm", "set_num_threads", "get_num_threads",
    "num_threads", "njit", "jit",
] + [n for n in _type_names if n != "normalize_signatures"]


def __getattr__(name):
    if name == "CompileError":
        from ._core import CompileError

        return CompileError
    raise AttributeError(f"module 'ufuncforge' has no attribute {name!r}")
