"""Fused cross-validated search: every candidate x fold trained as one stack."""

import time
from collections import defaultdict
from dataclasses import replace
from numbers import Integral

import joblib
import numpy as np
from joblib import effective_n_jobs, parallel_config

# Not in joblib's documented API, but the one way to learn the backend in
# force (the stacks train with it while scikit-learn's fits run in-process).
from joblib.parallel import get_active_backend
from sklearn import get_config
from sklearn.base import clone, is_classifier
from sklearn.model_selection import ParameterGrid, ParameterSampler, check_cv
from sklearn.pipeline import Pipeline
from sklearn.utils import indexable
from sklearn.utils.metadata_routing import get_routing_for_object, process_routing
from sklearn.utils.parallel import Parallel, delayed

from skinit._config import with_config
from skinit._mlp import BaseInitMLP, InitMLPClassifier, forward_outputs
from skinit._optimizers import SOLVERS
from skinit._pretrained import (
    data_digest,
    estimator_key,
    interrupts_raise,
    pretrained_fits,
)
from skinit._progress import ProgressReporter, progress_sink
from skinit._sklearn_private import (
    BaseSearchCV,
    Interval,
    _num_samples,
    _safe_indexing,
)
from skinit._stack import Hyperparameters, concatenate, take
from skinit._training import fit_stochastic

__all__ = ["InitRandomizedSearchCV", "InitSearchCV"]

# At most this many networks train in one stack: on the course network, stacks
# of 16-24 ran fastest per network here (their signals stay in a 2 MiB L2;
# 15.8 us per network-step against 16.7 at 47 and 17.5 at 140), and a chunk
# is also the unit of work handed to a joblib worker.
MAX_CHUNK = 24
# ... and a chunk's buffers stay below this many bytes.
CHUNK_MEMORY = 256 * 2**20
# Below this many steps per fit the fits train one by one, as GridSearchCV
# trains them: on the course network (16 candidates x 5 folds) the fused
# search's planning and hand-over cost ~7 % more than its stacking saved at 1
# step, and broke even at 3 (loaded machine, medians of 4 interleaved runs).
MIN_STACKED_STEPS = 4
# The fits of a round (trained together, held until scored) take at most about
# this many bytes: ~10 fits of a (512,) network on 100 features, which keeps
# the peak memory within 1.5x of GridSearchCV's (benchmarks/bench_memory.py).
ROUND_MEMORY = 48 * 2**20


def _last_step(estimator):
    """The MLP a fused search trains, or None when it cannot fuse."""
    if isinstance(estimator, Pipeline):
        estimator = estimator.steps[-1][1]
    return estimator if isinstance(estimator, BaseInitMLP) else None


def _stackable(mlp):
    """Whether this fit can train stacked (else it trains alone, as usual)."""
    return (
        mlp.solver in SOLVERS
        and not mlp.warm_start
        and mlp.record_every is None
        and not mlp.verbose
    )


def _network_bytes(network, X_train):
    """Rough memory of one network of a stack -- parameter copies, signals
    and inputs -- from its estimator and training inputs, before it is
    planned (outputs counted as one unit, as in ``_fit_bytes``)."""
    hidden = network.hidden_layer_sizes
    hidden = list(hidden) if hasattr(hidden, "__iter__") else [hidden]
    units = [X_train.shape[1], *hidden, 1]
    n_params = sum((a + 1) * b for a, b in zip(units[:-1], units[1:]))
    n_rows = X_train.shape[0]
    full_batch = SOLVERS[network.solver].full_batch
    batch = n_rows if full_batch else min(n_rows, 200)
    signals = 2 * sum(units[1:]) * max(batch, n_rows)
    inputs = n_rows * (units[0] + 1)
    return X_train.dtype.itemsize * (8 * n_params + signals + inputs)


def _stack_hint(network, X_train, weight):
    """What fits must share to be chunked together before they are planned:
    the estimator's parameters and the inputs that shape ``_group_key``.  A
    chunk whose fits still differ in their planned ``_group_key`` trains as
    several stacks (results are the same whatever the stack)."""
    hidden = network.hidden_layer_sizes
    return (
        type(network).__qualname__,
        tuple(hidden) if hasattr(hidden, "__iter__") else (hidden,),
        network.activation,
        network.solver,
        network.batch_size,
        network.shuffle,
        network.learning_rate,
        network.nesterovs_momentum,
        network.early_stopping,
        network.validation_fraction if network.early_stopping else None,
        X_train.shape,
        X_train.dtype.str,
        weight is None,
    )


def _group_key(plan):
    """What networks must share to train in one stack."""
    data = plan.data
    return (
        tuple(plan.architecture.layer_units),
        plan.architecture.hidden_activation,
        plan.architecture.output_activation,
        plan.config,
        plan.params.flat.dtype.str,
        data.n_samples,
        data.n_validation_samples,
        data.X.is_sparse,
        data.sample_weight is None,
        data.sample_weight_val is None,
    )


def _train_stack(keys, estimators, plans, on_epoch=None, keep_results=False):
    """Train planned fits as one stack; -> list of (key, fitted or error,
    the network's ``TrainingResult`` if ``keep_results`` else None, None: the
    test score, filled in by ``_plan_and_train``).

    Should the stack fail as a whole (say, out of memory), it returns nothing:
    scikit-learn's search then trains those fits one by one, as usual.
    """
    first = plans[0]
    try:
        result = fit_stochastic(
            first.architecture,
            concatenate([plan.params for plan in plans]),
            concatenate([plan.data for plan in plans]),
            first.config,
            Hyperparameters.from_estimators(estimators),
            concatenate([plan.state for plan in plans]),
            score=estimators[0]._validation_score,
            callbacks=() if on_epoch is None else (on_epoch,),
        )
    except Exception:
        return []
    if result.interrupted:
        raise KeyboardInterrupt
    results = []
    for k, (key, estimator) in enumerate(zip(keys, estimators)):
        network = take(result, [k])
        fitted = _completed(estimator, network)
        results.append((key, fitted, network if keep_results else None, None))
    return results


