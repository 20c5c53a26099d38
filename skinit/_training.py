"""The training loop of a stack of networks: epochs, a stopping rule, retirement.

:func:`fit_stochastic` follows scikit-learn's ``_fit_stochastic`` epoch by
epoch for each of ``K`` networks -- the same shuffles drawn from each
network's own random state, the same batches, loss bookkeeping, ``tol`` /
``n_iter_no_change`` logic, learning-rate schedules and early stopping -- in
four parts, each readable alone:

- :func:`run_epoch`: shuffle, then the epoch's steps, which a kernel
  (:mod:`skinit._kernel`, the seam) runs;
- :func:`validate`: the early-stopping score on the held-out samples;
- :func:`stopping_rule`: update the stopping records, say who is done;
- retirement: networks that are done (or that a callback stops) leave the
  :class:`Stack` with ``take``; the others carry on.

Hooks: every callback gets an :class:`EpochEvent` after each epoch and may stop
networks with ``event.stop(...)``.  A stopped network leaves with its whole
state (:class:`~skinit._stack.TrainingState`: optimizer, random state, sample
order, stopping records), so calling :func:`fit_stochastic` again on that state
continues its training exactly as if it had never paused.
"""

import signal
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import gen_batches

from skinit._engine import StackedParameters, Workspace, forward
from skinit._kernel import select_kernel
from skinit._optimizers import SOLVERS
from skinit._stack import concatenate, per_network, take


@dataclass(frozen=True)
class StochasticConfig:
    """Settings of a stochastic solver shared by all networks of a stack."""

    solver: str  # a key of skinit._optimizers.SOLVERS
    batch_size: object = "auto"
    shuffle: bool = True
    learning_rate: str = "constant"
    nesterovs_momentum: bool = True
    early_stopping: bool = False


@dataclass
class Stack:
    """The networks still training, and everything the loop reads about each.

    ``origin[j]`` is the input position of the ``j``-th network; ``take``
    (:mod:`skinit._stack`) drops networks from every field at once.
    ``scratch`` holds buffers a kernel reuses while the stack keeps its size.
    """

    origin: np.ndarray = per_network()
    params: StackedParameters = per_network()
    data: object = per_network()
    hyper: object = per_network()
    state: object = per_network()
    scratch: dict = field(default_factory=dict, init=False, repr=False)
    # Epochs run since ``state.n_iter`` and ``state.t`` were last brought up
    # to date: counted here and folded in only when read.  Two numpy calls an
    # epoch less made a single course-network fit 0.94x -> 0.99x the speed of
    # the loop before the restructuring (benchmarks/bench_revisions.py).
    unsynced: int = field(default=0, init=False, repr=False)

    @property
    def n_networks(self):
        return len(self.origin)

    def sync(self):
        """Bring the epoch counts and samples seen of ``state`` up to date."""
        if self.unsynced:
            self.state.n_iter += self.unsynced
            self.state.t += self.unsynced * self.data.n_samples
            self.unsynced = 0


@dataclass
class EpochEvent:
    """What a callback sees after an epoch: the networks still training.

    Attributes
    ----------
    origin : ndarray of shape (K_active,)
        Their positions in the stack given to :func:`fit_stochastic`.
    n_iter : ndarray of shape (K_active,)
        Their epoch count.
    loss : ndarray of shape (K_active,)
        Their loss over the epoch.
    validation_score : ndarray of shape (K_active,) or None
        Their validation score, with early stopping.
    elapsed : float
        Seconds since the call started.
    params : StackedParameters
        Their current weights; read them, do not modify them.
    done : ndarray of shape (K_active,)
        Which of them finish after this epoch (converged, plateaued, out of
        iterations).
    """

    origin: np.ndarray
    n_iter: np.ndarray
    loss: np.ndarray
    validation_score: object
    elapsed: float
    params: StackedParameters
    done: np.ndarray
    stopped: object = None

    def stop(self, which=None):
        """Stop networks after this epoch, keeping their state to continue.

        ``which`` is a boolean mask over the networks of this event (None:
        all of them).
        """
        which = np.ones(len(self.origin), bool) if which is None else which
        self.stopped = which if self.stopped is None else self.stopped | which


