"""Drop-in equivalence: InitMLPClassifier with the default initializer equals
scikit-learn's MLPClassifier fitted with the same parameters, data and seed.

``CONFIGS`` and ``assert_same_model`` serve the regressor's equivalence tests
too (``test_regressor.py``)."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import is_classifier
from sklearn.datasets import (
    load_iris,
    make_classification,
    make_multilabel_classification,
    make_regression,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler

from skinit import InitMLPClassifier, InitMLPRegressor
from skinit.datasets import load_circles

# The drop-in promise is the numpy engine's (see tests/conftest.py); one BLAS
# thread makes the L-BFGS fits 10-20x faster on a busy machine.
pytestmark = pytest.mark.usefixtures("numpy_kernel", "one_blas_thread")

RTOL = 1e-7
ATOL = 1e-12


def _circles():
    X, y, _, _ = load_circles()
    return X, y


def _iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _imbalanced():
    X, y = make_classification(
        n_samples=150, n_features=6, n_informative=4, weights=[0.7, 0.3], random_state=0
    )
    return X, y


def _multilabel():
    X, y = make_multilabel_classification(
        n_samples=120, n_features=5, n_classes=3, random_state=0
    )
    return StandardScaler().fit_transform(X), y


DATASETS = {
    "circles": _circles,
    "iris": _iris,
    "imbalanced": _imbalanced,
    "multilabel": _multilabel,
}

CONFIGS = {
    "adam": dict(solver="adam", max_iter=40),
    "sgd-constant": dict(solver="sgd", max_iter=40, learning_rate_init=0.05),
    "sgd-invscaling": dict(
        solver="sgd", learning_rate="invscaling", learning_rate_init=0.5, max_iter=30
    ),
    "sgd-adaptive": dict(
        solver="sgd", learning_rate="adaptive", tol=1e-2, max_iter=80, batch_size=50
    ),
    "sgd-classical-momentum": dict(
        solver="sgd", nesterovs_momentum=False, momentum=0.5, max_iter=30
    ),
    "sgd-no-shuffle": dict(solver="sgd", shuffle=False, max_iter=30, batch_size=64),
    # The full default budget of 200 iterations.
    "lbfgs": dict(solver="lbfgs"),
    "adam-early-stopping": dict(
        solver="adam", early_stopping=True, max_iter=60, validation_fraction=0.2
    ),
    "sgd-early-stopping": dict(
        solver="sgd", early_stopping=True, max_iter=60, n_iter_no_change=3
    ),
    "adam-tol-stop": dict(solver="adam", tol=1e-2, n_iter_no_change=2, max_iter=200),
    "adam-penalty": dict(solver="adam", alpha=0.5, max_iter=30),
}


def _fit_pair(X, y, sample_weight=None, **params):
    params = {"hidden_layer_sizes": (7, 4), "random_state": 0, **params}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = InitMLPClassifier(**params).fit(X, y, sample_weight=sample_weight)
        theirs = MLPClassifier(**params).fit(X, y, sample_weight=sample_weight)
    return ours, theirs


def assert_same_model(ours, theirs, X, rtol=RTOL):
    """The fitted state and predictions of an MLP equal scikit-learn's."""
    assert ours.n_iter_ == theirs.n_iter_
    assert ours.n_layers_ == theirs.n_layers_
    assert ours.n_outputs_ == theirs.n_outputs_
    assert ours.out_activation_ == theirs.out_activation_
    assert ours.t_ == theirs.t_
    if is_classifier(theirs):
        assert_array_equal(ours.classes_, theirs.classes_)
    for mine, reference in zip(
        ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_
    ):
        assert mine.shape == reference.shape
        assert mine.dtype == reference.dtype
        assert_allclose(mine, reference, rtol=rtol, atol=ATOL)
    assert_allclose(ours.loss_, theirs.loss_, rtol=rtol)
    for name in ("loss_curve_", "validation_scores_"):
        mine, reference = getattr(ours, name, None), getattr(theirs, name, None)
        assert (mine is None) == (reference is None), name
        if mine is not None:
            assert_allclose(mine, reference, rtol=rtol, err_msg=name)
    for name in ("best_loss_", "best_validation_score_"):
        assert hasattr(ours, name) == hasattr(theirs, name), name
        if getattr(theirs, name, None) is not None:
            assert_allclose(getattr(ours, name), getattr(theirs, name), rtol=rtol)
    if not is_classifier(theirs):
        prediction = ours.predict(X)
        assert prediction.shape == theirs.predict(X).shape
        assert_allclose(prediction, theirs.predict(X), rtol=1e-6, atol=1e-10)
        return
    assert_array_equal(ours.predict(X), theirs.predict(X))
    assert_allclose(
        ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-6, atol=1e-10
    )


