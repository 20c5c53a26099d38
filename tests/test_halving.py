"""Fused successive halving equals scikit-learn's, survivors continuing their
training; every fused search keeps each fit's learning curves."""

import inspect
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from scipy.stats import loguniform
from sklearn.base import clone
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import (
    GridSearchCV,
    HalvingGridSearchCV,
    HalvingRandomSearchCV,
    KFold,
    StratifiedKFold,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skinit._search as skinit_search
from skinit import (
    InitHalvingRandomSearchCV,
    InitHalvingSearchCV,
    InitMLPClassifier,
    InitRandomizedSearchCV,
    InitSearchCV,
)
from tests.test_search import GD, X_CIRCLES, Y_CIRCLES, _quiet, assert_same_search

HALVING_ATTRIBUTES = (
    "n_resources_",
    "n_candidates_",
    "n_iterations_",
    "n_remaining_candidates_",
    "n_required_iterations_",
    "n_possible_iterations_",
    "min_resources_",
    "max_resources_",
    "best_score_",
)


def assert_same_halving(fused, reference):
    assert_same_search(fused, reference)
    for name in HALVING_ATTRIBUTES:
        assert getattr(fused, name) == getattr(reference, name), name


def _halving_pair(estimator, grid, **search_params):
    search_params = {"cv": 3, "factor": 2, "resource": "max_iter", **search_params}
    fused = _quiet(
        InitHalvingSearchCV(estimator, grid, **search_params).fit, X_CIRCLES, Y_CIRCLES
    )
    reference = _quiet(
        HalvingGridSearchCV(estimator, grid, **search_params).fit, X_CIRCLES, Y_CIRCLES
    )
    return fused, reference


def _fused_halving(estimator, grid):
    """InitHalvingSearchCV over ``max_iter``: rungs of 10, 20 and 40."""
    search = InitHalvingSearchCV(
        estimator,
        grid,
        resource="max_iter",
        min_resources=10,
        max_resources=40,
        factor=2,
        cv=3,
    )
    return _quiet(search.fit, X_CIRCLES, Y_CIRCLES)


SCALES = {"initializer": ["he_normal", "normal"], "scale": [0.1, 1.0, 3.0]}


@pytest.mark.parametrize(
    "estimator, grid, budgets",
    [
        (GD, SCALES, (15, 60)),
        # tol-based stopping: some networks stop on their own before a rung.
        (
            clone(GD).set_params(tol=1e-3, n_iter_no_change=2, learning_rate_init=0.3),
            {"initializer": ["he_normal", "lecun_normal"], "alpha": [0.0, 0.01]},
            (10, 80),
        ),
        # mini-batches: per-network shuffles and momentum carry over rungs.
        (
            InitMLPClassifier(
                hidden_layer_sizes=(6,), solver="sgd", batch_size=32, random_state=0
            ),
            {"momentum": [0.0, 0.9], "initializer": ["sklearn", "he_uniform"]},
            (5, 20),
        ),
        (
            InitMLPClassifier(
                hidden_layer_sizes=(6,),
                solver="sgd",
                learning_rate="adaptive",
                tol=1e-2,
                batch_size=50,
                random_state=0,
            ),
            {"learning_rate_init": [0.01, 0.05, 0.1, 0.5]},
            (5, 20),
        ),
        (
            InitMLPClassifier(hidden_layer_sizes=(8,), solver="adam", random_state=1),
            {"initializer": ["torch", "orthogonal"], "beta_1": [0.5, 0.9]},
            (5, 20),
        ),
        # early stopping: rungs scored on the best-validation weights while
        # training goes on from the last ones.
        (
            InitMLPClassifier(
                hidden_layer_sizes=(8,),
                solver="adam",
                early_stopping=True,
                n_iter_no_change=3,
                learning_rate_init=0.02,
                random_state=2,
            ),
            {"initializer": ["he_normal", "normal"], "scale": [0.1, 1.0]},
            (6, 48),
        ),
    ],
    ids=["gd", "gd-tol", "sgd-momentum", "sgd-adaptive", "adam", "early-stopping"],
)
def test_halving_equals_scikit_learn(monkeypatch, estimator, grid, budgets):
    calls = _record_training(monkeypatch)
    min_resources, max_resources = budgets
    fused, reference = _halving_pair(
        estimator, grid, min_resources=min_resources, max_resources=max_resources
    )
    assert_same_halving(fused, reference)
    assert len(fused.n_resources_) > 2
    # Survivors continued from a previous rung's budget.
    starts = {int(n) for before, _ in calls for n in before}
    assert starts & set(fused.n_resources_[:-1])


def _record_training(monkeypatch):
    """A list to which each stacked training appends its networks' epoch
    counts (at the start, at the end) as the search trains."""
    calls = []
    fit_stochastic = skinit_search.fit_stochastic

    def recording(architecture, params, data, config, hyper, state, **kwargs):
        result = fit_stochastic(
            architecture, params, data, config, hyper, state, **kwargs
        )
        calls.append((state.n_iter.copy(), result.state.n_iter.copy()))
        return result

    monkeypatch.setattr(skinit_search, "fit_stochastic", recording)
    return calls


def test_survivors_continue_instead_of_starting_over(monkeypatch):
    """Each rung's training starts where the previous rung's budget ended."""
    calls = _record_training(monkeypatch)
    search = _fused_halving(clone(GD).set_params(tol=0), SCALES)
    assert search.n_resources_ == [10, 20, 40]
    starts = sorted({int(n) for before, _ in calls for n in before})
    ends = sorted({int(n) for _, after in calls for n in after})
    assert starts == [0, 10, 20]
    assert ends == [10, 20, 40]
    # Trained epochs: every network once to its last budget, no retraining.
    n_epochs = sum(int((after - before).sum()) for before, after in calls)
    assert n_epochs == 3 * (6 * 10 + 3 * 10 + 2 * 20)


def test_randomized_halving_and_pipeline_equal_scikit_learn():
    distributions = {
        "initmlpclassifier__initializer": ["he_normal", "glorot_uniform"],
        "initmlpclassifier__scale": loguniform(0.1, 3),
    }
    pipeline = make_pipeline(StandardScaler(), GD)
    params = dict(
        n_candidates=5,
        resource="initmlpclassifier__max_iter",
        min_resources=10,
        max_resources=40,
        factor=2,
        cv=StratifiedKFold(3),
        random_state=0,
    )
    fused = _quiet(
        InitHalvingRandomSearchCV(pipeline, distributions, **params).fit,
        X_CIRCLES,
        Y_CIRCLES,
    )
    reference = _quiet(
        HalvingRandomSearchCV(pipeline, distributions, **params).fit,
        X_CIRCLES,
        Y_CIRCLES,
    )
    assert_same_halving(fused, reference)
    assert fused._continues_training()


def test_other_resources_behave_as_scikit_learn():
    """Rungs over samples: each rung fused on its subsampled folds."""
    params = dict(factor=2, cv=3, min_resources=40, random_state=0)
    grid = {"initializer": ["he_normal", "normal"], "scale": [0.1, 1.0]}
    estimator = clone(GD).set_params(max_iter=30)
    fused = _quiet(
        InitHalvingSearchCV(estimator, grid, **params).fit, X_CIRCLES, Y_CIRCLES
    )
    reference = _quiet(
        HalvingGridSearchCV(estimator, grid, **params).fit, X_CIRCLES, Y_CIRCLES
    )
    assert_same_halving(fused, reference)
    assert fused.n_fused_fits_ == 3 * sum(fused.n_candidates_)


def test_public_without_the_experimental_flag_and_with_its_signatures():
    code = (
        "import skinit, sklearn.model_selection as selection; "
        "skinit.InitHalvingSearchCV, skinit.InitHalvingRandomSearchCV; "
        "assert 'HalvingGridSearchCV' not in vars(selection)"
    )
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=root)
    for ours, theirs in [
        (InitHalvingSearchCV, HalvingGridSearchCV),
        (InitHalvingRandomSearchCV, HalvingRandomSearchCV),
    ]:
        # As text: the default error_score, NaN, equals nothing.
        assert str(inspect.signature(ours)) == str(inspect.signature(theirs))