def _plan_and_train(fits, inputs, progress=None, keep_results=False, tests=None):
    """Plan a chunk of fits and train them in stacks, in a joblib worker.

    ``fits``: (key, estimator, inputs key, network trained at the previous
    rung or None); ``inputs``: inputs key -> the fold's (X, y, sample_weight),
    sent once per chunk; ``tests``: None, or (scorer, fold -> (X_test,
    y_test), whether the scorer is the estimator's ``score``) to score the
    fitted networks here (``_with_test_scores``).

    Planning here rather than in the search's process spreads it over the
    workers: it is the fit's own validation and initialization, ~7 ms a fit
    on the mini-batch benchmark (64 fits: 0.45 s of 1.6 s done serially in
    the parent before any worker started).  ``progress(networks, done)``
    makes a stack's per-epoch callback (in-process only).

    -> (list of (key, fitted or error, ``TrainingResult`` or None, test score
    or None), number of fits trained stacked).
    """
    results, stacks = [], defaultdict(list)
    for key, network, inputs_key, previous in fits:
        X_train, y_train, weight = inputs[inputs_key]
        network = clone(network)  # the candidate's, shared by its folds
        try:
            network._validate_params()
            plan = network._plan_fit(X_train, y_train, weight, incremental=False)
        except Exception as error:
            results.append((key, error, None, None))
            continue
        if previous is not None:
            plan = _continued_plan(network, plan, previous)
            if plan is None:
                results.append((key, _completed(network, previous), None, None))
                continue
        # New networks and continued ones (which carry their optimizer state)
        # train in separate stacks.
        continued = plan.state.optimizer is not None
        stacks[_group_key(plan), continued].append((key, network, plan))
    n_stacked = 0
    for members in stacks.values():
        keys, networks, plans = zip(*members)
        on_epoch = None if progress is None else progress(networks, len(results))
        results += _train_stack(keys, networks, plans, on_epoch, keep_results)
        n_stacked += len(members)
    if tests is not None:
        fold_of = {key: inputs_key[0] for key, _, inputs_key, _ in fits}
        results = _with_test_scores(results, *tests, fold_of)
    return results, n_stacked


def _with_test_scores(results, scorer, tests, by_score_method, fold_of):
    """``results`` with each fit's test score (None where the fit failed or
    scoring raised: the search then scores, and reports, as usual).

    With ``by_score_method`` (the search's ``scoring=None``), the accuracies
    of InitMLPClassifier fits come from one stacked forward pass per fold and
    architecture (``_accuracies``); every other score from ``scorer``, fit by
    fit (``_prescore``).
    """
    accuracies = _accuracies(results, tests, fold_of) if by_score_method else {}
    return [
        (
            key,
            fitted,
            network,
            accuracies[i]
            if i in accuracies
            else _prescore(fitted, scorer, tests, fold_of[key]),
        )
        for i, (key, fitted, network, _) in enumerate(results)
    ]


def _accuracies(results, tests, fold_of):
    """``InitMLPClassifier.score`` on the test fold of each fitted network
    that allows it, by position in ``results``: the networks of a fold and
    architecture predict in one stacked forward pass, as bit-identical to
    their own ``predict`` as any stack (:mod:`skinit._engine`), and the
    accuracy is the share of equal labels, as ``accuracy_score`` computes it.
    Measured ~0.7 ms a fit scored one by one, most of it the validation of
    ``predict``'s input and ``accuracy_score``'s of the labels, which the
    search's data passed already.

    Left to ``_prescore``: subclasses (their ``score`` or ``predict`` may
    differ), test data that ``predict`` would convert (not float32/64) and
    multi-output labels.
    """
    groups = defaultdict(list)
    for i, (key, fitted, _, _) in enumerate(results):
        X_test, y_test = tests[fold_of[key]]
        if (
            type(fitted) is InitMLPClassifier
            and X_test.dtype in (np.float64, np.float32)
            and y_test.ndim == 1
            and fitted._label_binarizer.y_type_ in ("binary", "multiclass")
        ):
            architecture = fitted._architecture()
            shape = (
                tuple(architecture.layer_units),
                architecture.hidden_activation,
                architecture.output_activation,
                fitted.coefs_[0].dtype,
            )
            groups[fold_of[key], shape].append(i)
    accuracies = {}
    for (fold, _), members in groups.items():
        X_test, y_test = tests[fold]
        networks = [results[i][1] for i in members]
        outputs = forward_outputs(networks, X_test)
        for i, network, output in zip(members, networks, outputs):
            output = output.ravel() if network.n_outputs_ == 1 else output
            predicted = network._label_binarizer.inverse_transform(output)
            accuracies[i] = float(np.mean(y_test == predicted))
    return accuracies


def _prescore(fitted, scorer, tests, fold):
    """The test score scikit-learn's search will ask for, computed in the
    worker with the same scorer on the same fold; None if the fit failed or
    scoring raised (the search then scores, and reports, as usual)."""
    if isinstance(fitted, BaseException):
        return None
    try:
        return scorer(fitted, *tests[fold])
    except Exception:
        return None


def _continued_plan(network, plan, previous):
    """``plan`` continuing ``previous``, the network the fit's lineage trained
    at the previous rung; None when that network is already this fit (it
    stopped on its own, or reached this budget)."""
    if previous.state.n_iter[0] >= network.max_iter or _stopped_on_its_own(
        previous, network.n_iter_no_change
    ):
        return None
    return replace(plan, params=previous.params, state=previous.state)


def _completed(estimator, network):
    """``estimator`` fitted with a network's ``TrainingResult`` (K = 1), or
    the error the search must record (a diverged network)."""
    try:
        return estimator._complete_fit(
            network.fitted_params(estimator.early_stopping), network.state
        )
    except ValueError as error:
        return error


def _train_alone(key, estimator, X, y, sample_weight):
    """An ordinary fit, for what cannot stack; -> ([(key, fitted or error,
    None, None)], 0 fits stacked), as ``_plan_and_train``."""
    try:
        # No table: in-process, this fit must train, not look itself up.
        with pretrained_fits(None), interrupts_raise():
            estimator.fit(X, y, sample_weight=sample_weight)
    except Exception as error:
        return [(key, error, None, None)], 0
    return [(key, estimator, None, None)], 0


