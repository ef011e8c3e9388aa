"""Numba-style type objects and signature normalisation.

``float64(float64, int32)`` builds a :class:`Signature`; ``float64[:]``,
``float64[::1]`` and ``float64[:, ::1]`` are array types; ``Tuple(f8, f8)``
and ``UniTuple(f8, 2)`` are the return types of kernels with several
outputs.  ``str()`` of any of them is the signature grammar the C parser
reads: ``'f8'``, ``'f8[:, ::1]'``, ``'f8(f8, i4)'``, ``'(f8, f8)(f8)'``.
"""

__all__ = [
    "Type", "ArrayType", "TupleType", "Signature", "Tuple", "UniTuple",
    "normalize_signatures",
    "b1", "bool_", "boolean",
    "i1", "int8", "i2", "int16", "i4", "int32", "intc",
    "i8", "int64", "intp", "int_",
    "u1", "uint8", "byte", "u2", "uint16", "u4", "uint32", "uintc",
    "u8", "uint64", "uintp", "uint",
    "f4", "float32", "single", "float_", "f8", "float64", "double",
    "c8", "complex64", "csingle", "c16", "complex128", "cdouble",
    "void", "from_dtype",
]


class _Callable:
    """Calling a return type with argument types gives a Signature."""

    __slots__ = ()

    def __call__(self, *args):
        return Signature(self, args)


class Type(_Callable):
    """A scalar type such as ``float64`` (``str()`` gives ``'f8'``)."""

    __slots__ = ("code", "name")

    def __init__(self, code, name):
        self.code = code
        self.name = name

    def __str__(self):
        return self.code

    def __repr__(self):
        return self.name

    def __getitem__(self, dims):
        """``f8[:]``, ``f8[::1]``, ``f8[:, :]``, ``f8[:, ::1]``."""
        if self is void:
            raise TypeError("there are no arrays of void")
        dims = dims if isinstance(dims, tuple) else (dims,)
        for i, d in enumerate(dims):
            last = i == len(dims) - 1
            if not isinstance(d, slice) or d.start is not None or d.stop is not None:
                raise TypeError(f"array dimensions are ':' or '::1', got {d!r}")
            if d.step is not None and not (d.step == 1 and last):
                raise TypeError("only the last array dimension may be '::1'")
        return ArrayType(self, len(dims), dims[-1].step == 1)


class ArrayType(_Callable):
    """An array of a scalar type; ``contiguous`` means ``[::1]`` last."""

    __slots__ = ("dtype", "ndim", "contiguous")

    def __init__(self, dtype, ndim, contiguous=False):
        self.dtype = dtype
        self.ndim = ndim
        self.contiguous = contiguous

    def __str__(self):
        dims = [":"] * self.ndim
        if self.contiguous:
            dims[-1] = "::1"
        return f"{self.dtype}[{', '.join(dims)}]"

    def __repr__(self):
        return f"{self.dtype!r}[{str(self).split('[', 1)[1]}"

    def __eq__(self, other):
        return isinstance(other, ArrayType) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def _key(self):
        return (self.dtype.code, self.ndim, self.contiguous)


class TupleType(_Callable):
    """The return type of a kernel with several outputs."""

    __slots__ = ("types",)

    def __init__(self, types):
        self.types = tuple(_check_type(t, "Tuple item") for t in types)

    def __str__(self):
        return f"({', '.join(str(t) for t in self.types)})"

    def __repr__(self):
        return f"Tuple({', '.join(repr(t) for t in self.types)})"

    def __eq__(self, other):
        return isinstance(other, TupleType) and self.types == other.types

    def __hash__(self):
        return hash(self.types)


def Tuple(*types):
    """``Tuple(f8, i8)`` or Numba's ``Tuple((f8, i8))``."""
    if len(types) == 1 and isinstance(types[0], (tuple, list)):
        types = types[0]
    return TupleType(types)


def UniTuple(dtype, count):
    """``UniTuple(f8, 2)``: the same type ``count`` times."""
    if not isinstance(count, int) or count < 1:
        raise TypeError(f"UniTuple count must be a positive int, got {count!r}")
    return TupleType((dtype,) * count)


