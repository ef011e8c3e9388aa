"""The front end's array syntax (gufunc kernels): each Python form and the
kir it becomes, and each unsupported form with its CompileError (message,
file, line and column).  Only translation is tested here: the kir text,
checked by kir_verify inside translate, and read back by the kir parser."""

import inspect
import re

import numpy as np
import pytest

import ufuncforge as uf
from ufuncforge import CompileError, _core

GLOBAL_ARRAY = np.zeros(3)
AXIS = 1


def kir(func, outputs=0):
    """The kir text |func| translates to; |outputs| trailing arguments
    are a gufunc's outputs."""
    from ufuncforge._funcmap import funcmap
    from ufuncforge._source import extract, load_helper

    fdef, source, resolve = extract(func)
    args = (fdef, source, resolve, funcmap(), load_helper)
    return _core.translate(*args, *((outputs,) if outputs else ())).kir


def body(func, outputs=0):
    """The statements of |func|'s kir, one per line, without indentation;
    the text also reads back to itself through the kir parser."""
    text = kir(func, outputs)
    assert _core.kernel_from_kir(text).kir == text
    assert text.endswith(")")
    return [line.strip() for line in text[:-1].splitlines()[1:]]


def translate_error(func, outputs=0):
    with pytest.raises(CompileError) as info:
        kir(func, outputs)
    return str(info.value)


def locate(func, needle):
    """(line, col), 1-based, of the first |needle| in |func|'s source."""
    lines, first = inspect.getsourcelines(func)
    for i, line in enumerate(lines):
        col = line.find(needle)
        if col >= 0:
            return first + i, col + 1
    raise AssertionError(f"{needle!r} is not in {func.__name__}")


def assert_error_at(func, needle, pattern, outputs=0):
    """Translating |func| fails with a message matching |pattern| that
    names the file, line and column of |needle| and puts a caret under
    it."""
    message = translate_error(func, outputs)
    line, col = locate(func, needle)
    head, text, caret = message.splitlines()[:3]
    where = f"{func.__code__.co_filename}:{line}:{col}: error: "
    assert head.startswith(where), (where, message)
    assert caret.index("^") - 4 == col - 1, message
    assert re.search(pattern, head[len(where):]), (pattern, head)


# ---- loads ---------------------------------------------------------------

def element_loads(a, i, j, out):
    out[0] = a[i] + a[i, j] + a[i][j] + a[-1] + a[i + 1, -j]


def test_element_loads():
    assert body(element_loads) == [
        "(store out 0 (+ (+ (+ (+ (load a i) (load a i j)) "
        "(load (load a i) j)) (load a -1)) (load a (+ i 1) (neg j))))"]


def slices(a, i, j, k):
    b = a[i:j]
    b = a[::2]
    b = a[::-1]
    b = a[1:]
    b = a[:i]
    b = a[i:j, k]
    b = a[:, j]
    b = a[None:3:None]
    b = a[1:][0]
    return b


def test_slices_are_views():
    assert body(slices) == [
        "(set b (load a (slice i j None)))",
        "(set b (load a (slice None None 2)))",
        "(set b (load a (slice None None -1)))",
        "(set b (load a (slice 1 None None)))",
        "(set b (load a (slice None i None)))",
        "(set b (load a (slice i j None) k))",
        "(set b (load a (slice None None None) j))",
        "(set b (load a (slice None 3 None)))",
        "(set b (load (load a (slice 1 None None)) 0))",
        "(return b)"]


def index_by_constant(a, out):
    out[0] = a[AXIS]


def test_index_by_frozen_global():
    assert body(index_by_constant) == ["(store out 0 (load a 1))"]


# ---- stores --------------------------------------------------------------

def element_stores(a, i, j, v):
    a[i] = v
    a[i, j] = v
    a[-1] = 0


def test_element_stores():
    assert body(element_stores) == [
        "(store a i v)", "(store a i j v)", "(store a -1 0)"]


def augmented_stores(a, i, j, v):
    a[i] += v
    a[i, j] *= 2
    a[i + 1] -= v
    a[i] //= v
    a[i] **= 2
    a[i] |= 1


