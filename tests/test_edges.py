"""Edges where a fit could finish with wrong numbers: each either behaves as
scikit-learn's MLPClassifier or stops with a clear error."""

import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skinit import InitMLPClassifier
from skinit.datasets import load_circles
from skinit.diagnostics import diagnose
from skinit.initializers import initialize, initialize_network

pytestmark = pytest.mark.usefixtures("one_blas_thread")

X, Y, _, _ = load_circles()


def _quiet_fit(estimator, X=X, y=Y, **fit_params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y, **fit_params)


# -------------------------------------------------------------- warm start
@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_warm_start_with_new_hidden_sizes_continues_like_scikit_learn(solver):
    """scikit-learn continues the fitted network when hidden_layer_sizes
    changes (and the number of layers does not)."""
    params = dict(hidden_layer_sizes=(5,), solver=solver, max_iter=5, random_state=0)
    ours = _quiet_fit(InitMLPClassifier(warm_start=True, **params))
    theirs = _quiet_fit(MLPClassifier(warm_start=True, **params))
    ours.set_params(hidden_layer_sizes=(8,))
    theirs.set_params(hidden_layer_sizes=(8,))
    _quiet_fit(ours)
    _quiet_fit(theirs)
    assert ours.n_iter_ == theirs.n_iter_ == 5
    for mine, reference in zip(ours.coefs_, theirs.coefs_):
        assert mine.shape == reference.shape
        assert_allclose(mine, reference, rtol=1e-7, atol=1e-12)


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
@pytest.mark.parametrize("new_sizes", [(8,), (5, 3), (4, 4, 4)])
def test_warm_start_with_any_new_architecture_continues_the_network(
    solver, new_sizes
):
    """Where scikit-learn fails with an internal error (another number of
    layers, or lbfgs), skinit keeps continuing the fitted network too."""
    clf = _quiet_fit(
        InitMLPClassifier(
            hidden_layer_sizes=(5,),
            solver=solver,
            max_iter=5,
            warm_start=True,
            random_state=0,
        )
    )
    before = [coef.copy() for coef in clf.coefs_]
    clf.set_params(hidden_layer_sizes=new_sizes)
    _quiet_fit(clf)
    assert [coef.shape for coef in clf.coefs_] == [(2, 5), (5, 1)]
    assert not np.array_equal(clf.coefs_[0], before[0])
    assert clf.predict(X).shape == Y.shape


# ------------------------------------------------------------- training record
def test_refit_without_record_every_removes_the_stale_record():
    clf = _quiet_fit(
        InitMLPClassifier(hidden_layer_sizes=(4,), max_iter=4, record_every=2)
    )
    assert clf.training_record_.iterations.tolist() == [0, 2, 4]
    _quiet_fit(clf.set_params(record_every=None))
    assert not hasattr(clf, "training_record_")


def test_record_every_with_lbfgs_records_iterations_without_changing_the_fit():
    params = dict(
        hidden_layer_sizes=(10, 5), solver="lbfgs", max_iter=30, random_state=0
    )
    plain = _quiet_fit(InitMLPClassifier(**params))
    recorded = _quiet_fit(InitMLPClassifier(record_every=3, **params))
    for a, b in zip(
        plain.coefs_ + plain.intercepts_, recorded.coefs_ + recorded.intercepts_
    ):
        assert_array_equal(a, b)
    record = recorded.training_record_
    assert record.iterations.tolist() == list(range(0, recorded.n_iter_ + 1, 3))
    assert record.loss[0] == pytest.approx(diagnose(plain, X, Y, at="init").loss)
    assert recorded.n_iter_ == 30
    assert record.loss[-1] == pytest.approx(recorded.loss_, rel=1e-9)


# ---------------------------------------------------------------------- scale
def test_scale_making_infinite_initial_weights_raises_naming_scale():
    clf = InitMLPClassifier(initializer="normal", scale=1e308, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"scale=1e\+308 makes initial weights"):
            clf.fit(X, Y)


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_scale_making_the_first_forward_pass_overflow_raises_before_training(
    solver, monkeypatch
):
    import skinit._mlp

    def never(*args, **kwargs):
        raise AssertionError("training started")

    monkeypatch.setattr(skinit._mlp, "fit_stochastic", never)
    monkeypatch.setattr(skinit._mlp, "fit_lbfgs", never)
    clf = InitMLPClassifier(
        hidden_layer_sizes=(10, 5), solver=solver, initializer="normal", scale=1e200
    )
    with pytest.raises(ValueError, match=r"scale=1e\+200 .*layer 2 activations"):
        clf.fit(X, Y)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("output", ["logistic", "softmax", "identity", "exp"])