@dataclass
class TrainingResult:
    """What :func:`fit_stochastic` returns, one entry per input network.

    ``params`` holds each network's weights when it left the stack and
    ``state`` its state then (``state.n_iter``: epochs run).  ``finished`` is
    False for networks a callback stopped or an interrupt cut short; those
    can continue from ``(params, state)``.  ``interrupted`` says whether
    training ended on a KeyboardInterrupt.
    """

    params: StackedParameters = per_network()
    state: object = per_network()
    finished: np.ndarray = per_network()
    interrupted: bool = False

    def fitted_params(self, early_stopping):
        """The weights a fit returns: the best-validation ones with early
        stopping, else the last ones."""
        if early_stopping:
            return StackedParameters(self.params.layer_units, self.state.best_params)
        return self.params


def batches(config, n_samples):
    """The epoch's batch slices, as scikit-learn cuts them."""
    if SOLVERS[config.solver].full_batch:
        return [slice(0, n_samples)]
    if config.batch_size == "auto":
        batch_size = min(200, n_samples)
    else:
        if config.batch_size > n_samples:
            warnings.warn(
                "Got `batch_size` less than 1 or larger than "
                "sample size. It is going to be clipped",
                stacklevel=4,
            )
        batch_size = int(np.clip(config.batch_size, 1, n_samples))
    return list(gen_batches(n_samples, batch_size))


def shuffles(config):
    """Whether the solver draws a new sample order every epoch."""
    return config.shuffle and not SOLVERS[config.solver].full_batch


def _shuffled(row, random_state):
    """``sklearn.utils.shuffle(row, random_state=random_state)``: the same
    draw (``random_state.shuffle`` of ``arange(n)``, then indexing), without
    its input validation -- measured 149 -> 22 us per network and epoch on
    1500 samples, where a search of 64 fits x 15 epochs draws 960 orders."""
    index = np.arange(len(row))
    random_state.shuffle(index)
    return row[index]


def run_epoch(kernel, architecture, stack, epoch_batches, shuffled):
    """One epoch of ``stack``: a new sample order if ``shuffled``, then the
    kernel's steps.  Returns each network's mean loss over the epoch."""
    state = stack.state
    if shuffled:
        if state.order is None:
            state.order = np.tile(
                np.arange(stack.data.n_samples), (stack.n_networks, 1)
            )
        # Each epoch permutes the previous epoch's order, as scikit-learn does.
        state.order = np.stack(
            [
                _shuffled(row, random_state)
                for row, random_state in zip(state.order, state.random_states)
            ]
        )
    return kernel.run_epoch(architecture, stack, epoch_batches)


def run_epochs_in_order(kernel, architecture, stack, epoch_batches, n_epochs):
    """Up to ``n_epochs`` epochs of ``stack`` in sample order, for a loop with
    nothing to do between epochs but keep the stopping records.

    The records of every epoch but the last one run are updated here (as
    :func:`stopping_rule` would, without validation); the run ends after the
    first epoch that would plateau a network, whose records are left to
    :func:`stopping_rule` with the rest of what happens then.  A kernel may do
    all this in one call (``kernel.run_epochs``, the seam's optional method:
    the compiled kernel runs the epochs without coming back to Python);
    otherwise the epochs are its ``run_epoch`` one after another.  Returns
    the epochs' losses, ``(K, n_run)``.
    """
    run_epochs = getattr(kernel, "run_epochs", None)
    if run_epochs is not None:
        return run_epochs(architecture, stack, epoch_batches, n_epochs)
    losses = []
    for _ in range(n_epochs):
        loss = kernel.run_epoch(architecture, stack, epoch_batches)
        losses.append(loss)
        if len(losses) == n_epochs or plateau_ahead(stack, loss):
            break
    return np.stack(losses, axis=1)


