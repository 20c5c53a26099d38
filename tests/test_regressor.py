"""InitMLPRegressor: scikit-learn conventions and drop-in equivalence with
MLPRegressor fitted with the same parameters, data and seed (the solver
configurations and the comparison are the classifier's)."""

import inspect
import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.datasets import make_friedman1
from sklearn.exceptions import (
    ConvergenceWarning,
    DataConversionWarning,
    NotFittedError,
)
from sklearn.metrics import r2_score
from sklearn.neural_network import MLPRegressor
from sklearn.neural_network._base import poisson_loss, squared_loss
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import (
    check_regressor_multioutput,
    parametrize_with_checks,
)
from test_equivalence import CONFIGS, assert_same_model

from skinit import InitMLPRegressor
from skinit._activations_losses import LOSS_FUNCTIONS, r2_from_output


def _friedman():
    X, y = make_friedman1(n_samples=150, n_features=6, random_state=0)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    return X, (y - y.mean()) / y.std()


def _two_outputs():
    X, y = _friedman()
    return X, np.column_stack([y, np.sin(3 * y)])


def _counts():
    X, _ = _friedman()
    rate = np.exp(0.5 * X[:, 0] - 0.3 * X[:, 1])
    return X, np.random.RandomState(0).poisson(rate).astype(float)


DATASETS = {
    "friedman": (_friedman, "squared_error"),
    "two-outputs": (_two_outputs, "squared_error"),
    "counts-poisson": (_counts, "poisson"),
}

def _fit_pair(X, y, sample_weight=None, **params):
    params = {"hidden_layer_sizes": (7, 4), "random_state": 0, **params}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = InitMLPRegressor(**params).fit(X, y, sample_weight=sample_weight)
        theirs = MLPRegressor(**params).fit(X, y, sample_weight=sample_weight)
    return ours, theirs


# ------------------------------------------------------ scikit-learn's checks
@parametrize_with_checks(
    [
        InitMLPRegressor(random_state=0),
        # Small L-BFGS networks: the checks fit many times (the default one
        # takes a minute here).
        InitMLPRegressor(
            solver="lbfgs", hidden_layer_sizes=(20,), max_iter=50, random_state=0
        ),
        InitMLPRegressor(
            solver="gd",
            learning_rate_init=0.01,
            max_iter=300,
            initializer="he_normal",
            scale=0.5,
            random_state=0,
        ),
        # With solver='adam', MLPRegressor's Poisson fit scores R^2 = 0.38 on
        # check_regressors_train's positive targets (< 0.5), as this one does
        # (test_poisson_adam_scores_as_scikit_learn_on_the_check_data);
        # L-BFGS passes every check.
        InitMLPRegressor(
            loss="poisson",
            solver="lbfgs",
            hidden_layer_sizes=(20,),
            max_iter=50,
            random_state=0,
        ),
    ]
)
def test_sklearn_compatible_estimator(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)


def test_multioutput_check():
    # MLPRegressor does not declare multi-output targets in its tags (so
    # scikit-learn's suite skips this check); both fit them.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check_regressor_multioutput(
            "InitMLPRegressor", InitMLPRegressor(random_state=0)
        )


def test_poisson_adam_scores_as_scikit_learn_on_the_check_data():
    from sklearn.utils.estimator_checks import (
        _enforce_estimator_tags_y,
        _regression_dataset,
    )

    X, y = _regression_dataset()
    ours = InitMLPRegressor(loss="poisson", random_state=0)
    y = _enforce_estimator_tags_y(ours, (y - y.mean()) / y.std())
    assert (y >= 0).all()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours.fit(X, y)
        theirs = MLPRegressor(loss="poisson", random_state=0).fit(X, y)
    assert_allclose(ours.score(X, y), theirs.score(X, y), rtol=1e-7)


# ----------------------------------------------------------------- the math
@pytest.mark.parametrize(
    "loss, reference", [("squared_error", squared_loss), ("poisson", poisson_loss)]
)
@pytest.mark.parametrize("weighted", [False, True])
def test_losses_equal_scikit_learn_per_network(loss, reference, weighted):
    rng = np.random.RandomState(0)
    n_outputs, n_networks, n_samples = 3, 4, 50
    y = rng.poisson(2.0, size=(n_outputs, n_networks, n_samples)).astype(float)
    pred = rng.uniform(0.5, 4.0, size=y.shape)
    weight = rng.uniform(0.1, 2.0, size=(n_networks, n_samples)) if weighted else None
    ours = LOSS_FUNCTIONS[loss](y, pred, weight)
    for k in range(n_networks):
        expected = reference(
            y[:, k].T, pred[:, k].T, None if weight is None else weight[k]
        )
        assert_allclose(ours[k], expected, rtol=1e-13)


