"""The seed study: single-split and cross-validated scores per (initializer, scale).

The estimator is an :class:`~skinit.InitMLPClassifier` or an
:class:`~skinit.InitMLPRegressor` -- alone on the course data, at the end of a
preprocessing :class:`~sklearn.pipeline.Pipeline` on other data -- chosen by
:func:`choose_task` from the target's type or the user's word.
"""

import math
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from skinit._cli._data import UsageError, _first_line
from skinit._cli._reading import label

__all__ = [
    "Task",
    "build_estimator",
    "check_folds",
    "check_scoring",
    "choose_task",
    "cross_validated_scores",
    "run_study",
    "train_test",
]

#: What a fit that Ctrl-C stopped warns (it keeps the weights trained so far).
INTERRUPTED = "Training interrupted by user."
#: The step name of the MLP in the pipeline built for a table.
MLP_STEP = "mlp"


@dataclass(frozen=True)
class Task:
    """What the target asks for: the estimator class and its default scorer."""

    kind: str
    estimator: type
    scoring: str
    #: Whether the train/test split and the folds keep the class proportions.
    stratify: bool
    #: Parameters the task sets on the estimator (a regression's loss).
    params: dict = field(default_factory=dict)
    #: Whether the target's type chose the task (no --regression/--classification).
    detected: bool = False


def choose_task(y, target, *, task="auto", loss=None):
    """The task the target ``y`` of column ``target`` calls for, and its values.

    ``task`` is 'auto' (a 'continuous' target is a regression, any other a
    classification), 'regression' or 'classification'; ``loss`` is a
    regression's loss (None: squared error).  Raises :class:`UsageError` for
    a target no study can use.

    Returns
    -------
    task : Task
    y : ndarray
        The target as the task needs it: floats for a regression, the values
        as text labels for a continuous target classified on request.
    """
    from sklearn.utils.multiclass import type_of_target

    kind = type_of_target(y)
    if task == "regression" or (task == "auto" and kind == "continuous"):
        return _regression(y, target, loss, detected=task == "auto")
    if loss is not None:
        raise UsageError(
            f"--loss {loss} applies to a regression; the target {target!r} is "
            f"classified ({kind}); pass --regression to regress it"
        )
    if kind == "continuous":  # classified on request: each value is a class
        y = np.array([repr(value) for value in y.tolist()], dtype=object)
        kind = type_of_target(y)
    return _classification(y, target, kind), y


def _classification(y, target, kind):
    from skinit import InitMLPClassifier

    if kind not in ("binary", "multiclass"):
        raise UsageError(f"the target {target!r} is {kind}; the study needs one label")
    classes = np.unique(y)
    if len(classes) < 2:
        raise UsageError(
            f"the target {target!r} has a single class ({_plain(classes[0])!r}): "
            "nothing to classify"
        )
    if len(classes) == len(y):
        raise UsageError(
            f"the target {target!r} has as many classes as rows ({len(y)}): is it "
            "an identifier? choose the label column with --target"
            + _regression_hint(y)
        )
    return Task("classification", InitMLPClassifier, "accuracy", stratify=True)


def _regression_hint(y):
    """For numeric labels that may be a quantity: how to regress them instead."""
    return ", or pass --regression if it is a quantity" if y.dtype.kind in "iuf" else ""


def _regression(y, target, loss, *, detected):
    from skinit import InitMLPRegressor

    if y.dtype.kind not in "biuf":
        raise UsageError(
            f"the target {target!r} holds text ({_plain(y[0])!r}, ...): a "
            "regression needs numbers; drop --regression to classify it"
        )
    y = y.astype(np.float64)
    if y.min() == y.max():
        raise UsageError(
            f"the target {target!r} is constant ({_plain(y[0]):g}): nothing to regress"
        )
    loss = loss or "squared_error"
    if loss == "poisson" and y.min() < 0:
        raise UsageError(
            f"--loss poisson needs a non-negative target; {target!r} is negative in "
            f"{int((y < 0).sum())} rows (down to {y.min():g})"
        )
    task = Task(
        "regression",
        InitMLPRegressor,
        "r2",
        stratify=False,
        params={"loss": loss},
        detected=detected,
    )
    return task, y


