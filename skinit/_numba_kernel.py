"""The compiled training kernel (optional extra ``skinit[fast]``): numba.

One call trains a stack of ``K`` networks for one epoch: for each batch, the
forward pass, the loss, the backward pass and the optimizer's update, with the
arithmetic of the numpy engine (``loss_and_gradient`` then
``SGDOptimizer.update`` / ``AdamOptimizer.update``) operation by operation.
Only the order of the sums differs (numpy sums pairwise and BLAS in blocks;
here the sums over samples are vectorized by LLVM, the others sequential) and
the elementary functions (exp and log written here so that they vectorize,
within 3 units in the last place; tanh from the C library; all in float64 for
float32 data) are not numpy's SIMD ones, so
results agree with the numpy engine to rounding, not to the bit: the user
guide's equivalence page states the tolerance.

The kernel reads the engine's layout as it is: inputs unit-major ``(n_features
+ 1, K, n)`` with a last row of ones, targets ``(n_outputs, K, n)``, sample
weights ``(K, n)``, a per-network row order ``(K, n)``, and the flat ``(K,
n_params)`` parameters whose layer ``l`` is a ``(fan_out, fan_in + 1)`` block
(bias last).  Each network's batch is gathered into contiguous rows, so that
every inner loop runs over samples on contiguous memory and LLVM vectorizes
it.

Compilation facts this module is built on (numba 0.68, measured on a 2-vCPU
machine):

- ``error_model='numpy'``: numba's default puts a zero-check branch on every
  float division, which blocks the vectorization of any loop holding one.
- ``cache=True``: compiled code is kept on disk next to this file (or in
  ``NUMBA_CACHE_DIR``), keyed by numba on the argument types and the CPU; one
  specialization per float dtype, since every optional input is passed as an
  empty array rather than None.  Measured: the first call compiles in 5-7 s
  per dtype, a new process loads the cached code in ~0.3 s (numba's import
  included).  numba's cache key does not include the
  ``NUMBA_SLP_VECTORIZE`` / ``NUMBA_CPU_FEATURES`` settings, so this module
  sets neither: the machine code depends only on what the cache keys on.
- ``fastmath={'contract'}``: products and sums may be fused into
  multiply-adds (one rounding instead of two) where the CPU has them:
  measured 12.1 -> 10.6 us per course-network step.  Rounding then differs
  from numpy's in more places, within the same tolerance (the contract
  tests and the seed table are unchanged); results stay bit-identical from
  run to run on one machine.  No other fastmath flag: NaN and inf keep
  their IEEE meaning.
- One thread: the stack's networks run one after another.  ``n_jobs`` counts
  processes; a kernel that also spawned threads would run more threads than
  the cores the user asked for.

This module is imported only when the kernel is used: skinit itself never
needs numba.
"""

import math

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

from skinit._optimizers import AdamOptimizer

_JIT = {
    "cache": True,
    "nogil": True,
    "error_model": "numpy",
    "fastmath": {"contract"},
}
# Reductions may be reassociated, so that LLVM vectorizes them: measured 3.2x
# faster than a sequential sum or eight scalar lanes (numba leaves SLP
# vectorization off).
_SUMS = {**_JIT, "fastmath": {"reassoc", "nsz", "contract"}}
# The per-layer helpers called several times a step, inlined into the
# training loop by numba (its IR, before LLVM): the views they take and give
# then need no reference counting across a call, measured 10.2 -> 9.8 us per
# course-network step, the compile time unchanged.  Not the sums: inlined,
# they would lose their own fastmath flags and the vectorization (2x slower).
_INLINED = {**_JIT, "inline": "always"}

# Codes the compiled functions branch on.
HIDDEN_ACTIVATIONS = {"identity": 0, "logistic": 1, "tanh": 2, "relu": 3}
# (output activation, loss) pairs, each a canonical link (the output delta is
# ``a - y``); their loss terms are in ``_loss_and_output_delta``.
OUTPUTS = {
    ("logistic", "binary_log_loss"): 0,
    ("softmax", "log_loss"): 1,
    ("identity", "squared_error"): 2,
    ("exp", "poisson"): 3,
}
SOLVERS = {"sgd": 0, "gd": 0, "adam": 1}
DTYPES = (np.dtype(np.float64), np.dtype(np.float32))
# kernel='auto' takes this kernel for networks of at most this many weights
# and biases (see ``NumbaKernel.pays_off``).
AUTO_MAX_PARAMS = 3000