@pytest.mark.parametrize("weighted", [False, True])
def test_r2_from_output_equals_r2_score(weighted):
    rng = np.random.RandomState(0)
    y = rng.normal(size=(2, 3, 40))
    output = y + rng.normal(scale=0.5, size=y.shape)
    # Network 1 predicts its first output exactly; network 2's second output
    # has constant targets and is mispredicted (scikit-learn scores it 0).
    output[0, 1] = y[0, 1]
    y[1, 2] = 1.5
    weight = rng.uniform(0.1, 2.0, size=(3, 40)) if weighted else None
    ours = r2_from_output(y, output, weight)
    for k in range(3):
        network_weight = None if weight is None else weight[k]
        expected = r2_score(y[:, k].T, output[:, k].T, sample_weight=network_weight)
        assert_allclose(ours[k], expected, rtol=1e-13)


def test_r2_from_output_is_nan_for_a_non_finite_output():
    y = np.zeros((1, 2, 5))
    output = np.ones((1, 2, 5))
    output[0, 0, 3] = np.inf
    r2 = r2_from_output(y, output)
    assert np.isnan(r2[0]) and r2[1] == 0.0


# --------------------------------------------------------------- equivalence
@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("config", CONFIGS)
def test_fit_equals_scikit_learn(dataset, config):
    make_data, loss = DATASETS[dataset]
    X, y = make_data()
    ours, theirs = _fit_pair(X, y, loss=loss, **CONFIGS[config])
    assert_same_model(ours, theirs, X)


@pytest.mark.parametrize(
    "config", ["adam", "sgd-constant", "lbfgs", "adam-early-stopping"]
)
@pytest.mark.parametrize("dataset", ["friedman", "counts-poisson"])
def test_sample_weight_equals_scikit_learn(config, dataset):
    make_data, loss = DATASETS[dataset]
    X, y = make_data()
    sample_weight = np.random.RandomState(1).uniform(0.2, 3.0, size=len(y))
    ours, theirs = _fit_pair(
        X, y, sample_weight=sample_weight, loss=loss, **CONFIGS[config]
    )
    assert_same_model(ours, theirs, X)


@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh"])
def test_activations_equal_scikit_learn(activation):
    X, y = _two_outputs()
    ours, theirs = _fit_pair(X, y, activation=activation, solver="adam", max_iter=30)
    assert_same_model(ours, theirs, X)


