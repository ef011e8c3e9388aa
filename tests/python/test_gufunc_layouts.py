"""guvectorize layouts: every form of the layout grammar (src/gufunc/gufunc.h),
valid ones checked against NumPy and invalid ones for their CompileError
(position and message), plus the ``signature`` NumPy is given."""

import re

import numpy as np
import pytest
from conftest import assert_same

from ufuncforge import CompileError, guvectorize

F8_2 = "void(f8[:], f8[:])"
F8_3 = "void(f8[:], f8[:], f8[:])"


def take_first(a, out):
    out[0] = a[0]


# ---- named dims -------------------------------------------------------------

@guvectorize([F8_3], "(n),(n)->(n)")
def add_rows(a, b, out):
    for i in range(a.shape[0]):
        out[i] = a[i] + b[i]


def test_named_dims_elementwise(rng):
    a, b = rng.standard_normal((4, 6)), rng.standard_normal((4, 6))
    assert_same(add_rows(a, b), a + b)
    assert add_rows.signature == "(n),(n)->(n)"
    assert (add_rows.nin, add_rows.nout) == (2, 1)


def test_named_dim_mismatch_is_value_error():
    with pytest.raises(ValueError, match="core dimension"):
        add_rows(np.ones(3), np.ones(4))


@pytest.mark.parametrize("layout, canonical", [
    ("(n),(n)->(n)", "(n),(n)->(n)"),
    (" ( n ) , ( n ) -> ( n ) ", "(n),(n)->(n)"),
    ("(n),(n) ->(n)", "(n),(n)->(n)"),
])
def test_spaces_are_allowed(layout, canonical):
    f = guvectorize([F8_3], layout)(_add_rows_py)
    assert f.signature == canonical
    assert_same(f(np.arange(3.0), np.ones(3)), np.arange(3.0) + 1)


def _add_rows_py(a, b, out):
    for i in range(a.shape[0]):
        out[i] = a[i] + b[i]


def test_long_dim_names():
    f = guvectorize([F8_3], "(rows),(rows)->(rows)")(_add_rows_py)
    assert f.signature == "(rows),(rows)->(rows)"
    assert_same(f(np.arange(4.0), np.arange(4.0)), 2 * np.arange(4.0))


# ---- repeated dims -------------------------------------------------------

@guvectorize(["void(f8[:, :], f8[:])", "void(i8[:, :], i8[:])"],
             "(n,n)->(n)")
def diagonal(a, out):
    for i in range(a.shape[0]):
        out[i] = a[i, i]


@pytest.mark.parametrize("dtype", [np.float64, np.int64])
def test_repeated_dim_diagonal(dtype):
    a = np.arange(2 * 4 * 4).reshape(2, 4, 4).astype(dtype)
    assert_same(diagonal(a), np.diagonal(a, axis1=-2, axis2=-1))
    assert diagonal.signature == "(n,n)->(n)"


def test_repeated_dim_must_agree():
    with pytest.raises(ValueError, match="core dimension"):
        diagonal(np.ones((3, 4)))


# ---- scalar cores ----------------------------------------------------------

@guvectorize(["void(f8, f8, f8[:])"], "(),()->()")
def scalar_add(x, y, out):
    out[0] = x + y


def test_scalar_cores_behave_as_a_ufunc(rng):
    x, y = rng.standard_normal((3, 1)), rng.standard_normal(5)
    assert_same(scalar_add(x, y), x + y)
    # NumPy turns the core off when every operand is "()": no signature,
    # as for np.add
    assert scalar_add.signature is None


def test_scalar_cores_with_python_scalars():
    r = scalar_add(1.5, 2.0)
    assert r == 3.5 and np.ndim(r) == 0


# ---- several outputs -------------------------------------------------------

@guvectorize([F8_3, "void(i4[:], i4[:], i4[:])"], "(n)->(),()")
def min_max(a, lo, hi):
    lo[0] = a[0]
    hi[0] = a[0]
    for i in range(1, a.shape[0]):
        if a[i] < lo[0]:
            lo[0] = a[i]
        if a[i] > hi[0]:
            hi[0] = a[i]