# ------------------------------------------------- exp and log, vectorizable
# The C library's exp and log are calls, which keep every loop holding one
# scalar (~12 ns an element here).  Written in plain arithmetic, LLVM
# vectorizes them: measured 2.4x faster, within 3 units in the last place of
# the C library's (exp) and 2 (log) over 10**6 random inputs, special values
# (0, inf, NaN, subnormals) as IEEE.  float32 values are computed in float64.

_LN2_HI = 6.93147180369123816490e-01  # ln 2 in 32 bits: k * _LN2_HI is exact
_LN2_LO = 1.90821492927058770002e-10
_LOG2_E = 1.44269504088896338700e00
# exp(r) by its Taylor series to r**12: remainder < 2e-16 relative for
# |r| <= ln(2) / 2.  Coefficients from the highest power down.
_EXP_SERIES = tuple(1.0 / math.factorial(n) for n in range(12, -1, -1))
# (atanh(s) / s - 1) / s**2 by its series to s**18: remainder < 1e-17 for
# |s| < 0.172.
_ATANH_SERIES = tuple(1.0 / n for n in range(21, 2, -2))


@njit(**_JIT)
def _horner(x, coefficients):
    """The polynomial with these coefficients (highest power first) at ``x``."""
    p = 0.0
    for c in coefficients:
        p = p * x + c
    return p


@intrinsic
def _bits_of(typingctx, x):
    """The IEEE bits of a float64, as an int64 (no conversion)."""
    if x != types.float64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return types.int64(types.float64), codegen


@intrinsic
def _float_of(typingctx, bits):
    """The float64 whose IEEE bits are the int64 ``bits``."""
    if bits != types.int64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


@njit(**_JIT)
def _exp(value):
    """``exp(value)`` in float64: ``2**k * exp(r)``, ``|r| <= ln(2) / 2``."""
    x = np.float64(value)
    k = np.floor(x * _LOG2_E + 0.5)
    r = (x - k * _LN2_HI) - k * _LN2_LO
    p = _horner(r, _EXP_SERIES)
    # 2**k as two powers of two made from their bits, each in the normal range
    # for every |x| < 746, so that the product rounds once (into the
    # subnormals if it must).
    whole = np.int64(min(max(k, -1100.0), 1100.0))
    half = whole >> 1
    result = (p * _float_of((half + 1023) << 52)) * _float_of(
        (whole - half + 1023) << 52
    )
    if x > 709.782712893384:
        result = math.inf
    if x < -745.1332191019412:
        result = 0.0
    if x != x:
        result = x
    return result


@njit(**_JIT)
def _log(value):
    """``log(value)`` in float64: ``e ln 2 + 2 atanh((m - 1) / (m + 1))``."""
    x = np.float64(value)
    # Subnormals are scaled into the normal range first.
    tiny = x < 2.2250738585072014e-308
    y = x * 4503599627370496.0 if tiny else x
    bits = _bits_of(y)
    exponent = (bits >> 52) - (1023 + 52 if tiny else 1023)
    # The mantissa m in [sqrt(2) / 2, sqrt(2)].
    m = _float_of((bits & 0x000FFFFFFFFFFFFF) | 0x3FF0000000000000)
    large = m > 1.4142135623730951
    m = m * 0.5 if large else m
    exponent = exponent + 1 if large else exponent
    f = m - 1.0
    s = f / (2.0 + f)
    z = s * s
    p = _horner(z, _ATANH_SERIES)
    e = np.float64(exponent)
    result = e * _LN2_HI + ((2.0 * s + 2.0 * s * z * p) + e * _LN2_LO)
    result = result if x > 0.0 else (-math.inf if x == 0.0 else math.nan)
    return x if (x == math.inf or x != x) else result


@njit(**_SUMS)
def _dot(a, b, n, zero):
    """``sum(a[:n] * b[:n])``, vectorized (lanes added in the machine's order)."""
    total = zero
    for i in range(n):
        total += a[i] * b[i]
    return total


@njit(**_SUMS)
def _sum(a, n, zero):
    """``sum(a[:n])``, vectorized (lanes added in the machine's order)."""
    total = zero
    for i in range(n):
        total += a[i]
    return total


