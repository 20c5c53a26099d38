"""
==========================
Why does the scale matter?
==========================

The deep-learning course's "Initialization" notebook trains one small network
-- 2 inputs, two ReLU hidden layers of 10 and 5 units, one sigmoid output --
on two noisy circles, with full-batch gradient descent, and changes only the
initial weights.  Weights drawn from a standard normal distribution and
multiplied by 0.01 train *worse* than the same weights multiplied by 10, and
He initialization trains best.  Why?

This example opens the network up with :mod:`skinit.diagnostics`: it measures,
layer by layer, how big the signal is on its way forward, how big the
gradients are on their way back, and whether units are dead or the output is
saturated -- first at initialization, before any training, then during and
after training.  Every number below is computed when the example runs.
"""

# %%
# The network and the data
# ------------------------
#
# The notebook's configuration: 15000 steps of gradient descent on the 300
# training points with a learning rate of 0.01, no regularization, seed 3.  We
# compare six initial networks: standard normal weights times 0.01, 0.1, 1 and
# 10, He initialization (normal with variance ``2 / fan_in``) and Glorot
# initialization (uniform with variance ``2 / (fan_in + fan_out)``).  All of
# them start with zero biases.

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.inspection import DecisionBoundaryDisplay

from skinit import InitMLPClassifier
from skinit.datasets import load_circles
from skinit.diagnostics import (
    LayerStatisticsDisplay,
    LossCurveDisplay,
    TrainingRecordDisplay,
    diagnose,
    initial_network,
)

X_train, y_train, X_test, y_test = load_circles()
LEARNING_RATE = 0.01
N_STEPS = 15000


def notebook_network(initializer, scale=1.0):
    """The notebook's network, recording diagnostics every 100 steps."""
    return InitMLPClassifier(
        hidden_layer_sizes=(10, 5), activation="relu", solver="gd",
        learning_rate_init=LEARNING_RATE, max_iter=N_STEPS, alpha=0, tol=0,
        n_iter_no_change=N_STEPS, random_state=3, initializer=initializer,
        scale=scale, record_every=100,
    )


configs = {
    "normal x0.01": notebook_network("normal", 0.01),
    "normal x0.1": notebook_network("normal", 0.1),
    "normal x1": notebook_network("normal", 1),
    "normal x10": notebook_network("normal", 10),
    "He": notebook_network("he_normal"),
    "Glorot": notebook_network("glorot_uniform"),
}

# %%
# At initialization: one report per network
# -----------------------------------------
#
# :func:`~skinit.diagnostics.diagnose` with ``at="init"`` draws the initial
# weights exactly as ``fit`` would and measures them on the training data,
# without training.  Here is the full report of the smallest weights.  Layer 1
# is the first hidden layer, layer 3 the output; "act std" is the standard
# deviation of the layer's output over all samples and units, "dead" the
# fraction of ReLU units that output 0 on every sample, and ``||dL/dW||`` the
# size of the gradient of the loss with respect to the layer's weight matrix.

at_init = {name: diagnose(est, X_train, y_train, at="init")
           for name, est in configs.items()}
print(at_init["normal x0.01"])

# %%
# and the largest ones:

print(at_init["normal x10"])

# %%
# Side by side, the six networks at initialization:


def summary(reports):
    """One row per network: the key numbers of its reports."""
    rows = {}
    for name, report in reports.items():
        row = {"loss": report.loss}
        # The hidden layers; the output layer's activation is the output.
        for i, std in enumerate(report.activation_std[:-1], start=1):
            row[f"act std {i}"] = std
        row["output std"] = report.output_std
        row["saturated outputs"] = report.output_saturated_fraction
        for i, norm in enumerate(report.gradient_norm, start=1):
            row[f"||dL/dW_{i}||"] = norm
        rows[name] = row
    return pd.DataFrame(rows).T


def show(frame):
    print(frame.to_string(float_format=lambda value: f"{value:.3g}"))


show(summary(at_init))

# %%
# How the signal shrinks or grows, layer by layer
# -----------------------------------------------
#
# A ReLU layer with zero biases is *positively homogeneous*: multiplying its
# weights by ``c > 0`` multiplies its output by ``c``.  So the four "normal"
# networks compute the same function up to scale: the first hidden layer's
# signal is multiplied by ``c``, the second's by ``c**2``, the output's
# pre-activation by ``c**3``.  The measurements agree:

base = at_init["normal x1"]
for name in ("normal x0.01", "normal x0.1", "normal x10"):
    report = at_init[name]
    ratios = report.preactivation_std / base.preactivation_std
    print(f"{name}: pre-activation std relative to x1, layer by layer: "
          + ", ".join(f"{ratio:.3g}" for ratio in ratios))

