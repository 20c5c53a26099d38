"""The fused search gives GridSearchCV's results."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.stats import loguniform
from sklearn.base import clone
from sklearn.datasets import load_iris, make_friedman1
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning, FitFailedWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    RandomizedSearchCV,
    ShuffleSplit,
)
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

import skinit._search as skinit_search
from skinit import (
    InitMLPClassifier,
    InitMLPRegressor,
    InitRandomizedSearchCV,
    InitSearchCV,
)
from skinit.datasets import load_circles

X_CIRCLES, Y_CIRCLES, _, _ = load_circles()
X_CIRCLES, Y_CIRCLES = X_CIRCLES[:150], Y_CIRCLES[:150]
X_FRIEDMAN, Y_FRIEDMAN = make_friedman1(n_samples=150, n_features=6, random_state=0)
Y_COUNTS = np.random.RandomState(0).poisson(Y_FRIEDMAN / 5).astype(float)


def _quiet(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", FitFailedWarning)
        warnings.simplefilter("ignore", UserWarning)
        return function(*args, **kwargs)


def assert_same_search(fused, reference):
    ours, theirs = fused.cv_results_, reference.cv_results_
    assert set(ours) == set(theirs)
    assert ours["params"] == theirs["params"]
    for key, value in theirs.items():
        if "time" in key or key == "params":
            continue
        if "rank" in key:
            assert_array_equal(ours[key], value, err_msg=key)
        elif key.startswith("param_"):
            assert list(ours[key]) == list(value), key
        else:
            assert_allclose(ours[key], value, rtol=0, atol=1e-9, err_msg=key)
    if hasattr(reference, "best_params_"):
        assert fused.best_params_ == reference.best_params_
        assert fused.best_index_ == reference.best_index_


def _search_pair(estimator, grid, X, y, fit_params=None, **search_params):
    fit_params = fit_params or {}
    fused = _quiet(
        InitSearchCV(estimator, grid, **search_params).fit, X, y, **fit_params
    )
    reference = _quiet(
        GridSearchCV(estimator, grid, **search_params).fit, X, y, **fit_params
    )
    return fused, reference


GD = InitMLPClassifier(
    hidden_layer_sizes=(10, 5),
    solver="gd",
    learning_rate_init=0.05,
    max_iter=150,
    random_state=3,
)


@pytest.mark.parametrize(
    "estimator, grid",
    [
        (
            GD,
            {
                "initializer": ["normal", "he_normal", "glorot_uniform"],
                "scale": [0.01, 1.0, 10.0],
            },
        ),
        # tol-based stopping: networks leave the stack at different iterations.
        (
            clone(GD).set_params(tol=1e-3, n_iter_no_change=3, max_iter=400),
            {
                "initializer": ["he_normal", "lecun_normal"],
                "learning_rate_init": [0.01, 0.3],
                "alpha": [0.0, 0.01],
            },
        ),
        # mini-batches with per-network shuffles, momentum, schedules.
        (
            InitMLPClassifier(
                hidden_layer_sizes=(6,),
                solver="sgd",
                batch_size=32,
                max_iter=40,
                random_state=0,
            ),
            {
                "momentum": [0.0, 0.9],
                "learning_rate": ["constant"],
                "initializer": ["sklearn", "he_uniform"],
            },
        ),
        (
            InitMLPClassifier(
                hidden_layer_sizes=(6,),
                solver="sgd",
                learning_rate="adaptive",
                tol=1e-2,
                max_iter=60,
                random_state=0,
            ),
            {"learning_rate_init": [0.01, 0.1]},
        ),
        (
            InitMLPClassifier(
                hidden_layer_sizes=(8,), solver="adam", max_iter=40, random_state=1
            ),
            {"initializer": ["torch", "orthogonal"], "beta_1": [0.5, 0.9]},
        ),
        # early stopping: each network has its own validation split.
        (
            InitMLPClassifier(
                hidden_layer_sizes=(8,),
                solver="adam",
                early_stopping=True,
                n_iter_no_change=3,
                max_iter=80,
                random_state=2,
            ),
            {"initializer": ["he_normal", "normal"], "scale": [0.1, 1.0]},
        ),
        # lbfgs cannot stack: it trains alone, in the same search.
        (
            GD,
            [
                {"solver": ["gd"], "scale": [1.0, 3.0]},
                {"solver": ["lbfgs"], "max_iter": [20]},
            ],
        ),
    ],
    ids=[
        "gd",
        "gd-tol",
        "sgd-minibatch",
        "sgd-adaptive",
        "adam",
        "early-stopping",
        "lbfgs",
    ],
)
def test_cv_results_equal_grid_search(estimator, grid):
    fused, reference = _search_pair(
        estimator, grid, X_CIRCLES, Y_CIRCLES, cv=3, return_train_score=True
    )
    assert_same_search(fused, reference)
    assert fused.n_fused_fits_ > 0
    plain = _quiet(
        clone(estimator).set_params(**fused.best_params_).fit, X_CIRCLES, Y_CIRCLES
    )
    for a, b in zip(fused.best_estimator_.coefs_, plain.coefs_):
        assert_array_equal(a, b)


REGRESSOR = InitMLPRegressor(
    hidden_layer_sizes=(10, 5),
    solver="gd",
    learning_rate_init=0.01,
    max_iter=150,
    random_state=3,
)


@pytest.mark.parametrize(
    "estimator, grid, y, fit_params",
    [
        (
            make_pipeline(StandardScaler(), REGRESSOR),
            {
                "initmlpregressor__initializer": ["normal", "he_normal"],
                "initmlpregressor__scale": [0.1, 1.0, 3.0],
            },
            Y_FRIEDMAN,
            {},
        ),
        # Poisson, early stopping on R^2 and mini-batches, with sample weights.
        (
            make_pipeline(
                StandardScaler(),
                InitMLPRegressor(
                    loss="poisson",
                    hidden_layer_sizes=(8,),
                    solver="adam",
                    learning_rate_init=0.01,
                    early_stopping=True,
                    n_iter_no_change=3,
                    max_iter=60,
                    random_state=2,
                ),
            ),
            {"initmlpregressor__initializer": ["he_normal", "glorot_uniform"]},
            Y_COUNTS,
            {"initmlpregressor__sample_weight": np.linspace(0.5, 2.0, 150)},
        ),
        # two outputs, several scorers, lbfgs fits alone in the same search
        (
            make_pipeline(StandardScaler(), REGRESSOR),
            [
                {"initmlpregressor__scale": [0.5, 2.0]},
                {
                    "initmlpregressor__solver": ["lbfgs"],
                    "initmlpregressor__max_iter": [15],
                },
            ],
            np.column_stack([Y_FRIEDMAN, Y_COUNTS]),
            {},
        ),
    ],
    ids=["gd-scale", "poisson-early-stopping-weighted", "multi-output-lbfgs"],
)
def test_regressor_cv_results_equal_grid_search(estimator, grid, y, fit_params):
    fused, reference = _search_pair(
        estimator,
        grid,
        X_FRIEDMAN,
        y,
        fit_params=fit_params,
        cv=3,
        scoring=["r2", "neg_mean_squared_error"],
        refit="r2",
        return_train_score=True,
    )
    assert_same_search(fused, reference)
    assert fused.n_fused_fits_ > 0
    assert_array_equal(
        fused.best_estimator_.predict(X_FRIEDMAN),
        reference.best_estimator_.predict(X_FRIEDMAN),
    )


def test_sample_weight_and_string_labels():
    labels = np.where(Y_CIRCLES == 1, "inner", "outer")
    weight = np.random.RandomState(0).uniform(0.5, 2.0, len(labels))
    fused, reference = _search_pair(
        GD,
        {"initializer": ["he_normal", "glorot_normal"], "scale": [0.5, 2.0]},
        X_CIRCLES,
        labels,
        fit_params={"sample_weight": weight},
        cv=3,
    )
    assert_same_search(fused, reference)
    assert set(fused.predict(X_CIRCLES)) <= {"inner", "outer"}


def test_multiclass_multimetric_pipeline_with_float32():
    X, y = load_iris(return_X_y=True)
    X = X.astype(np.float32)
    pipeline = make_pipeline(StandardScaler(), clone(GD).set_params(max_iter=60))
    grid = {
        "initmlpclassifier__initializer": ["he_normal", "lecun_uniform"],
        "initmlpclassifier__alpha": [0.0, 0.1],
        "standardscaler__with_mean": [True, False],
    }
    fused, reference = _search_pair(
        pipeline,
        grid,
        X,
        y,
        cv=KFold(3, shuffle=True, random_state=0),
        scoring=["accuracy", "neg_log_loss"],
        refit="neg_log_loss",
    )
    assert_same_search(fused, reference)
    assert fused.best_estimator_[-1].coefs_[0].dtype == np.float32


def test_diverging_networks_get_error_score():
    estimator = InitMLPClassifier(
        hidden_layer_sizes=(10,),
        activation="identity",
        solver="gd",
        tol=0.0,
        n_iter_no_change=10**6,
        max_iter=400,
        random_state=0,
    )
    grid = {"learning_rate_init": [1e-2, 1e3]}
    X = X_CIRCLES * 1e3
    fused, reference = _search_pair(
        estimator, grid, X, Y_CIRCLES, cv=3, error_score=-1.0, refit=False
    )
    assert_same_search(fused, reference)
    assert (fused.cv_results_["mean_test_score"][1]) == -1.0
    with pytest.raises(ValueError, match="non-finite"):
        _quiet(
            InitSearchCV(estimator, grid, cv=3, error_score="raise", refit=False).fit,
            X,
            Y_CIRCLES,
        )


def test_parallel_jobs_give_the_same_results():
    grid = {"initializer": ["normal", "he_normal"], "scale": [0.1, 1.0, 10.0]}
    one = _quiet(InitSearchCV(GD, grid, cv=3, n_jobs=1).fit, X_CIRCLES, Y_CIRCLES)
    two = _quiet(InitSearchCV(GD, grid, cv=3, n_jobs=2).fit, X_CIRCLES, Y_CIRCLES)
    assert_same_search(two, one)


@pytest.mark.parametrize(
    "estimator, X, y",
    [(GD, X_CIRCLES, Y_CIRCLES), (REGRESSOR, X_FRIEDMAN, Y_FRIEDMAN)],
    ids=["classifier", "regressor"],
)
def test_randomized_search_equals_scikit_learn(estimator, X, y):
    distributions = {
        "initializer": ["he_normal", "glorot_uniform"],
        "scale": loguniform(0.05, 5.0),
    }
    fused = _quiet(
        InitRandomizedSearchCV(
            estimator, distributions, n_iter=5, cv=3, random_state=0
        ).fit,
        X,
        y,
    )
    reference = _quiet(
        RandomizedSearchCV(
            estimator, distributions, n_iter=5, cv=3, random_state=0
        ).fit,
        X,
        y,
    )
    assert_same_search(fused, reference)


def test_other_estimators_are_searched_as_grid_search_does():
    grid = {"C": [0.1, 1.0]}
    fused = InitSearchCV(LogisticRegression(), grid, cv=3).fit(X_CIRCLES, Y_CIRCLES)
    reference = GridSearchCV(LogisticRegression(), grid, cv=3).fit(X_CIRCLES, Y_CIRCLES)
    assert_same_search(fused, reference)
    assert not hasattr(fused, "fused_fit_time_")
    assert fused.loss_curves_ is None and fused.validation_score_curves_ is None


def test_verbose_reports_stacks(capsys):
    _quiet(
        InitSearchCV(GD, {"scale": [0.1, 1.0]}, cv=2, verbose=1).fit,
        X_CIRCLES,
        Y_CIRCLES,
    )
    out = capsys.readouterr().out
    assert "stacking 4 fits of 2-10-5-1 relu networks (solver=gd" in out
    assert "Fitting 2 folds for each of 2 candidates" in out


def test_invalid_parameters():
    with pytest.raises(InvalidParameterError):
        InitSearchCV(GD, param_grid="scale").fit(X_CIRCLES, Y_CIRCLES)
    with pytest.raises(InvalidParameterError):
        InitSearchCV(GD, {"scale": [1.0]}, cv="five").fit(X_CIRCLES, Y_CIRCLES)


@pytest.mark.parametrize(
    "estimator, grid",
    [
        # an invalid value fails that candidate only, as in GridSearchCV
        (GD, {"activation": ["relu", "bad"]}),
        (GD, {"momentum": [0.9, "x"], "solver": ["sgd"]}),
        # a preprocessing step that fails for one candidate
        (make_pipeline(PCA(), clone(GD)), {"pca__n_components": [2, 20]}),
        # the final step itself searched over: only MLP candidates fuse
        (
            Pipeline([("scale", StandardScaler()), ("clf", clone(GD))]),
            {"clf": [clone(GD), LogisticRegression()]},
        ),
        # an unhashable parameter (a lambda) is left to scikit-learn's search
        (
            make_pipeline(FunctionTransformer(lambda Z: 2 * Z), clone(GD)),
            {"initmlpclassifier__scale": [0.5, 1.0]},
        ),
    ],
    ids=[
        "invalid-activation",
        "invalid-momentum",
        "failing-preprocessing",
        "final-step-in-grid",
        "lambda-transformer",
    ],
)
def test_grids_grid_search_handles(estimator, grid):
    fused, reference = _search_pair(
        estimator, grid, X_CIRCLES, Y_CIRCLES, cv=3, refit=False
    )
    assert_same_search(fused, reference)


@pytest.mark.parametrize(
    "make_cv",
    [
        lambda: (split for split in KFold(3).split(X_CIRCLES)),
        lambda: ShuffleSplit(3, random_state=np.random.RandomState(0)),
    ],
    ids=["generator", "random-state-instance"],
)
def test_splitters_drawn_once(make_cv):
    grid = {"scale": [0.5, 2.0]}
    fused = _quiet(InitSearchCV(GD, grid, cv=make_cv()).fit, X_CIRCLES, Y_CIRCLES)
    reference = _quiet(GridSearchCV(GD, grid, cv=make_cv()).fit, X_CIRCLES, Y_CIRCLES)
    assert_same_search(fused, reference)
    assert fused.n_fused_fits_ == 6


def test_joblib_backends_give_the_same_results():
    """Stacks are dispatched through joblib: any backend (threads here; dask's
    on a cluster) trains them, with the same results."""
    from joblib import parallel_config

    grid = {"initializer": ["normal", "he_normal"], "scale": [0.1, 1.0]}
    reference = _quiet(InitSearchCV(GD, grid, cv=3).fit, X_CIRCLES, Y_CIRCLES)
    with parallel_config(backend="threading", n_jobs=2):
        threaded = _quiet(InitSearchCV(GD, grid, cv=3).fit, X_CIRCLES, Y_CIRCLES)
    assert_same_search(threaded, reference)


@pytest.mark.parametrize("search_class", [InitSearchCV, InitRandomizedSearchCV])
def test_fits_train_a_round_at_a_time_with_the_same_results(monkeypatch, search_class):
    """With a memory budget of one candidate per round, each round trains when
    the search first asks for it, and the results equal GridSearchCV's."""
    monkeypatch.setattr(skinit_search, "ROUND_MEMORY", 1)
    rounds_trained = []
    train_round = skinit_search._FusedFits._train_round

    def counting(self, fits):
        rounds_trained.append((len(fits), len(self.trained)))
        return train_round(self, fits)

    monkeypatch.setattr(skinit_search._FusedFits, "_train_round", counting)
    grid = {"initializer": ["he_normal", "normal"], "scale": [0.1, 1.0, 3.0]}
    if search_class is InitSearchCV:
        fused = _quiet(search_class(GD, grid, cv=3).fit, X_CIRCLES, Y_CIRCLES)
        reference = _quiet(GridSearchCV(GD, grid, cv=3).fit, X_CIRCLES, Y_CIRCLES)
    else:
        fused = _quiet(search_class(GD, grid, n_iter=4, cv=3, random_state=0).fit,
                       X_CIRCLES, Y_CIRCLES)
        reference = _quiet(
            RandomizedSearchCV(GD, grid, n_iter=4, cv=3, random_state=0).fit,
            X_CIRCLES, Y_CIRCLES,
        )
    assert_same_search(fused, reference)
    n_candidates = len(fused.cv_results_["params"])
    # One round per candidate, each of its 3 folds; nothing left over from the
    # previous round when the next one trains.
    assert rounds_trained == [(3, 0)] * n_candidates
    assert fused.n_fused_fits_ == 3 * n_candidates


