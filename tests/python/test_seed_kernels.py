"""The four @vectorize kernels of the seed guide (shared/seeds/004, section
5), their bodies exactly as written there, in float64 and float32, against
the NumPy expressions they replace.

The guide compiles parametric_relu and selu with target='parallel', which
is not available yet: here they use the default cpu target (the parallel
spelling is checked to raise NotImplementedError).  Each kernel also gets
a float32 signature.
"""

import warnings

import numpy as np
import pytest
from conftest import assert_same

from ufuncforge import vectorize


@vectorize(['float64(float64)', 'float32(float32)'])
def leaky_relu(x):
    """Leaky ReLU activation - operates on a single scalar."""
    return x if x > 0.0 else 0.01 * x


@vectorize(['float64(float64, float64)', 'float32(float32, float32)'])
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


@vectorize(['float64(float64, float64, float64)',
            'float32(float32, float32, float32)'], cache=True)
def parametric_relu(x, alpha, threshold):
    """PReLU with configurable negative slope and threshold."""
    if x >= threshold:
        return x
    return alpha * (x - threshold)


@vectorize(['float64(float64)', 'float32(float32)'], cache=True)
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


SPECIALS = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1e-30, -1e-30, np.inf, -np.inf,
            np.nan]


def data(dtype, n=10_000, seed=0):
    rng = np.random.default_rng(seed)
    x = np.concatenate([SPECIALS, rng.standard_normal(n) * 3])
    return x.astype(dtype)


@pytest.fixture(params=[np.float64, np.float32], ids=["f8", "f4"])
def dtype(request):
    return request.param


def test_leaky_relu(dtype):
    x = data(dtype)
    assert_same(leaky_relu(x), np.where(x > 0, x, 0.01 * x))


def test_huber_loss(dtype):
    p, t = data(dtype, seed=1), data(dtype, seed=2)
    with np.errstate(invalid="ignore"):  # inf - inf
        diff = np.abs(p - t)
        expected = np.where(diff <= 1.0, 0.5 * diff * diff, diff - 0.5)
        assert_same(huber_loss(p, t), expected)


def test_huber_loss_broadcasts_like_the_guide():
    predictions = np.random.default_rng(3).standard_normal(1_000_000)
    targets = np.random.default_rng(4).standard_normal(1_000_000)
    losses = huber_loss(predictions, targets)
    assert losses.shape == (1_000_000,)
    assert 0.0 < losses.mean() < 1.0


def test_parametric_relu(dtype):
    x = data(dtype)
    alpha = np.asarray(0.2, dtype)
    threshold = np.array([[-1.0], [0.0], [0.5]], dtype)
    with np.errstate(invalid="ignore"):
        expected = np.where(x >= threshold, x, alpha * (x - threshold))
        got = parametric_relu(x, alpha, threshold)
    assert got.shape == (3, x.size)
    assert_same(got, expected)


def test_selu(dtype):
    x = data(dtype)
    alpha = 1.6732632423543772
    scale = 1.0507009873554805
    with np.errstate(all="ignore"):
        # the kernel's locals are float64 (literal-only locals), so the
        # float32 kernel computes `scale * alpha * ...` in float64
        neg = scale * alpha * (2.718281828459045 ** x - 1.0)
        expected = np.where(x > 0.0, scale * x, neg).astype(dtype)
        got = selu(x)
    # pow may come from libm or a vector variant (a few ulp), and
    # `** x - 1.0` cancels near 0: compare with an absolute floor too
    tol = 1e-6 if dtype == np.float32 else 1e-12
    assert_same(got, expected, rtol=tol, atol=tol)


def test_selu_matches_the_guides_numpy_version():
    x = data(np.float64)
    alpha = 1.6732632423543772
    scale = 1.0507009873554805
    with np.errstate(all="ignore"):
        expected = np.where(x > 0, scale * x, scale * alpha * (np.exp(x) - 1.0))
    np.testing.assert_allclose(selu(x), expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_nan_input_gives_no_warning(dtype):
    # NumPy's own comparisons are quiet on NaN; so must the kernels' be
    x = np.array([np.nan, 1.0, -1.0] * 100, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        leaky_relu(x)
        selu(x)
        huber_loss(x, x[::-1])
        parametric_relu(x, x, x[::-1])


@pytest.mark.parametrize("ufunc", [leaky_relu, huber_loss, parametric_relu,
                                   selu])
def test_seed_ufuncs_are_real_ufuncs(ufunc):
    assert isinstance(ufunc, np.ufunc)
    assert ufunc.__name__ in ufunc.__doc__


def test_parallel_target_of_the_guide_is_not_available_yet():
    with pytest.raises(NotImplementedError):
        @vectorize(['float64(float64)'], target='parallel', cache=True)
        def selu_parallel(x):
            return x