@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
def test_overflow_bound_rules_out_only_what_cannot_overflow(activation, output, dtype):
    """The cheap bound that spares the forward-pass check: where it says no
    layer can overflow, the forward pass is finite; it says so at ordinary
    scales, and not where the forward pass does overflow."""
    from skinit._lbfgs import _activation_bound, forward_pass

    rng = np.random.RandomState(0)
    data = (rng.standard_normal((50, 4)) * 3).astype(dtype)
    verdicts, overflows = [], []
    for scale in [1e-3, 1.0, 1e3, 1e10, 1e19, 1e30, 1e40, 1e80, 1e150, 1e200]:
        with np.errstate(all="ignore"):
            coefs = [
                (rng.standard_normal(shape) * scale).astype(dtype)
                for shape in [(4, 8), (8, 8), (8, 3)]
            ]
            intercepts = [rng.standard_normal(n).astype(dtype) for n in (8, 8, 3)]
            bounded = _activation_bound(coefs, intercepts, data, activation, output)
            finite = all(
                np.isfinite(a).all()
                for a in forward_pass(coefs, intercepts, data, activation, output)
            )
        assert finite or not bounded, scale
        verdicts.append(bounded)
        overflows.append(not finite)
    assert verdicts[0]  # small weights: the forward pass is spared
    if activation == "relu" and output != "exp":
        assert verdicts[1]
    # Not vacuous: with unbounded activations the sweep reaches overflow.
    assert any(overflows) or activation in ("logistic", "tanh")


def test_divergence_in_training_keeps_the_message_and_hints_at_scale():
    """A finite start that diverges: scikit-learn's message, plus the scale."""
    params = dict(
        hidden_layer_sizes=(10,),
        activation="identity",
        solver="sgd",
        learning_rate_init=100.0,
        momentum=0.0,
        max_iter=50,
        random_state=0,
    )
    X_large = X * 1e6
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        with warnings.catch_warnings():
            # scikit-learn warns about the overflow on its way (skinit not).
            warnings.simplefilter("ignore", RuntimeWarning)
            with pytest.raises(ValueError, match="non-finite parameter") as plain:
                MLPClassifier(**params).fit(X_large, Y)
        with pytest.raises(ValueError, match="non-finite parameter weights") as unit:
            InitMLPClassifier(**params).fit(X_large, Y)
        with pytest.raises(ValueError, match=r"scaled by scale=2\.0") as scaled:
            InitMLPClassifier(scale=2.0, **params).fit(X_large, Y)
    assert str(unit.value) == str(plain.value)
    assert str(scaled.value).startswith(str(plain.value))


# ------------------------------------------------------------------- diagnose
@pytest.fixture(scope="module")
def fitted():
    return _quiet_fit(
        InitMLPClassifier(hidden_layer_sizes=(5,), max_iter=20, random_state=0)
    )


def test_diagnose_rejects_inconsistent_lengths_like_score(fitted):
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        diagnose(fitted, X, Y[:-3])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        fitted.score(X, Y[:-3])


def test_diagnose_rejects_a_wrong_number_of_features_like_score(fitted):
    with pytest.raises(ValueError, match="expecting 2 features"):
        diagnose(fitted, X[:, :1], Y)


def test_diagnose_rejects_labels_the_network_has_no_output_for(fitted):
    with pytest.raises(ValueError, match="classes not in `self.classes_`"):
        diagnose(fitted, X, np.where(Y == 1, 2, Y))


def test_diagnose_on_a_fitted_pipeline_transforms_x_through_its_steps():
    pipeline = _quiet_fit(
        make_pipeline(
            StandardScaler(),
            InitMLPClassifier(hidden_layer_sizes=(5,), max_iter=20, random_state=0),
        )
    )
    report = diagnose(pipeline, X, Y)
    expected = diagnose(pipeline[-1], pipeline[0].transform(X), Y)
    assert report.loss == expected.loss
    assert_array_equal(report.activation_std, expected.activation_std)


def test_diagnose_on_an_unfitted_pipeline_fits_its_steps_first():
    network = InitMLPClassifier(hidden_layer_sizes=(5,), random_state=0)
    report = diagnose(make_pipeline(StandardScaler(), network), X, Y)
    expected = diagnose(network, StandardScaler().fit_transform(X), Y)
    assert report.loss == expected.loss
    assert_array_equal(report.activation_std, expected.activation_std)