def test_unseeded_duplicates_train_independently():
    """As GridSearchCV: with random_state=None two equal candidates are two
    independent fits; with a seed they are the same fit."""
    unseeded = clone(GD).set_params(random_state=None, max_iter=20)
    search = _quiet(
        InitSearchCV(unseeded, {"scale": [1.0, 1.0]}, cv=2).fit, X_CIRCLES, Y_CIRCLES
    )
    assert search.n_fused_fits_ == 4
    # Their losses, not their accuracies: two independent networks may score
    # the same accuracy on a fold by chance (this test once failed so).
    first, second = search.loss_curves_
    for fold in range(2):
        assert first[fold][0] != second[fold][0]
    seeded = _quiet(
        InitSearchCV(GD, {"scale": [1.0, 1.0]}, cv=2).fit, X_CIRCLES, Y_CIRCLES
    )
    assert seeded.n_fused_fits_ == 2
    assert_array_equal(seeded.cv_results_["split0_test_score"][:1],
                       seeded.cv_results_["split0_test_score"][1:])


def test_fuses_with_metadata_routing_of_sample_weight_and_groups(capsys):
    from sklearn import config_context
    from sklearn.model_selection import GroupKFold

    groups = np.arange(len(X_CIRCLES)) % 3
    weight = np.random.RandomState(0).uniform(0.5, 2, len(X_CIRCLES))
    grid = {"scale": [0.5, 1.0]}
    with config_context(enable_metadata_routing=True):
        estimator = (
            clone(GD)
            .set_fit_request(sample_weight=True)
            .set_score_request(sample_weight=False)
        )
        fused = _quiet(
            InitSearchCV(estimator, grid, cv=GroupKFold(3), verbose=1).fit,
            X_CIRCLES, Y_CIRCLES, sample_weight=weight, groups=groups,
        )
        reference = _quiet(
            GridSearchCV(estimator, grid, cv=GroupKFold(3)).fit,
            X_CIRCLES, Y_CIRCLES, sample_weight=weight, groups=groups,
        )
        assert_same_search(fused, reference)
        assert fused.n_fused_fits_ == 6
        # Metadata routed to a preprocessing step: not fused, and said so.
        # Pipeline.score's request is set explicitly: scikit-learn 1.7 requires
        # it when sample_weight is routed (1.9 does not).
        pipeline = make_pipeline(
            StandardScaler().set_fit_request(sample_weight=True), estimator
        ).set_score_request(sample_weight=False)
        search = _quiet(
            InitSearchCV(pipeline, {"initmlpclassifier__scale": [1.0]}, cv=2,
                         verbose=1).fit,
            X_CIRCLES, Y_CIRCLES, sample_weight=weight,
        )
    assert not hasattr(search, "n_fused_fits_")
    assert "not fused: metadata routed to the step 'standardscaler'" in (
        capsys.readouterr().out
    )