def test_augmented_stores_load_op_store():
    assert body(augmented_stores) == [
        "(store a i (+ (load a i) v))",
        "(store a i j (* (load a i j) 2))",
        "(store a (+ i 1) (- (load a (+ i 1)) v))",
        "(store a i (// (load a i) v))",
        "(store a i (** (load a i) 2))",
        "(store a i (| (load a i) 1))"]


def output_store(x, out):
    out[0] = x * 2.0


def test_store_into_a_0d_output():
    assert body(output_store, outputs=1) == ["(store out 0 (* x 2.0))"]


def store_into_views(a, i, j, v):
    a[i][j] = v
    a[1:][j] = v
    a[i][j] += v


def test_store_into_a_view_binds_it_first():
    assert body(store_into_views) == [
        "(set __view_1 (load a i))",
        "(store __view_1 j v)",
        "(set __view_2 (load a (slice 1 None None)))",
        "(store __view_2 j v)",
        "(set __view_3 (load a i))",
        "(store __view_3 j (+ (load __view_3 j) v))"]


def store_forms(a, b, x):
    a[0] = b[0] = x
    a[1], b[1] = x, 2.0
    a[2]: float = x


def test_multiple_and_tuple_and_annotated_stores():
    assert body(store_forms) == [
        "(store a 0 x)",
        "(store b 0 x)",
        "(set t_1 x)",
        "(set t_2 2.0)",
        "(store a 1 t_1)",
        "(store b 1 t_2)",
        "(store a 2 x)"]


def store_into_local(n):
    t = np.zeros(n)
    t[0] = 1.0
    return t[0]


def test_store_into_a_new_local_array():
    assert body(store_into_local) == [
        "(set t (array f8 0 n))", "(store t 0 1.0)", "(return (load t 0))"]


# ---- shapes --------------------------------------------------------------

def shapes(a, out):
    n = a.shape[0]
    m = a.shape[-1]
    k = a.shape[AXIS]
    l = len(a)
    s = a.size
    d = a.ndim
    out[0] = n + m + k + l + s + d + a[1:].shape[0]


def test_shape_size_ndim_len():
    assert body(shapes) == [
        "(set n (shape a 0))",
        "(set m (shape a -1))",
        "(set k (shape a 1))",
        "(set l (shape a 0))",
        "(set s (size a))",
        "(set d (ndim a))",
        "(store out 0 (+ (+ (+ (+ (+ (+ n m) k) l) s) d) "
        "(shape (load a (slice 1 None None)) 0)))"]


def unpack_shape(a, b):
    n, m = a.shape
    (k,) = b.shape
    [p, q, r] = a.shape
    i, j = a[0].shape
    return n + m + k + p + q + r + i + j


def test_unpack_shape_one_extent_per_target():
    assert body(unpack_shape) == [
        "(set n (shape a 0))",
        "(set m (shape a 1))",
        "(set k (shape b 0))",
        "(set p (shape a 0))",
        "(set q (shape a 1))",
        "(set r (shape a 2))",
        "(set __view_1 (load a 0))",
        "(set i (shape __view_1 0))",
        "(set j (shape __view_1 1))",
        "(return (+ (+ (+ (+ (+ (+ (+ n m) k) p) q) r) i) j))"]


# ---- new arrays ----------------------------------------------------------

def new_arrays(n, m):
    a = np.empty(n)
    a = np.zeros((n, m))
    a = np.ones(n, dtype=np.float32)
    a = np.zeros((n,), np.int64)
    a = np.empty(n, dtype=np.bool_)
    a = np.zeros([n, m], dtype="f4")
    a = np.ones(n, dtype=uf.complex64)
    a = np.empty(shape=n, dtype=int)
    a = np.zeros(n, float)
    a = np.ones(n, complex)
    a = np.zeros(n, bool)
    a = np.empty(n, "int32")
    a = np.empty(n, dtype=None)
    a = np.zeros(n, dtype=GLOBAL_ARRAY.dtype)
    a = np.ones(2 * n, np.uint8)
    return a[0]