# %%
# Also, the scale does not change *which* units are dead at the start (the
# sign of every pre-activation is the same), only how loud the network is:

for name in ("normal x0.01", "normal x1", "normal x10"):
    dead = at_init[name].dead_fraction[:2]
    print(f"{name}: dead ReLU units in layers 1 and 2: "
          + ", ".join(f"{100 * fraction:.0f}%" for fraction in dead))

# %%
# He initialization chooses the scale of each layer so that the signal keeps
# its size: a ReLU zeroes about half of its inputs, and a variance of
# ``2 / fan_in`` makes up for that on average.  Glorot's variance
# ``2 / (fan_in + fan_out)`` is always smaller than He's, so with ReLU the
# signal tends to shrink from layer to layer.
#
# The plot shows, for each layer, the standard deviation of the pre-activation
# (the signal before the activation function) and the gradient norm.  On a log
# scale, a signal multiplied by the same factor at every layer is a straight
# line.

display = LayerStatisticsDisplay.from_estimators(
    list(configs.values()), X_train, y_train, at="init", names=list(configs),
    statistics=("preactivation_std", "gradient_norm"),
)
display.figure_.suptitle("At initialization")

# %%
# The output and the loss at iteration 0
# --------------------------------------
#
# The output of the network is a probability ``sigmoid(z)``.  With weights
# times 0.01 the output pre-activation ``z`` is tiny, so every sample gets a
# probability of one half: the network says "I don't know", and the loss is
# ``log 2``.  With weights times 10, ``z`` is huge, and the sigmoid is
# saturated: the network is certain, and wrong on many samples.  A certain
# wrong answer costs ``-log(eps)`` (probabilities are clipped to
# ``[eps, 1 - eps]``), which explains the enormous initial loss.
# :func:`~skinit.diagnostics.initial_network` gives the untrained network
# itself, to look at its predictions.

small, large = at_init["normal x0.01"], at_init["normal x10"]
print(f"log 2 = {np.log(2):.4f}; loss of x0.01 at iteration 0: {small.loss:.4f}")
print(f"x0.01: predicted probabilities between {small.output_min:.6f} "
      f"and {small.output_max:.6f}")

proba = initial_network(configs["normal x10"], X_train, y_train).predict_proba(
    X_train
)[:, 1]
certain_and_wrong = np.mean(((proba > 0.99) & (y_train == 0))
                            | ((proba < 0.01) & (y_train == 1)))
eps_cost = -np.log(np.finfo(float).eps)
print(f"x10: {100 * large.output_saturated_fraction:.0f}% of the samples get a "
      f"probability below 0.01 or above 0.99, and "
      f"{100 * certain_and_wrong:.0f}% are certain and wrong.\n"
      f"A certain wrong answer costs {eps_cost:.1f}: "
      f"{certain_and_wrong:.2f} x {eps_cost:.1f} = {certain_and_wrong * eps_cost:.2f}; "
      f"the loss at iteration 0 is {large.loss:.2f}.")

# %%
# Vanishing gradients
# -------------------
#
# Backpropagation multiplies the error at the output by the weights of every
# layer above the one being updated.  With the weights times ``c``, the
# gradient of each weight matrix therefore carries a factor ``c**2`` (the
# weights of the two other layers).  What matters for training is the size of
# a step *relative to the weights*: one gradient-descent step changes ``W_l``
# by ``learning_rate * ||dL/dW_l|| / ||W_l||`` of its size.

steps = pd.DataFrame(
    {name: LEARNING_RATE * report.gradient_ratio for name, report in at_init.items()},
    index=[f"layer {i}" for i in range(1, 4)],
).T
print("Relative change of each weight matrix in the first step:")
show(steps)
budget = N_STEPS * steps.loc["normal x0.01"].max()
print(f"\nAt that pace, {N_STEPS} steps would add up to {100 * budget:.2g}% of "
      "the x0.01 weights: the network barely moves.")

# %%
# With x0.01 the gradients of all three layers vanish together: the network
# sits next to the point where all weights are zero, where the gradient is
# exactly zero, and each layer waits for the others to grow.  He
# initialization gives steps of a sensible size from the start.  With x10 the
# relative steps are large -- the first steps will be violent.
#
# Training
# --------
#
# Now the notebook's full 15000 steps, with diagnostics recorded every 100
# steps (``record_every=100``; recording does not change the fit).

with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter is the plan
    for est in configs.values():
        est.fit(X_train, y_train)

display = LossCurveDisplay.from_estimators(list(configs.values()), names=list(configs))
_ = display.ax_.set_title("Training loss")

# %%
# Gradient descent with a small enough step never increases the loss.  Count
# the steps that did, among the first 1000:

