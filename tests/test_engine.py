"""Unit tests of the engine's parts: state containers, optimizers, the kernel
seam, the training loop's retirement and its hooks (stop, pause, continue)."""

import warnings
from dataclasses import fields

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network._stochastic_optimizers import (
    AdamOptimizer as SklearnAdam,
)
from sklearn.neural_network._stochastic_optimizers import (
    SGDOptimizer as SklearnSGD,
)

import skinit._training
from skinit import InitMLPClassifier, InitMLPRegressor
from skinit._config import numba_available
from skinit._engine import StackedParameters, loss_and_gradient
from skinit._kernel import BatchBuffers, NumpyKernel, _sample_columns
from skinit._optimizers import SOLVERS, AdamOptimizer, BaseOptimizer, SGDOptimizer
from skinit._search import _chunks
from skinit._stack import (
    Hyperparameters,
    StackedData,
    concatenate,
    sample_rows,
    take,
)
from skinit._training import StochasticConfig, _EpochChunks, fit_stochastic
from skinit.datasets import load_circles

X, Y, _, _ = load_circles()
X, Y = X[:120], Y[:120]
RNG = np.random.RandomState(0)
Y3 = RNG.randint(3, size=len(X))


# ------------------------------------------------------------------ helpers
def plan_stack(estimators, X=X, y=Y, sample_weight=None):
    """Plan each estimator's fit as ``fit`` does, and stack the plans."""
    plans = [
        est._plan_fit(X, y, sample_weight, incremental=False) for est in estimators
    ]
    first = plans[0]
    return dict(
        architecture=first.architecture,
        params=concatenate([plan.params for plan in plans]),
        data=concatenate([plan.data for plan in plans]),
        config=first.config,
        hyper=Hyperparameters.from_estimators(estimators),
        state=concatenate([plan.state for plan in plans]),
        score=estimators[0]._validation_score,
    )


def train(estimators, *, quiet=True, **kwargs):
    stack = plan_stack(estimators, **kwargs.pop("data", {}))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fit_stochastic(**stack, **kwargs)


def configs(**params):
    base = dict(hidden_layer_sizes=(6, 4), max_iter=30, random_state=0)
    return InitMLPClassifier(**{**base, **params})


SOLVER_CASES = {
    "gd": dict(solver="gd", learning_rate_init=0.1),
    "sgd-nesterov": dict(solver="sgd", batch_size=32, learning_rate_init=0.05),
    "sgd-adaptive": dict(
        solver="sgd",
        batch_size=50,
        learning_rate="adaptive",
        momentum=0.5,
        nesterovs_momentum=False,
        n_iter_no_change=2,
        tol=1e-2,
    ),
    "sgd-invscaling": dict(
        solver="sgd", batch_size=40, learning_rate="invscaling", power_t=0.3
    ),
    "adam": dict(solver="adam", batch_size=25, learning_rate_init=0.01),
    "adam-early-stopping": dict(
        solver="adam", batch_size=30, early_stopping=True, n_iter_no_change=6
    ),
}


def mixed_stack(case, n=4, cases=SOLVER_CASES):
    """``n`` networks of one solver that differ in seed, rate, penalty, budget
    and tolerance: some stop early, some run out of iterations."""
    varied = [
        dict(random_state=k, alpha=[0.0, 1e-3][k % 2], max_iter=[30, 7, 18, 30][k % 4],
             tol=[1e-4, 0.05][k % 2])
        for k in range(n)
    ]
    return [configs(**{**variation, **cases[case]}) for variation in varied]


def assert_same_networks(result, reference, k=None):
    """Network ``k`` of ``result`` is bit-identical to ``reference`` (K=1)."""
    one = result if k is None else take(result, [k])
    assert_array_equal(one.params.flat, reference.params.flat)
    state, expected = one.state, reference.state
    for name in ("t", "n_iter", "no_improvement_count", "best_loss"):
        assert_array_equal(getattr(state, name), getattr(expected, name), name)
    assert_array_equal(state.best_validation_score, expected.best_validation_score)
    if expected.best_params is not None:
        assert_array_equal(state.best_params, expected.best_params)
    assert state.loss_curves == expected.loss_curves
    assert state.validation_scores == expected.validation_scores
    assert_array_equal(one.finished, reference.finished)
    for f in fields(expected.optimizer):
        value = getattr(expected.optimizer, f.name)
        if isinstance(value, np.ndarray):
            assert_array_equal(getattr(state.optimizer, f.name), value, f.name)