def test_halving_input_errors_as_scikit_learn():
    grid = {"scale": [0.1, 1.0]}
    with pytest.raises(ValueError, match="consistent folds"):
        InitHalvingSearchCV(
            GD, grid, resource="max_iter", max_resources=20, cv=KFold(3, shuffle=True)
        ).fit(X_CIRCLES, Y_CIRCLES)
    with pytest.raises(ValueError, match="part of the searched parameters"):
        InitHalvingSearchCV(
            GD, {"max_iter": [10, 20]}, resource="max_iter", max_resources=20
        ).fit(X_CIRCLES, Y_CIRCLES)
    with pytest.raises(ValueError, match="resource can only be 'n_samples'"):
        InitHalvingSearchCV(GD, grid, resource="max_iter").fit(X_CIRCLES, Y_CIRCLES)


def _refit_curves(search, X, y, cv, row):
    """The curves of row ``row``'s fits, trained one by one."""
    estimator = clone(search.estimator).set_params(**search.cv_results_["params"][row])
    fitted = [
        _quiet(clone(estimator).fit, X[train], y[train]) for train, _ in cv.split(X, y)
    ]
    return (
        [getattr(fit, "loss_curve_", None) for fit in fitted],
        [getattr(fit, "validation_scores_", None) for fit in fitted],
    )