for name, est in configs.items():
    increases = np.sum(np.diff(est.loss_curve_[:1000]) > 0)
    print(f"{name:>12}: the loss went up at {increases} of the first 1000 steps")

# %%
# The gradient norms over training tell the story of each network: x0.01 never
# leaves its vanishing gradients; He starts healthy; x10 starts with huge
# gradients that collapse within the first few hundred steps.

names = ["normal x0.01", "He", "normal x10"]
display = TrainingRecordDisplay.from_estimators(
    [configs[name] for name in names], names=names
)
display.figure_.suptitle("Gradient norm of each layer during training")

# %%
# After training
# --------------
#
# The same diagnostics on the trained networks, with the training and test
# accuracy ("dead 1" and "dead 2": the fraction of dead units of the hidden
# layers, to compare with the same numbers at initialization above).

fitted = {name: diagnose(est, X_train, y_train) for name, est in configs.items()}
after = pd.DataFrame(
    {
        "loss at init": [report.loss for report in at_init.values()],
        "loss": [report.loss for report in fitted.values()],
        "output std": [report.output_std for report in fitted.values()],
        "saturated outputs": [
            report.output_saturated_fraction for report in fitted.values()
        ],
        "||dL/dW_1||": [report.gradient_norm[0] for report in fitted.values()],
        "dead 1": [report.dead_fraction[0] for report in fitted.values()],
        "dead 2": [report.dead_fraction[1] for report in fitted.values()],
        "train accuracy": [est.score(X_train, y_train) for est in configs.values()],
        "test accuracy": [est.score(X_test, y_test) for est in configs.values()],
    },
    index=list(configs),
)
show(after)

# %%
# The training records say *when* units died.  For each network: the dead
# units of layer 2 at initialization, after the first 100 steps, and the first
# recorded step at which layer 2 had more dead units than at the start.

for name, est in configs.items():
    record = est.training_record_
    dead = record.dead_fraction[:, 1]
    more = np.flatnonzero(dead > dead[0])
    when = f"step {record.iterations[more[0]]}" if len(more) else "never"
    print(f"{name:>12}: layer 2 dead {100 * dead[0]:.0f}% at init, "
          f"{100 * dead[1]:.0f}% after {record.iterations[1]} steps; "
          f"more dead units from: {when}")

# %%
# And the size of a step relative to the weights at the end of training:

final_steps = pd.DataFrame(
    {name: LEARNING_RATE * report.gradient_ratio for name, report in fitted.items()},
    index=[f"layer {i}" for i in range(1, 4)],
).T
show(final_steps)

# %%
# One more fact before reading the numbers: He and x1 draw the same random
# numbers (same seed, both normal), and He multiplies layer ``l`` by
# ``sqrt(2 / fan_in)``.  So here He is x1 with layers 2 and 3 shrunk:

he, x1 = at_init["He"], at_init["normal x1"]
print("He / x1 weight norms, layer by layer: "
      + ", ".join(f"{ratio:.3g}" for ratio in he.coef_norm / x1.coef_norm))

# %%
# Reading the numbers:
#
# - **x0.01** (and nearly **x0.1**) end where they started: a loss of about
#   ``log 2`` and an output of one half for every point, a coin flip.  Not a
#   bad minimum: a flat region that gradient descent with this learning rate
#   cannot leave in 15000 steps.
# - **x10** starts saturated and certain, with large gradients.  Its first
#   steps are too large for the landscape: the loss jumps up and down, and
#   the steps push units of layer 2 to be negative on every sample.  Those
#   units are dead: they get no gradient, and they never come back.  The
#   rest of training happens with fewer units, and with weights so large that
#   each step of learning rate 0.01 changes them very little relative to their
#   size: it keeps improving, slowly.
# - **He** starts with a signal of the right size at every layer and
#   gradients of the right size for every layer.  Some of its units die too,
#   but only after thousands of steps, while the network keeps learning.
#   **x1**, close to He here, behaves alike.
# - **Glorot**'s signal shrinks at every ReLU layer; it trains, but more slowly
#   than He within the same budget.
#
# The decision boundaries
# -----------------------
#
# scikit-learn's :class:`~sklearn.inspection.DecisionBoundaryDisplay` draws
# what each trained network predicts.

fig, axes = plt.subplots(1, 3, figsize=(13, 4), layout="constrained")
for ax, name in zip(axes, names):
    est = configs[name]
    DecisionBoundaryDisplay.from_estimator(
        est, X_train, response_method="predict", ax=ax, alpha=0.4, cmap="coolwarm"
    )
    ax.scatter(*X_train.T, c=y_train, s=8, cmap="coolwarm", edgecolors="k",
               linewidths=0.3)
    ax.set_title(f"{name}: test accuracy {est.score(X_test, y_test):.2f}")

plt.show()
