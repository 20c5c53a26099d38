"""InitMLPClassifier: scikit-learn conventions, the course notebook, numerics."""

import pickle
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network import MLPClassifier
from sklearn.neural_network._base import binary_log_loss
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import parametrize_with_checks

from skinit import InitMLPClassifier
from skinit.datasets import load_circles
from skinit.initializers import available_initializers

X_TRAIN, Y_TRAIN, X_TEST, Y_TEST = load_circles()

NOTEBOOK = dict(
    hidden_layer_sizes=(10, 5),
    activation="relu",
    solver="gd",
    learning_rate_init=0.01,
    max_iter=15000,
    alpha=0.0,
    tol=0.0,
    n_iter_no_change=15000,
    random_state=3,
)


@parametrize_with_checks(
    [
        InitMLPClassifier(random_state=0),
        # With the default alpha, lbfgs saturates predict_proba to exactly 1.0 on
        # the multilabel check (scikit-learn's MLPClassifier too); alpha=0.1
        # keeps the probabilities inside (0, 1).
        InitMLPClassifier(solver="lbfgs", alpha=0.1, random_state=0),
        InitMLPClassifier(
            solver="gd", learning_rate_init=0.1, max_iter=300, random_state=0
        ),
        InitMLPClassifier(solver="sgd", initializer="glorot_uniform", random_state=0),
        InitMLPClassifier(initializer="he_normal", scale=0.5, random_state=0),
        InitMLPClassifier(
            initializer="lecun_uniform", bias_initializer="zeros", random_state=0
        ),
        # Data-dependent: its variances weigh rows by sample_weight.
        InitMLPClassifier(initializer="lsuv", random_state=0),
    ]
)
def test_sklearn_compatible_estimator(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)


# ----------------------------------------------------------------- the notebook
def _notebook_initial_weights(seed, factor):
    """The notebook's ``initialize_parameters_*``: W_l = randn(n_l, n_l-1) * f."""
    np_random = np.random.RandomState(seed)
    dims = [2, 10, 5, 1]
    weights = []
    for fan_in, fan_out in zip(dims[:-1], dims[1:]):
        scale = factor(fan_in)
        weights.append(np_random.randn(fan_out, fan_in) * scale)
    return weights


def _notebook_training(weights, X, y, learning_rate, steps):
    """A straightforward numpy version of the notebook's loop (column samples)."""
    W = [w.copy() for w in weights]
    b = [np.zeros((w.shape[0], 1)) for w in W]
    A0, Y = X.T, y.reshape(1, -1)
    m = A0.shape[1]
    for _ in range(steps):
        Z1 = W[0] @ A0 + b[0]
        A1 = np.maximum(0, Z1)
        Z2 = W[1] @ A1 + b[1]
        A2 = np.maximum(0, Z2)
        Z3 = W[2] @ A2 + b[2]
        A3 = 1 / (1 + np.exp(-Z3))
        dZ3 = A3 - Y
        dW3, db3 = dZ3 @ A2.T / m, dZ3.sum(axis=1, keepdims=True) / m
        dZ2 = (W[2].T @ dZ3) * (A2 > 0)
        dW2, db2 = dZ2 @ A1.T / m, dZ2.sum(axis=1, keepdims=True) / m
        dZ1 = (W[1].T @ dZ2) * (A1 > 0)
        dW1, db1 = dZ1 @ A0.T / m, dZ1.sum(axis=1, keepdims=True) / m
        for param, grad in zip(W + b, [dW1, dW2, dW3, db1, db2, db3]):
            param -= learning_rate * grad
    return W, b


@pytest.mark.parametrize(
    "initializer, scale, factor",
    [
        ("normal", 10.0, lambda fan_in: 10.0),
        ("he_normal", 1.0, lambda fan_in: np.sqrt(2.0 / fan_in)),
    ],
)
def test_notebook_initial_weights_are_exact(initializer, scale, factor):
    clf = InitMLPClassifier(
        **{**NOTEBOOK, "max_iter": 1}, initializer=initializer, scale=scale
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_TRAIN, Y_TRAIN)
    for ours, theirs in zip(clf.init_coefs_, _notebook_initial_weights(3, factor)):
        assert_array_equal(ours, theirs.T)
    for intercept in clf.init_intercepts_:
        assert_array_equal(intercept, 0.0)