# ------------------------------------------------------- state containers
def test_take_and_concatenate_round_trip_every_container():
    estimators = [configs(solver="adam", early_stopping=True, random_state=k)
                  for k in range(3)]
    stack = plan_stack(estimators)
    state = stack["state"]
    state.optimizer = SOLVERS["adam"].make_optimizer(
        stack["config"], stack["hyper"], stack["architecture"].n_params, np.float64
    )
    for container in (stack["params"], stack["data"], stack["hyper"], state):
        parts = [take(container, [k]) for k in range(3)]
        joined = concatenate(parts)
        reordered = take(joined, np.array([2, 0, 1]))
        for f in fields(container):
            if "network_axis" not in f.metadata:
                continue
            axis = f.metadata["network_axis"]
            original, value = getattr(container, f.name), getattr(reordered, f.name)
            if isinstance(original, np.ndarray):
                assert_array_equal(value, original.take([2, 0, 1], axis=axis))
    # A boolean mask drops networks from nested containers too.
    kept = take(state, np.array([True, False, True]))
    assert kept.optimizer.first_moment.shape[0] == 2
    assert len(kept.random_states) == len(kept.loss_curves) == 2
    # The parameter views follow the taken flat buffer.
    params = take(stack["params"], [1])
    assert_array_equal(params.coefs[0][0], stack["params"].coefs[0][1])


def test_shuffled_batches_gather_each_networks_own_samples():
    # Inputs and targets are gathered as rows of sample-major copies with all
    # networks' samples laid end to end: each network must get its own rows.
    n_networks, n_samples = 3, 40
    features = RNG.randn(n_networks, n_samples, 5)
    targets = RNG.randn(n_networks, n_samples, 2)
    data = StackedData.from_arrays(features, targets)
    positions = np.stack(
        [RNG.permutation(n_samples)[:7] for _ in range(n_networks)]
    )
    inputs = data.X.rows(positions)
    batch_targets = _sample_columns(data.y, positions, sample_rows(data.y))
    # The first layer's product rounds as scikit-learn's only on contiguous
    # unit-major inputs (a transposed operand changes BLAS's rounding).
    assert inputs.values.flags.c_contiguous
    assert batch_targets.flags.c_contiguous
    for k in range(n_networks):
        assert_array_equal(inputs.values[:-1, k].T, features[k, positions[k]])
        assert_array_equal(inputs.values[-1, k], 1.0)
        assert_array_equal(batch_targets[:, k].T, targets[k, positions[k]])


def test_sparse_inputs_give_the_dense_products():
    dense = StackedData.from_arrays(X[None], Y[None, :, None].astype(float))
    sparse = StackedData.from_arrays([sp.csr_matrix(X)], Y[None, :, None].astype(float))
    assert not dense.X.is_sparse and sparse.X.is_sparse
    params = StackedParameters.from_layers(
        [2, 3, 1], [[RNG.randn(2, 3), RNG.randn(3, 1)]], [[RNG.randn(3), RNG.randn(1)]],
        np.float64,
    )
    index = RNG.permutation(len(X))[None, :50]
    outputs = []
    for inputs in (dense.X.rows(index), sparse.X.rows(index)):
        out = np.empty((1, 3, 50))
        outputs.append(inputs.first_layer(params.layers[0], out))
    np.testing.assert_allclose(outputs[0], outputs[1], rtol=1e-14)


# --------------------------------------------------------------- optimizers
def test_solver_registry_is_what_the_estimators_accept():
    assert set(SOLVERS) == {"sgd", "adam", "gd"}
    constraint = InitMLPClassifier._parameter_constraints["solver"][0]
    assert constraint.options == {"lbfgs", *SOLVERS}
    config = StochasticConfig(solver="sgd")
    hyper = Hyperparameters.from_estimators([configs(), configs(momentum=0.0)])
    for name, solver in SOLVERS.items():
        optimizer = solver.make_optimizer(config, hyper, 10, np.float64)
        assert isinstance(optimizer, BaseOptimizer), name
    assert SOLVERS["gd"].full_batch and not SOLVERS["sgd"].full_batch