@njit(**_SUMS)
def _weight_gradient(delta, inputs, n_units, n_terms, n, gradient, zero):
    """``gradient[j, f] = sum(delta[j, :n] * inputs[f, :n])`` for ``j <
    n_units``, ``f < n_terms``, two units by two inputs a pass over the samples:
    four products per four loads (measured up to 1.8x faster than one dot
    product at a time on wide layers).  An odd last unit or input is paired
    with itself."""
    j = 0
    while j < n_units:
        j1 = j + 1 if j + 1 < n_units else j
        d0 = delta[j]
        d1 = delta[j1]
        f = 0
        while f < n_terms:
            f1 = f + 1 if f + 1 < n_terms else f
            a0 = inputs[f]
            a1 = inputs[f1]
            g00 = g01 = g10 = g11 = zero
            for s in range(n):
                g00 += d0[s] * a0[s]
                g01 += d0[s] * a1[s]
                g10 += d1[s] * a0[s]
                g11 += d1[s] * a1[s]
            gradient[j, f] = g00
            gradient[j, f1] = g01
            gradient[j1, f] = g10
            gradient[j1, f1] = g11
            f += 2
        j += 2


@njit(**_INLINED)
def _linear(weights, inputs, out, n_in, n_out, n):
    """``out[:n_out, :n] = weights @ inputs[:n_in + 1, :n]`` (bias row included).

    Two inputs a pass over the samples: each output element is loaded and
    stored once per two products (measured 1.1-1.4x faster than one).
    """
    for j in range(n_out):
        z = out[j]
        w = weights[j, 0]
        a = inputs[0]
        for s in range(n):
            z[s] = w * a[s]
        f = 1
        while f + 1 <= n_in:
            w0 = weights[j, f]
            w1 = weights[j, f + 1]
            a0 = inputs[f]
            a1 = inputs[f + 1]
            for s in range(n):
                z[s] += w0 * a0[s] + w1 * a1[s]
            f += 2
        if f == n_in:
            w = weights[j, f]
            a = inputs[f]
            for s in range(n):
                z[s] += w * a[s]


@njit(**_INLINED)
def _backpropagate(weights, delta, out, n_in, n_units, n):
    """``out[:n_in, :n] = weights[:, :n_in].T @ delta[:n_units, :n]``, two
    units a pass over the samples as in ``_linear``."""
    for f in range(n_in):
        back = out[f]
        w = weights[0, f]
        d = delta[0]
        for s in range(n):
            back[s] = w * d[s]
        j = 1
        while j + 1 < n_units:
            w0 = weights[j, f]
            w1 = weights[j + 1, f]
            d0 = delta[j]
            d1 = delta[j + 1]
            for s in range(n):
                back[s] += w0 * d0[s] + w1 * d1[s]
            j += 2
        if j < n_units:
            w = weights[j, f]
            d = delta[j]
            for s in range(n):
                back[s] += w * d[s]


@njit(**_INLINED)
def _activate_hidden(z, n_units, n, code, one):
    """The hidden activation in place, as ``skinit._activations_losses``'."""
    if code == 0:
        return
    for j in range(n_units):
        row = z[j]
        if code == 1:
            # scipy's expit: 1 / (1 + exp(-x)).
            for s in range(n):
                row[s] = one / (one + _exp(-row[s]))
        elif code == 2:
            for s in range(n):
                row[s] = math.tanh(row[s])
        else:
            # np.maximum(z, 0): NaN stays NaN, -0.0 stays -0.0.
            zero = one - one
            for s in range(n):
                if row[s] < zero:
                    row[s] = zero


@njit(**_INLINED)
def _backpropagate_derivative(activation, delta, n, code, one):
    """``delta *= f'(z)`` from the layer's output ``activation`` (one unit)."""
    if code == 1:
        for s in range(n):
            a = activation[s]
            delta[s] = delta[s] * a
            delta[s] = delta[s] * (one - a)
    elif code == 2:
        for s in range(n):
            a = activation[s]
            delta[s] = delta[s] * (one - a * a)
    elif code == 3:
        # A multiply by the 0/1 mask, as numpy's: inf * 0 is NaN there too.
        zero = one - one
        for s in range(n):
            delta[s] = delta[s] * (one if activation[s] > zero else zero)