def plateau_ahead(stack, loss):
    """Whether this epoch plateaus a network; if not, update the stopping
    records without validation as :func:`stopping_rule` does (which the
    compiled kernel's ``_plateau_ahead`` mirrors)."""
    state, hyper = stack.state, stack.hyper
    if stack.n_networks == 1:
        return _plateau_ahead_alone(state, hyper, float(loss[0]))
    count = state.no_improvement_count + 1
    count *= loss > state.best_loss - hyper.tol
    if np.logical_or.reduce(count > hyper.n_iter_no_change):
        return True
    state.no_improvement_count = count
    np.fmin(state.best_loss, loss, out=state.best_loss)
    return False


def _plateau_ahead_alone(state, hyper, loss):
    """:func:`plateau_ahead` for a single network, in Python floats (the same
    IEEE double arithmetic): seven numpy calls on one-element arrays took
    ~5 us an epoch, a tenth of a course-network step."""
    best = float(state.best_loss[0])
    count = int(state.no_improvement_count[0]) + 1 if loss > best - hyper.tol[0] else 0
    if count > hyper.n_iter_no_change[0]:
        return True
    state.no_improvement_count[0] = count
    # np.fmin: a NaN loss never replaces the best one.
    if loss == loss and not best <= loss:
        state.best_loss[0] = loss
    return False


def validate(architecture, stack, score):
    """The early-stopping score of each network on its validation samples."""
    data = stack.data
    workspace = stack.scratch.get("validation")
    if workspace is None:
        workspace = stack.scratch["validation"] = Workspace(
            architecture.layer_units,
            stack.n_networks,
            data.n_validation_samples,
            stack.params.flat.dtype,
        )
    output = forward(architecture, stack.params, data.X_val, workspace)
    return score(data.y_val, output, data.sample_weight_val)


def stopping_rule(stack, loss, validation_score, *, verbose, message, check_budget):
    """Update the stopping records after an epoch; -> which networks are done.

    As scikit-learn's ``_update_no_improvement_count`` and the end of its
    epoch: the no-improvement count, the best loss (or best validation score
    and weights), the optimizer's end of iteration, then the plateau test and,
    if ``check_budget``, the iteration budget (warning for each network out of
    iterations).  Returns a boolean mask, or None when no network is done
    (the common case, kept to a few numpy calls).
    """
    state, hyper = stack.state, stack.hyper
    if validation_score is not None:
        best = state.best_validation_score
        # NaN compares False both ways, exactly as in scikit-learn.
        not_better = validation_score < best + hyper.tol
        improved = validation_score > best
        if improved.any():
            state.best_validation_score = np.where(improved, validation_score, best)
            state.best_params[improved] = stack.params.flat[improved]
    else:
        not_better = loss > state.best_loss - hyper.tol
        # fmin, not minimum: a NaN loss must not replace the best one.
        np.fmin(state.best_loss, loss, out=state.best_loss)
    count = state.no_improvement_count
    count += 1
    count *= not_better
    if state.optimizer.uses_samples_seen:
        stack.sync()
        state.optimizer.iteration_ends(state.t)

    plateaued = count > hyper.n_iter_no_change
    done = None
    if np.logical_or.reduce(plateaued):
        first = np.flatnonzero(plateaued)[0]
        done = state.optimizer.trigger_stopping(
            plateaued,
            verbose,
            message % (hyper.tol[first], hyper.n_iter_no_change[first]),
        )
        count[plateaued & ~done] = 0
    if not check_budget:
        return done
    stack.sync()
    out_of_budget = state.n_iter >= hyper.max_iter
    if done is not None:
        out_of_budget &= ~done
    for max_iter in hyper.max_iter[out_of_budget]:
        warnings.warn(
            "Stochastic Optimizer: Maximum iterations (%d) reached "
            "and the optimization hasn't converged yet." % max_iter,
            ConvergenceWarning,
            stacklevel=4,
        )
    return out_of_budget if done is None else done | out_of_budget


def _stopping_message(config):
    if config.early_stopping:
        return (
            "Validation score did not improve more than tol=%f for %d "
            "consecutive epochs."
        )
    return "Training loss did not improve more than tol=%f for %d consecutive epochs."