def check_scoring(task, scoring, y):
    """Raise a UsageError, before any training, if ``scoring`` cannot score ``task``.

    A regression is scored on continuous predictions, which classification
    scores reject: the scorer is tried on a constant prediction of ``y``.
    """
    if task.kind != "regression":
        return
    from sklearn.dummy import DummyRegressor
    from sklearn.metrics import get_scorer

    X = np.zeros((len(y), 1))
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            get_scorer(scoring)(DummyRegressor().fit(X, y), X, y)
    except (AttributeError, TypeError, ValueError) as error:
        raise UsageError(
            f"--scoring {scoring} cannot score this regression "
            f"({_first_line(error)}); "
            "use a regression score such as r2 or neg_mean_squared_error"
        ) from None


def _preprocessing(data, impute):
    """Standardize numeric columns and one-hot encode text ones, imputing first."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    def numeric():
        steps = [SimpleImputer(strategy="median")] if impute else []
        return make_pipeline(*steps, StandardScaler())

    if not data.categorical:
        return numeric()
    text = [SimpleImputer(strategy="most_frequent")] if impute else []
    text.append(OneHotEncoder(handle_unknown="ignore", sparse_output=False))
    numbers = [j for j in range(data.X.shape[1]) if j not in data.categorical]
    return ColumnTransformer(
        [
            ("numeric", numeric(), numbers),
            ("text", make_pipeline(*text), data.categorical),
        ]
    )


def build_estimator(task, data, params, seed, *, impute=False):
    """The study's estimator for ``data``, before the grid sets its initializer.

    On the course data, the notebook's bare network running all its steps;
    on other data, a Pipeline whose preprocessing is refitted on every fold.
    """
    if data.course:
        return task.estimator(
            **params, tol=0.0, n_iter_no_change=params["max_iter"], random_state=seed
        )
    from sklearn.pipeline import Pipeline

    return Pipeline(
        [
            ("preprocess", _preprocessing(data, impute)),
            (MLP_STEP, task.estimator(**params, random_state=seed)),
        ]
    )


def train_test(task, data, test_size, seed):
    """(X_train, y_train, X_test, y_test): the course's own, or a split of ``data``."""
    if data.course:
        return data.split
    from sklearn.model_selection import train_test_split

    if task.stratify:
        classes, counts = np.unique(data.y, return_counts=True)
        if counts.min() < 2:
            raise UsageError(
                f"the target {data.target!r} has a class with a single row "
                f"({_plain(classes[counts.argmin()])!r}): a stratified split needs "
                "two rows per class; remove it or choose another --target"
                + _regression_hint(data.y)
            )
    try:
        X_train, X_test, y_train, y_test = train_test_split(
            data.X,
            data.y,
            test_size=test_size,
            random_state=seed,
            stratify=data.y if task.stratify else None,
        )
    except ValueError as error:
        raise UsageError(f"--test-size {test_size:g}: {error}") from None
    return X_train, y_train, X_test, y_test


def check_folds(task, y_train, cv):
    """Raise a UsageError if the training set cannot be cut into ``cv`` folds."""
    if task.stratify:
        classes, counts = np.unique(y_train, return_counts=True)
        smallest = int(counts.min())
        rarest = _plain(classes[counts.argmin()])
        if cv > smallest:
            raise UsageError(
                f"--cv {cv}: the training set's smallest class ({rarest!r}) has "
                f"{smallest} rows; choose --cv from 2 to {smallest}"
                if smallest >= 2
                else f"--cv {cv}: the training set's class {rarest!r} has a single "
                "row; no fold split keeps every class"
            )
    elif cv > len(y_train):
        raise UsageError(f"--cv {cv}: the training set has only {len(y_train)} rows")


def _plain(value):
    """A numpy scalar as the Python value it holds, for messages."""
    return value.item() if isinstance(value, np.generic) else value


def _parameter_prefix(estimator):
    from sklearn.pipeline import Pipeline

    return f"{estimator.steps[-1][0]}__" if isinstance(estimator, Pipeline) else ""


def _network(estimator):
    from sklearn.pipeline import Pipeline

    return estimator[-1] if isinstance(estimator, Pipeline) else estimator