def test_fits_too_short_to_stack_train_as_grid_search_trains_them(capsys):
    one_step = clone(GD).set_params(max_iter=1)
    grid = {"scale": [0.5, 1.0]}
    fused = _quiet(InitSearchCV(one_step, grid, cv=2, verbose=1).fit,
                   X_CIRCLES, Y_CIRCLES)
    reference = _quiet(GridSearchCV(one_step, grid, cv=2).fit, X_CIRCLES, Y_CIRCLES)
    assert_same_search(fused, reference)
    assert not hasattr(fused, "n_fused_fits_")
    assert "not fused: at most 1 training steps per fit" in capsys.readouterr().out
    # Budgets the candidates set themselves, and a pipeline's prefixed names.
    _quiet(InitSearchCV(GD, {"max_iter": [1, 3]}, cv=2, verbose=1).fit,
           X_CIRCLES, Y_CIRCLES)
    assert "not fused: at most 3 training steps" in capsys.readouterr().out
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    pipeline = make_pipeline(StandardScaler(), one_step)
    _quiet(InitSearchCV(pipeline, {"initmlpclassifier__scale": [0.5, 1.0]}, cv=2,
                        verbose=1).fit, X_CIRCLES, Y_CIRCLES)
    assert "not fused: at most 1 training steps" in capsys.readouterr().out
    _quiet(InitSearchCV(pipeline, {"initmlpclassifier__max_iter": [1, 30]}, cv=2,
                        verbose=1).fit, X_CIRCLES, Y_CIRCLES)
    assert "not fused" not in capsys.readouterr().out
    # Mini-batches count: 2 epochs of 50-sample batches are enough steps to stack.
    sgd = InitMLPClassifier(hidden_layer_sizes=(4,), solver="sgd", batch_size=50,
                            max_iter=2, random_state=0)
    search = _quiet(InitSearchCV(sgd, grid, cv=2).fit, X_CIRCLES, Y_CIRCLES)
    assert search.n_fused_fits_ == 4


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("labels", ["binary", "three strings"])
def test_default_scores_of_a_stack_are_each_networks_own(monkeypatch, labels, dtype):
    """With ``scoring=None`` the accuracies of a fold's networks come from one
    stacked forward pass, equal to the bit to each network's own ``score``."""
    counted = []
    accuracies = skinit_search._accuracies

    def counting(*args):
        scores = accuracies(*args)
        counted.append(len(scores))
        return scores

    monkeypatch.setattr(skinit_search, "_accuracies", counting)
    y = Y_CIRCLES
    if labels == "three strings":
        y = np.array(["a", "b", "c"])[np.arange(len(Y_CIRCLES)) % 3]
    grid = {"initializer": ["he_normal", "normal"], "scale": [0.5, 2.0]}
    fused, reference = _search_pair(GD, grid, X_CIRCLES.astype(dtype), y, cv=3)
    assert sum(counted) == 12
    for split in range(3):
        key = f"split{split}_test_score"
        assert_array_equal(fused.cv_results_[key], reference.cv_results_[key])


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_test_scores_computed_where_the_fits_train(monkeypatch, n_jobs):
    """With one of scikit-learn's scorers, each fit's test score comes from
    where it trained; train scores (and everything else) are scored as
    GridSearchCV scores them, with the same results."""
    hits = []
    prescored = skinit_search._FusedFits.prescored

    def counting(self, estimator, X, y):
        score = prescored(self, estimator, X, y)
        hits.append(score is not None)
        return score

    monkeypatch.setattr(skinit_search._FusedFits, "prescored", counting)
    grid = {"initializer": ["he_normal", "normal"], "scale": [0.5, 2.0]}
    fused, reference = _search_pair(
        GD, grid, X_CIRCLES, Y_CIRCLES, cv=3, scoring="balanced_accuracy",
        return_train_score=True, n_jobs=n_jobs,
    )
    assert_same_search(fused, reference)
    # 12 test scores given, 12 train scores not (computed here).
    assert hits.count(True) == 12 and hits.count(False) == 12
    assert not isinstance(fused.scorer_, skinit_search._Prescored)
    assert fused.score(X_CIRCLES, Y_CIRCLES) == reference.score(X_CIRCLES, Y_CIRCLES)