@njit(**_JIT)
def _softmax(z, n_units, n, scratch):
    """Softmax over the units of each sample, in place; ``scratch`` ``(2, n)``."""
    peak = scratch[0]
    total = scratch[1]
    for s in range(n):
        peak[s] = z[0, s]
    for j in range(1, n_units):
        row = z[j]
        for s in range(n):
            if row[s] > peak[s]:
                peak[s] = row[s]
    for j in range(n_units):
        row = z[j]
        for s in range(n):
            row[s] = _exp(row[s] - peak[s])
    for s in range(n):
        total[s] = z[0, s]
    for j in range(1, n_units):
        row = z[j]
        for s in range(n):
            total[s] += row[s]
    for j in range(n_units):
        row = z[j]
        for s in range(n):
            row[s] = row[s] / total[s]


@njit(**_INLINED)
def _layer(flat_network, offsets, layer_units, i):
    """Layer ``i``'s ``(fan_out, fan_in + 1)`` block of one network's flat
    parameters (or gradient): a view."""
    return flat_network[offsets[i] : offsets[i + 1]].reshape(
        (layer_units[i + 1], layer_units[i] + 1)
    )


@njit(**_JIT)
def _loss_and_output_delta(
    output, y, weight, weighted, denominator, n_out, n, code, consts, delta, term
):
    """Batch loss of one network (before the penalty) and the output delta.

    ``output`` is the activated output layer, ``y`` the gathered targets,
    ``weight`` the gathered sample weights (used when ``weighted``).  Every
    pair of ``OUTPUTS`` is a canonical link: the delta is ``(a - y) *
    weight``.  The loss is, per output, the (weighted) mean of the per-sample
    terms, then summed over outputs in order (averaged and halved for the
    squared error), as ``skinit._activations_losses``' losses.
    """
    zero = consts[0]
    one = consts[1]
    eps = consts[2]
    one_minus_eps = consts[3]
    loss = zero
    for o in range(n_out):
        p_row = output[o]
        y_row = y[o]
        d_row = delta[o]
        for s in range(n):
            p = p_row[s]
            target = y_row[s]
            if code <= 1:
                # Log losses: the likelihood clipped to [eps, 1 - eps] (NaN
                # stays NaN), of the label (binary) or of each class (softmax).
                likelihood = abs((one - target) - p) if code == 0 else p
                if likelihood < eps:
                    likelihood = eps
                if likelihood > one_minus_eps:
                    likelihood = one_minus_eps
                value = _log(likelihood)
                if code == 1:
                    value = value * target
            elif code == 2:
                residual = target - p
                value = residual * residual
            else:
                # Poisson deviance xlogy(y, y / mu) - y + mu, 0 log 0 = 0.
                ratio = target / p
                if target == zero and ratio == ratio:
                    value = zero
                else:
                    value = target * _log(ratio)
                value = (value - target) + p
            if weighted:
                term[s] = value * weight[s]
                d_row[s] = (p - target) * weight[s]
            else:
                term[s] = value
                d_row[s] = p - target
        if code <= 1:
            loss += _sum(term, n, zero) / -denominator
        else:
            loss += _sum(term, n, zero) / denominator
    if code == 2:
        loss = consts[5] * (loss / consts[6])
    return loss


@njit(**_JIT)
def _plateau_ahead(loss, best_loss, no_improvement_count, tol, n_iter_no_change):
    """Whether this epoch plateaus a network; if not, its stopping records.

    The loop's stopping rule without validation, network by network: the
    loss is not better when above the best one less ``tol`` (NaN is never
    above: the count restarts), the best loss is the smaller one (``np.fmin``:
    a NaN loss never replaces it), the network plateaus when its count passes
    ``n_iter_no_change``.  The records are written only when no network
    plateaus: that epoch's are the loop's to update, with what else it does
    then (the optimizer's ``trigger_stopping``, retirement).
    """
    n_networks = loss.shape[0]
    for k in range(n_networks):
        not_better = np.float64(loss[k]) > best_loss[k] - tol[k]
        count = no_improvement_count[k] + 1 if not_better else 0
        if count > n_iter_no_change[k]:
            return True
    for k in range(n_networks):
        value = np.float64(loss[k])
        if value > best_loss[k] - tol[k]:
            no_improvement_count[k] += 1
        else:
            no_improvement_count[k] = 0
        if value == value and not best_loss[k] <= value:
            best_loss[k] = value
    return False


