"""Tests of the initializer catalog: distributions, structure, draw order, API."""

import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from sklearn.utils._param_validation import InvalidParameterError

from skinit import InitMLPClassifier
from skinit.datasets import load_circles
from skinit.initializers import (
    LSUV_BATCH_SIZE,
    LSUV_TOL,
    SPARSE_STD,
    TRUNCATED_STD,
    available_bias_initializers,
    available_initializers,
    calculate_gain,
    initialize,
    initialize_network,
)

SETTINGS = settings(derandomize=True, deadline=None, max_examples=12, database=None)
FANS = st.integers(min_value=4, max_value=300)
N_POOLED = 20_000
N_SE = 6  # tolerance of the statistical checks, in standard errors

TRUNC = stats.truncnorm(-2, 2)
ALIASES = {
    "xavier_normal": "glorot_normal",
    "xavier_uniform": "glorot_uniform",
    "kaiming_normal": "he_normal",
    "kaiming_uniform": "he_uniform",
}
CANONICAL = available_initializers(aliases=False)


def _uniform(bound):
    """Theory of U(-bound, bound): std, kurtosis, support bound, unit law."""
    return bound / math.sqrt(3), 9 / 5, bound, stats.uniform(-1, 2), bound


def _normal(std):
    return std, 3.0, None, stats.norm(), std


def _truncated(target_std):
    """Keras' truncated normal of standard deviation ``target_std``."""
    sigma = target_std / TRUNCATED_STD
    kurtosis = float(TRUNC.stats(moments="k")) + 3
    return sigma * TRUNC.std(), kurtosis, 2 * sigma, TRUNC, sigma


def theory(name, fan_in, fan_out, activation="relu"):
    """(std, kurtosis, bound or None, law of W / unit, unit) of each scheme."""
    avg, fin = fan_in + fan_out, fan_in
    return {
        "normal": _normal(1.0),
        "uniform": _uniform(1.0),
        "truncated_normal": _truncated(TRUNCATED_STD),
        "glorot_normal": _normal(math.sqrt(2 / avg)),
        "glorot_uniform": _uniform(math.sqrt(6 / avg)),
        "glorot_truncated_normal": _truncated(math.sqrt(2 / avg)),
        "he_normal": _normal(math.sqrt(2 / fin)),
        "he_uniform": _uniform(math.sqrt(6 / fin)),
        "he_truncated_normal": _truncated(math.sqrt(2 / fin)),
        "lecun_normal": _normal(math.sqrt(1 / fin)),
        "lecun_uniform": _uniform(math.sqrt(3 / fin)),
        "lecun_truncated_normal": _truncated(math.sqrt(1 / fin)),
        "sklearn": _uniform(
            math.sqrt((2 if activation == "logistic" else 6) / avg)
        ),
        "torch": _uniform(1 / math.sqrt(fin)),
        "keras": _uniform(math.sqrt(6 / avg)),
    }[ALIASES.get(name, name)]


# The schemes whose weights are i.i.d. draws of a known law.
IID_SCHEMES = [
    "normal",
    "uniform",
    "truncated_normal",
    "glorot_normal",
    "glorot_uniform",
    "glorot_truncated_normal",
    "he_normal",
    "he_uniform",
    "he_truncated_normal",
    "lecun_normal",
    "lecun_uniform",
    "lecun_truncated_normal",
    "sklearn",
    "torch",
    "keras",
]


