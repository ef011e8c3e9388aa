"""make demo: the four seed @vectorize kernels (leaky ReLU, Huber loss,
parametric ReLU, SELU) compiled by ufuncforge, checked against the NumPy
expressions a user would write instead, and timed.  Exits 1 on a mismatch.
"""

import statistics
import sys
import time
import timeit

import numpy as np

import ufuncforge as uf

N, COMPILE_MS = 5_000_000, {}  # COMPILE_MS: kernel name -> milliseconds


def timed(decorator):
    """Applies |decorator| and records how long it took in COMPILE_MS."""
    def wrap(func):
        t0 = time.perf_counter()
        ufunc = decorator(func)
        COMPILE_MS[func.__name__] = (time.perf_counter() - t0) * 1e3
        return ufunc
    return wrap


print(f"ufuncforge demo: compiling the 4 seed kernels, checking them against "
      f"NumPy on {N:,} values, and timing both")

# Touching CompileError loads the C extension and LLVM, once per process.
t0 = time.perf_counter()
uf.CompileError
LOAD_MS = (time.perf_counter() - t0) * 1e3

# The kernels as the seed writes them.  The seed gives parametric_relu and
# selu target='parallel', which ufuncforge does not have yet: they use the
# default cpu target (one thread).  cache=True is accepted and has no effect.


@timed(uf.vectorize(['float64(float64)', 'float32(float32)']))
def leaky_relu(x):
    """Leaky ReLU activation - operates on a single scalar."""
    return x if x > 0.0 else 0.01 * x


@timed(uf.vectorize(['float64(float64, float64)']))
def huber_loss(prediction, target):
    """
    Huber loss - robust to outliers.
    δ = 1.0
    L = 0.5*(pred-tgt)² if |pred-tgt| ≤ 1 else |pred-tgt| - 0.5
    """
    diff = abs(prediction - target)
    if diff <= 1.0:
        return 0.5 * diff * diff
    return diff - 0.5


@timed(uf.vectorize(['float64(float64, float64, float64)'], cache=True))
def parametric_relu(x, alpha, threshold):
    """PReLU with configurable negative slope and threshold."""
    if x >= threshold:
        return x
    return alpha * (x - threshold)


@timed(uf.vectorize(['float64(float64)'], cache=True))
def selu(x):
    """
    Scaled Exponential Linear Unit - requires exact constants
    for self-normalising property.
    """
    alpha = 1.6732632423543772
    scale = 1.0507009873554805
    if x > 0.0:
        return scale * x
    return scale * alpha * (2.718281828459045 ** x - 1.0)


# The NumPy expressions, in the seed's selu_numpy style.
def huber_numpy(p, t):
    d = np.abs(p - t)
    return np.where(d <= 1.0, 0.5 * d * d, d - 0.5)


def selu_numpy(x):
    alpha = 1.6732632423543772
    scale = 1.0507009873554805
    return np.where(x > 0, scale * x, scale * alpha * (np.exp(x) - 1.0))


rng = np.random.default_rng(2024)
x64 = rng.standard_normal(N)
x32, target = x64.astype(np.float32), rng.standard_normal(N)

# (ufunc, arguments, NumPy expression of the same arguments)
CASES = [
    (leaky_relu, (x64,), lambda x: np.where(x > 0, x, 0.01 * x)),
    (leaky_relu, (x32,), lambda x: np.where(x > 0, x, 0.01 * x)),
    (huber_loss, (x64, target), huber_numpy),
    (parametric_relu, (x64, 0.25, 0.1),  # scalars broadcast
     lambda x, a, t: np.where(x >= t, x, a * (x - t))),
    (selu, (x64,), selu_numpy),
]


def median_ms(fn, args, repeat=7):
    """Median wall time of |repeat| calls, after one warm-up call."""
    fn(*args)
    times = timeit.repeat(lambda: fn(*args), number=1, repeat=repeat)
    return statistics.median(times) * 1e3


def check(ufunc, args, expr):
    """None if ufunc(*args) matches expr(*args), else the mismatch text."""
    got, want = ufunc(*args), expr(*args)
    rtol = 1e-6 if got.dtype == np.float32 else 1e-12
    # selu: the kernel's e ** x and NumPy's exp(x) may differ by an ulp,
    # which exp(x) - 1 magnifies near 0: allow that absolute error.
    atol = 4 * np.finfo(got.dtype).eps
    try:
        assert got.dtype == want.dtype, f"dtype {got.dtype} != {want.dtype}"
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)
    except AssertionError as exc:
        return str(exc)


print(f"loading the extension and LLVM: {LOAD_MS:.1f} ms; compile ms: "
      "decorator to ready, all signatures (the first also starts the JIT)")
print(f"{'kernel':<16} {'dtype':<8} {'compile ms':>10} {'ufuncforge ms':>13}"
      f" {'NumPy ms':>9} {'speedup':>8}")
failures = []
for ufunc, args, expr in CASES:
    name = ufunc.__name__
    error = check(ufunc, args, expr)
    if error is not None:
        failures.append(f"{name} ({args[0].dtype}): {error}")
    ms_uf, ms_np = median_ms(ufunc, args), median_ms(expr, args)
    # A kernel's compile time covers all its signatures: shown once.
    compiled = COMPILE_MS.pop(name, None)
    compiled = "" if compiled is None else f"{compiled:.1f}"
    print(f"{name:<16} {str(args[0].dtype):<8} {compiled:>10} {ms_uf:>13.2f}"
          f" {ms_np:>9.2f} {ms_np / ms_uf:>7.1f}x"
          + ("  MISMATCH" if error else ""))

for text in failures:
    print(f"\nMISMATCH {text}", file=sys.stderr)
sys.exit(1 if failures else 0)