@njit(**_JIT)
def train_epochs(
    n_epochs,
    watch,
    best_loss,
    no_improvement_count,
    tol,
    n_iter_no_change,
    flat,
    X,
    y,
    sample_weight,
    order,
    batch_bounds,
    batch_sizes,
    layer_units,
    hidden,
    output,
    alpha,
    alpha_cast,
    consts,
    solver,
    rate,
    momentum,
    velocity,
    nesterov,
    adam_t,
    adam_learning_rate_init,
    adam_beta_1,
    adam_beta_2,
    adam_beta_1_cast,
    adam_one_minus_beta_1,
    adam_beta_2_cast,
    adam_one_minus_beta_2,
    adam_epsilon,
    first_moment,
    second_moment,
    adam_learning_rate,
    epoch_losses,
):
    """Epochs of every network of the stack, parameters updated in place.

    The networks advance in lock step, epoch by epoch, in the same sample
    order every epoch.  With ``watch``, the stopping records of every epoch
    but the last one run are updated as the training loop's stopping rule
    (:func:`skinit._training.stopping_rule`) updates them, and the call ends
    after the first epoch that would plateau a network, its records left to
    the loop.

    Parameters
    ----------
    n_epochs : int
        Epochs to run at most.
    watch : bool
        Whether to keep the stopping records (else ``n_epochs`` is 1).
    best_loss, no_improvement_count : ndarray of shape (K,)
        The stopping records (float64, int64), updated when ``watch``.
    tol, n_iter_no_change : ndarray of shape (K,), float64
    flat : ndarray of shape (K, n_params)
        The parameters, updated in place.
    X : ndarray of shape (n_features + 1, K, n)
        Unit-major inputs with their row of ones.
    y : ndarray of shape (n_outputs, K, n)
    sample_weight : ndarray of shape (K, n) or (K, 0)
        Empty when the fit has no sample weights.
    order : ndarray of shape (K, n), int64
        Each network's row order for this epoch.
    batch_bounds : ndarray of shape (n_batches + 1,), int64
        Batch ``b`` holds positions ``batch_bounds[b]:batch_bounds[b + 1]`` of
        ``order``.
    batch_sizes : ndarray of shape (n_batches,)
        The batch sizes, in the parameters' dtype.
    layer_units : ndarray of int64
    hidden, output, solver : int
        Codes of ``HIDDEN_ACTIVATIONS``, ``OUTPUTS`` and ``SOLVERS``.
    alpha : ndarray of shape (K,) float64, or (0,)
        The L2 penalties; empty when no network of the stack is penalized.
    alpha_cast : ndarray of shape (K,) or (0,)
        ``alpha`` in the parameters' dtype.
    consts : ndarray of shape (7,)
        0, 1, eps, 1 - eps, the number of samples, 0.5 and the number of
        outputs, in the parameters' dtype.
    rate, momentum : ndarray of shape (K,)
        SGD's learning rates and momenta, in the parameters' dtype.
    velocity : ndarray of shape (K, n_params) or (0, 0)
        SGD's velocities, updated; empty without momentum.
    nesterov : bool
    adam_* : Adam's state (``t`` int64 and the float64 hyperparameters, their
        dtype casts), updated in place; ``adam_learning_rate`` receives the
        last step's learning rate of each network.
    first_moment, second_moment : ndarray of shape (K, n_params) or (0, 0)
    epoch_losses : ndarray of shape (K, n_epochs)
        Receives each epoch's loss: the sum of batch loss x batch size over
        the number of samples.

    Returns
    -------
    n_run : int
        The epochs run.
    """
    n_networks, n_params = flat.shape
    n_layers = layer_units.shape[0] - 1
    n_batches = batch_bounds.shape[0] - 1
    weighted = sample_weight.shape[1] > 0
    penalized = alpha.shape[0] > 0
    zero = consts[0]
    one = consts[1]
    n_total = consts[4]

    offsets = np.zeros(n_layers + 1, dtype=np.int64)
    widest = 0
    for i in range(n_layers):
        offsets[i + 1] = offsets[i] + (layer_units[i] + 1) * layer_units[i + 1]
    for i in range(n_layers + 1):
        widest = max(widest, layer_units[i])
    largest_batch = 0
    for b in range(n_batches):
        largest_batch = max(largest_batch, batch_bounds[b + 1] - batch_bounds[b])

    # activations[i] holds layer i's output (i = 0: the inputs) with a row of
    # ones below it; deltas[i] the delta of layer i + 1's pre-activation.
    activations = np.empty((n_layers + 1, widest + 1, largest_batch), flat.dtype)
    for i in range(1, n_layers):
        activations[i, layer_units[i]] = one
    deltas = np.empty((n_layers, widest, largest_batch), flat.dtype)
    targets = np.empty((layer_units[n_layers], largest_batch), flat.dtype)
    weight = np.empty(largest_batch, flat.dtype)
    scratch = np.empty((2, largest_batch), flat.dtype)
    grad = np.empty(n_params, flat.dtype)
    # A dtype scalar from a float64 one, as numpy casts on assignment.
    cast = np.empty(1, flat.dtype)
    n_out = layer_units[n_layers]

    for epoch in range(n_epochs):
        for k in range(n_networks):
            params = flat[k]
            total = zero
            for b in range(n_batches):
                start = batch_bounds[b]
                n = batch_bounds[b + 1] - start
                rows = order[k, start : start + n]
                inputs = activations[0]
                for f in range(layer_units[0] + 1):
                    row = inputs[f]
                    for s in range(n):
                        row[s] = X[f, k, rows[s]]
                for o in range(n_out):
                    for s in range(n):
                        targets[o, s] = y[o, k, rows[s]]
                if weighted:
                    for s in range(n):
                        weight[s] = sample_weight[k, rows[s]]
                    denominator = _sum(weight, n, zero)
                else:
                    denominator = batch_sizes[b]

                for i in range(n_layers):
                    n_in = layer_units[i]
                    n_units = layer_units[i + 1]
                    weights = _layer(params, offsets, layer_units, i)
                    _linear(
                        weights, activations[i], activations[i + 1], n_in, n_units, n
                    )
                    if i < n_layers - 1:
                        _activate_hidden(activations[i + 1], n_units, n, hidden, one)
                    elif output == 0:
                        for j in range(n_units):
                            row = activations[i + 1, j]
                            for s in range(n):
                                row[s] = one / (one + _exp(-row[s]))
                    elif output == 1:
                        _softmax(activations[i + 1], n_units, n, scratch)
                    elif output == 3:
                        for j in range(n_units):
                            row = activations[i + 1, j]
                            for s in range(n):
                                row[s] = _exp(row[s])

                loss = _loss_and_output_delta(
                    activations[n_layers],
                    targets,
                    weight,
                    weighted,
                    denominator,
                    n_out,
                    n,
                    output,
                    consts,
                    deltas[n_layers - 1],
                    scratch[0],
                )

                for i in range(n_layers - 1, -1, -1):
                    n_in = layer_units[i]
                    n_units = layer_units[i + 1]
                    delta = deltas[i]
                    inputs = activations[i]
                    gradient = _layer(grad, offsets, layer_units, i)
                    _weight_gradient(
                        delta, inputs, n_units, n_in + 1, n, gradient, zero
                    )
                    if i == 0:
                        break
                    weights = _layer(params, offsets, layer_units, i)
                    previous = deltas[i - 1]
                    _backpropagate(weights, delta, previous, n_in, n_units, n)
                    for f in range(n_in):
                        _backpropagate_derivative(
                            inputs[f], previous[f], n, hidden, one
                        )

                if penalized:
                    # 0.5 * alpha * ||W||^2 / n, the penalty in float64 as numpy's
                    # float64 alpha makes it, then cast into the dtype's loss.
                    squares = zero
                    a_k = alpha_cast[k]
                    for i in range(n_layers):
                        n_in = layer_units[i]
                        n_units = layer_units[i + 1]
                        weights = _layer(params, offsets, layer_units, i)
                        gradient = _layer(grad, offsets, layer_units, i)
                        for j in range(n_units):
                            w_row = weights[j]
                            squares += _dot(w_row, w_row, n_in, zero)
                            g_row = gradient[j]
                            for f in range(n_in):
                                g_row[f] += w_row[f] * a_k
                    cast[0] = loss + 0.5 * alpha[k] * squares / denominator
                    loss = cast[0]
                for p in range(n_params):
                    grad[p] = grad[p] / denominator

                # Accumulated as scikit-learn does, from the first batch's value.
                if b == 0:
                    total = loss * batch_sizes[b]
                else:
                    total += loss * batch_sizes[b]

                if solver == 0:
                    r = rate[k]
                    if velocity.shape[0] == 0:
                        for p in range(n_params):
                            params[p] -= grad[p] * r
                    else:
                        m = momentum[k]
                        v = velocity[k]
                        if nesterov:
                            for p in range(n_params):
                                step = grad[p] * r
                                v[p] = v[p] * m - step
                                params[p] += v[p] * m - step
                        else:
                            for p in range(n_params):
                                v[p] = v[p] * m - grad[p] * r
                                params[p] += v[p]
                else:
                    t = adam_t[k] + 1
                    adam_t[k] = t
                    learning_rate = (
                        adam_learning_rate_init[k]
                        * math.sqrt(1.0 - adam_beta_2[k] ** np.float64(t))
                        / (1.0 - adam_beta_1[k] ** np.float64(t))
                    )
                    adam_learning_rate[k] = learning_rate
                    cast[0] = -learning_rate
                    step_rate = cast[0]
                    b1 = adam_beta_1_cast[k]
                    c1 = adam_one_minus_beta_1[k]
                    b2 = adam_beta_2_cast[k]
                    c2 = adam_one_minus_beta_2[k]
                    eps = adam_epsilon[k]
                    m1 = first_moment[k]
                    m2 = second_moment[k]
                    for p in range(n_params):
                        g = grad[p]
                        m1[p] = m1[p] * b1 + g * c1
                        m2[p] = m2[p] * b2 + (g * g) * c2
                        params[p] += (m1[p] * step_rate) / (math.sqrt(m2[p]) + eps)
            epoch_losses[k, epoch] = total / n_total
        if epoch + 1 == n_epochs or (
            watch
            and _plateau_ahead(
                epoch_losses[:, epoch],
                best_loss,
                no_improvement_count,
                tol,
                n_iter_no_change,
            )
        ):
            return epoch + 1
    return n_epochs


