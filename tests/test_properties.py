"""Properties that must hold for every input, checked over generated cases:
bad input fails as MLPClassifier fails, every scale trains or says why,
gradients are the derivatives of the losses, results do not depend on how the
work is dispatched.  The exhaustive sweep is benchmarks/sweep_scales.py."""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning
from sklearn.neural_network import MLPClassifier

from skinit import InitMLPClassifier, InitSearchCV
from skinit._engine import (
    Architecture,
    StackedParameters,
    Workspace,
    loss_and_gradient,
)
from skinit._lbfgs import loss_and_gradient as lbfgs_loss_and_gradient
from skinit._lbfgs import pack, unpack
from skinit._stack import make_inputs
from skinit.datasets import load_circles
from skinit.initializers import available_initializers

pytestmark = pytest.mark.usefixtures("one_blas_thread")

X_CIRCLES, Y_CIRCLES, _, _ = load_circles()
ACTIVATIONS = ["identity", "logistic", "tanh", "relu"]


# ----------------------------------------------------------- hypothesis inputs
def _lists(draw, elements, size):
    return draw(st.lists(elements, min_size=size, max_size=size))


def _array(draw, shape, kind):
    size = int(np.prod(shape))
    if kind == "object":
        return np.array(_lists(draw, st.text(max_size=2), size), dtype=object).reshape(
            shape
        )
    values = st.one_of(st.floats(-100, 100), st.sampled_from([np.inf, -np.inf]))
    if kind in X_KINDS[True]:
        values = st.floats(-100, 100)
    array = np.array(_lists(draw, values, size), dtype=float).reshape(shape)
    if kind == "float32":
        return array.astype(np.float32)
    if kind == "int":
        return np.nan_to_num(array, nan=0, posinf=9, neginf=-9).astype(np.int64)
    if kind == "complex":
        return array + 1j
    return array


# Valid and invalid variants of each part of the input.
X_KINDS = {True: ["float64", "float32", "int"], False: ["object", "complex", "none"]}
Y_KINDS = {True: ["int", "str", "indicator"], False: ["continuous", "short", "nan"]}
WEIGHT_KINDS = {True: ["none", "good"], False: ["wrong-length", "negative", "nan"]}


@st.composite
def fit_inputs(draw):
    """X, y and sample_weight, at most one of them invalid (and then in any
    way), so that valid fits are drawn as often as each kind of error."""
    broken = draw(st.sampled_from(["nothing", "X", "y", "sample_weight", "shape"]))
    n_samples = draw(st.sampled_from([12, 5, 2]))
    n_features = draw(st.sampled_from([3, 1]))
    x_shape = (n_samples, n_features)
    if broken == "shape":
        n_samples, n_features = draw(st.sampled_from([(0, 3), (12, 0), (0, 0)]))
        x_shape = draw(
            st.sampled_from(
                [(n_samples, n_features), (n_samples,), (n_samples, n_features, 2)]
            )
        )
    X_kind = draw(st.sampled_from(X_KINDS[broken != "X"]))
    X = None if X_kind == "none" else _array(draw, x_shape, X_kind)
    if broken == "X" and X is not None and draw(st.booleans()):
        X.ravel()[0] = np.nan if X.dtype.kind != "O" else "x"
    y_kind = draw(st.sampled_from(Y_KINDS[broken != "y"]))
    n_labels = max(n_samples - 1, 0) if y_kind == "short" else n_samples
    if y_kind == "str":
        y = np.array(_lists(draw, st.sampled_from(["a", "b", "c"]), n_labels))
    elif y_kind == "continuous":
        y = np.linspace(0, 1, n_labels) + 0.5
    elif y_kind == "indicator":
        y = np.array(_lists(draw, st.integers(0, 1), 2 * n_labels), dtype=int)
        y = y.reshape(n_labels, 2)
    elif y_kind == "nan":
        y = np.full(n_labels, np.nan)
    else:
        y = np.array(_lists(draw, st.integers(0, 2), n_labels), dtype=int)
    weight_kind = draw(st.sampled_from(WEIGHT_KINDS[broken != "sample_weight"]))
    sample_weight = {
        "none": None,
        "good": np.linspace(0.5, 2.0, n_samples),
        "wrong-length": np.ones(n_samples + 1),
        "negative": -np.ones(n_samples),
        "nan": np.full(n_samples, np.nan),
    }[weight_kind]
    return X, y, sample_weight


def _outcome(estimator, X, y, sample_weight):
    try:
        estimator.fit(X, y, sample_weight=sample_weight)
    except (ValueError, TypeError) as error:
        return type(error)
    return None


@settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(inputs=fit_inputs(), solver=st.sampled_from(["adam", "lbfgs"]))
def test_bad_input_fails_as_mlp_classifier_fails_and_is_never_modified(
    inputs, solver
):
    X, y, sample_weight = inputs
    originals = [None if a is None else a.copy() for a in (X, y, sample_weight)]
    params = dict(hidden_layer_sizes=(3,), solver=solver, max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = _outcome(MLPClassifier(**params), X, y, sample_weight)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", DataConversionWarning)
        ours = _outcome(InitMLPClassifier(**params), X, y, sample_weight)
    # Success or a ValueError / TypeError, as scikit-learn's; never another
    # exception, never success where scikit-learn refuses.
    assert ours == theirs
    for original, value in zip(originals, (X, y, sample_weight)):
        if original is not None:
            assert_array_equal(value, original)
            assert value.dtype == original.dtype


# --------------------------------------------------------------- scale sweep
SCALES = [1e-8, 1e-2, 1.0, 1e2, 1e6, 1e200]


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_scale_trains_finitely_or_raises_naming_scale(activation):
    """Every initializer at scales 1e-8..1e200: a fit without a NaN output
    and without a RuntimeWarning (an error here), or a ValueError that says
    ``scale``."""
    X, y = X_CIRCLES[:60], Y_CIRCLES[:60]
    outcomes = {"trained": 0, "refused": 0}
    for initializer in available_initializers():
        for scale in SCALES:
            clf = InitMLPClassifier(
                hidden_layer_sizes=(6, 4),
                activation=activation,
                initializer=initializer,
                scale=scale,
                max_iter=3,
                random_state=0,
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                try:
                    clf.fit(X, y)
                except ValueError as error:
                    assert "scale" in str(error), (initializer, scale, str(error))
                    outcomes["refused"] += 1
                    continue
            probabilities = clf.predict_proba(X)
            assert np.isfinite(probabilities).all(), (initializer, scale)
            outcomes["trained"] += 1
    # Both sides are covered: most scales train; with an unbounded activation
    # 1e200 overflows the first forward pass (tanh and logistic saturate
    # instead: they train, or diverge with the scale named).
    assert outcomes["trained"] > outcomes["refused"]
    if activation in ("identity", "relu"):
        assert outcomes["refused"] > 0


# ---------------------------------------------------------- gradient checks
TARGETS = {
    "binary": ("logistic", lambda rng, n: rng.randint(0, 2, (n, 1))),
    "multiclass": ("softmax", lambda rng, n: np.eye(3)[rng.randint(0, 3, n)]),
    "multilabel": ("logistic", lambda rng, n: rng.randint(0, 2, (n, 3))),
    "regression": ("identity", lambda rng, n: rng.randn(n, 1)),
    "poisson": ("exp", lambda rng, n: rng.poisson(1.5, (n, 1))),
}
LAYER_UNITS = [3, 4, 3]  # the output layer's size is the target's


def _problem(target, weighted):
    rng = np.random.RandomState(0)
    n_samples = 9
    output_activation, make_y = TARGETS[target]
    y = make_y(rng, n_samples).astype(float)
    units = [*LAYER_UNITS, y.shape[1]]
    X = rng.randn(n_samples, units[0])
    sample_weight = rng.uniform(0.2, 3.0, n_samples) if weighted else None
    n_params = sum((a + 1) * b for a, b in zip(units[:-1], units[1:]))
    params = rng.randn(n_params) * 0.7
    return units, output_activation, X, y, sample_weight, params


def _central_differences(loss, params, step=1e-6):
    gradient = np.empty_like(params)
    for i in range(params.size):
        shifted = params.copy()
        shifted[i] += step
        upper = loss(shifted)
        shifted[i] -= 2 * step
        gradient[i] = (upper - loss(shifted)) / (2 * step)
    return gradient


def _engine_loss_and_gradient(
    units, activation, output_activation, X, y, sample_weight, alpha
):
    """The stacked engine's loss/gradient of one network, flat in its layout."""
    architecture = Architecture(units, activation, output_activation)
    n_samples = X.shape[0]
    inputs = make_inputs(X[None])
    targets = np.ascontiguousarray(y.T[:, None, :])
    weights = None if sample_weight is None else sample_weight[None]
    weight_sum = np.full(
        (1, 1), n_samples if sample_weight is None else sample_weight.sum()
    )
    alphas = np.array([alpha]) if alpha else None

    def evaluate(flat):
        params = StackedParameters(units, flat[None].copy())
        grads = StackedParameters(units, np.empty_like(params.flat))
        workspace = Workspace(units, 1, n_samples, np.float64)
        loss = loss_and_gradient(
            architecture,
            params,
            inputs,
            targets,
            weights,
            weight_sum,
            alphas,
            workspace,
            grads,
        )
        return float(loss[0]), grads.flat[0].copy()

    return evaluate


def _lbfgs_loss_and_gradient(
    units, activation, output_activation, X, y, sample_weight, alpha
):
    """skinit._lbfgs's loss/gradient, flat in scikit-learn's packing."""

    def evaluate(flat):
        # The classifier trains on boolean indicators, the regressor on floats.
        targets = y if output_activation in ("identity", "exp") else y.astype(bool)
        loss, coef_grads, intercept_grads = lbfgs_loss_and_gradient(
            *unpack(flat, units),
            X,
            targets,
            sample_weight,
            alpha,
            activation,
            output_activation,
        )
        return float(loss), pack(coef_grads, intercept_grads)

    return evaluate


@pytest.mark.parametrize(
    "implementation",
    [_engine_loss_and_gradient, _lbfgs_loss_and_gradient],
    ids=["engine", "lbfgs"],
)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("alpha", [0.0, 0.3])
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_gradient_is_the_derivative_of_the_loss(
    implementation, activation, target, alpha, weighted
):
    units, output_activation, X, y, sample_weight, params = _problem(target, weighted)
    evaluate = implementation(
        units, activation, output_activation, X, y, sample_weight, alpha
    )
    _, gradient = evaluate(params)
    numeric = _central_differences(lambda p: evaluate(p)[0], params)
    assert_allclose(gradient, numeric, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize(
    "implementation",
    [_engine_loss_and_gradient, _lbfgs_loss_and_gradient],
    ids=["engine", "lbfgs"],
)
def test_multi_output_squared_error_gradient_sums_over_outputs(implementation):
    """scikit-learn's squared loss averages over outputs but its gradient
    (``output - y``) is that of the sum over outputs; skinit keeps both, for
    the same fits, so with 3 outputs the gradient is 3 times the derivative."""
    rng = np.random.RandomState(0)
    units = [*LAYER_UNITS, 3]
    X, y = rng.randn(9, units[0]), rng.randn(9, 3)
    params = rng.randn(sum((a + 1) * b for a, b in zip(units[:-1], units[1:])))
    evaluate = implementation(units, "tanh", "identity", X, y, None, 0.0)
    numeric = _central_differences(lambda p: evaluate(p)[0], params)
    assert_allclose(evaluate(params)[1], 3 * numeric, rtol=1e-5, atol=1e-7)


# ------------------------------------------------------- dispatch-independence
GRID = {"initializer": ["normal", "he_normal"], "scale": [0.5, 1.0]}
SEARCH_BASE = InitMLPClassifier(
    hidden_layer_sizes=(5,), solver="adam", max_iter=30, random_state=0
)


def _search(**search_params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return InitSearchCV(SEARCH_BASE, GRID, cv=3, **search_params).fit(
            X_CIRCLES[:120], Y_CIRCLES[:120]
        )


def assert_identical_searches(search, reference):
    for key, value in reference.cv_results_.items():
        if "time" not in key and key != "params" and not key.startswith("param_"):
            assert_array_equal(search.cv_results_[key], value, err_msg=key)
    assert search.best_params_ == reference.best_params_
    best, reference_best = search.best_estimator_, reference.best_estimator_
    for a, b in zip(
        best.coefs_ + best.intercepts_,
        reference_best.coefs_ + reference_best.intercepts_,
    ):
        assert_array_equal(a, b)


@pytest.fixture(scope="module")
def serial_search():
    return _search(n_jobs=1)


@pytest.mark.parametrize("backend", ["loky", "threading"])
def test_search_is_bit_identical_across_joblib_backends(serial_search, backend):
    from joblib import parallel_config

    with parallel_config(backend=backend, n_jobs=2):
        assert_identical_searches(_search(), serial_search)
    assert_identical_searches(_search(n_jobs=2), serial_search)


def test_search_is_bit_identical_on_a_dask_cluster(serial_search):
    distributed = pytest.importorskip("distributed")
    from joblib import parallel_config

    with (
        distributed.LocalCluster(
            n_workers=1,
            threads_per_worker=2,
            processes=False,
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster),
        parallel_config(backend="dask"),
    ):
        assert_identical_searches(_search(), serial_search)
