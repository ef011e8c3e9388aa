"""inspect_kir / inspect_types / inspect_llvm / inspect_asm: the text of
each compiler stage, per compiled signature or for one signature."""

import re

import numpy as np
import pytest

import ufuncforge as uf
from ufuncforge import (_core, inspect_asm, inspect_kir, inspect_llvm,
                        inspect_types, vectorize)


def leaky_relu(x):
    return x if x > 0.0 else 0.01 * x


@pytest.fixture(scope="module")
def eager():
    return vectorize(["f8(f8)", "f4(f4)"])(leaky_relu)


INSPECTORS = [inspect_kir, inspect_types, inspect_llvm, inspect_asm]


@pytest.mark.parametrize("inspector", INSPECTORS)
def test_every_compiled_signature(eager, inspector):
    texts = inspector(eager)
    assert set(texts) == {"f8(f8)", "f4(f4)"}
    assert all(isinstance(t, str) and t for t in texts.values())


def same_text(a, b):
    """Equal up to the per-compile counter in LLVM module names."""
    def norm(t):
        return re.sub(r"(uf\.\w+)\.\d+", r"\1.N", t)
    return norm(a) == norm(b)


@pytest.mark.parametrize("inspector", INSPECTORS)
def test_one_signature(eager, inspector):
    assert same_text(inspector(eager, "f8(f8)"), inspector(eager)["f8(f8)"])
    assert isinstance(inspector(eager, uf.float32(uf.float32)), str)


def test_kir_text(eager):
    kir = inspect_kir(eager, "f8(f8)")
    assert kir.startswith("(kernel leaky_relu (x)")
    assert "select" in kir or "if" in kir
    # the printed text parses back to the same kernel
    assert _core.kernel_from_kir(kir).kir == kir


def test_types_text(eager):
    assert "x:f8" in inspect_types(eager, "f8(f8)")
    f4 = inspect_types(eager, "f4(f4)")
    # the literal 0.01 is weak: the product stays f4
    assert re.search(r"\(\* 0\.01\S* x:f4\):f4", f4), f4


def test_llvm_text(eager):
    opt = inspect_llvm(eager, "f8(f8)")
    raw = inspect_llvm(eager, "f8(f8)", optimized=False)
    assert "define" in opt and "define" in raw
    assert opt != raw
    assert re.search(r"<\d+ x double>", opt), "the contiguous loop vectorizes"
    assert re.search(r"<\d+ x float>", inspect_llvm(eager, "f4(f4)"))


def test_asm_text(eager):
    asm = inspect_asm(eager, "f8(f8)")
    assert "ret" in asm


def test_signature_not_compiled_yet_is_compiled_for_inspection(eager):
    text = inspect_types(eager, "f8(i4)")
    assert "x:i4" in text


def test_inferred_signature_is_shown_concrete():
    f = vectorize(["(f8, f8)"])(lambda x, y: x * y)
    assert list(inspect_kir(f)) == ["f8(f8, f8)"]


def test_lazy_ufunc_shows_what_calls_compiled():
    f = vectorize(leaky_relu)
    assert inspect_llvm(f) == {}
    f(np.ones(3, np.float32))
    assert list(inspect_kir(f)) == ["f4(f4)"]
    f(np.ones(3, np.int16))
    assert len(inspect_asm(f)) == 2


@pytest.mark.parametrize("obj", [np.add, np.frompyfunc(abs, 1, 1),
                                 leaky_relu, 42, "f8(f8)"])
@pytest.mark.parametrize("inspector", INSPECTORS)
def test_not_a_ufuncforge_ufunc(obj, inspector):
    with pytest.raises(TypeError):
        inspector(obj)


def test_bad_signature_argument(eager):
    with pytest.raises(TypeError):
        inspect_kir(eager, ["f8(f8)", "f4(f4)"])
    with pytest.raises(TypeError):
        inspect_kir(eager, 3)
    with pytest.raises(uf.CompileError):
        inspect_kir(eager, "f8(f9)")