class _InterruptAtEpochEnd:
    """Ctrl-C during training, noted and acted upon when the epoch's
    bookkeeping is complete, so that an interrupted network's state is whole
    (its epoch count, samples seen and loss curve agree).  Outside the main
    thread, where no signal handler can be set, KeyboardInterrupt is raised
    wherever it falls, as usual."""

    def __enter__(self):
        self.requested = False
        try:
            self._previous = signal.signal(signal.SIGINT, self._note)
        except ValueError:  # not the main thread
            self._previous = None
        return self

    def _note(self, signum, frame):
        self.requested = True

    def __exit__(self, *exc_info):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


class _History:
    """Per-epoch values of the networks still training (losses, scores).

    Recording keeps the epochs' ``(K_active, n_epochs)`` array as it is;
    ``write_to`` appends each network's values to its list once, at the end,
    instead of ``K`` list appends per epoch.
    """

    def __init__(self):
        self._origins, self._values = [], []

    def record(self, origin, values):
        self._origins.append(np.repeat(origin, values.shape[1]))
        self._values.append(values.ravel())

    def write_to(self, lists):
        if not self._values:
            return
        origins = np.concatenate(self._origins)
        # Stable: each network's values stay in the order of their epochs.
        order = np.argsort(origins, kind="stable")
        origins = origins[order]
        values = np.concatenate(self._values)[order].tolist()
        starts = np.flatnonzero(np.diff(origins, prepend=-1))
        for start, stop in zip(starts, [*starts[1:], len(origins)]):
            lists[origins[start]].extend(values[start:stop])


class _EpochChunks:
    """How many epochs one :func:`run_epochs_in_order` call may run: as many
    as take about ``seconds``, so that Ctrl-C, noted by the signal handler
    while compiled code runs, is acted upon within that time."""

    seconds = 0.1

    def __init__(self):
        self.size = 8

    @contextmanager
    def timed(self, at_most):
        n_epochs = min(self.size, at_most)
        start = time.perf_counter()
        yield n_epochs
        elapsed = time.perf_counter() - start
        # Grow at most 8x a call: a first call may include compiling.
        self.size = int(
            np.clip(n_epochs * self.seconds / max(elapsed, 1e-6), 1, 8 * self.size)
        )