def _is_divergence(error):
    """Whether a fit failed because its weights left the floating-point range."""
    return "non-finite" in str(error)


def _finite_or_nan(scores):
    """``scores`` with NaN for the non-finite ones, which diverged fits give."""
    scores = np.asarray(scores, dtype=np.float64)
    return np.where(np.isfinite(scores), scores, np.nan)


@contextmanager
def _study_warnings():
    """The study's warning filters; a fit stopped by Ctrl-C stops the study.

    A fit catches KeyboardInterrupt, warns INTERRUPTED and returns the weights
    trained so far, as scikit-learn does; here that warning raises
    KeyboardInterrupt again, so that no truncated fit is reported.
    """
    from sklearn.exceptions import ConvergenceWarning, FitFailedWarning

    with warnings.catch_warnings():
        # Fits run their step budget on purpose, and diverged fits are marked
        # rows of the study: those warnings say nothing more.
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.filterwarnings(
            "ignore", "(?s).*non-finite parameter weights", FitFailedWarning
        )
        warnings.filterwarnings(
            "ignore", "One or more of the test scores are non-finite", UserWarning
        )
        # A regressor can diverge with finite weights whose predictions
        # overflow (adam's bounded steps on a huge initial scale): scoring them
        # overflows, and the non-finite score marks the row.
        warnings.filterwarnings("ignore", "overflow encountered", RuntimeWarning)
        warnings.filterwarnings("ignore", "invalid value encountered", RuntimeWarning)
        warnings.filterwarnings("always", INTERRUPTED, UserWarning)
        show = warnings.showwarning

        def showwarning(message, category, *args, **kwargs):
            if issubclass(category, UserWarning) and str(message) == INTERRUPTED:
                raise KeyboardInterrupt
            show(message, category, *args, **kwargs)

        warnings.showwarning = showwarning
        yield


def cross_validated_scores(
    estimator, grid, X, y, cv, *, scoring, stratify, n_jobs, progress=None
):
    """Fold scores of ``estimator`` for each (initializer, scale) of ``grid``.

    The one place the study cross-validates: a fused
    :class:`~skinit.InitSearchCV` trains all pairs x folds as one stacked
    model, with the results GridSearchCV would give.  A fold whose fit
    diverged -- non-finite weights, or a non-finite score -- scores NaN.

    ``progress(done, total)``, if given, is told the fits trained as the
    stacks train (see :class:`skinit._progress.progress_to`).

    Returns
    -------
    scores : ndarray of shape (len(grid), cv)
    """
    from sklearn.model_selection import KFold, StratifiedKFold

    from skinit import InitSearchCV
    from skinit._progress import progress_to

    prefix = _parameter_prefix(estimator)
    search = InitSearchCV(
        estimator,
        [
            {f"{prefix}initializer": [name], f"{prefix}scale": [scale]}
            for name, scale in grid
        ],
        cv=StratifiedKFold(n_splits=cv) if stratify else KFold(n_splits=cv),
        scoring=scoring,
        n_jobs=n_jobs,
        refit=False,
        error_score=np.nan,
    )
    try:
        with progress_to(progress):
            search.fit(X, y)
    except ValueError as error:  # every fit failed
        if not _is_divergence(error):
            raise
        return np.full((len(grid), cv), np.nan)
    results = search.cv_results_
    return _finite_or_nan(
        np.column_stack([results[f"split{k}_test_score"] for k in range(cv)])
    )


def _single_split(estimator, split, scoring):
    """Scores and losses of one fit on the training set; None if it diverged.

    A fit diverged if its weights, its loss or its scores are not finite (a
    regressor's weights can stay finite while its predictions overflow).
    """
    from sklearn.metrics import get_scorer

    X_train, y_train, X_test, y_test = split
    try:
        estimator.fit(X_train, y_train)
    except ValueError as error:
        if not _is_divergence(error):
            raise
        return None
    scorer = get_scorer(scoring)
    network = _network(estimator)
    with np.errstate(over="ignore", invalid="ignore"):
        train = float(scorer(estimator, X_train, y_train))
        test = float(scorer(estimator, X_test, y_test))
    if not all(map(math.isfinite, (train, test, network.loss_))):
        return None
    curve = getattr(network, "loss_curve_", None)  # lbfgs keeps no curve
    return {
        f"train_{scoring}": train,
        f"test_{scoring}": test,
        # A huge initial scale can start at an infinite loss and recover.
        "initial_loss": _finite(curve[0]) if curve else None,
        "final_loss": float(network.loss_),
        "n_iter": int(network.n_iter_),
    }