@pytest.mark.parametrize("nesterov", [True, False])
def test_sgd_steps_equal_scikit_learns(nesterov):
    """Each network of the stack follows scikit-learn's optimizer to the bit."""
    rates, momenta = np.array([0.1, 0.01]), np.array([0.9, 0.5])
    ours = SGDOptimizer(np.float64, rates, momentum=momenta, power_t=[0.5, 0.5],
                        nesterov=nesterov, n_params=6)
    params = RNG.randn(2, 6)
    copies = [[params[k].copy()] for k in range(2)]
    theirs = [
        SklearnSGD(copies[k], learning_rate_init=rates[k],
                   momentum=momenta[k], nesterov=nesterov)
        for k in range(2)
    ]
    for _ in range(5):
        grads = RNG.randn(2, 6)
        ours.update(params, grads)
        for k, optimizer in enumerate(theirs):
            optimizer.update_params(copies[k], [grads[k]])
    for k in range(2):
        assert_array_equal(params[k], copies[k][0])


def test_adam_steps_equal_scikit_learns():
    rates = np.array([0.01, 0.001, 0.1])
    ours = AdamOptimizer(np.float64, rates, beta_1=[0.9, 0.8, 0.9],
                         beta_2=[0.999, 0.99, 0.999], epsilon=[1e-8] * 3, n_params=5)
    params = RNG.randn(3, 5)
    copies = [[params[k].copy()] for k in range(3)]
    theirs = [
        SklearnAdam(copies[k], learning_rate_init=rates[k],
                    beta_1=ours.beta_1[k], beta_2=ours.beta_2[k])
        for k in range(3)
    ]
    for _ in range(4):
        grads = RNG.randn(3, 5)
        ours.update(params, grads)
        for k, optimizer in enumerate(theirs):
            optimizer.update_params(copies[k], [grads[k]])
    for k in range(3):
        assert_array_equal(params[k], copies[k][0])


def test_adaptive_schedule_divides_the_rate_then_stops():
    optimizer = SGDOptimizer(np.float64, [1e-3, 1e-6, 1e-3], momentum=[0.9] * 3,
                             power_t=[0.5] * 3, schedule="adaptive", n_params=2)
    plateaued = np.array([True, True, False])
    stop = optimizer.trigger_stopping(plateaued, False, "")
    assert_array_equal(stop, [False, True, False])
    assert_array_equal(optimizer.learning_rate, [2e-4, 1e-6, 1e-3])


def test_invscaling_rate_follows_the_samples_seen():
    optimizer = SGDOptimizer(np.float64, [0.1, 0.2], momentum=[0, 0],
                             power_t=[0.5, 0.25], schedule="invscaling", n_params=2)
    optimizer.iteration_ends(np.array([99, 15]))
    assert_array_equal(optimizer.learning_rate, [0.1 / 100**0.5, 0.2 / 16**0.25])


def test_epoch_orders_are_scikit_learns_shuffles():
    from sklearn.utils import shuffle

    from skinit._training import _shuffled

    ours, theirs = np.random.RandomState(7), np.random.RandomState(7)
    order = expected = np.arange(37)
    for _ in range(5):
        order = _shuffled(order, ours)
        expected = shuffle(expected, random_state=theirs)
        assert_array_equal(order, expected)


def test_base_optimizer_defaults():
    optimizer = BaseOptimizer(np.float64, [0.1, 0.1])
    assert optimizer.iteration_ends(np.array([1, 2])) is None
    plateaued = np.array([True, False])
    assert_array_equal(optimizer.trigger_stopping(plateaued, False, ""), plateaued)
    with pytest.raises(NotImplementedError):
        optimizer.update(np.zeros((2, 1)), np.zeros((2, 1)))