def test_new_arrays():
    assert body(new_arrays) == [
        "(set a (array f8 None n))",
        "(set a (array f8 0 n m))",
        "(set a (array f4 1 n))",
        "(set a (array i8 0 n))",
        "(set a (array b1 None n))",
        "(set a (array f4 0 n m))",
        "(set a (array c8 1 n))",
        "(set a (array i8 None n))",
        "(set a (array f8 0 n))",
        "(set a (array c16 1 n))",
        "(set a (array b1 0 n))",
        "(set a (array i4 None n))",
        "(set a (array f8 None n))",
        "(set a (array f8 0 n))",
        "(set a (array u1 1 (* 2 n)))",
        "(return (load a 0))"]


# ---- reductions ----------------------------------------------------------

def numpy_reductions(a, b, out):
    out[0] = np.sum(a)
    out[1] = np.prod(a)
    out[2] = np.mean(a)
    out[3] = np.min(a) + np.amin(a)
    out[4] = np.max(a) + np.amax(a)
    out[5] = np.dot(a, b)
    out[6] = np.sum(a[1:])


def test_numpy_reductions():
    assert body(numpy_reductions) == [
        "(store out 0 (sum a))",
        "(store out 1 (prod a))",
        "(store out 2 (mean a))",
        "(store out 3 (+ (amin a) (amin a)))",
        "(store out 4 (+ (amax a) (amax a)))",
        "(store out 5 (dot a b))",
        "(store out 6 (sum (load a (slice 1 None None))))"]


def method_reductions(a, b, out):
    out[0] = a.sum() + a.prod() + a.mean()
    out[1] = a.min() + a.max() + a.dot(b)
    out[2] = a[1:].sum()


def test_method_reductions():
    assert body(method_reductions) == [
        "(store out 0 (+ (+ (sum a) (prod a)) (mean a)))",
        "(store out 1 (+ (+ (amin a) (amax a)) (dot a b)))",
        "(store out 2 (sum (load a (slice 1 None None))))"]


def builtin_reductions(a, x, y, out):
    out[0] = sum(a) + sum(a, 10.0)
    out[1] = min(a) + max(a)
    out[2] = min(x, y) + max(x, y, 1.0)
    out[3] = np.maximum(x, y) + np.minimum(x, y)


def test_builtin_reductions_and_scalar_min_max():
    assert body(builtin_reductions) == [
        "(store out 0 (+ (sum a) (+ 10.0 (sum a))))",
        "(store out 1 (+ (amin a) (amax a)))",
        "(store out 2 (+ (min x y) (max (max x y) 1.0)))",
        "(store out 3 (+ (max x y) (min x y)))"]


def scalar_min_max(x, y):
    return min(x, y) + np.maximum(x, 2.0)


def test_scalar_kernels_keep_scalar_min_max():
    assert body(scalar_min_max) == ["(return (+ (min x y) (max x 2.0)))"]
    f = uf.vectorize(["f8(f8, f8)"])(scalar_min_max)
    assert f(1.0, 3.0) == 3.0


# ---- loops over arrays ---------------------------------------------------

def loop_over_array(a, out):
    s = 0.0
    for x in a:
        s += x
    out[0] = s


def test_for_over_an_array():
    assert body(loop_over_array) == [
        "(set s 0.0)",
        "(for __i_1 0 (shape a 0) 1",
        "(block",
        "(set x (load a __i_1))",
        "(set s (+ s x))))",
        "(store out 0 s)"]


def loop_enumerate(a, out):
    for i, x in enumerate(a):
        out[i] = x * i
    for j, y in enumerate(a, 1):
        out[j - 1] = y
    for k, z in enumerate(a, start=2):
        out[0] = k


def test_for_over_enumerate():
    assert body(loop_enumerate) == [
        "(for i 0 (shape a 0) 1",
        "(block",
        "(set x (load a i))",
        "(store out i (* x i))))",
        "(for __i_1 0 (shape a 0) 1",
        "(block",
        "(set j (+ __i_1 1))",
        "(set y (load a __i_1))",
        "(store out (- j 1) y)))",
        "(for __i_2 0 (shape a 0) 1",
        "(block",
        "(set k (+ __i_2 2))",
        "(set z (load a __i_2))",
        "(store out 0 k)))"]


def loop_over_rows_and_views(m, out):
    for row in m:
        out[0] = row[0]
    for x in m[0, ::2]:
        out[1] = x
    for i in range(len(m)):
        out[2] = m[i, 0]