class NumbaKernel:
    """The seam's compiled kernel (:mod:`skinit._kernel`): one call of
    :func:`train_epochs` runs an epoch of a stack, or many in sample order."""

    name = "numba"

    def supports(self, architecture, config, data):
        """Dense float inputs, a known activation / output pair, a stochastic
        solver."""
        return (
            not data.X.is_sparse
            and data.X.values.dtype in DTYPES
            and architecture.hidden_activation in HIDDEN_ACTIVATIONS
            and (architecture.output_activation, architecture.loss) in OUTPUTS
            and config.solver in SOLVERS
        )

    def pays_off(self, architecture):
        """Whether this kernel beats numpy here, for ``kernel='auto'``.

        Its loops win where numpy's per-call costs weigh, on small networks;
        BLAS's blocked products win on wide layers.  Measured (adam, batch
        200, BLAS on one thread, numpy / numba time): 2-10-5-1 1.4-2.5x,
        20-64-1 1.3x, 20-128-1 (2817 parameters) 1.2x; 32-128-1 (4353) 0.86x,
        64-64-64-1 0.43x, 64-256-128-10 0.57x.
        """
        return architecture.n_params <= AUTO_MAX_PARAMS

    def run_epoch(self, architecture, stack, batches):
        """Train ``stack`` for one epoch in place; -> its epoch loss ``(K,)``."""
        return self._arguments(architecture, stack, batches).run(stack, 1)[:, 0]

    def run_epochs(self, architecture, stack, batches, n_epochs):
        """Train ``stack`` for up to ``n_epochs`` epochs in sample order, in
        one call; -> their losses ``(K, n_run)`` (the seam's optional
        method)."""
        return self._arguments(architecture, stack, batches).run(stack, n_epochs)

    def _arguments(self, architecture, stack, batches):
        # What does not change while the stack keeps its networks, made once.
        static = stack.scratch.get(self.name)
        if static is None:
            static = stack.scratch[self.name] = _StackArguments(
                architecture, stack, batches
            )
        return static


