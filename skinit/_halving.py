"""Successive halving in one stacked run: survivors continue training.

scikit-learn's ``HalvingGridSearchCV(resource='max_iter')`` evaluates every
candidate with a small iteration budget, keeps the best ``1 / factor`` of
them, and evaluates those again with ``factor`` times the budget -- training
each survivor again from scratch.  Here each rung's fits are trained stacked
(as in :class:`~skinit.InitSearchCV`), and a survivor's network simply goes
on training from where the previous rung left it: a network trained to ``r2``
iterations passes through exactly the state a fit of budget ``r1`` ends in
(weights, optimizer state, shuffles, stopping records), so the continuation
is the fit scikit-learn would make.  Scores, survivors and ``cv_results_``
come from scikit-learn's own halving code.
"""

from sklearn.pipeline import Pipeline

from skinit._search import _DrawnSplits, _FusedSearchMixin, _last_step
from skinit._sklearn_private import (
    BaseSuccessiveHalving,
    HalvingGridSearchCV,
    HalvingRandomSearchCV,
)

__all__ = ["InitHalvingRandomSearchCV", "InitHalvingSearchCV"]


class _FusedHalvingMixin(_FusedSearchMixin):
    """What the fused halving searches add to the fused search: training
    continued across rungs when the resource is the MLP's ``max_iter``."""

    def _continues_training(self):
        resource = "max_iter"
        if isinstance(self.estimator, Pipeline):
            resource = f"{self.estimator.steps[-1][0]}__max_iter"
        return self.resource == resource and _last_step(self.estimator) is not None

    def _check_input_parameters(self, X, y, split_params):
        # The search itself sees the folds drawn once, which are constant; the
        # splitter given must still yield constant folds, as scikit-learn
        # requires of a halving search.
        drawn = self._checked_cv_orig
        if not isinstance(drawn, _DrawnSplits):
            return super()._check_input_parameters(X, y, split_params)
        self._checked_cv_orig = drawn.cv
        try:
            super()._check_input_parameters(X, y, split_params)
        finally:
            self._checked_cv_orig = drawn

    def _search(self, evaluate_candidates, context):
        BaseSuccessiveHalving._run_search(self, evaluate_candidates, **context)


class InitHalvingSearchCV(_FusedHalvingMixin, HalvingGridSearchCV):
    """Successive halving over a grid, survivors training on in the stack.

    A drop-in for scikit-learn's
    :class:`~sklearn.model_selection.HalvingGridSearchCV` (same parameters,
    attributes and ``cv_results_``; no experimental import needed) for an
    :class:`~skinit.InitMLPClassifier` or a
    :class:`~sklearn.pipeline.Pipeline` ending in one.  Every rung's
    candidate x fold fits are trained stacked, as in
    :class:`~skinit.InitSearchCV`.  With ``resource='max_iter'`` (or
    ``'<last step>__max_iter'`` for a pipeline), a candidate that survives a
    rung is not trained again from scratch: its networks continue from where
    they stopped, which gives the very fits scikit-learn's search makes.
    With early stopping a rung is scored on the best-validation weights (what
    a fit of that budget returns) while training continues from the current
    ones.  With any other resource the search behaves as scikit-learn's,
    each rung fused.

    Parameters
    ----------
    estimator : estimator object
        An InitMLPClassifier or a Pipeline whose last step is one; any other
        estimator is searched exactly as HalvingGridSearchCV would.
    param_grid : dict or list of dictionaries
        Parameter names mapped to lists of values.  The resource must not be
        one of them.
    factor : int or float, default=3
        Each rung keeps the best ``1 / factor`` of its candidates and gives
        them ``factor`` times the resource.
    resource : 'n_samples' or str, default='n_samples'
        What grows from rung to rung: the number of training samples, or a
        parameter of the estimator such as ``'max_iter'``.
    max_resources : int or 'auto', default='auto'
        Most resource a candidate gets; 'auto' (the number of samples) only
        for ``resource='n_samples'``.
    min_resources : {'exhaust', 'smallest'} or int, default='exhaust'
        Resource of the first rung; 'exhaust' makes the last rung use
        ``max_resources``.
    aggressive_elimination : bool, default=False
        Repeat the first rung's resource until few enough candidates remain
        for the last rung to use ``max_resources``.
    cv : int, cross-validation generator or iterable, default=5
        Determines the cross-validation splitting strategy; it must yield the
        same folds at every call (no unseeded shuffling).
    scoring : str, callable, or None, default=None
        A single score used to rank the candidates; None uses the
        estimator's ``score``.
    refit : bool or callable, default=True
        Refit an estimator with the best candidate of the last rung on the
        whole data.
    error_score : 'raise' or numeric, default=np.nan
        Value assigned to the score if a fit fails (for instance diverges).
    return_train_score : bool, default=True
        Whether to include training scores in ``cv_results_``.
    random_state : int, RandomState instance or None, default=None
        Subsampling of the samples when ``resource='n_samples'``.
    n_jobs : int, default=None
        Number of jobs running in parallel; the stacks and the fits that
        cannot stack are the units of work.
    verbose : int, default=0
        Controls the verbosity.

    Attributes
    ----------
    n_resources_ : list of int
        The resource of each rung.
    n_candidates_ : list of int
        The number of candidates of each rung.
    n_remaining_candidates_ : int
        The number of candidates left after the last rung.
    max_resources_, min_resources_ : int
        The resource of the last and the first possible rung.
    n_possible_iterations_, n_required_iterations_, n_iterations_ : int
        As in HalvingGridSearchCV.
    cv_results_ : dict of numpy (masked) ndarrays
        As in HalvingGridSearchCV: one row per candidate and rung, with the
        ``iter`` and ``n_resources`` columns.  ``mean_fit_time`` measures
        only each fit's hand-over; the training time is ``fused_fit_time_``.
    best_estimator_, best_score_, best_params_, best_index_, scorer_, n_splits_
        As in HalvingGridSearchCV; ``best_params_`` includes the resource.
    refit_time_, multimetric_ :
        As in HalvingGridSearchCV.
    loss_curves_ : list of list of ndarray or None
        ``loss_curves_[i][j]``: the training loss at each iteration of row
        ``i`` of ``cv_results_`` on fold ``j`` (None for a fit that recorded
        none, such as one that failed).  A continued fit's curve starts at
        its first iteration, as that of a fit trained from scratch.
    validation_score_curves_ : list of list of ndarray or None
        Alike, the validation scores with early stopping, else None.
    fused_fit_time_ : float
        Seconds spent training the fits, all rungs.
    n_fused_fits_ : int
        How many fits trained stacked, all rungs (continued ones included).

    See Also
    --------
    sklearn.model_selection.HalvingGridSearchCV : The search this one replaces.
    InitHalvingRandomSearchCV : The randomized counterpart.
    InitSearchCV : The exhaustive search.

    Notes
    -----
    The networks of a rung's fits are kept (parameters and training state,
    not data) until the next rung is planned, then only those of its
    candidates.  A fit without an integer or RandomState ``random_state``
    draws another network at each rung and trains from scratch, as in
    scikit-learn's search.

    Examples
    --------
    >>> from skinit import InitHalvingSearchCV, InitMLPClassifier
    >>> from skinit.datasets import load_circles
    >>> X, y, _, _ = load_circles()
    >>> search = InitHalvingSearchCV(
    ...     InitMLPClassifier(hidden_layer_sizes=(10, 5), solver="gd",
    ...                       learning_rate_init=0.1, random_state=3),
    ...     {"initializer": ["zeros", "he_normal"], "scale": [0.1, 1.0]},
    ...     resource="max_iter", min_resources=100, max_resources=400,
    ...     factor=2, cv=3).fit(X, y)
    >>> search.n_resources_, search.n_candidates_
    ([100, 200, 400], [4, 2, 1])
    >>> search.best_params_["max_iter"]
    400
    """