@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("config", CONFIGS)
def test_fit_equals_scikit_learn(dataset, config):
    X, y = DATASETS[dataset]()
    ours, theirs = _fit_pair(X, y, **CONFIGS[config])
    assert_same_model(ours, theirs, X)


@pytest.mark.parametrize(
    "config", ["adam", "sgd-constant", "lbfgs", "adam-early-stopping"]
)
def test_sample_weight_equals_scikit_learn(config):
    X, y = _imbalanced()
    sample_weight = np.random.RandomState(1).uniform(0.2, 3.0, size=len(y))
    ours, theirs = _fit_pair(X, y, sample_weight=sample_weight, **CONFIGS[config])
    assert_same_model(ours, theirs, X)


@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
def test_activations_equal_scikit_learn(activation):
    X, y = _iris()
    ours, theirs = _fit_pair(X, y, activation=activation, solver="adam", max_iter=30)
    assert_same_model(ours, theirs, X)


def test_gd_equals_full_batch_sgd():
    """'gd' is scikit-learn's 'sgd' with one batch of all samples, no momentum,
    no shuffling; iterations count steps."""
    X, y = _circles()
    common = dict(
        hidden_layer_sizes=(10, 5),
        learning_rate_init=0.05,
        max_iter=300,
        random_state=1,
        alpha=1e-3,
        tol=1e-5,
        n_iter_no_change=5,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = InitMLPClassifier(solver="gd", **common).fit(X, y)
        theirs = MLPClassifier(
            solver="sgd", batch_size=len(X), momentum=0.0, shuffle=False, **common
        ).fit(X, y)
    assert_same_model(ours, theirs, X)


def test_gd_ignores_mini_batch_parameters():
    X, y = _circles()
    base = dict(solver="gd", hidden_layer_sizes=(6,), max_iter=50, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        plain = InitMLPClassifier(**base).fit(X, y)
        other = InitMLPClassifier(
            batch_size=7, momentum=0.5, shuffle=True, nesterovs_momentum=False, **base
        ).fit(X, y)
    for a, b in zip(plain.coefs_, other.coefs_):
        assert_array_equal(a, b)


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_warm_start_equals_scikit_learn(solver):
    X, y = _iris()
    params = dict(
        hidden_layer_sizes=(5,),
        solver=solver,
        max_iter=15,
        random_state=0,
        warm_start=True,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours, theirs = InitMLPClassifier(**params), MLPClassifier(**params)
        for _ in range(3):
            ours.fit(X, y)
            theirs.fit(X, y)
    assert_same_model(ours, theirs, X)


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_partial_fit_sequence_equals_scikit_learn(solver):
    X, y = _iris()
    params = dict(hidden_layer_sizes=(6,), solver=solver, random_state=0)
    ours, theirs = InitMLPClassifier(**params), MLPClassifier(**params)
    classes = np.unique(y)
    rng = np.random.RandomState(0)
    for step in range(6):
        rows = rng.choice(len(X), size=40, replace=False)
        weights = rng.uniform(0.5, 2, size=40) if step % 2 else None
        ours.partial_fit(X[rows], y[rows], sample_weight=weights, classes=classes)
        theirs.partial_fit(X[rows], y[rows], sample_weight=weights, classes=classes)
    assert_same_model(ours, theirs, X)


def test_partial_fit_after_fit_continues_like_scikit_learn():
    X, y = _circles()
    ours, theirs = _fit_pair(X, y, solver="sgd", max_iter=5)
    ours.partial_fit(X, y)
    theirs.partial_fit(X, y)
    assert_same_model(ours, theirs, X)


def test_float32_is_kept_and_close_to_scikit_learn():
    X, y = _iris()
    X = X.astype(np.float32)
    ours, theirs = _fit_pair(X, y, solver="adam", max_iter=20)
    for mine, reference in zip(ours.coefs_, theirs.coefs_):
        assert mine.dtype == np.float32
        assert_allclose(mine, reference, rtol=1e-4, atol=1e-5)
    assert ours.predict_proba(X).dtype == np.float32


def test_sparse_input_equals_dense():
    sparse = pytest.importorskip("scipy.sparse")
    X, y = _iris()
    X[np.abs(X) < 0.5] = 0
    dense, _ = _fit_pair(X, y, solver="adam", max_iter=20)
    sparse_fit, theirs = _fit_pair(sparse.csr_matrix(X), y, solver="adam", max_iter=20)
    assert_same_model(sparse_fit, theirs, X)
    for a, b in zip(dense.coefs_, sparse_fit.coefs_):
        assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_sparse_lbfgs_equals_scikit_learn_sparse():
    """A sparse product sums in another order than a dense one, so 200 L-BFGS
    iterations on sparse and dense data end apart, in scikit-learn as in
    skinit; on the same sparse data the two are equal."""
    sparse = pytest.importorskip("scipy.sparse")
    X, y = _iris()
    X[np.abs(X) < 0.5] = 0
    ours, theirs = _fit_pair(sparse.csr_matrix(X), y, solver="lbfgs")
    assert_same_model(ours, theirs, X)
    assert_lbfgs_weights_equal(ours, theirs)


# ---------------------------------------------------------------- L-BFGS
# L-BFGS-B's line search amplifies last-bit differences of the loss and
# gradient exponentially on these non-convex losses, so full runs are equal
# only if every evaluation is: skinit computes them in scikit-learn's order
# (skinit._lbfgs), and the weights must agree to 1e-9 after the whole run.
LBFGS_WEIGHT_ATOL = 1e-9

LBFGS_TARGETS = {
    "binary": _imbalanced,
    "multiclass": _iris,
    "multilabel": _multilabel,
}


def assert_lbfgs_weights_equal(ours, theirs):
    assert ours.n_iter_ == theirs.n_iter_
    for mine, reference in zip(
        ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_
    ):
        assert mine.dtype == reference.dtype
        assert np.abs(mine - reference).max() <= LBFGS_WEIGHT_ATOL


# The default alpha and no weights are covered by CONFIGS["lbfgs"] above.
@pytest.mark.parametrize(
    "alpha, weighted", [(0.0, False), (0.5, True)], ids=["plain", "penalized-weighted"]
)
@pytest.mark.parametrize("target", LBFGS_TARGETS)
@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
def test_lbfgs_full_run_equals_scikit_learn(activation, target, alpha, weighted):
    X, y = LBFGS_TARGETS[target]()
    sample_weight = (
        np.random.RandomState(1).uniform(0.2, 3.0, size=len(y)) if weighted else None
    )
    ours, theirs = _fit_pair(
        X,
        y,
        sample_weight=sample_weight,
        solver="lbfgs",
        activation=activation,
        alpha=alpha,
        hidden_layer_sizes=(15, 7),
    )
    assert_lbfgs_weights_equal(ours, theirs)
    assert_same_model(ours, theirs, X)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_lbfgs_on_float32_equals_scikit_learn(weighted):
    """scipy evaluates the loss at points of the initial vector's dtype
    (float32 with recent scipy, float64 with older ones) and returns float64
    weights, in scikit-learn as in skinit."""
    X, y = _iris()
    X = X.astype(np.float32)
    sample_weight = (
        np.random.RandomState(1).uniform(0.2, 3.0, size=len(y)) if weighted else None
    )
    ours, theirs = _fit_pair(
        X, y, sample_weight=sample_weight, solver="lbfgs", hidden_layer_sizes=(15, 7)
    )
    assert theirs.coefs_[0].dtype == np.float64
    assert_lbfgs_weights_equal(ours, theirs)
    assert_allclose(ours.loss_, theirs.loss_, rtol=1e-12)


def test_prediction_dtype_follows_numpy_promotion_like_scikit_learn():
    X, y = _iris()
    ours, theirs = _fit_pair(X.astype(np.float32), y, solver="adam", max_iter=5)
    for data in (X, X.astype(np.float32)):
        assert ours.predict_proba(data).dtype == theirs.predict_proba(data).dtype


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_regressor_lbfgs_full_run_equals_scikit_learn(loss, weighted):
    X, y = make_regression(
        n_samples=150, n_features=5, n_targets=2, noise=5.0, random_state=0
    )
    if loss == "poisson":
        y = np.random.RandomState(0).poisson(np.exp(0.5 * X[:, 0]))
    else:
        y = y / 50
    sample_weight = (
        np.random.RandomState(1).uniform(0.2, 3.0, size=len(y)) if weighted else None
    )
    params = dict(
        hidden_layer_sizes=(15, 7), solver="lbfgs", loss=loss, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = InitMLPRegressor(**params).fit(X, y, sample_weight=sample_weight)
        theirs = MLPRegressor(**params).fit(X, y, sample_weight=sample_weight)
    assert_lbfgs_weights_equal(ours, theirs)
    assert_allclose(ours.loss_, theirs.loss_, rtol=1e-12)
    assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-9, atol=1e-12)
