"""ufunc.types and ufunc.ntypes list the loops as for NumPy's own ufuncs
('dd->d', one entry per loop, in dispatch order), for vectorize and
guvectorize, eager and lazy (growing as calls compile loops), on cpu and
parallel.  The reference is NumPy's type characters of the dtypes each
loop takes (np.dtype(code).char)."""

import numpy as np
import pytest

from ufuncforge import guvectorize, vectorize

TARGETS = ["cpu", "parallel"]
CHAR = {c: np.dtype(c if c != "b1" else "?").char
        for c in ["b1", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8",
                  "f4", "f8", "c8", "c16"]}


def entry(ins, outs):
    """NumPy's types entry for loop type codes |ins| -> |outs|."""
    return "".join(CHAR[c] for c in ins) + "->" + "".join(CHAR[c] for c in outs)


def plus(a, b):
    return a + b


def sincos(x):
    return x * 2.0, x * 3.0


@pytest.fixture(params=TARGETS)
def target(request):
    return request.param


def test_eager_vectorize_lists_its_loops_in_order(target):
    f = vectorize(["f8(f8, f8)", "f4(f4, f4)", "i8(i8, i8)", "u1(u1, u1)",
                   "c16(c16, c16)", "b1(b1, b1)"], target=target)(plus)
    want = [entry(["f8", "f8"], ["f8"]), entry(["f4", "f4"], ["f4"]),
            entry(["i8", "i8"], ["i8"]), entry(["u1", "u1"], ["u1"]),
            entry(["c16", "c16"], ["c16"]), entry(["b1", "b1"], ["b1"])]
    assert f.types == want
    assert f.ntypes == len(want)
    assert f.types[:2] == ["dd->d", "ff->f"]


def test_mixed_and_inferred_types(target):
    f = vectorize(["f8(f8, i4)", "(f4, i8)"], target=target)(plus)
    # '(f4, i8)' infers f8 (NumPy: float32 + int64 is float64)
    assert f.types == [entry(["f8", "i4"], ["f8"]), entry(["f4", "i8"], ["f8"])]


def test_several_outputs(target):
    f = vectorize(["(f8, f8)(f8)", "UniTuple(f4, 2)(f4)"],
                  target=target)(sincos)
    assert f.types == ["d->dd", "f->ff"]
    assert f.ntypes == 2


def test_duplicate_signatures_are_one_loop():
    f = vectorize(["f8(f8, f8)", "float64(double, f8)", "f8, f8"])(plus)
    assert f.types == ["dd->d"]


def test_lazy_vectorize_grows_as_loops_compile(target):
    f = vectorize(target=target)(plus)
    assert f.types == [] and f.ntypes == 0
    f(np.ones(2, np.float32), np.ones(2, np.float32))
    assert f.types == ["ff->f"]
    f(np.arange(3, dtype=np.int16), 2)           # 2 is weak: int16
    f(np.ones(2), np.arange(2, dtype=np.int8))
    assert f.types == ["ff->f", "hh->h", "db->d"]
    assert f.ntypes == 3
    f(np.ones(2, np.float32), np.ones(2, np.float32))   # nothing new
    assert f.ntypes == 3
    for i in range(12):                          # the table grows past 4
        f(np.ones(2, [np.uint8, np.uint16, np.int32][i % 3]),
          np.ones(2, [np.float32, np.complex64, np.int64, np.uint32][i % 4]))
    assert f.ntypes == len(f.types) == len(set(f.types))
    for t in f.types:
        ins, out = t.split("->")
        assert np.dtype(out) == np.result_type(*[np.dtype(c) for c in ins])


def first(a, out):
    out[0] = a[0]


def test_guvectorize_lists_its_loops(target):
    f = guvectorize(["void(f8[:], f8[:])", "f4[:], f4[:]",
                     "void(i4[:], i8[:])"], "(n)->()", target=target)(first)
    assert f.types == ["d->d", "f->f", "i->l"]
    assert f.ntypes == 3


def accumulate_into(a, acc):
    for i in range(a.shape[0]):
        acc[i] += a[i]


def test_gufunc_without_outputs(target):
    f = guvectorize(["void(f8[:], f8[:])", "void(f4[:], f4[:])"], "(n),(n)",
                    target=target)(accumulate_into)
    assert f.types == ["dd->", "ff->"]


def test_lazy_guvectorize_grows(target):
    f = guvectorize("(n)->()", target=target)(first)
    assert f.types == []
    f(np.ones((2, 3), np.float32))
    f(np.arange(6).reshape(2, 3))
    assert f.types == ["f->f", "l->l"]


def test_no_loop_error_is_numpys():
    """The no-loop error is NumPy's UFuncTypeError, whose cause lists the
    loops."""
    f = vectorize(["f8(f8, f8)", "f4(f4, f4)"])(plus)
    with pytest.raises(TypeError, match="did not contain a loop with "
                       "signature matching types") as info:
        f(np.ones(2, np.complex128), 1.0)
    assert "['dd->d', 'ff->f']" in str(info.value.__cause__)
    with pytest.raises(TypeError, match="did not contain a loop"):
        f(np.array(["a"]), 1.0)
    with pytest.raises(TypeError, match="did not contain a loop"):
        f.reduce(np.ones(3, np.complex64))
    with pytest.raises(TypeError, match="did not contain a loop"):
        f(np.ones(2), 1.0, dtype=np.int8)