@pytest.mark.parametrize("dtype", [np.float64, np.int32])
def test_two_outputs_min_and_max(rng, dtype):
    a = (rng.standard_normal((5, 7)) * 100).astype(dtype)
    lo, hi = min_max(a)
    assert_same(lo, a.min(axis=-1))
    assert_same(hi, a.max(axis=-1))
    assert (min_max.nin, min_max.nout) == (1, 2)
    assert min_max.signature == "(n)->(),()"


def test_two_outputs_with_out_tuple(rng):
    a = rng.standard_normal((3, 4))
    lo, hi = np.empty(3), np.empty(3)
    res = min_max(a, out=(lo, hi))
    assert res[0] is lo and res[1] is hi
    assert_same(lo, a.min(-1))
    assert_same(hi, a.max(-1))


# ---- no outputs -------------------------------------------------------------

def accumulate_into(a, acc):
    for i in range(a.shape[0]):
        acc[i] += a[i]


@pytest.mark.parametrize("writable", [(1,), ("acc",), 1, "acc", (-1,)])
def test_no_outputs_writes_into_writable_input(writable):
    f = guvectorize([F8_2], "(n),(n)", writable_args=writable)(accumulate_into)
    assert (f.nin, f.nout) == (2, 0)
    assert f.signature == "(n),(n)"
    x = np.arange(6.0).reshape(2, 3)
    acc = np.ones((2, 3))
    f(x, acc)
    assert_same(acc, x + 1)
    f(x, acc)
    assert_same(acc, 2 * x + 1)


def test_no_outputs_writes_through_a_strided_view():
    f = guvectorize([F8_2], "(n),(n)", writable_args=(1,))(accumulate_into)
    x = np.arange(6.0).reshape(2, 3)
    acc = np.zeros((3, 2))
    f(x.T, acc)
    assert_same(acc, x.T)
    acc = np.zeros((2, 6))
    f(x, acc[:, ::2])
    assert_same(acc[:, ::2], x)
    assert_same(acc[:, 1::2], np.zeros((2, 3)))


def test_no_outputs_writes_back_a_cast_copy():
    f = guvectorize([F8_2], "(n),(n)", writable_args=("acc",))(accumulate_into)
    acc = np.zeros(3, np.float32)
    f(np.arange(3.0), acc)
    assert_same(acc, np.arange(3, dtype=np.float32))


def test_no_outputs_without_writable_args_writes_in_place():
    """The kernel's stores say which input is written: no writable_args
    needed (Numba needs it, and loses the stores into a cast copy)."""
    f = guvectorize([F8_2], "(n),(n)")(accumulate_into)
    x = np.arange(6.0).reshape(2, 3)
    acc = np.ones((2, 3))
    f(x, acc)
    assert_same(acc, x + 1)
    acc32 = np.ones((2, 3), np.float32)
    f(x, acc32)
    assert_same(acc32, (x + 1).astype(np.float32))


# ---- frozen dims ---------------------------------------------------------

@guvectorize([F8_3, "void(f4[:], f4[:], f4[:])"], "(3),(3)->(3)")
def cross(a, b, out):
    out[0] = a[1] * b[2] - a[2] * b[1]
    out[1] = a[2] * b[0] - a[0] * b[2]
    out[2] = a[0] * b[1] - a[1] * b[0]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_frozen_cross_product(rng, dtype):
    a = rng.standard_normal((5, 3)).astype(dtype)
    b = rng.standard_normal((5, 3)).astype(dtype)
    assert_same(cross(a, b), np.cross(a, b), rtol=1e-5)
    assert cross.signature == "(3),(3)->(3)"


def test_frozen_cross_product_broadcasts_loop_dims(rng):
    a, b = rng.standard_normal((4, 1, 3)), rng.standard_normal((2, 3))
    assert_same(cross(a, b), np.cross(a, b))


@pytest.mark.parametrize("shape", [(4,), (2,), (5, 2)])
def test_frozen_wrong_size_is_value_error(shape):
    with pytest.raises(ValueError):
        cross(np.ones(shape), np.ones(3))