# ----------------------------------------------------------------- the seam
class PlainKernel:
    """A deliberately plain kernel: one network and one batch at a time, each
    gradient from a stack of one, then one optimizer update."""

    name = "plain"

    def supports(self, architecture, config, data):
        return True

    def run_epoch(self, architecture, stack, batches):
        n_networks, n_samples = stack.n_networks, stack.data.n_samples
        order = stack.state.order
        totals = [None] * n_networks
        for batch in batches:
            grads = np.empty_like(stack.params.flat)
            for k in range(n_networks):
                rows = np.arange(n_samples)[batch] if order is None else order[k, batch]
                data = take(stack.data, [k])
                X_batch = data.X.rows(rows[None])
                y_batch = data.y[:, :, rows]
                weight = None if data.sample_weight is None else data.sample_weight[
                    :, rows
                ]
                weight_sum = (
                    np.full((1, 1), len(rows), dtype=grads.dtype)
                    if weight is None
                    else np.add.reduce(weight, axis=1)[:, None]
                )
                alpha = stack.hyper.alpha[k : k + 1]
                buffers = BatchBuffers(
                    architecture, grads.dtype, take(stack.hyper, [k])
                )
                workspace, network_grads, _ = buffers.get(len(rows))
                loss = loss_and_gradient(
                    architecture,
                    take(stack.params, [k]),
                    X_batch,
                    y_batch,
                    weight,
                    weight_sum,
                    alpha if alpha[0] else None,
                    workspace,
                    network_grads,
                )
                loss *= len(rows)
                totals[k] = loss if totals[k] is None else totals[k] + loss
                grads[k] = network_grads.flat[0]
            stack.state.optimizer.update(stack.params.flat, grads)
        return np.concatenate(totals) / n_samples


@pytest.mark.parametrize("case", list(SOLVER_CASES))
def test_two_kernels_through_the_seam_give_identical_training(case):
    estimators = mixed_stack(case)
    weights = RNG.uniform(0.5, 2, size=len(X))
    numpy_run = train(estimators, kernel=NumpyKernel(),
                      data=dict(sample_weight=weights))
    plain_run = train([clone(e) for e in estimators], kernel=PlainKernel(),
                      data=dict(sample_weight=weights))
    assert_same_networks(numpy_run, plain_run)
    # Not a trivial run: networks left at different epochs.
    assert len(set(numpy_run.state.n_iter)) > 1


# -------------------------------------------------------- retirement, hooks
@pytest.mark.parametrize("case", list(SOLVER_CASES))
def test_a_network_trains_the_same_in_any_stack(case):
    """Bit-identical to its solo run, including after others left mid-run."""
    estimators = mixed_stack(case, n=5)
    stacked = train([clone(e) for e in estimators])
    n_iter = stacked.state.n_iter
    assert n_iter.min() < n_iter.max()  # some left while others trained on
    for k, estimator in enumerate(estimators):
        assert_same_networks(stacked, train([clone(estimator)]), k)


@pytest.mark.parametrize("case", list(SOLVER_CASES))
def test_paused_and_continued_equals_uninterrupted(case):
    estimators = mixed_stack(case)
    uninterrupted = train([clone(e) for e in estimators])

    def pause_at_5(event):
        event.stop(event.n_iter == 5)

    paused = train([clone(e) for e in estimators], callbacks=[pause_at_5])
    stopped = ~paused.finished
    assert stopped.any()
    assert_array_equal(paused.state.n_iter[stopped], 5)
    stack = plan_stack([clone(e) for e in estimators])
    resumed_index = np.flatnonzero(stopped)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        resumed = fit_stochastic(
            stack["architecture"],
            take(paused.params, resumed_index),
            take(stack["data"], resumed_index),
            stack["config"],
            take(stack["hyper"], resumed_index),
            take(paused.state, resumed_index),
            score=stack["score"],
        )
    for j, k in enumerate(resumed_index):
        assert_same_networks(take(resumed, [j]), take(uninterrupted, [k]))
    # The ones that finished before the pause are untouched by it.
    for k in np.flatnonzero(~stopped):
        assert_same_networks(take(paused, [k]), take(uninterrupted, [k]))