@pytest.mark.parametrize(
    "estimator",
    [MLPClassifier(), LogisticRegression(), make_pipeline(StandardScaler())],
    ids=["unfitted-MLPClassifier", "LogisticRegression", "Pipeline-without-network"],
)
def test_diagnose_rejects_other_estimators_with_a_type_error(estimator):
    with pytest.raises(TypeError, match="takes an InitMLPClassifier or InitMLPRegr"):
        diagnose(estimator, X, Y)


def test_diagnose_still_takes_a_fitted_mlp_classifier():
    theirs = _quiet_fit(MLPClassifier(hidden_layer_sizes=(5,), max_iter=20))
    assert diagnose(theirs, X, Y).layer_units == [2, 5, 1]


# --------------------------------------------------------------- initializers
@pytest.mark.parametrize("fans", [(0, 4), (3, 0), (-1, 2), (2.5, 3), (True, 3)])
def test_initialize_rejects_fans_below_one(fans):
    with pytest.raises(ValueError, match="must be an integer >= 1"):
        initialize("he_normal", *fans)


def test_initialize_network_rejects_layers_below_one():
    with pytest.raises(ValueError, match=r"layer_units\[1\] must be an integer"):
        initialize_network(
            [2, 0, 1],
            initializer="normal",
            scale=1.0,
            activation="relu",
            random_state=0,
            dtype=np.float64,
        )


def test_lsuv_weighs_rows_as_repeated_rows():
    rng = np.random.RandomState(0)
    X_small = rng.randn(40, 3)
    weights = rng.randint(0, 4, size=40)
    common = dict(
        initializer="lsuv", scale=1.0, activation="tanh", dtype=np.float64
    )
    weighted, _ = initialize_network(
        [3, 6, 1], random_state=0, X=X_small, sample_weight=weights, **common
    )
    repeated, _ = initialize_network(
        [3, 6, 1], random_state=0, X=X_small.repeat(weights, axis=0), **common
    )
    unweighted, _ = initialize_network([3, 6, 1], random_state=0, X=X_small, **common)
    for a, b in zip(weighted, repeated):
        assert_allclose(a, b, rtol=1e-10)
    assert not np.allclose(weighted[0], unweighted[0])


# ---------------------------------------------------------------- persistence
@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_skops_loads_a_fitted_model_trusting_skinit_classes_only(solver):
    sio = pytest.importorskip("skops.io")
    clf = _quiet_fit(
        InitMLPClassifier(
            hidden_layer_sizes=(5,),
            solver=solver,
            max_iter=10,
            random_state=0,
            early_stopping=solver == "sgd",
        )
    )
    dumped = sio.dumps(clf)
    assert sio.get_untrusted_types(data=dumped) == ["skinit._mlp.InitMLPClassifier"]
    loaded = sio.loads(dumped, trusted=["skinit._mlp.InitMLPClassifier"])
    assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    if solver != "lbfgs":
        # The optimizer state survives: training continues identically.
        partial = dict(sample_weight=None)
        if solver == "sgd":
            clf.set_params(early_stopping=False)
            loaded.set_params(early_stopping=False)
        clf.partial_fit(X, Y, **partial)
        loaded.partial_fit(X, Y, **partial)
        for a, b in zip(clf.coefs_, loaded.coefs_):
            assert_array_equal(a, b)


def test_skops_trust_list_of_a_recorded_fit_is_skinit_public_classes():
    sio = pytest.importorskip("skops.io")
    clf = _quiet_fit(
        InitMLPClassifier(hidden_layer_sizes=(5,), max_iter=4, record_every=2)
    )
    assert sorted(sio.get_untrusted_types(data=sio.dumps(clf))) == [
        "skinit._diagnostics.DiagnosticReport",
        "skinit._diagnostics.TrainingRecord",
        "skinit._mlp.InitMLPClassifier",
    ]


def test_pickle_round_trip_continues_training_identically():
    clf = _quiet_fit(
        InitMLPClassifier(hidden_layer_sizes=(5,), max_iter=5, random_state=0)
    )
    loaded = pickle.loads(pickle.dumps(clf))
    assert type(loaded._training_state) is type(clf._training_state)
    clf.partial_fit(X, Y)
    loaded.partial_fit(X, Y)
    for a, b in zip(clf.coefs_, loaded.coefs_):
        assert_array_equal(a, b)