def test_frozen_output_size_from_no_input():
    f = guvectorize([F8_2], "(n)->(2)")(_first_two)
    assert f.signature == "(n)->(2)"
    assert_same(f(np.arange(12.0).reshape(3, 4)),
                np.arange(12.0).reshape(3, 4)[:, :2])


def _first_two(a, out):
    out[0] = a[0]
    out[1] = a[1]


def test_frozen_and_named_mixed(rng):
    def norms(v, out):
        for i in range(v.shape[0]):
            out[i] = np.sqrt(v[i, 0] ** 2 + v[i, 1] ** 2 + v[i, 2] ** 2)

    f = guvectorize(["void(f8[:, :], f8[:])"], "(n,3)->(n)")(norms)
    v = rng.standard_normal((2, 5, 3))
    assert_same(f(v), np.linalg.norm(v, axis=-1))
    with pytest.raises(ValueError):
        f(np.ones((5, 4)))


# ---- optional dims (matmul) ------------------------------------------------

def _matmul(a, b, out):
    for i in range(a.shape[0]):
        for j in range(b.shape[1]):
            s = 0.0
            for k in range(a.shape[1]):
                s += a[i, k] * b[k, j]
            out[i, j] = s


MATMUL_LAYOUT = "(n?,k),(k,m?)->(n?,m?)"  # NumPy's own, letter for letter
opt_matmul = guvectorize(["void(f8[:, :], f8[:, :], f8[:, :])"],
                         MATMUL_LAYOUT)(_matmul)


def test_optional_layout_is_numpy_matmul_signature():
    assert opt_matmul.signature == np.matmul.signature


@pytest.mark.parametrize("sa, sb", [
    ((2, 3), (3, 4)),
    ((3,), (3, 4)),
    ((2, 3), (3,)),
    ((3,), (3,)),
    ((5, 2, 3), (3,)),
    ((3,), (5, 3, 4)),
    ((5, 1, 2, 3), (4, 3, 2)),
])
def test_optional_dims_match_numpy_matmul(rng, sa, sb):
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    got, want = opt_matmul(a, b), np.matmul(a, b)
    assert np.shape(got) == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-13)


def test_optional_mismatch_is_value_error():
    with pytest.raises(ValueError):
        opt_matmul(np.ones(3), np.ones(4))


def test_missing_optional_dim_is_seen_as_size_one():
    def shapes(a, out):
        out[0] = a.shape[0]
        out[1] = a.shape[1]

    f = guvectorize(["void(f8[:, :], i8[:])"], "(m?,n)->(2)")(shapes)
    assert_same(f(np.ones(5)), np.array([1, 5]))
    assert_same(f(np.ones((3, 5))), np.array([3, 5]))


def test_optional_output_dim_dropped_from_result():
    def rowsums(a, out):
        for i in range(a.shape[0]):
            s = 0.0
            for j in range(a.shape[1]):
                s += a[i, j]
            out[i] = s

    f = guvectorize(["void(f8[:, :], f8[:])"], "(m?,n)->(m?)")(rowsums)
    x = np.arange(6.0)
    r = f(x)
    assert np.ndim(r) == 0 and r == x.sum()
    assert_same(f(x.reshape(2, 3)), x.reshape(2, 3).sum(-1))


# ---- broadcastable dims n|1 -------------------------------------------------

@guvectorize([F8_3], "(n),(n|1)->(n)")
def add_bcast(a, b, out):
    for i in range(a.shape[0]):
        out[i] = a[i] + b[i]


def test_broadcastable_full_size(rng):
    a, b = rng.standard_normal((3, 5)), rng.standard_normal((3, 5))
    assert_same(add_bcast(a, b), a + b)


def test_broadcastable_size_one_is_broadcast_inside_the_core(rng):
    a, b = rng.standard_normal((3, 5)), rng.standard_normal((3, 1))
    assert_same(add_bcast(a, b), a + b)
    assert_same(add_bcast(a[0], np.array([2.0])), a[0] + 2.0)