# Solvers whose epochs all see the samples in order: nothing happens between
# epochs but the stopping records, so the loop runs many epochs a kernel call.
IN_ORDER_CASES = {
    "gd": SOLVER_CASES["gd"],
    "sgd-adaptive": {**SOLVER_CASES["sgd-adaptive"], "shuffle": False},
    "sgd-nesterov": {**SOLVER_CASES["sgd-nesterov"], "shuffle": False},
    "adam": {**SOLVER_CASES["adam"], "shuffle": False},
}


def kernel_named(name):
    if name == "numpy":
        return NumpyKernel()
    from skinit._numba_kernel import NumbaKernel

    return NumbaKernel()


@pytest.mark.parametrize(
    "kernel",
    [
        "numpy",
        pytest.param(
            "numba",
            marks=pytest.mark.skipif(
                not numba_available(),
                reason="the compiled kernel needs numba (skinit[fast])",
            ),
        ),
    ],
)
@pytest.mark.parametrize("seconds", [0.0, 10.0])
@pytest.mark.parametrize("case", list(IN_ORDER_CASES))
def test_epochs_run_in_order_equal_epoch_by_epoch(case, seconds, kernel, monkeypatch):
    """Many epochs a kernel call (one after the first call, or all of them)
    train bit-identically to one epoch a call (forced by a callback), through
    plateaus inside a call, the adaptive rate's divisions and budgets."""
    monkeypatch.setattr(_EpochChunks, "seconds", seconds)
    calls = []
    in_order = skinit._training.run_epochs_in_order

    def counted(*args):
        losses = in_order(*args)
        calls.append(losses.shape[1])
        return losses

    monkeypatch.setattr(skinit._training, "run_epochs_in_order", counted)
    estimators = mixed_stack(case, cases=IN_ORDER_CASES)
    chunked = train(estimators, kernel=kernel_named(kernel))
    epoch_by_epoch = train(
        [clone(e) for e in estimators],
        kernel=kernel_named(kernel),
        callbacks=[lambda event: None],
    )
    assert_same_networks(chunked, epoch_by_epoch)
    n_iter = chunked.state.n_iter
    assert n_iter.min() < n_iter.max()  # some plateaued or ran out before others
    assert sum(calls) == n_iter.max() and len(calls) < n_iter.max()


def test_plateau_ahead_keeps_the_records_as_the_stopping_rule():
    """One network (Python floats) and a stack (numpy) keep the same records
    as the stopping rule, NaN losses and ties included, and see a plateau
    exactly when the rule will."""
    from types import SimpleNamespace

    from skinit._training import plateau_ahead, stopping_rule

    losses = [1.0, 0.9, 0.9, np.nan, 0.95, 0.89, 0.9, 0.9, 0.9, 0.9]

    def stack_of(n_networks):
        return SimpleNamespace(
            n_networks=n_networks,
            state=SimpleNamespace(
                no_improvement_count=np.zeros(n_networks, dtype=np.int64),
                best_loss=np.full(n_networks, np.inf),
                optimizer=BaseOptimizer(np.float64, [0.1] * n_networks),
            ),
            hyper=SimpleNamespace(
                tol=np.full(n_networks, 0.005),
                n_iter_no_change=np.full(n_networks, 3.0),
            ),
        )

    alone, pair, rule = stack_of(1), stack_of(2), stack_of(1)
    for epoch, loss in enumerate(losses):
        ahead = plateau_ahead(alone, np.array([loss]))
        assert plateau_ahead(pair, np.array([loss, loss])) == ahead
        done = stopping_rule(
            rule, np.array([loss]), None, verbose=False, message="%s%s",
            check_budget=False,
        )
        assert ahead == (done is not None), epoch
        if ahead:
            break
        for other in (alone, pair):
            assert_array_equal(other.state.best_loss, rule.state.best_loss[0])
            assert_array_equal(
                other.state.no_improvement_count, rule.state.no_improvement_count[0]
            )
    assert ahead and epoch == 9