def _chunks(n_networks, per_network_bytes, n_workers):
    """Split ``n_networks`` into near-equal chunks bounded in size and memory."""
    size = int(min(MAX_CHUNK, max(1, CHUNK_MEMORY // max(per_network_bytes, 1))))
    n_chunks = max(-(-n_networks // size), n_workers)
    # A whole number of chunks per worker, so that no worker is left idle
    # while another trains its last chunk.
    n_chunks = min(-(-n_chunks // n_workers) * n_workers, n_networks)
    bounds = np.linspace(0, n_networks, n_chunks + 1).round().astype(int)
    return [slice(start, stop) for start, stop in zip(bounds[:-1], bounds[1:])]


def _fit_bytes(mlp, n_features, n_samples):
    """Rough memory a fit takes from planning to scoring: a dozen copies of
    its parameters (initial and fitted weights, the stack's working copy,
    gradients, optimizer state, hand-over copies) and the fold's inputs.
    Outputs are counted as one unit (unknown before labels are binarized)."""
    hidden = mlp.hidden_layer_sizes
    hidden = list(hidden) if hasattr(hidden, "__iter__") else [hidden]
    units = [n_features, *hidden, 1]
    n_params = sum((a + 1) * b for a, b in zip(units[:-1], units[1:]))
    return 8 * (12 * n_params + n_samples * (n_features + 1))


def _lineage(network, digest):
    """What a fit shares with the same fit at another iteration budget: its
    key without ``max_iter``."""
    params = network.get_params(deep=False)
    del params["max_iter"]
    return joblib.hash((type(network).__qualname__, params, digest))


def _stopped_on_its_own(network, n_iter_no_change):
    """Whether a trained network (K = 1) converged or plateaued rather than
    ran out of iterations: its no-improvement count then stays above
    ``n_iter_no_change``, while the stopping rule keeps it at or below that
    for a network that trains on."""
    return network.state.no_improvement_count[0] > n_iter_no_change


class _PlannedFit:
    """A fit of the search before training: its key, its estimator (the MLP
    with the candidate's parameters, shared by the candidate's folds: the
    worker that trains the fit fits a clone of it), where its data come from
    and, when its training may continue at a larger budget, its lineage."""

    def __init__(self, key, network, fold, inputs_key, lineage=None):
        self.key, self.network = key, network
        self.fold, self.inputs_key = fold, inputs_key
        self.lineage = lineage
        self.uses = 1


class _FitCurves:
    """The learning curves of a search's fits, in the order they are made.

    scikit-learn's search makes its fits in this process, one after another,
    candidate after candidate, each for every fold: each fit is noted when it
    starts (``note``) and its curves are read when the next one starts (then
    it has finished), so that no fitted estimator is held meanwhile.
    """

    def __init__(self):
        self.curves, self.pending = [], None

    def note(self, estimator):
        self._read_pending()
        self.pending = estimator

    def _read_pending(self):
        if self.pending is not None:
            self.curves.append(_curves_of(self.pending))
            self.pending = None

    def collect(self, n_candidates, n_splits):
        """The curves noted since the last call, as ``n_candidates`` lists of
        ``n_splits`` entries (Nones if a fit failed before training)."""
        self._read_pending()
        curves, self.curves = self.curves, []
        if len(curves) != n_candidates * n_splits:
            curves = [(None, None)] * (n_candidates * n_splits)
        return [curves[i : i + n_splits] for i in range(0, len(curves), n_splits)]


def _curves_of(estimator):
    """A fitted MLP's (loss curve, validation-score curve) as float arrays;
    None for what it did not record."""
    curves = getattr(estimator, "loss_curve_", None), getattr(
        estimator, "validation_scores_", None
    )
    return tuple(None if curve is None else np.array(curve, float) for curve in curves)


class _FusedFits:
    """The candidate x fold fits of a search, trained a round at a time.

    scikit-learn's search evaluates candidates in one call of its
    ``evaluate_candidates`` (grid, randomized) or one per rung (successive
    halving), and in each asks for its fits in order, candidate after
    candidate, each for every fold.  Before each call, ``plan`` cuts that
    call's fits, in that order, into rounds of whole candidates whose trained
    networks fit in ``ROUND_MEMORY``; a round is trained (its stackable fits
    in stacks, the others alone, all through joblib) when the search first
    asks for one of its fits, and each trained fit is dropped once handed
    over.  Memory thus stays flat in the number of candidates.

    With ``continues`` (successive halving over ``max_iter``), each stacked
    fit also keeps its network's ``TrainingResult`` under its lineage (its
    key without ``max_iter``).  A fit of the next rung with the same lineage
    continues that network to its larger budget instead of starting over: a
    network trained to ``r2`` iterations passes through exactly the state a
    fit of budget ``r1`` ends in, so the continuation is the fit a new
    training would make.  The results of a rung's fits are kept until the
    next rung is planned, and only those of its candidates then.
    """

    def __init__(self, search, X, y, sample_weight, groups, backend, *, continues):
        self.search, self.backend, self.continues = search, backend, continues
        self.X, self.y, self.sample_weight, self.groups = X, y, sample_weight, groups
        self.n_workers = effective_n_jobs(search.n_jobs)
        self.trained, self.rounds, self.round_of = {}, [], {}
        self.next_round = self.n_fits = self.n_trained = 0
        # The results of the round being trained, as its tasks finish: the
        # search hands the first fits over (and scores them) while the
        # workers train the rest.  At n_jobs=2 this hid ~0.1-0.2 s of the
        # parent's serial hand-over and scoring (course, 200 steps; minibatch).
        self.running, self.round_mark, self.planned = None, 0.0, None
        # Scoring in the workers (``_Prescored``): the search's scorer, the
        # test folds and the fit last handed over with its score.
        self.scorer = self.tests = self.handed = None
        # Lineage -> TrainingResult of the rung being trained / the last one.
        self.continued, self.latest = {}, {}
        self.n_stacked, self.training_time = 0, 0.0
        self.curves = _FitCurves()
        self.recording = False
        self.sink = progress_sink()
        self.reporter = None

    def plan(self, candidates, splits):
        """Plan the fits of one ``evaluate_candidates`` call."""
        # The previous call's networks (halving: the lineages to continue).
        while self.running is not None:
            self._receive()
        self.folds = [
            (
                _safe_indexing(self.X, train),
                _safe_indexing(self.y, train),
                None
                if self.sample_weight is None
                else _safe_indexing(self.sample_weight, train),
            )
            for train, _ in splits
        ]
        self.tests = None
        if self.scorer is not None:
            self.tests = [
                (_safe_indexing(self.X, test), _safe_indexing(self.y, test))
                for _, test in splits
            ]
        self.handed = None
        # Each fold's training data -- per preprocessing, for a pipeline --
        # is made and hashed once, whatever the number of candidates.
        self.inputs = {}
        self.trained = {}
        self.rounds = self._plan_rounds(candidates)
        self.round_of = {
            fit.key: index for index, fits in enumerate(self.rounds) for fit in fits
        }
        self.planned_fold = {
            fit.key: fit.fold for fits in self.rounds for fit in fits
        }
        lineages = {fit.lineage for fits in self.rounds for fit in fits}
        self.continued = {
            lineage: network
            for lineage, network in self.latest.items()
            if lineage in lineages
        }
        self.latest = {}
        self.next_round = 0
        self.n_fits = sum(len(fits) for fits in self.rounds)
        self.n_trained = 0
        self.close_reporter()
        if self.search.verbose > 0:
            self.reporter = ProgressReporter(self.n_fits, unit="fits")

    def close(self):
        """Stop the round in training, if any (the search ends or failed)."""
        if self.running is not None:
            # Aborts the tasks not yet run (joblib's generator on close).
            self.running.close()
            self.running = None
        self.close_reporter()

    def close_reporter(self):
        if self.reporter is not None:
            self.reporter.close()
            self.reporter = None

    def report(self, done):
        """Progress: ``done`` fits trained (fractional inside a stack)."""
        if self.reporter is not None:
            self.reporter.update(done)
        if self.sink is not None:
            self.sink(done, self.n_fits)

    def _stack_progress(self, networks, done=0):
        """A per-epoch callback reporting a stack's progress, each network
        counting for the fraction of its iteration budget it has run, after
        ``done`` fits of its task."""
        budgets = np.array([network.max_iter for network in networks], dtype=float)

        def on_epoch(event):
            finished = len(budgets) - len(event.origin)
            running = float(np.add.reduce(event.n_iter / budgets[event.origin]))
            self.report(self.n_trained + done + finished + running)

        return on_epoch

    def _plan_rounds(self, candidates):
        rounds, current, current_bytes, planned = [], [], 0, {}
        for candidate in candidates:
            estimator = clone(self.search.estimator).set_params(
                **clone(candidate, safe=False)
            )
            mlp = _last_step(estimator)
            if mlp is None:
                continue
            try:
                # The same for all folds (a clone has its original's parameters).
                parameters = estimator_key(mlp)
            except Exception:  # unhashable: left to scikit-learn's search
                continue
            # One estimator for all the candidate's folds, cloned per fit
            # where it trains: 80 clones in this process delayed the first
            # task by ~11 ms (course, 16 candidates x 5 folds).
            network = clone(mlp)
            fits = []
            for fold in range(len(self.folds)):
                try:
                    inputs_key = self._fold_inputs(estimator, fold)
                    digest = self.inputs[inputs_key][1]
                    key = parameters, digest
                    # An unseeded fit draws another network and validation
                    # split each time: it cannot continue one trained before.
                    continues = self.continues and network.random_state is not None
                    lineage = _lineage(network, digest) if continues else None
                except Exception:  # left to scikit-learn's search
                    continue
                # Duplicates share one trained network, unless unseeded: then
                # each draws its own, as in scikit-learn's search.
                if key in planned and network.random_state is not None:
                    planned[key].uses += 1
                    continue
                planned[key] = _PlannedFit(key, network, fold, inputs_key, lineage)
                fits.append(planned[key])
            if not fits:
                continue
            X_train = self.inputs[fits[0].inputs_key][0]
            fit_bytes = _fit_bytes(mlp, X_train.shape[1], X_train.shape[0])
            if current and current_bytes + fit_bytes * len(fits) > max(
                ROUND_MEMORY, self.n_workers * fit_bytes
            ):
                rounds.append(current)
                current, current_bytes = [], 0
            current += fits
            current_bytes += fit_bytes * len(fits)
        if current:
            rounds.append(current)
        return rounds

    def _fold_inputs(self, estimator, fold):
        """Key of the MLP's training inputs for a fold (made once) in
        ``self.inputs``: (inputs, digest of the fit's data).

        For a pipeline, the preprocessing is fitted on the fold as
        ``Pipeline.fit`` fits it (once per fold and preprocessing parameters).
        """
        preprocessing = None
        if isinstance(estimator, Pipeline):
            preprocessing = estimator[:-1]
            key = (fold, joblib.hash(preprocessing.get_params(deep=False)))
        else:
            key = (fold, None)
        if key not in self.inputs:
            X_train, y_train, weight = self.folds[fold]
            if preprocessing is not None:
                X_train = clone(preprocessing).fit_transform(X_train, y_train)
            self.inputs[key] = X_train, data_digest(X_train, y_train, weight)
        return key

    def take(self, key, estimator=None):
        """The trained fit (or the error it raised) for ``key``; None if the
        search did not plan it, or has handed all its copies over already.

        ``estimator`` is the search's fit asking (its curves are noted while
        the search evaluates candidates).
        """
        if self.recording:
            self.curves.note(estimator)
        index = self.round_of.get(key)
        if index is None:
            return None
        while key not in self.trained:
            # Results of the round in training (numbered next_round - 1) are
            # received until the key's own round comes; an earlier round's
            # key has been handed over already.
            if self.running is not None and index >= self.next_round - 1:
                self._receive()
            elif self.next_round <= index:
                self._train_round(self.rounds[self.next_round])
                self.rounds[self.next_round] = None
                self.next_round += 1
            else:
                break
        entries = self.trained.get(key)
        if not entries:
            return None
        fitted, uses, score = entries[0]
        self.handed = None
        if score is not None:
            self.handed = estimator, self.planned_fold[key], score
        if uses > 1:
            entries[0] = (fitted, uses - 1, score)
        else:
            entries.pop(0)
            if not entries:
                del self.trained[key]
        return fitted

    def _train_round(self, fits):
        """Start training ``fits``: their stackable fits go to the workers in
        chunks, planned there (``_plan_and_train``), the others alone; the
        results are received as the search asks for them (``_receive``)."""
        self.round_mark = time.perf_counter()
        groups, alone = defaultdict(list), []
        for fit in fits:
            X_train = self.inputs[fit.inputs_key][0]
            _, y_train, weight = self.folds[fit.fold]
            network = fit.network
            if not _stackable(network):
                alone.append(
                    delayed(with_config(_train_alone))(
                        fit.key, clone(network), X_train, y_train, weight
                    )
                )
                continue
            previous = None
            if fit.lineage is not None:
                previous = self.continued.pop(fit.lineage, None)
                if previous is not None:
                    # Kept unless the continuation trains it further.
                    self.latest[fit.lineage] = previous
            hint = _stack_hint(network, X_train, weight), previous is not None
            groups[hint].append((fit, previous))
        stack_tasks = []
        # Per-epoch progress only where the stacks train in this process.
        watch = (self.reporter or self.sink) and self.n_workers == 1
        for members in groups.values():
            first = members[0][0]
            chunks = _chunks(
                len(members),
                _network_bytes(first.network, self.inputs[first.inputs_key][0]),
                self.n_workers,
            )
            for chunk in chunks:
                stack_tasks.append(self._chunk_task(members[chunk], watch))
            if self.search.verbose > 0:
                self._print_stacking(members, len(chunks))
        if self.search.verbose > 0 and alone:
            print(f"[{type(self.search).__name__}] {len(alone)} fits train one by one")
        self.planned = {fit.key: fit for fit in fits}
        self.running = Parallel(
            n_jobs=self.search.n_jobs,
            backend=self.backend,
            pre_dispatch=self.search.pre_dispatch,
            return_as="generator_unordered",
        )(stack_tasks + alone)

    def _chunk_task(self, members, watch):
        """The joblib task planning and training a chunk of fits; each of the
        chunk's folds is sent once, not once per fit (as a plan would)."""
        inputs = {}
        for fit, _ in members:
            if fit.inputs_key not in inputs:
                _, y_train, weight = self.folds[fit.fold]
                X_train = self.inputs[fit.inputs_key][0]
                inputs[fit.inputs_key] = X_train, y_train, weight
        tests = None
        if self.tests is not None:
            folds = {fit.fold for fit, _ in members}
            tests = (
                self.scorer,
                {fold: self.tests[fold] for fold in folds},
                self.search.scoring is None,
            )
        return delayed(with_config(_plan_and_train))(
            [
                (fit.key, fit.network, fit.inputs_key, previous)
                for fit, previous in members
            ],
            inputs,
            self._stack_progress if watch else None,
            keep_results=self.continues,
            tests=tests,
        )

    def _print_stacking(self, members, n_chunks):
        """Verbose: what a group of fits stacks, from a plan of its first fit
        (made here for this message only)."""
        fit = members[0][0]
        _, y_train, weight = self.folds[fit.fold]
        X_train = self.inputs[fit.inputs_key][0]
        try:
            plan = clone(fit.network)._plan_fit(
                X_train, y_train, weight, incremental=False
            )
        except Exception:  # the fit reports its error when the search asks
            return
        print(
            f"[{type(self.search).__name__}] stacking {len(members)} fits of "
            f"{'-'.join(map(str, plan.architecture.layer_units))} "
            f"{plan.architecture.hidden_activation} networks "
            f"(solver={plan.config.solver}, {n_chunks} chunk(s), up to "
            f"{int(max(fit.network.max_iter for fit, _ in members))} iterations)"
        )

    def _receive(self):
        """Store the results of the next task of the round in training."""
        try:
            task_results, n_stacked = next(self.running)
        except StopIteration:
            self.running = self.planned = None
            return
        for key, fitted, network, score in task_results:
            self._store(self.planned[key], fitted, score)
            if network is not None and self.planned[key].lineage is not None:
                self.latest[self.planned[key].lineage] = network
        self.n_stacked += n_stacked
        self.n_trained += len(task_results)
        self.report(self.n_trained)
        # Wall time from the round's start to its last result.
        now = time.perf_counter()
        self.training_time += now - self.round_mark
        self.round_mark = now

    def prescored(self, estimator, X, y):
        """The score computed in a worker for ``estimator`` on ``(X, y)``, or
        None: it must be the fit handed over last, scored on its test fold
        (the same data; a train score, say, is not)."""
        if self.handed is None or self.handed[0] is not estimator:
            return None
        _, fold, score = self.handed
        X_test, y_test = self.tests[fold]
        if not (
            isinstance(X, np.ndarray)
            and isinstance(y, np.ndarray)
            and np.array_equal(X, X_test)
            and np.array_equal(y, y_test)
        ):
            return None
        return score

    def _store(self, fit, fitted, score=None):
        self.trained.setdefault(fit.key, []).append((fitted, fit.uses, score))


class _Prescored:
    """A search's scorer that gives the score computed in a worker when the
    search scores a fit on its test fold (``_FusedFits.prescored``), and
    scores as ``scorer`` otherwise (train scores, score parameters)."""

    def __init__(self, scorer, fused):
        self.scorer, self.fused = scorer, fused

    def __getattr__(self, name):
        # scikit-learn asks its scorer whether it accepts sample_weight and
        # for its metadata routing: the answers are the scorer's.
        if name == "scorer":  # not yet set (a copy being made)
            raise AttributeError(name)
        return getattr(self.scorer, name)

    def __call__(self, estimator, X, y=None, **params):
        score = None if params else self.fused.prescored(estimator, X, y)
        if score is not None:
            return score
        if y is None:  # as scikit-learn's ``_score`` calls it
            return self.scorer(estimator, X, **params)
        return self.scorer(estimator, X, y, **params)


class _DrawnSplits:
    """Folds drawn once, as a splitter: it gives those folds, and asks for the
    metadata (``groups``) the original splitter asks for, so that routing
    sends them as before."""

    def __init__(self, splits, cv):
        self.splits, self.cv = splits, cv

    def split(self, X=None, y=None, groups=None):
        return iter(self.splits)

    def get_n_splits(self, X=None, y=None, groups=None):
        return len(self.splits)

    def get_metadata_routing(self):
        return get_routing_for_object(self.cv)


def _routing_enabled():
    return get_config().get("enable_metadata_routing", False)


class _FusedSearchMixin:
    """Trains the candidate x fold fits in stacks for ``BaseSearchCV.fit``.

    ``fit`` plans every fit the search will make (same clones, parameters,
    folds and fit parameters as scikit-learn's search) and runs scikit-learn's
    search, whose fits take over networks trained in stacks, a round at a time
    (see ``_FusedFits`` and ``skinit._pretrained``).  Scores, ranks, refit and
    ``cv_results_`` therefore come from scikit-learn itself.
    """

    def fit(self, X, y=None, **params):
        """Run fit with all sets of parameters.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training vectors.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        **params : dict of str -> object
            Parameters passed to the estimator's ``fit`` (``sample_weight``,
            or ``<step>__sample_weight`` for a pipeline) and ``groups`` for the
            cross-validation splitter.

        Returns
        -------
        self : object
            Instance of fitted estimator.

        Raises
        ------
        KeyboardInterrupt
            On Ctrl-C, whichever fit it interrupts; the search is then left
            without fitted attributes, never with results that look complete.
        """
        before = set(vars(self))
        try:
            return self._fused_fit(X, y, **params)
        except KeyboardInterrupt:
            for name in set(vars(self)) - before:
                delattr(self, name)
            raise

    def _fused_fit(self, X, y, **params):
        self._validate_params()
        for name in (
            "n_fused_fits_",
            "fused_fit_time_",
            "loss_curves_",
            "validation_score_curves_",
        ):
            vars(self).pop(name, None)
        self._candidate_list = self._candidates()
        fit_parameters = self._fit_parameters(params)
        if isinstance(fit_parameters, str):
            return self._unfused_fit(fit_parameters, X, y, **params)
        sample_weight, groups = fit_parameters
        X, y = indexable(X, y)
        too_short = self._too_short_to_stack(_num_samples(X))
        if too_short:
            return self._unfused_fit(too_short, X, y, **params)
        # Split once: a generator or an unseeded shuffling splitter must give
        # the fits trained here and the search the same folds.
        cv = check_cv(self.cv, y, classifier=is_classifier(self.estimator))
        splits = list(cv.split(X, y, groups))
        # The search's own fits run in this process, in order (they take their
        # networks over); the stacks train with the backend in force here.
        backend, _ = get_active_backend()
        fused = _FusedFits(
            self,
            X,
            y,
            sample_weight,
            groups,
            backend,
            continues=self._continues_training(),
        )
        original_cv, self.cv = self.cv, _DrawnSplits(splits, cv)
        self._fused_fits, self._fit_curves = fused, []
        try:
            with (
                pretrained_fits(fused),
                interrupts_raise(),
                parallel_config(backend="sequential"),
            ):
                super().fit(X, y, **params)
        finally:
            self.cv = original_cv
            fused.close()
            if isinstance(getattr(self, "scorer_", None), _Prescored):
                self.scorer_ = self.scorer_.scorer
            curves = self._fit_curves
            del self._fused_fits, self._fit_curves
        self.loss_curves_ = [[loss for loss, _ in row] for row in curves]
        self.validation_score_curves_ = [
            [scores for _, scores in row] for row in curves
        ]
        self.n_fused_fits_ = fused.n_stacked
        self.fused_fit_time_ = fused.training_time
        if self.verbose > 0:
            print(
                f"[{type(self).__name__}] trained {fused.n_stacked} fits stacked in "
                f"{fused.training_time:.2f} s"
            )
        return self

    def _get_scorers(self):
        # In a fused search, scikit-learn's own single-metric scorers score
        # the fits in the workers, where they were trained: scoring them one
        # by one in this process took ~2 ms a fit (80 fits: 0.18 s, the
        # largest serial cost left at n_jobs=2 on the course at 50 steps).
        scorers, refit_metric = super()._get_scorers()
        fused = getattr(self, "_fused_fits", None)
        if fused is not None and self._prescorable(fused, scorers):
            if fused.scorer is None:
                fused.scorer = scorers
            scorers = _Prescored(scorers, fused)
        return scorers, refit_metric

    def _prescorable(self, fused, scorers):
        """Whether the fits can be scored where they train: by one of
        scikit-learn's scorers (pure functions of the model and the data;
        a callable or several metrics are left to scikit-learn), without
        score parameters (sample weights go to the scorer, routing may send
        others), on the MLP itself (a pipeline's preprocessing is fitted
        here) and numpy data (which the fit's test fold is checked against).
        """
        return (
            (self.scoring is None or isinstance(self.scoring, str))
            and hasattr(scorers, "_accept_sample_weight")
            and fused.sample_weight is None
            and not _routing_enabled()
            and not isinstance(self.estimator, Pipeline)
            and isinstance(fused.X, np.ndarray)
            and isinstance(fused.y, np.ndarray)
        )

    def _unfused_fit(self, reason, X, y, **params):
        """scikit-learn's search as it is, for ``reason``."""
        if self.verbose > 0:
            print(f"[{type(self).__name__}] not fused: {reason}")
        with interrupts_raise():
            super().fit(X, y, **params)
        # Its fits may have run in other processes, in any order.
        self.loss_curves_ = self.validation_score_curves_ = None
        return self

    def _continues_training(self):
        """Whether the fits of one candidate at several ``max_iter`` continue
        one another (successive halving over ``max_iter``)."""
        return False

    def _run_search(self, evaluate_candidates, *, callback_ctx=None):
        # ``callback_ctx`` exists from scikit-learn 1.9 on; it is passed along
        # only when scikit-learn gave one.
        context = {} if callback_ctx is None else {"callback_ctx": callback_ctx}
        fused = getattr(self, "_fused_fits", None)
        if fused is None:  # not fused
            return self._search(evaluate_candidates, context)

        def evaluate_fused(candidate_params, cv=None, more_results=None, **context):
            candidate_params = list(candidate_params)
            # scikit-learn >= 1.9 keeps the checked splitter; before, it is
            # ``self.cv`` itself (the folds drawn once, see ``_fused_fit``).
            cv = cv or getattr(self, "_checked_cv_orig", None) or self.cv
            splits = list(cv.split(fused.X, fused.y, groups=fused.groups))
            fused.plan(candidate_params, splits)
            fused.recording = True
            try:
                # The splits drawn for planning are the ones evaluated.
                results = evaluate_candidates(
                    candidate_params,
                    _DrawnSplits(splits, cv),
                    more_results=more_results,
                    **context,
                )
            finally:
                fused.recording = False
            self._fit_curves += fused.curves.collect(len(candidate_params), len(splits))
            return results

        return self._search(evaluate_fused, context)

    def _search(self, evaluate_candidates, context):
        """The search's ``_run_search``, with ``evaluate_candidates`` fused;
        ``context`` holds scikit-learn's ``callback_ctx``, if any."""
        evaluate_candidates(self._candidate_list)

    def _candidates(self):
        """The candidates, drawn once per fit; None where scikit-learn's
        search draws them as it goes (successive halving)."""
        return None

    def _too_short_to_stack(self, n_samples):
        """The reason not to stack when no fit takes ``MIN_STACKED_STEPS``
        steps (its planning and hand-over would cost more than stacking
        saves), else None.  A halving search, whose candidates are drawn as
        it goes and whose budgets grow, always stacks."""
        steps = []
        for candidate in self._candidate_list or ():
            mlp = self._candidate_mlp(candidate)
            if mlp is None or mlp.solver not in SOLVERS:
                return None
            if SOLVERS[mlp.solver].full_batch:
                steps.append(mlp.max_iter)
            else:
                batch = 200 if mlp.batch_size == "auto" else mlp.batch_size
                steps.append(mlp.max_iter * -(-n_samples // max(1, batch)))
        if steps and max(steps) < MIN_STACKED_STEPS:
            return (
                f"at most {max(steps)} training steps per fit, too few for "
                "stacking to pay off"
            )
        return None

    def _candidate_mlp(self, candidate):
        """The MLP under a candidate's parameters, for reading them: the
        search's own MLP (not a copy) when the candidate sets none of its
        parameters, else a clone with them set.  At a budget too short to
        stack, the clones of every candidate were ~2 % of the search."""
        mlp = _last_step(self.estimator)
        prefix = "" if mlp is self.estimator else f"{self.estimator.steps[-1][0]}__"
        if mlp is not None and all(
            name.startswith(prefix) and "__" not in name[len(prefix) :]
            and name[len(prefix) :] not in ("solver", "max_iter", "batch_size")
            for name in candidate
        ):
            return mlp
        return _last_step(clone(self.estimator).set_params(**candidate))

    def _fit_parameters(self, params):
        """``(sample_weight, groups)`` of the MLP's fits and the splitter, or
        the reason why the search cannot fuse."""
        if _last_step(self.estimator) is None:
            return "the estimator is not an skinit MLP (or a pipeline ending in one)"
        if _routing_enabled():
            return self._routed_fit_parameters(params)
        params = dict(params)
        groups = params.pop("groups", None)
        prefix = ""
        if isinstance(self.estimator, Pipeline):
            prefix = self.estimator.steps[-1][0] + "__"
        sample_weight = params.pop(prefix + "sample_weight", None)
        if params:
            return f"fit parameters other than sample_weight: {sorted(params)}"
        return sample_weight, groups

    def _routed_fit_parameters(self, params):
        """As ``_fit_parameters``, with metadata routing enabled: fuses when
        the MLP's fit receives at most ``sample_weight`` and preprocessing
        steps receive nothing."""
        try:
            routed = process_routing(self, "fit", **params)
            groups = routed.splitter.split.get("groups")
            fit_params = dict(routed.estimator.fit)
            if isinstance(self.estimator, Pipeline):
                steps = process_routing(self.estimator, "fit", **fit_params)
                *preprocessing, (last, _) = self.estimator.steps
                for name, _ in preprocessing:
                    if any(steps[name][method] for method in steps[name]):
                        return f"metadata routed to the step {name!r}"
                fit_params = dict(steps[last].fit)
        except Exception as error:  # scikit-learn's search reports it
            return f"metadata routing failed ({error})"
        sample_weight = fit_params.pop("sample_weight", None)
        if fit_params:
            return f"metadata other than sample_weight routed: {sorted(fit_params)}"
        return sample_weight, groups


class InitSearchCV(_FusedSearchMixin, BaseSearchCV):
    """Exhaustive search over a grid, training all candidates x folds at once.

    A drop-in for :class:`~sklearn.model_selection.GridSearchCV` when the
    estimator is an :class:`~skinit.InitMLPClassifier` or an
    :class:`~skinit.InitMLPRegressor` (or a
    :class:`~sklearn.pipeline.Pipeline` ending in one).  Fits that share the
    network's shape and algorithm -- the same ``hidden_layer_sizes``,
    ``activation``, ``solver``, ``batch_size``, ``shuffle``,
    ``learning_rate`` schedule, ``nesterovs_momentum`` and ``early_stopping``
    on folds of the same size -- are trained as one stacked model, each with
    its own initial weights, random state, learning rate, penalty, momentum,
    tolerance and iteration budget.  Everything else (scoring, ranking,
    ``cv_results_``, refit) is scikit-learn's own, so the results equal
    GridSearchCV's.

    Parameters
    ----------
    estimator : estimator object
        An InitMLPClassifier or InitMLPRegressor, or a Pipeline whose last
        step is one; any other estimator is searched exactly as GridSearchCV
        would.
    param_grid : dict or list of dictionaries
        Parameter names mapped to lists of values, as in GridSearchCV.
    scoring : str, callable, list, tuple or dict, default=None
        Strategy to evaluate the cross-validated models on the test set.
    n_jobs : int, default=None
        Number of jobs running in parallel; the stacks (chunks of at most 24
        networks) and the fits that cannot stack are the units of work.
    refit : bool, str, or callable, default=True
        Refit an estimator using the best found parameters on the whole data.
    cv : int, cross-validation generator or an iterable, default=None
        Determines the cross-validation splitting strategy.
    verbose : int, default=0
        Controls the verbosity: > 0 reports each stack (fits, network,
        solver, chunks, iterations) and the training time.
    pre_dispatch : int or str, default='2*n_jobs'
        Controls the number of jobs dispatched during parallel execution.
    error_score : 'raise' or numeric, default=np.nan
        Value assigned to the score if a fit fails (for instance diverges).
    return_train_score : bool, default=False
        Whether to include training scores in ``cv_results_``.

    Attributes
    ----------
    cv_results_ : dict of numpy (masked) ndarrays
        As in GridSearchCV.  ``mean_fit_time`` and ``std_fit_time`` measure
        only each fit's hand-over of its pretrained network; the training
        time of the stacks is ``fused_fit_time_``.  With one of
        scikit-learn's scorers (``scoring`` None or a string) the test scores
        are computed where the fits train, and ``mean_score_time`` measures
        only their hand-over too.
    best_estimator_ : estimator
        Estimator refitted on the whole data with the best parameters.
    best_score_ : float
        Mean cross-validated score of the best candidate.
    best_params_ : dict
        Parameter setting that gave the best results.
    best_index_ : int
        Index into ``cv_results_`` of the best candidate.
    scorer_ : function or a dict
        Scorer function used on the held out data.
    n_splits_ : int
        The number of cross-validation splits.
    refit_time_ : float
        Seconds used for refitting the best model.
    multimetric_ : bool
        Whether or not the scorers compute several metrics.
    loss_curves_ : list of list of ndarray or None
        ``loss_curves_[i][j]``: the training loss at each iteration of the
        candidate ``cv_results_['params'][i]`` on fold ``j``, as the fit
        recorded it (None for a fit that recorded none: 'lbfgs', a failed
        fit).  None when the search could not fuse (see Notes).
    validation_score_curves_ : list of list of ndarray or None
        Alike, the validation score at each iteration with early stopping,
        else None.
    fused_fit_time_ : float
        Seconds spent training all candidate x fold fits.
    n_fused_fits_ : int
        How many of the fits trained stacked.

    See Also
    --------
    sklearn.model_selection.GridSearchCV : The search this one replaces.
    InitRandomizedSearchCV : The randomized counterpart.

    Notes
    -----
    Memory: a stack holds at most 24 networks and about 256 MiB of buffers;
    larger groups are cut into near-equal chunks (at least ``n_jobs`` of
    them), each trained by one joblib task.  Solvers that cannot stack
    ('lbfgs'), ``warm_start``, ``record_every`` or ``verbose`` estimators
    train one by one, still in parallel.  With an integer ``random_state``
    every fit is bit-identical to the fit GridSearchCV makes.  The search
    cannot fuse (and runs as GridSearchCV) when the estimator is not an
    skinit MLP or a pipeline ending in one, or when fit parameters other than
    ``sample_weight`` and ``groups`` are given.

    Examples
    --------
    >>> from skinit import InitMLPClassifier, InitSearchCV
    >>> from skinit.datasets import load_circles
    >>> X, y, _, _ = load_circles()
    >>> search = InitSearchCV(
    ...     InitMLPClassifier(hidden_layer_sizes=(10, 5), solver="gd",
    ...                       learning_rate_init=0.1, max_iter=500, random_state=3),
    ...     {"initializer": ["zeros", "he_normal"], "scale": [0.1, 1.0]}, cv=3)
    >>> search.fit(X, y).best_params_["initializer"]
    'he_normal'
    """

    _parameter_constraints: dict = {
        **BaseSearchCV._parameter_constraints,
        "param_grid": [dict, list],
    }

    def __init__(
        self,
        estimator,
        param_grid,
        *,
        scoring=None,
        n_jobs=None,
        refit=True,
        cv=None,
        verbose=0,
        pre_dispatch="2*n_jobs",
        error_score=np.nan,
        return_train_score=False,
    ):
        super().__init__(
            estimator=estimator,
            scoring=scoring,
            n_jobs=n_jobs,
            refit=refit,
            cv=cv,
            verbose=verbose,
            pre_dispatch=pre_dispatch,
            error_score=error_score,
            return_train_score=return_train_score,
        )
        self.param_grid = param_grid

    def _candidates(self):
        return list(ParameterGrid(self.param_grid))


class InitRandomizedSearchCV(_FusedSearchMixin, BaseSearchCV):
    """Randomized search, training all sampled candidates x folds at once.

    The counterpart of :class:`~sklearn.model_selection.RandomizedSearchCV`,
    fused as :class:`InitSearchCV` is.  The candidates are sampled once per
    ``fit``.

    Parameters
    ----------
    estimator : estimator object
        An InitMLPClassifier or InitMLPRegressor, or a Pipeline whose last
        step is one.
    param_distributions : dict or list of dicts
        Parameter names mapped to distributions or lists to sample from.
    n_iter : int, default=10
        Number of parameter settings that are sampled.
    scoring, n_jobs, refit, cv, verbose, pre_dispatch, error_score, return_train_score
        As in :class:`InitSearchCV`.
    random_state : int, RandomState instance or None, default=None
        Pseudo random number generator state used for sampling candidates.

    Attributes
    ----------
    cv_results_ : dict of numpy (masked) ndarrays
        As in RandomizedSearchCV (fit times: see :class:`InitSearchCV`).
    best_estimator_, best_score_, best_params_, best_index_, scorer_, n_splits_
        As in RandomizedSearchCV.
    refit_time_, multimetric_, fused_fit_time_, n_fused_fits_
        As in :class:`InitSearchCV`.
    loss_curves_, validation_score_curves_
        As in :class:`InitSearchCV`.

    See Also
    --------
    sklearn.model_selection.RandomizedSearchCV : The search this one replaces.
    InitSearchCV : The exhaustive counterpart.

    Examples
    --------
    >>> from scipy.stats import loguniform
    >>> from skinit import InitMLPClassifier, InitRandomizedSearchCV
    >>> from skinit.datasets import load_circles
    >>> X, y, _, _ = load_circles()
    >>> search = InitRandomizedSearchCV(
    ...     InitMLPClassifier(hidden_layer_sizes=(10, 5), solver="gd",
    ...                       learning_rate_init=0.1, max_iter=200, random_state=3),
    ...     {"initializer": ["he_normal", "glorot_uniform"],
    ...      "scale": loguniform(0.1, 3)},
    ...     n_iter=4, cv=3, random_state=0)
    >>> len(search.fit(X, y).cv_results_["params"])
    4
    """

    _parameter_constraints: dict = {
        **BaseSearchCV._parameter_constraints,
        "param_distributions": [dict, list],
        "n_iter": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator,
        param_distributions,
        *,
        n_iter=10,
        scoring=None,
        n_jobs=None,
        refit=True,
        cv=None,
        verbose=0,
        pre_dispatch="2*n_jobs",
        random_state=None,
        error_score=np.nan,
        return_train_score=False,
    ):
        super().__init__(
            estimator=estimator,
            scoring=scoring,
            n_jobs=n_jobs,
            refit=refit,
            cv=cv,
            verbose=verbose,
            pre_dispatch=pre_dispatch,
            error_score=error_score,
            return_train_score=return_train_score,
        )
        self.param_distributions = param_distributions
        self.n_iter = n_iter
        self.random_state = random_state

    def _candidates(self):
        return list(
            ParameterSampler(
                self.param_distributions, self.n_iter, random_state=self.random_state
            )
        )