class InitHalvingRandomSearchCV(_FusedHalvingMixin, HalvingRandomSearchCV):
    """Successive halving over sampled candidates, survivors training on.

    The counterpart of scikit-learn's
    :class:`~sklearn.model_selection.HalvingRandomSearchCV`, fused and
    continued across rungs as :class:`InitHalvingSearchCV` is.

    Parameters
    ----------
    estimator : estimator object
        An InitMLPClassifier or a Pipeline whose last step is one.
    param_distributions : dict or list of dicts
        Parameter names mapped to distributions or lists to sample from.
    n_candidates : 'exhaust' or int, default='exhaust'
        Number of candidates of the first rung; 'exhaust' samples as many as
        the last rung can use ``max_resources`` with.
    factor, resource, max_resources, min_resources, aggressive_elimination
        As in :class:`InitHalvingSearchCV`.
    cv, scoring, refit, error_score, return_train_score, n_jobs, verbose
        As in :class:`InitHalvingSearchCV`.
    random_state : int, RandomState instance or None, default=None
        Sampling of the candidates, and of the samples when
        ``resource='n_samples'``.

    Attributes
    ----------
    n_resources_, n_candidates_, n_remaining_candidates_, max_resources_
        As in :class:`InitHalvingSearchCV`.
    min_resources_, n_possible_iterations_, n_required_iterations_
        As in :class:`InitHalvingSearchCV`.
    n_iterations_, cv_results_, best_estimator_, best_score_, best_params_
        As in :class:`InitHalvingSearchCV`.
    best_index_, scorer_, n_splits_, refit_time_, multimetric_
        As in :class:`InitHalvingSearchCV`.
    loss_curves_, validation_score_curves_, fused_fit_time_, n_fused_fits_
        As in :class:`InitHalvingSearchCV`.

    See Also
    --------
    sklearn.model_selection.HalvingRandomSearchCV : The search this one
        replaces.
    InitHalvingSearchCV : The grid counterpart.

    Examples
    --------
    >>> from scipy.stats import loguniform
    >>> from skinit import InitHalvingRandomSearchCV, InitMLPClassifier
    >>> from skinit.datasets import load_circles
    >>> X, y, _, _ = load_circles()
    >>> search = InitHalvingRandomSearchCV(
    ...     InitMLPClassifier(hidden_layer_sizes=(10, 5), solver="gd",
    ...                       learning_rate_init=0.1, random_state=3),
    ...     {"initializer": ["he_normal", "glorot_uniform"],
    ...      "scale": loguniform(0.1, 3)},
    ...     n_candidates=4, resource="max_iter", min_resources=50,
    ...     max_resources=200, factor=2, cv=3, random_state=0).fit(X, y)
    >>> search.n_candidates_
    [4, 2, 1]
    """