def _finite(value):
    return float(value) if math.isfinite(value) else None


def run_study(
    estimator,
    grid,
    split,
    *,
    cv=5,
    scoring="accuracy",
    stratify=True,
    n_jobs=1,
    reporter=None,
):
    """Run the seed study and return one result dict per (initializer, scale).

    A configuration whose fits diverged has ``"diverged": True`` and None for
    the scores those fits would have given.

    >>> from skinit import InitMLPClassifier
    >>> from skinit.datasets import load_circles
    >>> rows = run_study(
    ...     InitMLPClassifier(solver="gd", max_iter=5, random_state=3),
    ...     [("zeros", 1.0)],
    ...     load_circles(),
    ...     cv=2,
    ... )
    >>> rows[0]["initializer"], rows[0]["train_accuracy"], rows[0]["cv_mean"]
    ('zeros', 0.5, 0.5)
    """
    from sklearn.base import clone
    from sklearn.utils.parallel import Parallel, delayed

    grid = list(grid)
    prefix = _parameter_prefix(estimator)
    candidates = [
        clone(estimator).set_params(
            **{f"{prefix}initializer": name, f"{prefix}scale": scale}
        )
        for name, scale in grid
    ]

    def say(message):
        if reporter is not None:
            reporter.write(message)

    with _study_warnings():
        start = time.perf_counter()
        if n_jobs == 1:
            single = []
            for index, candidate in enumerate(candidates):
                single.append(_single_split(candidate, split, scoring))
                result = single[-1]
                say(
                    f"[single split {index + 1}/{len(grid)}] {label(*grid[index])}: "
                    + (
                        "diverged"
                        if result is None
                        else f"train {result[f'train_{scoring}']:.4f}, test "
                        f"{result[f'test_{scoring}']:.4f}"
                    )
                )
                if reporter is not None:
                    reporter.update(index + 1)
        else:
            say(f"[single split] {len(grid)} fits on {n_jobs} jobs ...")
            single = Parallel(n_jobs=n_jobs)(
                delayed(_single_split)(candidate, split, scoring)
                for candidate in candidates
            )
            if reporter is not None:
                reporter.update(len(grid))
        say(f"[single split] done in {time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        folds = cross_validated_scores(
            estimator,
            grid,
            split[0],
            split[1],
            cv,
            scoring=scoring,
            stratify=stratify,
            n_jobs=n_jobs,
            progress=None
            if reporter is None
            else lambda done, total: reporter.update(len(grid) + done),
        )
        if reporter is not None:
            reporter.update(len(grid) * (1 + cv))
        for index, fold_scores in enumerate(folds):
            summary = (
                f"{fold_scores.mean():.4f} +- {fold_scores.std():.4f}"
                if np.isfinite(fold_scores).all()
                else f"diverged in {int(np.isnan(fold_scores).sum())} folds"
            )
            name = label(*grid[index])
            say(f"[{cv}-fold CV {index + 1}/{len(grid)}] {name}: {summary}")
        say(
            f"[{cv}-fold CV] {len(grid) * cv} fits in "
            f"{time.perf_counter() - start:.1f} s (fused search)"
        )

    rows = []
    empty = dict.fromkeys(
        [f"train_{scoring}", f"test_{scoring}", "initial_loss", "final_loss", "n_iter"]
    )
    for (name, scale), result, fold_scores in zip(grid, single, folds):
        complete = bool(np.isfinite(fold_scores).all())
        rows.append(
            {
                "initializer": name,
                "scale": float(scale),
                **(empty if result is None else result),
                "cv_mean": float(fold_scores.mean()) if complete else None,
                "cv_std": float(fold_scores.std()) if complete else None,
                "cv_scores": [_finite(score) for score in fold_scores],
                "diverged": result is None or not complete,
            }
        )
    return rows