def test_broadcastable_kernel_sees_the_full_size():
    def sizes(a, b, out):
        out[0] = b.shape[0]
        out[1] = len(b)

    f = guvectorize(["void(f8[:], f8[:], i8[:])"], "(n),(n|1)->(2)")(sizes)
    assert_same(f(np.ones(4), np.ones(1)), np.array([4, 4]))
    assert_same(f(np.ones(4), np.ones(4)), np.array([4, 4]))


def test_broadcastable_with_loop_broadcasting(rng):
    a, b = rng.standard_normal((2, 1, 4)), rng.standard_normal((3, 1))
    assert_same(add_bcast(a, b), a + b)


@guvectorize(["void(f8[:], f8[:], f8[:], f8[:])"], "(n),(n|1),(n|1)->(n)")
def fma_bcast(a, b, c, out):
    for i in range(a.shape[0]):
        out[i] = a[i] * b[i] + c[i]


@pytest.mark.parametrize("sb, sc", [(4, 4), (1, 4), (4, 1), (1, 1)])
def test_two_broadcastable_operands(rng, sb, sc):
    a, b, c = (rng.standard_normal(4), rng.standard_normal(sb),
               rng.standard_normal(sc))
    assert_same(fma_bcast(a, b, c), a * b + c)


def test_two_broadcastable_operands_wrong_size():
    with pytest.raises(ValueError, match="'n\\|1' has size 2"):
        fma_bcast(np.ones(4), np.ones(4), np.ones(2))


def test_plain_dim_of_size_one_with_broadcastable_of_full_size():
    # n is 1 here, so n|1 must be 1 as well
    with pytest.raises(ValueError, match="expected 1"):
        fma_bcast(np.ones(1), np.ones(4), np.ones(4))


@pytest.mark.parametrize("shape_b", [(2, 3), (1, 3), (2, 1), (1, 1)])
def test_broadcastable_2d_core(rng, shape_b):
    def add2(a, b, out):
        for i in range(a.shape[0]):
            for j in range(a.shape[1]):
                out[i, j] = a[i, j] + b[i, j]

    f = guvectorize(["void(f8[:, :], f8[:, :], f8[:, :])"],
                    "(m,n),(m|1,n|1)->(m,n)")(add2)
    a, b = rng.standard_normal((4, 2, 3)), rng.standard_normal(shape_b)
    assert_same(f(a, b), a + b)
    assert_same(f(a, b.T.copy().T), a + b)  # other strides
    with pytest.raises(ValueError, match="'m\\|1' has size 3"):
        f(a, np.ones((3, 3)))


def _spread(a, out):
    for i in range(out.shape[0]):
        out[i] = 2.0 * a[i]


def test_broadcastable_input_to_output_only_dim():
    f = guvectorize([F8_2], "(n|1)->(n)")(_spread)
    assert_same(f(np.array([1.5]), out=np.empty(4)), np.full(4, 3.0))
    assert_same(f(np.arange(4.0), out=np.empty(4)), 2.0 * np.arange(4.0))
    with pytest.raises(ValueError, match="pass out="):
        f(np.ones(1))
    with pytest.raises(ValueError, match="'n\\|1'"):
        f(np.ones(3), out=np.empty(4))


@pytest.mark.parametrize("size", [2, 3, 7])
def test_broadcastable_wrong_size_names_the_dim(size):
    with pytest.raises(ValueError) as info:
        add_bcast(np.ones(4), np.ones(size))
    msg = str(info.value)
    assert "'n|1'" in msg
    assert f"size {size}" in msg
    assert "1 or 4" in msg
    assert "add_bcast" in msg


def test_broadcastable_signature_gives_numpy_a_fresh_name():
    m = re.fullmatch(r"\(n\),\((\w+)\)->\(n\)", add_bcast.signature)
    assert m is not None, add_bcast.signature
    assert m.group(1) != "n"


# ---- output-only dims ------------------------------------------------------

@guvectorize([F8_2, "void(i8[:], i8[:])"], "()->(n)")
def ramp(start, out):
    for i in range(out.shape[0]):
        out[i] = start[0] + i