class Signature:
    """Argument types and a return type (None: inferred by the compiler)."""

    __slots__ = ("return_type", "args")

    def __init__(self, return_type, args):
        if return_type is not None and not isinstance(
                return_type, (Type, ArrayType, TupleType)):
            raise TypeError(f"not a return type: {return_type!r}")
        if len(args) == 1 and isinstance(args[0], (tuple, list)):
            args = args[0]
        self.return_type = return_type
        self.args = tuple(_check_type(a, "argument type") for a in args)

    def __str__(self):
        args = f"({', '.join(str(a) for a in self.args)})"
        return args if self.return_type is None else f"{self.return_type}{args}"

    def __repr__(self):
        return f"Signature({str(self)!r})"

    def __eq__(self, other):
        return isinstance(other, Signature) and str(self) == str(other)

    def __hash__(self):
        return hash(str(self))


def _check_type(t, what):
    if not isinstance(t, (Type, ArrayType)) or t is void:
        raise TypeError(f"{what} must be a type such as float64 or "
                        f"float64[:], got {t!r}")
    return t


def _is_type(t):
    return isinstance(t, (Type, ArrayType)) and t is not void


def _one_signature(obj):
    if isinstance(obj, str):
        return obj  # the C parser validates it, with a column on error
    if isinstance(obj, Signature):
        return str(obj)
    if isinstance(obj, tuple) and obj and all(_is_type(t) for t in obj):
        return str(Signature(None, obj))
    raise TypeError(
        "a signature is a string like 'f8(f8, f8)', a Signature like "
        "float64(float64, float64), or a tuple of argument types like "
        f"(float64, float64); got {obj!r}")


def normalize_signatures(obj):
    """Signatures as a list of strings in our grammar.

    ``obj`` is one signature (a string, a Signature, or a non-empty tuple of
    argument types whose return type is inferred) or a list or tuple of
    signatures; an empty list or tuple gives ``[]`` (a lazy ufunc).
    Strings pass through unchanged.  Anything else raises TypeError.
    """
    if isinstance(obj, (str, Signature)):
        return [_one_signature(obj)]
    if isinstance(obj, tuple) and obj and all(_is_type(t) for t in obj):
        return [_one_signature(obj)]
    if isinstance(obj, (list, tuple)):
        return [_one_signature(s) for s in obj]
    return [_one_signature(obj)]


# One object per type; the aliases are the same object (int64 is intp).
boolean = bool_ = b1 = Type("b1", "boolean")
int8 = i1 = Type("i1", "int8")
int16 = i2 = Type("i2", "int16")
int32 = i4 = intc = Type("i4", "int32")
int64 = i8 = intp = int_ = Type("i8", "int64")
uint8 = u1 = byte = Type("u1", "uint8")
uint16 = u2 = Type("u2", "uint16")
uint32 = u4 = uintc = Type("u4", "uint32")
uint64 = u8 = uintp = uint = Type("u8", "uint64")
float32 = f4 = single = float_ = Type("f4", "float32")  # float_ as in Numba
float64 = f8 = double = Type("f8", "float64")
complex64 = c8 = csingle = Type("c8", "complex64")
complex128 = c16 = cdouble = Type("c16", "complex128")
void = Type("void", "void")

_BY_CODE = {t.code: t for t in (b1, i1, i2, i4, i8, u1, u2, u4, u8, f4, f8,
                                c8, c16)}


def from_dtype(dtype):
    """The type object of a NumPy dtype, as Numba's ``numba.from_dtype``:
    ``from_dtype(np.float32)`` is ``float32``.  TypeError for a dtype no
    kernel supports (strings, records, float16, ...)."""
    import numpy as np

    dt = np.dtype(dtype)
    code = "b1" if dt.kind == "b" else f"{dt.kind}{dt.itemsize}"
    code = {"f2": None}.get(code, code) if dt.kind in "biufc" else None
    if code is None or code not in _BY_CODE or not dt.isnative:
        raise TypeError(f"dtype {dt} has no ufuncforge type (kernels take "
                        "bool, integers, float32/64 and complex64/128)")
    return _BY_CODE[code]
