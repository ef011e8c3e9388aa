"""The benchmark kernels, written once as plain Python.

Each scalar function below is decorated by each library's ``vectorize`` in
``build()``, so ufuncforge and Numba compile the same source (ufuncforge's
front end reads it with ``inspect``, which is why it lives in a module).
Next to each kernel: its NumPy formulation (what a user writes without a
compiler) and its numexpr string.  The gufunc kernels at the end are
``guvectorize`` bodies, with their NumPy formulations.
"""

import math

import numpy as np

SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805
GELU_C = 0.7978845608028654  # sqrt(2 / pi)


def leaky_relu(x):
    return x if x > 0.0 else 0.01 * x


def huber_loss(prediction, target):
    diff = abs(prediction - target)
    if diff <= 1.0:
        return 0.5 * diff * diff
    return diff - 0.5


def selu(x):
    if x > 0.0:
        return SELU_SCALE * x
    return SELU_SCALE * SELU_ALPHA * (math.exp(x) - 1.0)


def parametric_relu(x, alpha, threshold):
    if x >= threshold:
        return x
    return alpha * (x - threshold)


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def gelu(x):
    return 0.5 * x * (1.0 + math.tanh(GELU_C * (x + 0.044715 * x * x * x)))


def sin_exp(x):
    return math.sin(x) * math.exp(-x)


def add(x, y):
    return x + y


def np_huber(p, t):
    d = np.abs(p - t)
    return np.where(d <= 1.0, 0.5 * d * d, d - 0.5)


def np_prelu(x, alpha, threshold):
    return np.where(x >= threshold, x, alpha * (x - threshold))


# name -> (scalar function, NumPy formulation, numexpr expression, kind).
# kind: "memory" kernels should run at the bandwidth limit, "math" kernels
# (exp, tanh, sin) are bound by SIMD math.  Inputs are named x, y, z.
ELEMENTWISE = {
    "leaky_relu": (leaky_relu, lambda x: np.where(x > 0.0, x, 0.01 * x),
                   "where(x > 0, x, 0.01 * x)", "memory"),
    "huber_loss": (huber_loss, np_huber,
                   "where(abs(x - y) <= 1, 0.5 * (x - y) ** 2, "
                   "abs(x - y) - 0.5)", "memory"),
    "parametric_relu": (parametric_relu, np_prelu,
                        "where(x >= z, x, y * (x - z))", "memory"),
    # The same kernel as the README calls it: slope and threshold scalars.
    "parametric_relu_scalars": (parametric_relu, np_prelu,
                                "where(x >= z, x, y * (x - z))", "memory"),
    "selu": (selu, lambda x: np.where(
        x > 0.0, SELU_SCALE * x, SELU_SCALE * SELU_ALPHA * np.expm1(x)),
        f"where(x > 0, {SELU_SCALE} * x, "
        f"{SELU_SCALE * SELU_ALPHA} * (exp(x) - 1))", "math"),
    "sigmoid": (sigmoid, lambda x: 1.0 / (1.0 + np.exp(-x)),
                "1 / (1 + exp(-x))", "math"),
    "gelu": (gelu, lambda x: 0.5 * x * (
        1.0 + np.tanh(GELU_C * (x + 0.044715 * x * x * x))),
        f"0.5 * x * (1 + tanh({GELU_C} * (x + 0.044715 * x * x * x)))",
        "math"),
    "sin_exp": (sin_exp, lambda x: np.sin(x) * np.exp(-x),
                "sin(x) * exp(-x)", "math"),
}


def nin(func):
    return func.__code__.co_argcount


def signature(func, dtype):
    """'float64(float64, float64)' for a two-input |func| and float64."""
    return f"{dtype}({', '.join([dtype] * nin(func))})"


def build(vectorize, dtype, target="cpu", names=tuple(ELEMENTWISE)):
    """{name: ufunc} of the kernels |names|, each built by |vectorize|
    (ufuncforge's or Numba's) for |target| with the one signature of
    |dtype| ('float64' or 'float32').  One signature per ufunc, so a
    float32 call runs the float32 loop in either library (Numba would
    take a float64 loop listed first)."""
    out = {}
    for name in names:
        func = ELEMENTWISE[name][0] if name in ELEMENTWISE else globals()[name]
        out[name] = vectorize([signature(func, dtype)], target=target)(func)
    return out


# ---- gufunc kernels: guvectorize bodies and NumPy formulations ---------

WINDOW = 50  # the rolling mean's window (its scalar argument)


def window_max(a, out):
    """(n)->(): the largest element of each row."""
    m = a[0]
    for i in range(1, a.shape[0]):
        if a[i] > m:
            m = a[i]
    out[0] = m


def rolling_mean(a, w, out):
    """(n),()->(n): mean of the last w elements (fewer at the start)."""
    s = 0.0
    for i in range(a.shape[0]):
        s += a[i]
        if i >= w:
            s -= a[i - w]
        out[i] = s / min(i + 1, w)


def dot(a, b, out):
    """(n),(n)->(): the dot product of two rows."""
    s = 0.0
    for i in range(a.shape[0]):
        s += a[i] * b[i]
    out[0] = s


def np_rolling_mean(a, w):
    c = np.cumsum(a, axis=-1)
    c[..., w:] -= c[..., :-w].copy()
    return c / np.minimum(np.arange(1, a.shape[-1] + 1), w)


# name -> (body, layout, signature, NumPy formulation, arguments): an
# argument is a shape (random float64 rows) or None (the window, WINDOW).
GUFUNCS = {
    "window_max": (window_max, "(n)->()", "void(f8[:], f8[:])",
                   lambda a: a.max(axis=-1), [(2000, 1000)]),
    "rolling_mean": (rolling_mean, "(n),()->(n)",
                     "void(f8[:], i8, f8[:])", np_rolling_mean,
                     [(2000, 5000), None]),
    "dot": (dot, "(n),(n)->()", "void(f8[:], f8[:], f8[:])", np.vecdot,
            [(2000, 1000), (2000, 1000)]),
}