def test_gd_equals_full_batch_sgd():
    X, y = _friedman()
    common = dict(
        hidden_layer_sizes=(10, 5),
        learning_rate_init=0.05,
        max_iter=200,
        random_state=1,
        tol=1e-5,
        n_iter_no_change=5,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = InitMLPRegressor(solver="gd", **common).fit(X, y)
        theirs = MLPRegressor(
            solver="sgd", batch_size=len(X), momentum=0.0, shuffle=False, **common
        ).fit(X, y)
    assert_same_model(ours, theirs, X)


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_warm_start_equals_scikit_learn(solver, loss):
    X, y = _counts()
    params = dict(
        loss=loss,
        hidden_layer_sizes=(5,),
        solver=solver,
        max_iter=6 if solver == "lbfgs" else 15,
        random_state=0,
        warm_start=True,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours, theirs = InitMLPRegressor(**params), MLPRegressor(**params)
        for _ in range(3):
            ours.fit(X, y)
            theirs.fit(X, y)
    assert_same_model(ours, theirs, X)


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_partial_fit_sequence_equals_scikit_learn(solver):
    X, y = _two_outputs()
    params = dict(hidden_layer_sizes=(6,), solver=solver, random_state=0)
    ours, theirs = InitMLPRegressor(**params), MLPRegressor(**params)
    rng = np.random.RandomState(0)
    for step in range(6):
        rows = rng.choice(len(X), size=40, replace=False)
        weights = rng.uniform(0.5, 2, size=40) if step % 2 else None
        ours.partial_fit(X[rows], y[rows], sample_weight=weights)
        theirs.partial_fit(X[rows], y[rows], sample_weight=weights)
    assert_same_model(ours, theirs, X)


def test_partial_fit_after_fit_continues_like_scikit_learn():
    X, y = _counts()
    ours, theirs = _fit_pair(X, y, loss="poisson", solver="sgd", max_iter=5)
    ours.partial_fit(X, y)
    theirs.partial_fit(X, y)
    assert_same_model(ours, theirs, X)


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_sparse_input_equals_scikit_learn(solver):
    X, y = _friedman()
    X[np.abs(X) < 0.5] = 0
    ours, theirs = _fit_pair(sp.csr_matrix(X), y, solver=solver, max_iter=20)
    assert_same_model(ours, theirs, X)


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_float32_equals_scikit_learn(solver):
    X, y = _friedman()
    X, y = X.astype(np.float32), y.astype(np.float32)
    ours, theirs = _fit_pair(X, y, solver=solver, max_iter=20)
    assert ours.predict(X).dtype == np.float32
    # Both train in float32; a few ulps of summation-order difference.
    assert_same_model(ours, theirs, X, rtol=2e-5)


def test_float32_inputs_with_float64_targets_stay_float32():
    X, y = _friedman()
    X = X.astype(np.float32)
    ours, theirs = _fit_pair(X, y, solver="adam", max_iter=20)
    # MLPRegressor subtracts float64 targets from float32 outputs and
    # backpropagates in float64, updating float32 weights; skinit casts the
    # targets to float32 and trains in float32 throughout (as its classifier).
    for mine, reference in zip(ours.coefs_, theirs.coefs_):
        assert mine.dtype == reference.dtype == np.float32
        assert_allclose(mine, reference, rtol=1e-4, atol=1e-5)


# ------------------------------------------------------------ conventions
def test_same_parameters_and_defaults_as_mlpregressor():
    ours = InitMLPRegressor().get_params()
    theirs = MLPRegressor().get_params()
    assert {k: ours[k] for k in theirs} == theirs
    assert set(ours) - set(theirs) == {
        "initializer",
        "scale",
        "bias_initializer",
        "record_every",
    }
    # The same positional parameters, in the same order.
    positional = [
        name
        for name, parameter in inspect.signature(MLPRegressor).parameters.items()
        if parameter.kind is parameter.POSITIONAL_OR_KEYWORD
    ]
    assert list(inspect.signature(InitMLPRegressor).parameters)[:3] == positional


def test_one_dimensional_targets_give_one_dimensional_predictions():
    X, y = _friedman()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg = InitMLPRegressor(hidden_layer_sizes=(5,), max_iter=5, random_state=0)
        assert reg.fit(X, y).predict(X).shape == (len(X),)
        with pytest.warns(DataConversionWarning):
            column = clone(reg).fit(X, y[:, None])
    assert_array_equal(column.predict(X), reg.predict(X))
    assert reg.score(X, y) == r2_score(y, reg.predict(X))


def test_poisson_predictions_are_positive_and_negative_targets_rejected():
    X, y = _counts()
    reg = InitMLPRegressor(loss="poisson", solver="lbfgs", max_iter=50, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(X, y)
    assert reg.out_activation_ == "exp"
    assert (reg.predict(X) > 0).all()
    with pytest.raises(ValueError, match="negative"):
        clone(reg).fit(X, y - 1)


@pytest.mark.parametrize(
    "params, error",
    [
        (dict(loss="absolute_error"), InvalidParameterError),
        (dict(initializer="nope"), InvalidParameterError),
        (dict(scale=-1.0), InvalidParameterError),
        (dict(hidden_layer_sizes=(3, 0)), ValueError),
    ],
)
def test_invalid_parameters(params, error):
    X, y = _friedman()
    with pytest.raises(error):
        InitMLPRegressor(**params).fit(X, y)


def test_not_fitted_and_partial_fit_availability():
    X, y = _friedman()
    with pytest.raises(NotFittedError):
        InitMLPRegressor().predict(X)
    assert not hasattr(InitMLPRegressor(solver="lbfgs"), "partial_fit")
    with pytest.raises(ValueError, match="early_stopping"):
        InitMLPRegressor(early_stopping=True).partial_fit(X, y)


@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
@pytest.mark.parametrize("solver", ["adam", "gd", "lbfgs"])
def test_no_runtime_warnings_at_huge_scale(loss, solver):
    """The suite turns RuntimeWarnings into errors: an exploding network (exp
    output overflowing included) must either fit or raise scikit-learn's
    ValueError, silently."""
    X, y = _counts()
    reg = InitMLPRegressor(
        loss=loss,
        hidden_layer_sizes=(20, 20),
        initializer="normal",
        scale=1e3,
        solver=solver,
        max_iter=20,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            reg.fit(X, y)
        except ValueError as error:
            assert "non-finite" in str(error)
        else:
            reg.predict(X)


def test_initializer_and_scale_change_the_fit_and_pickle_round_trips():
    X, y = _friedman()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        base = InitMLPRegressor(hidden_layer_sizes=(8,), max_iter=20, random_state=0)
        he = clone(base).set_params(initializer="he_normal", scale=2.0).fit(X, y)
        again = clone(he).fit(X, y)
        default = clone(base).fit(X, y)
    assert not np.array_equal(he.init_coefs_[0], default.init_coefs_[0])
    for a, b in zip(he.coefs_, again.coefs_):
        assert_array_equal(a, b)
    restored = pickle.loads(pickle.dumps(he))
    assert_array_equal(restored.predict(X), he.predict(X))