def _assert_curves(search, X, y, cv, rows):
    n_rows = len(search.cv_results_["params"])
    assert len(search.loss_curves_) == len(search.validation_score_curves_) == n_rows
    for row in rows:
        losses, scores = _refit_curves(search, X, y, cv, row)
        for ours, theirs in zip(
            search.loss_curves_[row] + search.validation_score_curves_[row],
            losses + scores,
        ):
            if theirs is None:
                assert ours is None
            else:
                assert_array_equal(ours, theirs)


def test_halving_keeps_each_fits_learning_curves():
    estimator = clone(GD).set_params(early_stopping=True, n_iter_no_change=50)
    search = _fused_halving(estimator, {"scale": [0.1, 0.3, 1.0, 3.0]})
    cv = StratifiedKFold(3)
    # The best candidate's last rung (continued twice) and a first-rung row.
    _assert_curves(search, X_CIRCLES, Y_CIRCLES, cv, [search.best_index_, 0])
    assert search.best_params_["max_iter"] == 40


def test_grid_and_randomized_searches_keep_learning_curves():
    grid = [
        {"solver": ["gd"], "scale": [0.3, 1.0]},
        {"solver": ["lbfgs"], "max_iter": [15]},
    ]
    search = _quiet(InitSearchCV(GD, grid, cv=3).fit, X_CIRCLES, Y_CIRCLES)
    reference = _quiet(GridSearchCV(GD, grid, cv=3).fit, X_CIRCLES, Y_CIRCLES)
    assert_same_search(search, reference)
    cv = StratifiedKFold(3)
    _assert_curves(search, X_CIRCLES, Y_CIRCLES, cv, range(3))
    assert [curve is None for curve in search.validation_score_curves_[0]] == [True] * 3

    randomized = _quiet(
        InitRandomizedSearchCV(
            GD, {"scale": loguniform(0.1, 3)}, n_iter=2, cv=3, random_state=0
        ).fit,
        X_CIRCLES,
        Y_CIRCLES,
    )
    _assert_curves(randomized, X_CIRCLES, Y_CIRCLES, cv, range(2))


def test_diverged_fits_get_error_score_and_no_curves():
    estimator = InitMLPClassifier(
        hidden_layer_sizes=(10,),
        activation="identity",
        solver="gd",
        tol=0.0,
        n_iter_no_change=10**6,
        random_state=0,
    )
    grid = {"learning_rate_init": [1e-2, 1e3, 1e-3, 1e-4]}
    params = dict(
        resource="max_iter", min_resources=100, max_resources=400, factor=2, cv=3,
        refit=False,
    )
    X = X_CIRCLES * 1e3
    fused = _quiet(
        InitHalvingSearchCV(estimator, grid, error_score=-1.0, **params).fit,
        X,
        Y_CIRCLES,
    )
    reference = _quiet(
        HalvingGridSearchCV(estimator, grid, error_score=-1.0, **params).fit,
        X,
        Y_CIRCLES,
    )
    assert_same_halving(fused, reference)
    failed = fused.cv_results_["split0_test_score"] == -1.0
    assert failed.any()
    for row in np.flatnonzero(failed):
        assert fused.loss_curves_[row][0] is None