def test_for_over_rows_views_and_range_len():
    assert body(loop_over_rows_and_views) == [
        "(for __i_1 0 (shape m 0) 1",
        "(block",
        "(set row (load m __i_1))",
        "(store out 0 (load row 0))))",
        "(set __view_2 (load m 0 (slice None None 2)))",
        "(for __i_3 0 (shape __view_2 0) 1",
        "(block",
        "(set x (load __view_2 __i_3))",
        "(store out 1 x)))",
        "(for i 0 (shape m 0) 1",
        "(block",
        "(store out 2 (load m i 0))))"]


# ---- helpers with arrays -------------------------------------------------

def total(v):
    s = 0.0
    for x in v:
        s += x
    return s


def tail(v, n):
    return v[n:]


def set_first(v, value):
    v[0] = value
    return v[0]


def uses_array_helpers(a, out):
    out[0] = total(tail(a, 1)) + set_first(out, 2.0)


def test_helpers_take_and_return_arrays():
    assert body(uses_array_helpers) == [
        "(set tail_v_1 a)",
        "(set tail_n_2 1)",
        "(set tail_3 (load tail_v_1 (slice tail_n_2 None None)))",
        "(set total_v_4 tail_3)",
        "(set total_s_6 0.0)",
        "(for __i_8 0 (shape total_v_4 0) 1",
        "(block",
        "(set total_x_7 (load total_v_4 __i_8))",
        "(set total_s_6 (+ total_s_6 total_x_7))))",
        "(set total_5 total_s_6)",
        "(set set_first_v_9 out)",
        "(set set_first_value_10 2.0)",
        "(store set_first_v_9 0 set_first_value_10)",
        "(set set_first_11 (load set_first_v_9 0))",
        "(store out 0 (+ total_5 set_first_11))"]


def rebinds_an_array_argument_to_a_view(a, out):
    a = a[1:]
    out[0] = a[0]


def test_an_array_argument_may_become_a_view_of_itself():
    assert body(rebinds_an_array_argument_to_a_view) == [
        "(set a_1 a)",
        "(set a_1 (load a_1 (slice 1 None None)))",
        "(store out 0 (load a_1 0))"]


def rebinds_a_scalar_argument(x, n, out):
    n = n + 1
    x += 1.0
    out[0] = x * n


def test_scalar_arguments_may_be_rebound():
    assert body(rebinds_a_scalar_argument, outputs=1)[2:] == [
        "(set n_2 (+ n_2 1))",
        "(set x_1 (+ x_1 1.0))",
        "(store out 0 (* x_1 n_2))"]


# ---- errors --------------------------------------------------------------

def slice_augmented_store(a, i):
    a[i, 1:] += 1


def bare_shape(a, out):
    n = a.shape
    out[0] = n


def shape_in_call(a, out):
    out[0] = len(a.shape)


def shape_index_not_literal(a, i, out):
    out[0] = a.shape[i]


def shape_sliced(a, out):
    out[0] = a.shape[1:]


def shape_store(a, out):
    a.shape[0] = 3


def ellipsis_index(a, i, out):
    out[0] = a[i, ...]


def list_index(a, out):
    out[0] = a[[1, 2]]


def boolean_list_index(a, out):
    out[0] = a[[True, False, True]]


def none_index(a, out):
    out[0] = a[None]


def newaxis_index(a, out):
    out[0] = a[np.newaxis, 0]


def nested_tuple_index(a, out):
    out[0] = a[1, (1, 2)]


def empty_index(a, out):
    out[0] = a[()]


def global_array_store(x):
    GLOBAL_ARRAY[0] = x


def loop_over_tuple(x):
    for v in (1.0, 2.0):
        x += v
    return x


def enumerate_one_target(a, out):
    for p in enumerate(a):
        out[0] = p


def method_positional_axis(a, out):
    out[0] = a.sum(0)


def mean_keepdims(a, out):
    out[0] = np.mean(a, keepdims=True)


def dot_one_argument(a, out):
    out[0] = np.dot(a)








def bad_dtype(n, out):
    b = np.empty(n, dtype="U5")


def half_dtype(n, out):
    b = np.ones(n, np.float16)