def fit_stochastic(
    architecture,
    params,
    data,
    config,
    hyper,
    state,
    *,
    score,
    incremental=False,
    verbose=False,
    callbacks=(),
    kernel=None,
):
    """Train ``K`` networks with a stochastic solver of ``SOLVERS``.

    A network leaves the stack when it is done (converged, plateaued or out of
    iterations) or a callback stops it; the others go on.

    Parameters
    ----------
    architecture : Architecture
    params : StackedParameters
        Parameters of the ``K`` networks to start from.  Not modified.
    data : StackedData
    config : StochasticConfig
    hyper : Hyperparameters
    state : TrainingState
        Where each network starts from: made by ``TrainingState.new`` and
        ``start_call`` for a new fit, or a previous result's ``state`` to
        continue.  A new optimizer is made when ``state.optimizer`` is None.
        Not modified.
    score : callable
        ``score(y_true, output, sample_weight) -> (K,)``: the validation score
        used by early stopping.
    incremental : bool
        One epoch only (``partial_fit``).
    verbose : bool
    callbacks : sequence of callables
        Each called as ``callback(event)`` with an :class:`EpochEvent` after
        every epoch; ``event.stop(...)`` stops networks.
    kernel : object, default=None
        The kernel that runs the steps (:mod:`skinit._kernel`); None picks one.

    Returns
    -------
    result : TrainingResult
    """
    kernel = kernel or select_kernel(architecture, config, data)
    n_networks = params.flat.shape[0]
    state = concatenate([state])  # copies of the per-network arrays
    state.loss_curves = [list(curve) for curve in state.loss_curves]
    state.validation_scores = [list(scores) for scores in state.validation_scores]
    if state.optimizer is None:
        state.optimizer = SOLVERS[config.solver].make_optimizer(
            config, hyper, architecture.n_params, params.flat.dtype
        )
    stack = Stack(
        origin=np.arange(n_networks),
        params=StackedParameters(architecture.layer_units, params.flat.copy()),
        data=data,
        hyper=hyper,
        state=state,
    )
    epoch_batches = batches(config, data.n_samples)
    shuffled = shuffles(config)
    message = _stopping_message(config)
    losses, scores = _History(), _History()
    left, interrupted = [], False

    def epochs_to_budget(stack):
        # Nothing runs out of iterations before then: the budget test, a few
        # numpy calls, is skipped until that epoch.
        return int((stack.hyper.max_iter - stack.state.n_iter).min())

    budget_in = epochs_to_budget(stack)
    # Nothing to do between epochs but keep the stopping records: epochs run
    # many per kernel call (run_epochs_in_order).
    in_order = not (
        shuffled
        or config.early_stopping
        or callbacks
        or verbose
        or incremental
        or state.optimizer.uses_samples_seen
    )
    chunks = _EpochChunks()
    start = time.perf_counter()
    with (
        np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"),
        _InterruptAtEpochEnd() as interrupt,
    ):
        try:
            while stack.n_networks:
                if in_order:
                    with chunks.timed(budget_in) as n_epochs:
                        epoch_losses = run_epochs_in_order(
                            kernel, architecture, stack, epoch_batches, n_epochs
                        )
                    n_run = epoch_losses.shape[1]
                    loss = epoch_losses[:, -1]
                else:
                    loss = run_epoch(
                        kernel, architecture, stack, epoch_batches, shuffled
                    )
                    n_run, epoch_losses = 1, loss[:, None]
                stack.unsynced += n_run
                budget_in -= n_run
                losses.record(stack.origin, epoch_losses)
                if verbose:
                    stack.sync()
                    for value, n_iter in zip(loss, stack.state.n_iter):
                        print("Iteration %d, loss = %.8f" % (n_iter, value))
                validation_score = None
                if config.early_stopping:
                    validation_score = validate(architecture, stack, score)
                    scores.record(stack.origin, validation_score[:, None])
                    if verbose:
                        for value in validation_score:
                            print("Validation score: %f" % value)
                done = stopping_rule(
                    stack,
                    loss,
                    validation_score,
                    verbose=verbose,
                    message=message,
                    check_budget=budget_in <= 0 and not incremental,
                )
                stopped = None
                if callbacks:
                    stack.sync()
                    event = EpochEvent(
                        stack.origin,
                        stack.state.n_iter,
                        loss,
                        validation_score,
                        time.perf_counter() - start,
                        stack.params,
                        np.zeros(stack.n_networks, bool) if done is None else done,
                    )
                    for callback in callbacks:
                        callback(event)
                    stopped = event.stopped
                if incremental:
                    stopped = np.ones(stack.n_networks, dtype=bool)
                if stopped is not None:
                    done = np.zeros_like(stopped) if done is None else done
                    leaving = done | stopped
                else:
                    leaving = done
                if leaving is not None and np.logical_or.reduce(leaving):
                    stack.sync()
                    # The data of networks that leave is not needed again.
                    retired = take(replace(stack, data=None), leaving)
                    left.append((retired, done[leaving]))
                    stack = take(stack, ~leaving)
                    if stack.n_networks:
                        budget_in = epochs_to_budget(stack)
                if interrupt.requested:
                    raise KeyboardInterrupt
        except KeyboardInterrupt:
            interrupted = True
            stack.sync()
            left.append(
                (replace(stack, data=None), np.zeros(stack.n_networks, dtype=bool))
            )

    stacks, finished = zip(*left)
    stack = concatenate(stacks)
    order = np.argsort(stack.origin)
    stack = take(stack, order)
    losses.write_to(stack.state.loss_curves)
    scores.write_to(stack.state.validation_scores)
    return TrainingResult(
        stack.params, stack.state, np.concatenate(finished)[order], interrupted
    )