def test_notebook_training_matches_straightforward_numpy():
    clf = InitMLPClassifier(**NOTEBOOK, initializer="he_normal")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_TRAIN, Y_TRAIN)
    weights = _notebook_initial_weights(3, lambda fan_in: np.sqrt(2.0 / fan_in))
    W, b = _notebook_training(weights, X_TRAIN, Y_TRAIN, 0.01, NOTEBOOK["max_iter"])
    assert clf.n_iter_ == 15000
    for ours, theirs in zip(clf.coefs_, W):
        assert_allclose(ours, theirs.T, rtol=0, atol=1e-9)
    for ours, theirs in zip(clf.intercepts_, b):
        assert_allclose(ours, theirs.ravel(), rtol=0, atol=1e-9)
    # The notebook's printed results for He initialization.
    assert clf.score(X_TRAIN, Y_TRAIN) == pytest.approx(0.9933333333)
    assert clf.score(X_TEST, Y_TEST) == pytest.approx(0.96)


def test_gd_runs_exactly_max_iter_steps_with_tol_zero():
    clf = InitMLPClassifier(**{**NOTEBOOK, "max_iter": 25}, initializer="zeros")
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        clf.fit(X_TRAIN, Y_TRAIN)
    assert clf.n_iter_ == 25 and len(clf.loss_curve_) == 25
    assert clf.t_ == 25 * len(X_TRAIN)
    # Zero weights stay symmetric: the loss never leaves log(2).
    assert_allclose(clf.loss_curve_, np.log(2), rtol=1e-12)


# ----------------------------------------------------------------- numerics
@pytest.mark.parametrize("initializer", ["normal", "he_normal", "uniform"])
@pytest.mark.parametrize("solver", ["gd", "adam", "sgd", "lbfgs"])
def test_no_runtime_warnings_at_huge_scale(initializer, solver):
    """Saturated sigmoids must not produce log(0) or overflow warnings, and the
    loss must still be scikit-learn's clipped cross-entropy."""
    clf = InitMLPClassifier(
        hidden_layer_sizes=(10, 5),
        solver=solver,
        initializer=initializer,
        scale=1e3,
        max_iter=3,
        learning_rate_init=1e-3,
        alpha=0.0,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_TRAIN, Y_TRAIN)
        clf.predict_log_proba(X_TEST)
    assert np.isfinite(clf.loss_)
    if solver != "lbfgs":
        # The first epoch's loss is the loss of the initial weights.
        reference = MLPClassifier(hidden_layer_sizes=(10, 5)).fit(
            X_TRAIN[:20], Y_TRAIN[:20]
        )
        reference.coefs_ = clf.init_coefs_
        reference.intercepts_ = clf.init_intercepts_
        if solver == "gd":
            proba = reference.predict_proba(X_TRAIN)[:, 1:]
            expected = binary_log_loss(Y_TRAIN[:, None], proba)
            assert clf.loss_curve_[0] == pytest.approx(expected, rel=1e-12)
            assert expected > 10  # saturated: the clipping mattered