def order_keyword(n, out):
    b = np.empty(n, order="F")


def no_shape(out):
    b = np.empty()


def min_no_arguments(out):
    out[0] = min()


def rebind_output(x, out):
    out = x * 2


def augment_array_argument(a, out):
    a += 1
    out[0] = a[0]


def rebind_indexed_output(x, out):
    out[0] = 0.0
    out = x


def rebind_output_in_tuple(x, out):
    y, out = x, x


CASES = [
    (slice_augmented_store, "a[i, 1:]", r"^augmented assignment to a slice "
                                        r"\(a\[i:j\] \+= v\) is not "
                                        r"supported; write a loop$"),
    (bare_shape, "a.shape", r"^a\.shape is only supported as a\.shape\[k\] "
                            r"or in `n, m = a\.shape`$"),
    (shape_in_call, "a.shape", r"a\.shape is only supported"),
    (shape_index_not_literal, "a.shape[i]", r"integer literal k"),
    (shape_sliced, "a.shape[1:]", r"integer literal k"),
    (shape_store, "a.shape[0]", r"shapes cannot be assigned"),
    (ellipsis_index, "...", r"Ellipsis.*one index or slice per axis"),
    (list_index, "[1, 2]", r"indexing with a list .*write a loop"),
    (boolean_list_index, "[True", r"boolean-mask"),
    (none_index, "None", r"np\.newaxis"),
    (newaxis_index, "np.newaxis", r"np\.newaxis"),
    (nested_tuple_index, "(1, 2)", r"nested tuples"),
    (empty_index, "a[()]", r"empty index"),
    (global_array_store, "GLOBAL_ARRAY",
     r"cannot assign into 'GLOBAL_ARRAY'.*read-only"),
    (loop_over_tuple, "(1.0, 2.0)", r"can only loop over range"),
    (enumerate_one_target, "p in", r"two names"),
    (method_positional_axis, "a.sum(0)", r"takes 1 positional argument in a "
                                         r"kernel, 2 given"),
    (mean_keepdims, "keepdims=True", r"keepdims= is not supported"),
    (dot_one_argument, "np.dot(a)", r"takes 2 arguments"),
    (bad_dtype, '"U5"', r"dtype 'U5' is not a scalar type"),
    (half_dtype, "np.float16", r"float16.* not a scalar type"),
    (order_keyword, "order=", r"order= is not supported"),
    (no_shape, "np.empty()", r"needs a shape"),
    (min_no_arguments, "min()", r"at least 1 argument"),
    (augment_array_argument, "a +=", r"^cannot assign to argument 'a': "
                                     r"write into the array with a\[i\] = "
                                     r"\.\.\. \(a\[0\] = \.\.\. for a \(\) "
                                     r"output\)$"),
    (rebind_output, "out =", r"cannot assign to argument 'out'"),
    (rebind_indexed_output, "out = x", r"cannot assign to argument 'out'"),
    (rebind_output_in_tuple, "out =", r"cannot assign to argument 'out'"),
]


@pytest.mark.parametrize("func, needle, pattern", CASES,
                         ids=[c[0].__name__ for c in CASES])
def test_error(func, needle, pattern):
    assert_error_at(func, needle, pattern)


def rebind_unread_output(x, out):
    out = x.sum()


def test_rebinding_a_declared_output_is_an_error():
    message = translate_error(rebind_unread_output, outputs=1)
    assert "cannot assign to argument 'out'" in message


def rebind_in_returning_kernel(x, y):
    y = x * 2
    return y


def test_unread_arguments_of_a_returning_kernel_may_be_rebound():
    assert body(rebind_in_returning_kernel) == [
        "(set y_1 y)", "(set y_1 (* x 2))", "(return y_1)"]


def helper_with_axis(v):
    return v.sum(keepdims=True)


def calls_helper_with_axis(a, out):
    out[0] = helper_with_axis(a)


def test_errors_in_helpers_point_into_the_helper():
    message = translate_error(calls_helper_with_axis)
    line, col = locate(helper_with_axis, "keepdims=True")
    assert message.startswith(f"{__file__}:{line}:{col}: error: .sum(): "
                              "keepdims= is not supported in kernels")