def test_output_only_dim_from_out():
    out = np.empty(5)
    r = ramp(2.0, out=out)
    assert r is out
    assert_same(out, 2.0 + np.arange(5.0))
    assert ramp.signature == "()->(n)"


def test_output_only_dim_with_loop_dims():
    out = np.empty((3, 4), np.int64)
    ramp(np.array([0, 10, 20]), out=out)
    assert_same(out, np.array([0, 10, 20])[:, None] + np.arange(4))


def test_output_only_dim_without_out_asks_for_out():
    with pytest.raises(ValueError, match="pass out=") as info:
        ramp(1.0)
    assert "'n'" in str(info.value)


def test_output_only_dim_of_size_zero():
    out = np.empty((2, 0))
    ramp(np.ones(2), out=out)
    assert out.shape == (2, 0)


# ---- computed output sizes -------------------------------------------------

@guvectorize([F8_2], "(n)->(n+1)")
def cumsum0(a, out):
    out[0] = 0.0
    for i in range(a.shape[0]):
        out[i + 1] = out[i] + a[i]


@guvectorize([F8_3, "void(i8[:], i8[:], i8[:])"], "(m),(n)->(m+n-1)")
def convolve(a, b, out):
    for k in range(out.shape[0]):
        out[k] = 0
    for i in range(a.shape[0]):
        for j in range(b.shape[0]):
            out[i + j] += a[i] * b[j]


@guvectorize([F8_2], "(n)->(2*n)")
def repeat2(a, out):
    for i in range(a.shape[0]):
        out[2 * i] = a[i]
        out[2 * i + 1] = a[i]


@guvectorize([F8_2], "(n)->(n-1)")
def diff(a, out):
    for i in range(out.shape[0]):
        out[i] = a[i + 1] - a[i]


@pytest.mark.parametrize("n", [0, 1, 6])
def test_computed_n_plus_one(rng, n):
    a = rng.standard_normal((3, n))
    want = np.concatenate([np.zeros((3, 1)), np.cumsum(a, axis=-1)], axis=-1)
    assert_same(cumsum0(a), want)


@pytest.mark.parametrize("m, n", [(4, 3), (1, 5), (6, 1), (7, 7)])
def test_computed_full_convolution(rng, m, n):
    a, b = rng.standard_normal(m), rng.standard_normal(n)
    assert_same(convolve(a, b), np.convolve(a, b))
    ai = rng.integers(-9, 9, m)
    bi = rng.integers(-9, 9, n)
    assert_same(convolve(ai, bi), np.convolve(ai, bi))


def test_computed_convolution_with_loop_dims(rng):
    a, b = rng.standard_normal((3, 5)), rng.standard_normal((2, 1, 4))
    got = convolve(a, b)
    assert got.shape == (2, 3, 8)
    for i in range(2):
        for j in range(3):
            np.testing.assert_allclose(got[i, j], np.convolve(a[j], b[i, 0]),
                                       rtol=1e-13)


def test_computed_two_n(rng):
    a = rng.standard_normal((2, 5))
    assert_same(repeat2(a), np.repeat(a, 2, axis=-1))


def test_computed_n_minus_one(rng):
    a = rng.standard_normal((3, 6))
    assert_same(diff(a), np.diff(a, axis=-1))


def test_computed_negative_size_is_value_error():
    with pytest.raises(ValueError, match="n-1") as info:
        diff(np.ones((2, 0)))
    assert "-1" in str(info.value)


def test_computed_size_with_matching_out(rng):
    a = rng.standard_normal((2, 4))
    out = np.full((2, 5), np.nan)
    assert cumsum0(a, out=out) is out
    assert_same(out[:, 1:], np.cumsum(a, axis=-1))


@pytest.mark.parametrize("size", [4, 6, 1])
def test_computed_size_with_mismatched_out(size):
    with pytest.raises(ValueError) as info:
        cumsum0(np.ones(4), out=np.empty(size))
    msg = str(info.value)
    assert "'n+1'" in msg and "is 5" in msg and f"has {size}" in msg