def pooled(name, fan_in, fan_out, n=N_POOLED, seed=0, **kwargs):
    """At least ``n`` weights of ``name``, pooled over independent draws."""
    random_state = np.random.RandomState(seed)
    n_draws = -(-n // (fan_in * fan_out))
    return np.concatenate(
        [
            initialize(name, fan_in, fan_out, random_state=random_state, **kwargs)
            for _ in range(n_draws)
        ],
        axis=None,
    )


def network(initializer, layer_units=(3, 7, 4, 2), **kwargs):
    params = dict(
        initializer=initializer,
        scale=1.0,
        activation="relu",
        random_state=0,
        dtype=np.float64,
    )
    params.update(kwargs)
    return initialize_network(list(layer_units), **params)


def lsuv_data(n_samples=700, n_features=5, seed=0):
    """Data with uneven, non-standardized features, more rows than a batch."""
    random_state = np.random.RandomState(seed)
    X = random_state.randn(n_samples, n_features) * np.arange(1, n_features + 1)
    return X + 0.5


# ------------------------------------------------------------- distributions
@pytest.mark.parametrize("name", IID_SCHEMES)
@SETTINGS
@given(fan_in=FANS, fan_out=FANS)
def test_mean_and_std_match_formula(name, fan_in, fan_out):
    values = pooled(name, fan_in, fan_out)
    n = values.size
    std, kurtosis, _, _, _ = theory(name, fan_in, fan_out)
    # Standard errors of the sample mean and of the sample standard deviation
    # (delta method: Var(s) ~ (mu4 - sigma**4) / (4 sigma**2 n)).
    se_mean = std / math.sqrt(n)
    se_std = std * math.sqrt((kurtosis - 1) / (4 * n))
    assert abs(values.mean()) < N_SE * se_mean
    assert abs(values.std() - std) < N_SE * se_std


@pytest.mark.parametrize("name", IID_SCHEMES)
@pytest.mark.parametrize("fan_in, fan_out", [(50, 30), (7, 300)])
def test_law_matches_formula(name, fan_in, fan_out):
    """The whole distribution, not only two moments (Kolmogorov-Smirnov)."""
    values = pooled(name, fan_in, fan_out, seed=1)
    _, _, bound, unit_law, unit = theory(name, fan_in, fan_out)
    if bound is not None:
        assert np.abs(values).max() <= bound
    assert stats.kstest(values / unit, unit_law.cdf).pvalue > 1e-4


def test_truncated_constant_is_truncated_normal_std():
    assert TRUNCATED_STD == pytest.approx(TRUNC.std(), rel=1e-14)


@pytest.mark.parametrize(
    "name, target",
    [
        ("truncated_normal", TRUNC.std()),
        ("glorot_truncated_normal", math.sqrt(2 / (40 + 60))),
        ("he_truncated_normal", math.sqrt(2 / 40)),
        ("lecun_truncated_normal", math.sqrt(1 / 40)),
    ],
)
def test_truncated_std_and_bounds(name, target):
    values = pooled(name, 40, 60, n=60_000, seed=2)
    sigma = target / TRUNCATED_STD  # the std of the normal before truncation
    assert np.abs(values).max() <= 2 * sigma
    # Mass is seen close to both cut points: the truncation is at 2 sigma.
    assert values.max() > 1.99 * sigma and values.min() < -1.99 * sigma
    theoretical = stats.truncnorm(-2, 2, scale=sigma).std()
    assert theoretical == pytest.approx(target, rel=1e-12)
    kurtosis = float(TRUNC.stats(moments="k")) + 3
    se_std = target * math.sqrt((kurtosis - 1) / (4 * values.size))
    assert abs(values.std() - theoretical) < N_SE * se_std


@pytest.mark.parametrize("activation", ["logistic", "tanh"])
def test_sklearn_bound_depends_on_activation(activation):
    values = pooled("sklearn", 20, 30, activation=activation)
    std, kurtosis, bound, _, _ = theory("sklearn", 20, 30, activation)
    assert np.abs(values).max() <= bound
    se_std = std * math.sqrt((kurtosis - 1) / (4 * values.size))
    assert abs(values.std() - std) < N_SE * se_std


# --------------------------------------------------------------- structure
@SETTINGS
@given(
    fan_in=st.integers(1, 80), fan_out=st.integers(1, 80), seed=st.integers(0, 1000)
)
def test_orthogonal(fan_in, fan_out, seed):
    W = initialize("orthogonal", fan_in, fan_out, random_state=seed)
    assert W.shape == (fan_in, fan_out)
    if fan_in >= fan_out:
        np.testing.assert_allclose(W.T @ W, np.eye(fan_out), atol=1e-12)
    else:
        np.testing.assert_allclose(W @ W.T, np.eye(fan_in), atol=1e-12)
    # The squared entries sum to min(fan_in, fan_out) exactly.
    assert np.mean(W**2) == pytest.approx(1 / max(fan_in, fan_out), rel=1e-12)


@pytest.mark.parametrize("fan_in, fan_out", [(6, 3), (3, 6), (5, 5)])
def test_orthogonal_draw_follows_pytorch(fan_in, fan_out):
    """QR of randn(fan_out, fan_in) (or of its transpose), signs by diag(R)."""
    flat = np.random.RandomState(7).randn(fan_out, fan_in)
    wide = fan_out < fan_in
    q, r = np.linalg.qr(flat.T if wide else flat)
    q = q * np.sign(np.diag(r))
    expected = q.T if wide else q  # PyTorch layout (fan_out, fan_in)
    W = initialize("orthogonal", fan_in, fan_out, random_state=7)
    np.testing.assert_array_equal(W, expected.T)


def test_orthogonal_is_haar():
    """Entries of a Haar-random n x n orthogonal matrix times sqrt(n): ~N(0, 1)."""
    values = pooled("orthogonal", 100, 100, n=50_000, seed=3) * 10
    assert abs(values.mean()) < N_SE / math.sqrt(values.size)
    # Without the sign correction the diagonal would be biased.
    diagonals = np.concatenate(
        [
            np.diag(initialize("orthogonal", 20, 20, random_state=seed))
            for seed in range(200)
        ]
    )
    assert abs(diagonals.mean()) < N_SE * math.sqrt(1 / 20 / diagonals.size)


@pytest.mark.parametrize("fan_in, fan_out", [(3, 3), (2, 5), (5, 2), (1, 4)])
def test_identity(fan_in, fan_out):
    W = initialize("identity", fan_in, fan_out, random_state=0)
    np.testing.assert_array_equal(W, np.eye(fan_in, fan_out))


@pytest.mark.parametrize("name, value", [("zeros", 0.0), ("ones", 1.0)])
def test_constants(name, value):
    coefs, intercepts = network(name)
    for coef in coefs:
        assert (coef == value).all()
    for intercept in intercepts:
        assert (intercept == 0).all()


@SETTINGS
@given(fan_in=st.integers(1, 60), fan_out=st.integers(1, 60), seed=st.integers(0, 99))
def test_sparse_structure(fan_in, fan_out, seed):
    W = initialize("sparse", fan_in, fan_out, random_state=seed)
    # Each input unit's fan_out outgoing weights (a row of coefs_, a column of
    # PyTorch's (fan_out, fan_in) weight): exactly ceil(0.1 * fan_out) zeros.
    n_zeros = math.ceil(fan_out / 10)
    np.testing.assert_array_equal((W == 0).sum(axis=1), np.full(fan_in, n_zeros))


def test_sparse_nonzero_values():
    values = pooled("sparse", 30, 50, n=40_000, seed=4)
    assert (values == 0).mean() == pytest.approx(5 / 50)
    nonzero = values[values != 0]
    se_std = SPARSE_STD / math.sqrt(2 * nonzero.size)
    assert abs(nonzero.std() - SPARSE_STD) < N_SE * se_std
    assert stats.kstest(nonzero / SPARSE_STD, "norm").pvalue > 1e-4


# -------------------------------------------------------------------- LSUV
def preactivations(coefs, intercepts, X, activation):
    """Pre-activations of every layer, computed directly."""
    h, out = X, []
    for coef, intercept in zip(coefs, intercepts):
        z = h @ coef + intercept
        out.append(z)
        h = {"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh}[activation](z)
    return out


@pytest.mark.parametrize("activation", ["relu", "tanh"])
@pytest.mark.parametrize("depth", [1, 2, 3, 4, 5, 6])
def test_lsuv_unit_variance(activation, depth):
    X = lsuv_data()
    layer_units = [5, *([16, 8, 32, 4, 12][: depth - 1]), 3]
    coefs, intercepts = network(
        "lsuv", layer_units, activation=activation, random_state=depth, X=X
    )
    batch = X[:LSUV_BATCH_SIZE]
    for z in preactivations(coefs, intercepts, batch, activation):
        assert abs(z.var() - 1) < LSUV_TOL
    # The batch is the first rows only: the rest of X plays no part.
    X_other = X.copy()
    X_other[LSUV_BATCH_SIZE:] = 1e3
    other, _ = network(
        "lsuv", layer_units, activation=activation, random_state=depth, X=X_other
    )
    for coef, coef_other in zip(coefs, other):
        np.testing.assert_array_equal(coef, coef_other)


def test_lsuv_is_orthogonal_rescaled():
    X = lsuv_data()
    orthogonal, _ = network("orthogonal", (5, 8, 2))
    lsuv, _ = network("lsuv", (5, 8, 2), X=X)
    for coef_o, coef_l in zip(orthogonal, lsuv):
        ratio = coef_l / coef_o
        np.testing.assert_allclose(ratio, ratio.flat[0], rtol=1e-12)


def test_lsuv_with_biases_sparse_and_float32():
    X = lsuv_data()
    coefs, intercepts = network(
        "lsuv", (5, 10, 10, 2), X=X, bias_initializer="torch", activation="tanh"
    )
    assert np.any(intercepts[0] != 0)
    for z in preactivations(coefs, intercepts, X[:LSUV_BATCH_SIZE], "tanh"):
        assert abs(z.var() - 1) < LSUV_TOL
    dense, _ = network("lsuv", (5, 10, 2), X=X)
    sparse, _ = network("lsuv", (5, 10, 2), X=sp.csr_matrix(X))
    for coef_d, coef_s in zip(dense, sparse):
        np.testing.assert_allclose(coef_d, coef_s, rtol=1e-12)
    single, _ = network("lsuv", (5, 10, 2), X=X.astype(np.float32), dtype=np.float32)
    for coef_d, coef_f in zip(dense, single):
        assert coef_f.dtype == np.float32
        np.testing.assert_allclose(coef_d, coef_f, rtol=1e-5)


def test_lsuv_in_a_list_normalizes_its_own_layer():
    X = lsuv_data(n_features=3)
    coefs, intercepts = network(["he_normal", "lsuv", "glorot_uniform"], X=X)
    he, _ = network(["he_normal", "he_normal", "he_normal"])
    np.testing.assert_array_equal(coefs[0], he[0])  # same first draw
    z = preactivations(coefs, intercepts, X[:LSUV_BATCH_SIZE], "relu")
    assert abs(z[1].var() - 1) < LSUV_TOL


def test_lsuv_needs_data():
    with pytest.raises(ValueError, match="needs the training data"):
        network("lsuv")
    with pytest.raises(ValueError, match="initialize_network"):
        initialize("lsuv", 3, 2)
    with pytest.raises(ValueError, match="features"):
        network("lsuv", X=np.ones((10, 4)))


# ---------------------------------------------------------- scale and gain
def all_schemes_networks(dtype, scale, **kwargs):
    X = lsuv_data(n_features=3)
    return {
        name: network(name, X=X, dtype=dtype, scale=scale, **kwargs)
        for name in available_initializers()
    }


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("scale", [0.0, 1e-3, 0.5, 3.0, 10.0])
def test_scale_is_linear_bitwise(dtype, scale):
    ones = all_schemes_networks(dtype, 1.0)
    scaled = all_schemes_networks(dtype, scale)
    for name, (coefs, intercepts) in scaled.items():
        coefs_1, intercepts_1 = ones[name]
        for coef, coef_1 in zip(coefs, coefs_1):
            assert coef.dtype == dtype
            np.testing.assert_array_equal(coef, coef_1 * dtype(scale), err_msg=name)
        for intercept, intercept_1 in zip(intercepts, intercepts_1):
            np.testing.assert_array_equal(intercept, intercept_1, err_msg=name)


def test_calculate_gain():
    assert calculate_gain("relu") == math.sqrt(2)
    assert calculate_gain("tanh") == 5 / 3
    assert calculate_gain("logistic") == 1
    assert calculate_gain("identity") == 1
    with pytest.raises(ValueError, match="identity, logistic, relu, tanh"):
        calculate_gain("softmax")


@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity"])
def test_scale_gain(activation):
    gain, _ = network("glorot_normal", scale="gain", activation=activation)
    explicit, _ = network(
        "glorot_normal", scale=calculate_gain(activation), activation=activation
    )
    for coef_gain, coef in zip(gain, explicit):
        np.testing.assert_array_equal(coef_gain, coef)
    W = initialize("orthogonal", 6, 4, scale="gain", activation=activation,
                   random_state=0)  # fmt: skip
    gain_squared = calculate_gain(activation) ** 2
    np.testing.assert_allclose(W.T @ W, gain_squared * np.eye(4), atol=1e-12)


@pytest.mark.parametrize("scale", [-1.0, "double", None, True])
def test_invalid_scale(scale):
    with pytest.raises(ValueError, match="scale"):
        network("normal", scale=scale)


# ------------------------------------------------------- notebook and draws
def test_notebook_normal_times_10():
    layer_units = [2, 10, 5, 1]
    coefs, intercepts = network("normal", layer_units, scale=10, random_state=3)
    # The notebook: np.random.seed(3), then randn(n_l, n_{l-1}) * 10 per layer.
    random_state = np.random.RandomState(3)
    for coef, intercept, fan_in, fan_out in zip(
        coefs, intercepts, layer_units[:-1], layer_units[1:]
    ):
        expected = (random_state.randn(fan_out, fan_in) * 10).T
        np.testing.assert_array_equal(coef, expected)
        np.testing.assert_array_equal(intercept, np.zeros(fan_out))


def test_notebook_he_normal():
    layer_units = [2, 10, 5, 1]
    coefs, _ = network("he_normal", layer_units, random_state=3)
    random_state = np.random.RandomState(3)
    for coef, fan_in, fan_out in zip(coefs, layer_units[:-1], layer_units[1:]):
        expected = random_state.randn(fan_out, fan_in) * np.sqrt(2.0 / fan_in)
        np.testing.assert_array_equal(coef, expected.T)


@pytest.mark.parametrize("activation", ["relu", "logistic"])
def test_sklearn_draws_as_scikit_learn(activation):
    layer_units = [3, 7, 4, 2]
    coefs, intercepts = network("sklearn", layer_units, activation=activation)
    random_state = np.random.RandomState(0)
    factor = 2.0 if activation == "logistic" else 6.0
    for coef, intercept, fan_in, fan_out in zip(
        coefs, intercepts, layer_units[:-1], layer_units[1:]
    ):
        bound = np.sqrt(factor / (fan_in + fan_out))
        np.testing.assert_array_equal(
            coef, random_state.uniform(-bound, bound, (fan_in, fan_out))
        )
        np.testing.assert_array_equal(
            intercept, random_state.uniform(-bound, bound, fan_out)
        )


def test_torch_preset_draws_weights_then_biases():
    layer_units = [3, 7, 4, 2]
    coefs, intercepts = network("torch", layer_units)
    random_state = np.random.RandomState(0)
    for coef, intercept, fan_in, fan_out in zip(
        coefs, intercepts, layer_units[:-1], layer_units[1:]
    ):
        bound = 1 / np.sqrt(fan_in)
        expected = random_state.uniform(-bound, bound, (fan_out, fan_in)).T
        np.testing.assert_array_equal(coef, expected)
        np.testing.assert_array_equal(
            intercept, random_state.uniform(-bound, bound, fan_out)
        )


def test_keras_preset_is_glorot_uniform_with_zero_biases():
    keras, keras_intercepts = network("keras")
    glorot, _ = network("glorot_uniform")
    for coef_k, coef_g, intercept in zip(keras, glorot, keras_intercepts):
        np.testing.assert_array_equal(coef_k, coef_g)
        assert (intercept == 0).all()


@pytest.mark.parametrize("alias, name", sorted(ALIASES.items()))
def test_aliases(alias, name):
    assert alias in available_initializers()
    assert alias not in available_initializers(aliases=False)
    for coef_a, coef_n in zip(network(alias)[0], network(name)[0]):
        np.testing.assert_array_equal(coef_a, coef_n)


def test_available_initializers():
    expected = {
        "zeros", "ones", "normal", "uniform", "truncated_normal",
        "glorot_normal", "glorot_uniform", "glorot_truncated_normal",
        "he_normal", "he_uniform", "he_truncated_normal",
        "lecun_normal", "lecun_uniform", "lecun_truncated_normal",
        "orthogonal", "identity", "sparse", "sklearn", "torch", "keras", "lsuv",
    }  # fmt: skip
    assert available_initializers(aliases=False) == sorted(expected)
    assert available_initializers() == sorted(expected | set(ALIASES))


# -------------------------------------------------------------- bias schemes
def test_bias_initializers():
    assert available_bias_initializers() == [
        "auto", "sklearn", "small_constant", "torch", "zeros",
    ]  # fmt: skip
    _, intercepts = network("he_normal", bias_initializer="small_constant")
    for intercept in intercepts:
        np.testing.assert_array_equal(intercept, np.full(intercept.shape, 0.01))
    for name in ["he_normal", "sklearn", "torch"]:
        _, intercepts = network(name, bias_initializer="zeros")
        assert all((intercept == 0).all() for intercept in intercepts)


def test_bias_torch_draws_right_after_the_weights():
    layer_units = [3, 7, 4, 2]
    coefs, intercepts = network("he_normal", layer_units, bias_initializer="torch")
    random_state = np.random.RandomState(0)
    for coef, intercept, fan_in, fan_out in zip(
        coefs, intercepts, layer_units[:-1], layer_units[1:]
    ):
        weights = random_state.randn(fan_out, fan_in) * np.sqrt(2 / fan_in)
        np.testing.assert_array_equal(coef, weights.T)
        bound = 1 / np.sqrt(fan_in)
        np.testing.assert_array_equal(
            intercept, random_state.uniform(-bound, bound, fan_out)
        )


def test_bias_torch_law():
    random_state = np.random.RandomState(5)
    values = np.concatenate(
        [
            initialize_network(
                [40, 100], initializer="zeros", scale=1.0, activation="relu",
                random_state=random_state, dtype=np.float64, bias_initializer="torch",
            )[1][0]
            for _ in range(200)
        ]
    )  # fmt: skip
    bound = 1 / math.sqrt(40)
    assert np.abs(values).max() <= bound
    assert stats.kstest(values / bound, stats.uniform(-1, 2).cdf).pvalue > 1e-4


@pytest.mark.parametrize("name", ["sklearn", "torch"])
def test_preset_weights_do_not_depend_on_bias_choice(name):
    coefs_auto, intercepts_auto = network(name)
    for bias in available_bias_initializers():
        coefs, intercepts = network(name, bias_initializer=bias)
        for coef, coef_auto in zip(coefs, coefs_auto):
            np.testing.assert_array_equal(coef, coef_auto)
        if bias in ("auto", name):  # the preset's own biases
            for intercept, intercept_auto in zip(intercepts, intercepts_auto):
                np.testing.assert_array_equal(intercept, intercept_auto)
    # A random override draws in place of the preset's biases, on its own law.
    _, intercepts = network(name, bias_initializer="torch", layer_units=(3, 7))
    assert np.abs(intercepts[0]).max() <= 1 / np.sqrt(3)
    _, intercepts = network(name, bias_initializer="sklearn", layer_units=(3, 7))
    assert np.abs(intercepts[0]).max() <= np.sqrt(6 / 10)


def test_random_bias_follows_weights_of_any_scheme():
    """Non-presets: a random bias draws after the weights, then the next layer."""
    coefs, _ = network("normal", (3, 7, 4), bias_initializer="sklearn")
    random_state = np.random.RandomState(0)
    np.testing.assert_array_equal(coefs[0], random_state.randn(7, 3).T)
    random_state.uniform(size=7)  # the first layer's biases
    np.testing.assert_array_equal(coefs[1], random_state.randn(4, 7).T)


def test_unknown_bias_initializer():
    with pytest.raises(ValueError, match="auto, sklearn, small_constant, torch"):
        network("normal", bias_initializer="ones")


# --------------------------------------------------- lists, callables, errors
def test_per_layer_list():
    layer_units = [3, 7, 4, 2]
    names = ["he_normal", "orthogonal", "glorot_uniform"]
    coefs, _ = network(names, layer_units)
    random_state = np.random.RandomState(0)
    for coef, name, fan_in, fan_out in zip(
        coefs, names, layer_units[:-1], layer_units[1:]
    ):
        expected = initialize(name, fan_in, fan_out, random_state=random_state)
        np.testing.assert_array_equal(coef, expected)


@pytest.mark.parametrize("length", [1, 2, 4])
def test_per_layer_list_length(length):
    with pytest.raises(ValueError, match="3 weight layers"):
        network(["he_normal"] * length)


def test_unknown_names_list_the_valid_ones():
    for call in [
        lambda: initialize("he_normall", 3, 2),
        lambda: network("he_normall"),
        lambda: network(["he_normal", "he_normall", "normal"]),
        lambda: network(["he_normal", 3, "normal"]),
    ]:
        with pytest.raises(ValueError, match="Unknown initializer") as info:
            call()
        for name in available_initializers():
            assert name in str(info.value)


def draw_constant(fan_in, fan_out, random_state, dtype):
    return np.full((fan_in, fan_out), 0.5, dtype=dtype)


def test_callable():
    calls = []

    def draw(fan_in, fan_out, random_state, dtype):
        calls.append((fan_in, fan_out, dtype))
        return random_state.randn(fan_in, fan_out)

    coefs, intercepts = network(draw, scale=2.0, dtype=np.float32)
    assert calls == [(3, 7, np.float32), (7, 4, np.float32), (4, 2, np.float32)]
    random_state = np.random.RandomState(0)
    for coef, (fan_in, fan_out, _) in zip(coefs, calls):
        expected = random_state.randn(fan_in, fan_out).astype(np.float32) * 2
        np.testing.assert_array_equal(coef, expected)
    assert all((intercept == 0).all() for intercept in intercepts)
    mixed, _ = network([draw_constant, "identity", draw_constant])
    np.testing.assert_array_equal(mixed[0], np.full((3, 7), 0.5))
    np.testing.assert_array_equal(mixed[1], np.eye(7, 4))
    np.testing.assert_array_equal(
        initialize(draw_constant, 2, 3, scale=4), np.full((2, 3), 2.0)
    )


def test_callable_wrong_output():
    with pytest.raises(ValueError, match=r"expected shape \(3, 7\)"):
        network(lambda fan_in, fan_out, rs, dtype: np.zeros((fan_out, fan_in)))
    with pytest.raises(ValueError, match="non-finite"):
        network(lambda fan_in, fan_out, rs, dtype: np.full((fan_in, fan_out), np.nan))


@pytest.mark.parametrize("name", CANONICAL)
def test_dtype_and_shapes(name):
    layer_units = [3, 7, 4, 2]
    for dtype in (np.float32, np.float64):
        coefs, intercepts = network(
            name, layer_units, dtype=dtype, X=lsuv_data(n_features=3)
        )
        for coef, intercept, fan_in, fan_out in zip(
            coefs, intercepts, layer_units[:-1], layer_units[1:]
        ):
            assert coef.shape == (fan_in, fan_out) and coef.dtype == dtype
            assert intercept.shape == (fan_out,) and intercept.dtype == dtype


# ---------------------------------------------------------------- estimator
@pytest.fixture(scope="module")
def circles():
    X_train, y_train, _, _ = load_circles()
    return X_train, y_train


def fit(circles, **params):
    defaults = dict(
        hidden_layer_sizes=(10, 5), solver="gd", learning_rate_init=0.01,
        max_iter=5, random_state=3,
    )  # fmt: skip
    return InitMLPClassifier(**{**defaults, **params}).fit(*circles)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("name", available_initializers())
def test_estimator_accepts_every_name(circles, name):
    clf = fit(circles, initializer=name)
    expected, _ = initialize_network(
        [2, 10, 5, 1], initializer=name, scale=1.0, activation="relu",
        random_state=3, dtype=np.float64, X=circles[0],
    )  # fmt: skip
    for coef, coef_expected in zip(clf.init_coefs_, expected):
        np.testing.assert_array_equal(coef, coef_expected)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_estimator_list_gain_and_bias(circles):
    names = ["he_normal", "he_normal", "glorot_uniform"]
    clf = fit(circles, initializer=names, scale="gain", activation="tanh",
              bias_initializer="small_constant")  # fmt: skip
    expected, _ = initialize_network(
        [2, 10, 5, 1], initializer=names, scale=5 / 3, activation="tanh",
        random_state=3, dtype=np.float64,
    )  # fmt: skip
    for coef, coef_expected in zip(clf.init_coefs_, expected):
        np.testing.assert_array_equal(coef, coef_expected)
    for intercept in clf.init_intercepts_:
        np.testing.assert_array_equal(intercept, np.full(intercept.shape, 0.01))
    assert clf.score(*circles) >= 0


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_estimator_lsuv_and_torch_preset(circles):
    X = circles[0]
    clf = fit(circles, initializer="lsuv", activation="tanh")
    for z in preactivations(clf.init_coefs_, clf.init_intercepts_, X, "tanh"):
        assert abs(z.var() - 1) < LSUV_TOL
    clf = fit(circles, initializer="torch", bias_initializer="zeros")
    reference = fit(circles, initializer="torch")
    for coef, coef_ref in zip(clf.init_coefs_, reference.init_coefs_):
        np.testing.assert_array_equal(coef, coef_ref)
    assert all((b == 0).all() for b in clf.init_intercepts_)
    assert any((b != 0).any() for b in reference.init_intercepts_)


@pytest.mark.parametrize(
    "params, error, match",
    [
        (dict(initializer="he_normall"), InvalidParameterError, "initializer"),
        (dict(bias_initializer="ones"), InvalidParameterError, "bias_initializer"),
        (dict(scale="double"), InvalidParameterError, "scale"),
        (dict(initializer=["he_normal"] * 2), ValueError, "3 weight layers"),
        (dict(initializer=["he_normal", "nope", "normal"]), ValueError, "Unknown"),
        (
            dict(initializer=lambda fan_in, fan_out, rs, dtype: np.zeros(fan_in)),
            ValueError,
            "expected shape",
        ),
    ],
)
def test_estimator_invalid_values(circles, params, error, match):
    with pytest.raises(error, match=match):
        fit(circles, **params)