def test_callbacks_see_the_networks_still_training_and_can_stop_them():
    estimators = mixed_stack("gd")
    seen = []

    def watch(event):
        seen.append((event.origin.copy(), event.n_iter.copy(), event.loss.copy(),
                     event.elapsed))
        if event.n_iter[0] == 10:
            event.stop()

    result = train([clone(e) for e in estimators], callbacks=[watch])
    budgets = np.array([e.max_iter for e in estimators])
    # Epoch by epoch, the active networks are those with budget left.
    for origin, n_iter, loss, elapsed in seen:
        assert_array_equal(n_iter, n_iter[0])
        assert (budgets[origin] >= n_iter[0]).all()
        assert loss.shape == origin.shape and np.isfinite(loss).all()
        assert elapsed >= 0
    assert max(n_iter[0] for _, n_iter, _, _ in seen) == 10
    assert_array_equal(result.state.n_iter, np.minimum(budgets, 10))
    assert_array_equal(result.finished, budgets < 10)
    # The loss each callback saw is the recorded loss curve.
    for k in range(len(estimators)):
        curve = [loss[list(origin).index(k)] for origin, _, loss, _ in seen
                 if k in origin]
        assert curve == result.state.loss_curves[k]


def test_early_stopping_result_keeps_best_and_current_weights():
    estimators = [configs(solver="adam", early_stopping=True, n_iter_no_change=3,
                          max_iter=40, random_state=k) for k in range(3)]
    result = train(estimators)
    fitted = result.fitted_params(early_stopping=True)
    assert_array_equal(fitted.flat, result.state.best_params)
    assert not np.array_equal(fitted.flat, result.params.flat)
    assert_array_equal(result.fitted_params(early_stopping=False).flat,
                       result.params.flat)


def test_fit_stochastic_does_not_modify_its_inputs():
    stack = plan_stack(mixed_stack("sgd-nesterov"))
    params = stack["params"].flat.copy()
    state = stack["state"]
    curves = [list(curve) for curve in state.loss_curves]
    train_kwargs = dict(stack)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit_stochastic(**train_kwargs)
    assert_array_equal(stack["params"].flat, params)
    assert state.loss_curves == curves
    assert state.optimizer is None and state.order is None


# ------------------------------------------------------------------ chunking
@pytest.mark.parametrize("n_networks", [1, 5, 24, 25, 80, 141])
@pytest.mark.parametrize("n_workers", [1, 2, 3])
def test_chunks_cover_every_network_within_the_bounds(n_networks, n_workers):
    chunks = _chunks(n_networks, per_network_bytes=1000, n_workers=n_workers)
    covered = np.concatenate([np.arange(n_networks)[chunk] for chunk in chunks])
    assert_array_equal(covered, np.arange(n_networks))
    sizes = [chunk.stop - chunk.start for chunk in chunks]
    assert max(sizes) <= 24 and min(sizes) >= 1
    assert max(sizes) - min(sizes) <= 1
    if n_networks >= n_workers:
        assert len(chunks) % n_workers == 0
    # A memory bound smaller than 24 networks makes smaller chunks.
    small = _chunks(n_networks, per_network_bytes=64 * 2**20, n_workers=1)
    assert max(chunk.stop - chunk.start for chunk in small) <= 4


def test_multiclass_stack_trains_like_solo():
    estimators = [configs(solver="sgd", batch_size=40, random_state=k)
                  for k in range(3)]
    stacked = train([clone(e) for e in estimators], data=dict(y=Y3))
    for k, estimator in enumerate(estimators):
        assert_same_networks(stacked, train([clone(estimator)], data=dict(y=Y3)), k)


@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_regressor_stack_trains_like_solo(loss):
    """Each network's loss and early-stopping R^2 are its own in a stack."""
    targets = np.column_stack([np.abs(X[:, 0]), X[:, 1] ** 2])
    estimators = [
        InitMLPRegressor(
            loss=loss, hidden_layer_sizes=(6,), solver="adam", batch_size=30,
            early_stopping=True, n_iter_no_change=3, max_iter=[30, 12, 30][k],
            random_state=k,
        )
        for k in range(3)
    ]
    stacked = train([clone(e) for e in estimators], data=dict(y=targets))
    for k, estimator in enumerate(estimators):
        solo = train([clone(estimator)], data=dict(y=targets))
        assert_same_networks(stacked, solo, k)