def test_computed_convolution_mismatched_out_names_sizes():
    with pytest.raises(ValueError) as info:
        convolve(np.ones(4), np.ones(3), out=np.empty(5))
    msg = str(info.value)
    assert "m+n-1" in msg and "m=4" in msg and "n=3" in msg


def test_computed_linear_expression():
    def fill(a, out):
        for i in range(out.shape[0]):
            out[i] = i

    f = guvectorize(["void(f8[:, :], f8[:])"], "(m,n)->(2*m+3*n-4)")(fill)
    assert_same(f(np.ones((2, 5))), np.arange(15.0))


def test_computed_signature_gives_numpy_a_fresh_name():
    m = re.fullmatch(r"\(m\),\(n\)->\((\w+)\)", convolve.signature)
    assert m is not None, convolve.signature
    assert m.group(1) not in ("m", "n")


# ---- layout given as a keyword ---------------------------------------------

@pytest.mark.parametrize("kw", ["signature", "layout"])
def test_layout_keyword(kw):
    f = guvectorize([F8_2], **{kw: "(n)->()"})(take_first)
    assert f.signature == "(n)->()"
    assert_same(f(np.arange(6.0).reshape(2, 3)), np.array([0.0, 3.0]))


def test_layout_of_wrong_type():
    with pytest.raises(TypeError, match="layout"):
        guvectorize([F8_2], 3)(take_first)


# ---- malformed layouts ---------------------------------------------------

@pytest.mark.parametrize("layout, col, fragment", [
    ("(n", 3, "expected ')' or ','"),
    ("(n)->", 6, "expected '('"),
    ("(n)->(m+1)", 7, "'m' in an output size must appear in an input"),
    ("(n),(n)->(n|1)", 11, "only allowed in inputs"),
    ("(n),(n|1)->(n|1)", 13, "only allowed in inputs"),
    ("(n?),(n)", 7, "must be written 'n?' everywhere"),
    ("(n?),(n)->(n)", 7, "must be written 'n?' everywhere"),
    ("(0)->()", 2, "at least 1"),
    ("(1+2)->()", 2, "only allowed in outputs"),
    ("x", 1, "expected '('"),
    ("", 1, "expected a layout"),
    ("(n)->()junk", 8, "end of layout"),
    ("(n,)->()", 4, "expected a dimension name or size"),
    ("(n)->(n*m)", 9, "expected a number after '*'"),
    ("(n)->(n+n)", 9, "duplicate name 'n'"),
    ("(n)->(n-n)", 9, "duplicate name 'n'"),
    ("(n?)->(n+1)", 8, "optional dimension 'n?'"),
    ("(n|1)->()", 2, "needs 'n' elsewhere"),
    ("(n?|1)->()", 2, "cannot be combined"),
    ("(n)->(1+2)", 7, "needs a dimension name"),
    ("(n)->(n|2)", 9, "expected '1' after '|'"),
    ("(n)->(3n)", 7, "expected a dimension name or size"),
    ("(n)->(n+)", 9, "after '+'"),
    ("(n)-()", 4, "'->'"),
    ("(n),->()", 5, "expected '('"),
    ("(n@)->()", 3, "unknown character '@'"),
    ("(n)->(-n)", 7, "expected a dimension name or size"),
])
def test_malformed_layout_points_at_the_error(layout, col, fragment):
    with pytest.raises(CompileError) as info:
        guvectorize(layout)(take_first)
    lines = str(info.value).splitlines()
    first, text, caret = lines[0], lines[1], lines[2]
    assert first.startswith("<layout>:1:"), first
    assert f":1:{col}: error:" in first, first
    assert fragment in first, first
    assert text.strip() == layout.strip()
    assert caret.index("^") - 4 == col - 1, (text, caret)


@pytest.mark.parametrize("layout", ["(n", "(n)->(m+1)", "(0)->()"])
def test_malformed_layout_is_reported_with_signatures_too(layout):
    with pytest.raises(CompileError, match="<layout>:1:"):
        guvectorize([F8_2], layout)(take_first)


def test_malformed_layout_error_is_a_type_error():
    # CompileError subclasses TypeError, as for vectorize
    with pytest.raises(TypeError):
        guvectorize("(n")(take_first)