class _StackArguments:
    """The kernel's arguments that depend on the stack only."""

    def __init__(self, architecture, stack, batches):
        data, dtype = stack.data, stack.params.flat.dtype
        n_networks, n_samples = stack.n_networks, data.n_samples
        alpha = stack.hyper.alpha
        bounds = [batch.start for batch in batches] + [batches[-1].stop]
        eps = np.finfo(dtype).eps
        self.in_order = np.tile(np.arange(n_samples), (n_networks, 1))
        self.data = (
            np.ascontiguousarray(data.X.values, dtype=dtype),
            np.ascontiguousarray(data.y, dtype=dtype),
            np.empty((n_networks, 0), dtype=dtype)
            if data.sample_weight is None
            else np.ascontiguousarray(data.sample_weight, dtype=dtype),
        )
        self.layout = (
            np.array(bounds, dtype=np.int64),
            np.diff(bounds).astype(dtype),
            np.asarray(architecture.layer_units, dtype=np.int64),
            HIDDEN_ACTIVATIONS[architecture.hidden_activation],
            OUTPUTS[architecture.output_activation, architecture.loss],
            # No network penalized: no penalty at all, as in the numpy kernel.
            _cast(np.float64, alpha) if alpha.any() else np.empty(0),
            _cast(dtype, alpha) if alpha.any() else np.empty(0, dtype=dtype),
            np.array(
                [0, 1, eps, 1 - eps, n_samples, 0.5, architecture.layer_units[-1]],
                dtype=dtype,
            ),
        )
        self.optimizer = self.rates = self.optimizer_arguments = None
        self.no_rates = np.empty(0)

    def run(self, stack, n_epochs):
        flat, state, hyper = stack.params.flat, stack.state, stack.hyper
        optimizer, order = state.optimizer, state.order
        if not flat.flags.c_contiguous:
            raise ValueError("The kernel updates parameters in place: a C array.")
        epoch_losses = np.empty((flat.shape[0], n_epochs), dtype=flat.dtype)
        adam = isinstance(optimizer, AdamOptimizer)
        # Made again only when the optimizer or SGD's learning rates change
        # (its schedules set a new array); Adam's state is updated in place.
        rates = None if adam else optimizer.learning_rate
        if optimizer is not self.optimizer or rates is not self.rates:
            self.optimizer, self.rates = optimizer, rates
            self.optimizer_arguments = _optimizer_arguments(optimizer, flat.dtype)
        # Adam's learning rates of the last step are written here.
        learning_rate = np.empty(flat.shape[0]) if adam else self.no_rates
        n_run = train_epochs(
            n_epochs,
            n_epochs > 1,
            state.best_loss,
            state.no_improvement_count,
            hyper.tol,
            hyper.n_iter_no_change,
            flat,
            *self.data,
            self.in_order if order is None else np.ascontiguousarray(order),
            *self.layout,
            *self.optimizer_arguments,
            learning_rate,
            epoch_losses,
        )
        if adam:
            optimizer.learning_rate = learning_rate
        return epoch_losses[:, :n_run]


