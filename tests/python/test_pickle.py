"""Module-level ufuncs pickle by reference (like NumPy's own) and carry the
function's name, doc, module and qualified name."""

import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from ufuncforge import vectorize


@vectorize(["f8(f8)", "f4(f4)"])
def double_it(x):
    """Doubles its argument."""
    return 2.0 * x


@vectorize
def lazy_add(x, y):
    """Adds two values."""
    return x + y


NUMPY_HAS_UFUNC_DICT = hasattr(np.add, "__dict__")  # NumPy >= 2.1


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
@pytest.mark.parametrize("ufunc", [double_it, lazy_add])
def test_round_trip_is_the_same_object(ufunc, protocol):
    assert pickle.loads(pickle.dumps(ufunc, protocol=protocol)) is ufunc


def test_round_trip_inside_a_container():
    data = {"f": double_it, "g": [lazy_add]}
    back = pickle.loads(pickle.dumps(data))
    assert back["f"] is double_it and back["g"][0] is lazy_add
    assert back["f"](np.float32(2.0)) == np.float32(4.0)


@pytest.mark.parametrize("ufunc, name, doc", [
    (double_it, "double_it", "Doubles its argument."),
    (lazy_add, "lazy_add", "Adds two values."),
])
def test_attributes(ufunc, name, doc):
    assert ufunc.__name__ == name
    assert doc in ufunc.__doc__
    if NUMPY_HAS_UFUNC_DICT:
        assert ufunc.__module__ == __name__
        assert ufunc.__qualname__ == name


@pytest.mark.skipif(not NUMPY_HAS_UFUNC_DICT, reason="NumPy < 2.1")
def test_nested_qualname():
    @vectorize(["f8(f8)"])
    def inner(x):
        return x

    assert inner.__qualname__ == "test_nested_qualname.<locals>.inner"
    assert inner.__module__ == __name__


def test_nested_ufunc_does_not_pickle():
    @vectorize(["f8(f8)"])
    def not_at_module_level(x):
        return x

    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        pickle.dumps(not_at_module_level)


def test_unpickles_in_a_fresh_process(tmp_path):
    mod = tmp_path / "ufmod_for_pickle.py"
    mod.write_text(textwrap.dedent('''
        from ufuncforge import vectorize

        @vectorize(['f8(f8)'])
        def triple(x):
            return 3.0 * x
    '''))
    code = textwrap.dedent('''
        import pickle, sys
        sys.path.insert(0, sys.argv[1])
        if sys.argv[2] == "dump":
            import ufmod_for_pickle
            sys.stdout.buffer.write(pickle.dumps(ufmod_for_pickle.triple))
        else:
            f = pickle.loads(sys.stdin.buffer.read())
            print(f.__name__, f(2.0))
    ''')
    blob = subprocess.run([sys.executable, "-c", code, str(tmp_path), "dump"],
                          capture_output=True, check=True).stdout
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path), "load"],
                         input=blob, capture_output=True, check=True).stdout
    assert out.decode().split() == ["triple", "6.0"]