def test_softmax_output_is_stable_at_huge_scale():
    rng = np.random.RandomState(0)
    X = rng.randn(60, 3)
    y = rng.randint(0, 4, 60)
    clf = InitMLPClassifier(
        hidden_layer_sizes=(8,),
        initializer="normal",
        scale=1e4,
        solver="gd",
        max_iter=2,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
        proba = clf.predict_proba(X)
    assert np.isfinite(proba).all()
    assert_allclose(proba.sum(axis=1), 1.0)


def test_diverging_fit_raises_value_error():
    """A linear network with a huge step overflows: a clear error, no warnings."""
    clf = InitMLPClassifier(
        hidden_layer_sizes=(10,),
        activation="identity",
        solver="gd",
        learning_rate_init=1e3,
        max_iter=400,
        tol=0.0,
        n_iter_no_change=10**6,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        with pytest.raises(ValueError, match="non-finite parameter weights"):
            clf.fit(X_TRAIN * 1e3, Y_TRAIN)


# ------------------------------------------------------------ parameters
@pytest.mark.parametrize(
    "params, match",
    [
        ({"initializer": "he_norma"}, "initializer"),
        ({"initializer": 3}, "initializer"),
        ({"scale": -1.0}, "scale"),
        ({"scale": "big"}, "scale"),
        ({"solver": "newton"}, "solver"),
        ({"bias_initializer": "ones please"}, "bias_initializer"),
        ({"record_every": 0}, "record_every"),
        ({"learning_rate_init": 0.0}, "learning_rate_init"),
    ],
)
def test_invalid_parameters_raise_invalid_parameter_error(params, match):
    with pytest.raises(InvalidParameterError, match=match):
        InitMLPClassifier(**params).fit(X_TRAIN, Y_TRAIN)


def test_invalid_initializer_message_lists_choices():
    with pytest.raises(InvalidParameterError) as info:
        InitMLPClassifier(initializer="nope").fit(X_TRAIN, Y_TRAIN)
    for name in ("he_normal", "glorot_uniform", "sklearn"):
        assert name in str(info.value)


def test_same_parameters_and_defaults_as_mlpclassifier():
    ours = InitMLPClassifier().get_params()
    theirs = MLPClassifier().get_params()
    assert set(theirs) <= set(ours)
    for name, value in theirs.items():
        assert ours[name] == value, name
    assert {"initializer", "scale", "bias_initializer"} <= set(ours)
    assert ours["initializer"] == "sklearn" and ours["scale"] == 1.0


def test_not_fitted_error():
    for method in ("predict", "predict_proba", "predict_log_proba"):
        with pytest.raises(NotFittedError):
            getattr(InitMLPClassifier(), method)(X_TEST)


def test_partial_fit_unavailable_for_lbfgs():
    assert not hasattr(InitMLPClassifier(solver="lbfgs"), "partial_fit")
    assert hasattr(InitMLPClassifier(solver="gd"), "partial_fit")


def test_partial_fit_rejects_early_stopping():
    with pytest.raises(ValueError, match="early_stopping"):
        InitMLPClassifier(early_stopping=True).partial_fit(
            X_TRAIN, Y_TRAIN, classes=[0, 1]
        )


def test_grid_search_over_initializer_and_scale():
    search = GridSearchCV(
        InitMLPClassifier(
            hidden_layer_sizes=(10, 5),
            solver="gd",
            learning_rate_init=0.1,
            max_iter=300,
            random_state=3,
        ),
        {"initializer": ["zeros", "he_normal"], "scale": [0.1, 1.0]},
        cv=3,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X_TRAIN, Y_TRAIN)
    scores = dict(
        zip(
            map(str, search.cv_results_["params"]),
            search.cv_results_["mean_test_score"],
        )
    )
    # Zero weights cannot break the symmetry: chance level whatever the scale.
    assert scores[str({"initializer": "zeros", "scale": 0.1})] == pytest.approx(
        0.5, abs=0.02
    )
    assert search.best_params_["initializer"] == "he_normal"


def test_pipeline_and_pickle_round_trip():
    model = make_pipeline(
        StandardScaler(),
        InitMLPClassifier(
            hidden_layer_sizes=(6,),
            initializer="he_uniform",
            max_iter=50,
            random_state=0,
        ),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_TRAIN, Y_TRAIN)
    restored = pickle.loads(pickle.dumps(model))
    assert_array_equal(restored.predict_proba(X_TEST), model.predict_proba(X_TEST))


def test_string_labels_and_feature_names():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X_TRAIN, columns=["x1", "x2"])
    labels = np.where(Y_TRAIN == 1, "inner", "outer")
    clf = InitMLPClassifier(hidden_layer_sizes=(5,), max_iter=30, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(frame, labels)
    assert_array_equal(clf.feature_names_in_, ["x1", "x2"])
    assert set(clf.predict(frame)) <= {"inner", "outer"}


# ------------------------------------------------------------ properties
INITIALIZERS = [name for name in available_initializers() if name != "lsuv"]


@settings(max_examples=25, deadline=None, derandomize=True)
@given(
    hidden=st.lists(st.integers(1, 8), min_size=1, max_size=3),
    initializer=st.sampled_from(INITIALIZERS),
    seed=st.integers(0, 2**31 - 1),
    scale=st.sampled_from([0.0, 0.01, 0.3, 1.0, 7.0, 1e3]),
)
def test_scale_multiplies_initial_weights_exactly(hidden, initializer, seed, scale):
    def initial(s):
        clf = InitMLPClassifier(
            hidden_layer_sizes=hidden,
            initializer=initializer,
            scale=s,
            solver="gd",
            max_iter=1,
            random_state=seed,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clf.fit(X_TRAIN[:30], Y_TRAIN[:30])
        return clf

    unit, scaled = initial(1.0), initial(scale)
    for a, b in zip(unit.init_coefs_, scaled.init_coefs_):
        assert_array_equal(b, a * scale)
    for a, b in zip(unit.init_intercepts_, scaled.init_intercepts_):
        assert_array_equal(a, b)


@settings(max_examples=15, deadline=None, derandomize=True)
@given(
    hidden=st.lists(st.integers(1, 6), min_size=1, max_size=3),
    initializer=st.sampled_from(INITIALIZERS),
    solver=st.sampled_from(["gd", "sgd", "adam", "lbfgs"]),
    seed=st.integers(0, 2**31 - 1),
)
def test_same_random_state_gives_identical_fits(hidden, initializer, solver, seed):
    clf = InitMLPClassifier(
        hidden_layer_sizes=hidden,
        initializer=initializer,
        solver=solver,
        max_iter=5,
        random_state=seed,
        batch_size=50,
    )
    fits = []
    for _ in range(2):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fits.append(clone(clf).fit(X_TRAIN, Y_TRAIN))
    for a, b in zip(
        fits[0].coefs_ + fits[0].intercepts_, fits[1].coefs_ + fits[1].intercepts_
    ):
        assert_array_equal(a, b)
    assert fits[0].loss_ == fits[1].loss_


def test_load_circles_matches_the_notebook_and_leaves_global_state():
    from sklearn.datasets import make_circles

    state = np.random.get_state()  # noqa: NPY002 -- the notebook uses the global state
    X_train, y_train, X_test, y_test = load_circles()
    assert X_train.shape == (300, 2) and X_test.shape == (100, 2)
    np.random.seed(1)  # noqa: NPY002 -- the notebook uses the global state
    expected_train = make_circles(n_samples=300, noise=0.05)
    np.random.seed(2)  # noqa: NPY002 -- the notebook uses the global state
    expected_test = make_circles(n_samples=100, noise=0.05)
    np.random.set_state(state)  # noqa: NPY002 -- the notebook uses the global state
    assert_array_equal(X_train, expected_train[0])
    assert_array_equal(y_train, expected_train[1])
    assert_array_equal(X_test, expected_test[0])
    assert_array_equal(y_test, expected_test[1])
    np.random.set_state(state)  # noqa: NPY002 -- the notebook uses the global state
    load_circles()
    after = np.random.get_state()  # noqa: NPY002 -- the notebook uses the global state
    assert after[0] == state[0]
    assert_array_equal(after[1], state[1])
    assert after[2:] == state[2:]


def test_scale_beyond_the_dtype_raises():
    clf = InitMLPClassifier(initializer="normal", scale=1e300, max_iter=1)
    with pytest.raises(ValueError, match="larger than the largest float32"):
        clf.fit(X_TRAIN.astype(np.float32), Y_TRAIN)


@pytest.mark.parametrize(
    "labels",
    [
        np.array([0, 1, 1, 0, 1]),
        np.array([2, 0, 1, 2, 4]),
        np.array(["b", "a", "b"]),
        np.array(["x", "y", "z", "x"], dtype=object),
        np.array([3.0, 1.0, 3.0]),
        np.array([True, False, True]),
        np.array([7, 7, 7]),
        np.array([[0, 1, 1], [1, 0, 0], [1, 1, 0]]),
    ],
    ids=["binary", "multiclass", "strings", "objects", "floats", "bools",
         "one class", "multilabel"],
)
def test_label_indicators_are_label_binarizers(labels):
    from sklearn.preprocessing import LabelBinarizer

    from skinit._mlp import _indicators

    binarizer = LabelBinarizer().fit(labels)
    expected = binarizer.transform(labels).astype(bool)
    indicators = _indicators(binarizer, labels)
    assert indicators.dtype == expected.dtype
    assert_array_equal(indicators, expected)