def _cast(dtype, values):
    """``(K,)`` float64 values in ``dtype``, as numpy's update casts them."""
    return np.ascontiguousarray(np.asarray(values, dtype=float), dtype=dtype)


def _optimizer_arguments(optimizer, dtype):
    """The optimizer's state as the kernel's arguments: its own arrays where
    the kernel updates them, casts as numpy's ``update`` makes them otherwise."""
    none = np.empty(0, dtype=dtype)
    none_2d = np.empty((0, 0), dtype=dtype)
    if isinstance(optimizer, AdamOptimizer):
        return (
            SOLVERS["adam"],
            none,
            none,
            none_2d,
            False,
            optimizer.t,
            optimizer.learning_rate_init,
            optimizer.beta_1,
            optimizer.beta_2,
            _cast(dtype, optimizer.beta_1),
            _cast(dtype, 1 - optimizer.beta_1),
            _cast(dtype, optimizer.beta_2),
            _cast(dtype, 1 - optimizer.beta_2),
            _cast(dtype, optimizer.epsilon),
            optimizer.first_moment,
            optimizer.second_moment,
        )
    unused = np.empty(0)
    return (
        SOLVERS["sgd"],
        _cast(dtype, optimizer.learning_rate),
        _cast(dtype, optimizer.momentum),
        none_2d if optimizer.velocity is None else optimizer.velocity,
        bool(optimizer.nesterov),
        np.empty(0, dtype=np.int64),
        unused,
        unused,
        unused,
        none,
        none,
        none,
        none,
        none,
        none_2d,
        none_2d,
    )
