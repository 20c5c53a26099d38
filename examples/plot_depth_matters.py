r"""
==============
Depth matters
==============

On the course's small network (two hidden layers of 10 and 5 units), weights
drawn from a standard normal distribution and multiplied by 0.01 train badly,
but they do train a little.  What happens in a deeper network?

This example trains a network with **four hidden layers of 64 ReLU units** on
scikit-learn's digits (8 x 8 images of handwritten digits, 10 classes), with
three initializations that differ only in the scale of the weights:

- ``normal`` x 0.01: standard normal draws times 0.01, the same scale for
  every layer;
- LeCun (``lecun_normal``): normal with variance ``1 / fan_in``;
- He (``he_normal``): normal with variance ``2 / fan_in``.

It measures, with :mod:`skinit.diagnostics`, how the signal and the gradients
propagate through the layers at initialization, then trains the three
networks, and finally varies the depth.  Every number is computed when the
example runs.
"""

# License: BSD-3-Clause

# %%
# The data and the networks
# -------------------------
#
# The 1797 digits are split into a training part (75 %) and a test part
# (25 %), with the same class balance, and each of the 64 pixel features is
# standardized with the training part's mean and standard deviation.
#
# All networks are trained the same way: stochastic gradient descent
# (``solver='sgd'``) with mini-batches of 200 samples, a learning rate of
# 0.01 and scikit-learn's default momentum of 0.9, for a fixed budget of 100
# epochs (``tol=0``: no early stop, so scikit-learn's ``ConvergenceWarning``
# is expected and silenced below), without L2 penalty (``alpha=0``).  Only
# the initial weights change; the biases start at zero.
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skinit import InitMLPClassifier
from skinit.diagnostics import (
    LayerStatisticsDisplay,
    LossCurveDisplay,
    TrainingRecordDisplay,
    diagnose,
    initial_network,
)

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

WIDTH, DEPTH, N_EPOCHS = 64, 4, 100
INITIALIZATIONS = {
    "normal x0.01": ("normal", 0.01),
    "LeCun": ("lecun_normal", 1.0),
    "He": ("he_normal", 1.0),
}


def network(name, depth=DEPTH, record_every=None):
    """``depth`` hidden ReLU layers of ``WIDTH`` units, initialized by ``name``."""
    initializer, scale = INITIALIZATIONS[name]
    return InitMLPClassifier(
        hidden_layer_sizes=(WIDTH,) * depth, activation="relu", solver="sgd",
        learning_rate_init=0.01, max_iter=N_EPOCHS, tol=0,
        n_iter_no_change=N_EPOCHS, alpha=0, random_state=0,
        initializer=initializer, scale=scale, record_every=record_every,
    )


configs = {name: network(name, record_every=5) for name in INITIALIZATIONS}
print(f"{len(y_train)} training and {len(y_test)} test samples, "
      f"{X_train.shape[1]} features, {len(np.unique(y))} classes")

# %%
# Every weight matrix here has 64 inputs: the 64 pixels for the first layer,
# the 64 units of the previous layer for the others.  So each initialization
# uses one standard deviation for all five weight matrices (four hidden, one
# output).  :func:`~skinit.diagnostics.initial_network` gives the untrained
# networks; their weights are in fact the *same* random numbers (same seed,
# all three normal), scaled differently:

initial = {name: initial_network(est, X_train, y_train)
           for name, est in configs.items()}
he_coefs = initial["He"].coefs_
for name, net in initial.items():
    std = np.std(np.concatenate([coef.ravel() for coef in net.coefs_]))
    factor = np.mean(net.coefs_[0] / he_coefs[0])
    scaled = all(
        np.allclose(coef, factor * he) for coef, he in zip(net.coefs_, he_coefs)
    )
    print(f"{name:>12}: weight std {std:.4f}; every weight = {factor:.4f} x He's: "
          f"{scaled}")

# %%
# At initialization: the diagnostic reports
# -----------------------------------------
#
# :func:`~skinit.diagnostics.diagnose` with ``at="init"`` measures the initial
# network on the training data, layer by layer.  Layers 1 to 4 are the hidden
# layers, layer 5 the softmax output; "pre-act std" is the spread of the
# signal entering the activation function, "act std" of the signal leaving
# it, and ``||dL/dW||`` is the size of the gradient of the loss with respect
# to the layer's weight matrix, what gradient descent uses to update it.

at_init = {name: diagnose(est, X_train, y_train, at="init")
           for name, est in configs.items()}
print(at_init["normal x0.01"])

# %%
# The signal shrinks by the same large factor at every layer, so the output
# layer's pre-activations (the logits of the 10 classes) are tiny, every class
# gets a probability of about 1/10, and the loss is ``log 10``:

small = at_init["normal x0.01"]
shrink = small.preactivation_std[:-1] / small.preactivation_std[1:]
print("pre-activation std of each layer / the next one's: "
      + ", ".join(f"{ratio:.1f}" for ratio in shrink))
print(f"output layer / first layer: "
      f"{small.preactivation_std[-1] / small.preactivation_std[0]:.1e}")
print(f"log 10 = {np.log(10):.4f}, loss at initialization: {small.loss:.4f}; "
      f"predicted probabilities between {small.output_min:.6f} and "
      f"{small.output_max:.6f}")

# %%
# LeCun's signal shrinks too, but slowly:

print(at_init["LeCun"])

# %%
# and He's keeps its size through the four hidden layers:

print(at_init["He"])

# %%
# How much the signal shrinks at each layer
# -----------------------------------------
#
# Take a layer whose ``fan_in`` inputs have a mean square of ``q`` and whose
# weights are independent with standard deviation ``sigma``.  Its
# pre-activation ``z`` has a mean square of ``fan_in * sigma**2 * q``, and
# since a ReLU lets through the positive half of a symmetric ``z``, the mean
# square of its output is half that.  So from one layer to the next the size
# of the signal (the square root of the mean square) is multiplied by the
# *gain*
#
# .. math:: g = \sqrt{\mathrm{fan\_in}\, \sigma^2 / 2}.
#
# He's variance ``2 / fan_in`` makes ``g = 1``; LeCun's ``1 / fan_in`` gives
# ``g = 1 / sqrt(2)``; a fixed 0.01 gives ``g = 0.01 * sqrt(64 / 2)``.  The
# measured ratio of the pre-activation spread of each layer to the previous
# layer's agrees with the gain, within the randomness of 64 units:

rows = {}
for name, report in at_init.items():
    sigma = np.std(initial[name].coefs_[1])
    row = {"predicted gain": np.sqrt(WIDTH * sigma**2 / 2)}
    ratios = report.preactivation_std[1:] / report.preactivation_std[:-1]
    for layer, ratio in enumerate(ratios, start=2):
        row[f"layer {layer} / {layer - 1}"] = ratio
    rows[name] = row
gains = pd.DataFrame(rows).T
print(gains.to_string(float_format="{:.3f}".format))

# %%
# On a log scale a signal multiplied by the same factor at every layer is a
# straight line: steep for x0.01, gently sloping for LeCun, flat for He.

display = LayerStatisticsDisplay.from_estimators(
    list(configs.values()), X_train, y_train, at="init", names=list(configs),
    statistics=("preactivation_std", "gradient_norm"),
)
display.figure_.suptitle("At initialization, 4 hidden layers of 64 ReLU units")

# %%
# The gradients: small everywhere, and smaller with every layer you add
# ---------------------------------------------------------------------
#
# The right panel may be a surprise: with x0.01 the gradient does not shrink
# from the output layer down to the first layer -- it is about the same, and
# tiny, for *every* layer.  Backpropagation explains it.  The gradient of
# ``W_l`` is the product of the signal entering layer ``l`` (which has gone
# through the ``l - 1`` weight matrices below it) and the error coming back
# from the output (which has gone back through the ``L - l`` weight matrices
# above it), ``L = 5`` layers in all.  The x0.01 weights are He's times the
# factor ``k`` printed above, so every layer's gradient carries ``k ** (l -
# 1) * k ** (L - l) = k ** (L - 1)``, whatever ``l``: it is of the order of
# He's times ``k ** 4`` (not exactly, as the two networks' output errors
# differ).

k = 0.01 / np.sqrt(2 / WIDTH)
gradient = at_init["normal x0.01"].gradient_norm
print(f"x0.01: largest / smallest gradient norm over the 5 layers: "
      f"{gradient.max() / gradient.min():.2f}")
print(f"k = {k:.4f}, k ** 4 = {k ** 4:.1e}; x0.01 gradient norm / He's, layer by "
      "layer: " + ", ".join(f"{ratio:.1e}"
                            for ratio in gradient / at_init["He"].gradient_norm))

# %%
# A deeper network multiplies every gradient by one more factor ``k``.  The
# gradient of the first layer at initialization, for networks of 1 to 10
# hidden layers of 64 units (measurements only, no training):

depths = np.arange(1, 11)
first_gradient = pd.DataFrame(
    {name: [diagnose(network(name, depth), X_train, y_train,
                     at="init").gradient_norm[0] for depth in depths]
     for name in INITIALIZATIONS},
    index=pd.Index(depths, name="hidden layers"),
)
per_layer = np.exp(np.log(first_gradient).diff().mean())
print("Average factor on the first layer's gradient per added hidden layer:")
print(per_layer.to_string(float_format="{:.3f}".format))

fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
for name in first_gradient:
    ax.plot(depths, first_gradient[name], marker="o", label=name)
ax.set_yscale("log")
ax.set_xlabel("number of hidden layers")
ax.set_ylabel("||dL/dW_1|| at initialization")
ax.set_title("The first layer's gradient and the depth")
ax.legend()
print("\nWith 10 hidden layers:")
print(first_gradient.loc[depths[-1]].to_string(float_format="{:.1e}".format))

# %%
# With x0.01 each added layer multiplies the gradient by about ``k``.
# LeCun's gradient shrinks by a constant factor too, but a mild one (about
# ``1 / sqrt(2)``, its gain); He's keeps its size.
#
# Training
# --------
#
# Now the 100 epochs, recording the diagnostics every 5 epochs
# (``record_every=5``; recording does not change the fit).

with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)  # the budget is fixed
    for est in configs.values():
        est.fit(X_train, y_train)

display = LossCurveDisplay.from_estimators(list(configs.values()), names=list(configs))
display.ax_.set_xlabel("epoch")
_ = display.ax_.set_title("Training loss, 4 hidden layers")

# %%
# The x0.01 curve is flat: its loss stays at ``log 10``.  The table gives the
# accuracies and how many epochs each network needed to bring its training
# loss below 0.1 ("-" if it never did):


def epochs_to(loss_curve, level=0.1):
    """The first epoch whose loss is below ``level``, or NaN."""
    below = np.flatnonzero(np.asarray(loss_curve) < level)
    return below[0] + 1 if len(below) else np.nan


def results(estimators):
    return pd.DataFrame(
        {
            "final loss": [est.loss_curve_[-1] for est in estimators.values()],
            "epochs to loss < 0.1": [
                epochs_to(est.loss_curve_) for est in estimators.values()
            ],
            "train accuracy": [est.score(X_train, y_train)
                               for est in estimators.values()],
            "test accuracy": [est.score(X_test, y_test) for est in estimators.values()],
        },
        index=list(estimators),
    )


trained = results(configs)
print(trained.to_string(float_format="{:.3g}".format, na_rep="-"))
stuck = configs["normal x0.01"]
predicted = np.unique(stuck.predict(X_test))
print(f"\nlog 10 = {np.log(10):.4f}; the x0.01 network predicts "
      f"{len(predicted)} class(es) for the {len(y_test)} test digits: "
      f"{predicted.tolist()}")

# %%
# The gradient norms over training show why.  He and LeCun start with
# gradients of a useful size, learn, and their gradients fall as the loss
# does.  The x0.01 gradients stay where they started for the whole budget: a
# step moves the weights by a negligible fraction of their size, so the
# weights cannot grow, and neither can the signal or the gradients.

display = TrainingRecordDisplay.from_estimators(
    list(configs.values()), names=list(configs)
)
display.figure_.set_size_inches(13, 3.8)
for ax in display.ax_:
    ax.set_xlabel("epoch")
display.figure_.suptitle("Gradient norm of each layer during training")

first, last = {}, {}
for name, est in configs.items():
    record = est.training_record_
    first[name], last[name] = record.gradient_norm[0], record.gradient_norm[-1]
    relative_step = 0.01 * record.gradient_ratio[0].max()
    print(f"{name:>12}: at the start, one gradient step of learning rate 0.01 "
          f"changes a weight matrix by at most {relative_step:.1e} of its size")
stuck_norms = configs["normal x0.01"].training_record_.gradient_norm
print(f"x0.01: all gradient norms recorded during training are between "
      f"{stuck_norms.min():.1e} and {stuck_norms.max():.1e}")

# %%
# The same, as numbers: the gradient norm of each layer at the start and at
# the end of training.

gradients = pd.concat(
    {"at the start": pd.DataFrame(first, index=range(1, DEPTH + 2)).T,
     f"after {N_EPOCHS} epochs": pd.DataFrame(last, index=range(1, DEPTH + 2)).T},
    axis=1,
)
gradients.columns.names = ["", "layer"]
print(gradients.to_string(float_format="{:.2e}".format))

# %%
# Shallower and deeper
# --------------------
#
# The same comparison with 1 to 8 hidden layers of 64 units, all trained
# the same way for 100 epochs.  The x0.01 start is a problem of depth: with
# few layers its gradients are small but not negligible, and it learns.

with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    by_depth = {}
    for depth in (1, 2, 3, 4, 8):
        fitted = (
            configs if depth == DEPTH
            else {name: network(name, depth).fit(X_train, y_train)
                  for name in INITIALIZATIONS}
        )
        by_depth[depth] = results(fitted)
by_depth = pd.concat(by_depth, names=["hidden layers", "initialization"])
epochs = by_depth["epochs to loss < 0.1"].unstack()[list(INITIALIZATIONS)]
accuracy = by_depth["test accuracy"].unstack()[list(INITIALIZATIONS)]
epochs["LeCun / He"] = epochs["LeCun"] / epochs["He"]
print("Epochs to bring the training loss below 0.1:")
print(epochs.to_string(float_format="{:.3g}".format, na_rep="-"))
print("\nTest accuracy:")
print(accuracy.to_string(float_format="{:.3f}".format))

fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
for name in INITIALIZATIONS:
    ax.plot(accuracy.index, accuracy[name], marker="o", label=name)
ax.axhline(1 / 10, color="0.7", linestyle=":", label="chance (1/10)")
ax.set_xlabel("number of hidden layers")
ax.set_ylabel("test accuracy")
ax.set_title(f"Test accuracy after {N_EPOCHS} epochs of SGD")
ax.legend()

# %%
# Reading the numbers
# -------------------
#
# - **x0.01** scales every layer by the same small factor.  The signal
#   shrinks by that factor at every layer on the way up, and every gradient
#   carries it once per layer of the network.  With one hidden layer the
#   gradients are small but the network learns; with two it learns slowly,
#   and from three on the gradients are so small that gradient descent does
#   not move within the budget: the network predicts a single class and stays
#   at the loss of a uniform guess, ``log 10``.
# - **LeCun**'s variance ``1 / fan_in`` keeps the size of the signal through
#   an activation that lets a small symmetric signal through whole, such as
#   tanh near zero.  A ReLU zeroes the negative half, so with ReLU the signal
#   shrinks by ``1 / sqrt(2)`` per layer.  At these depths that is harmless
#   for the final accuracy (it even starts with a lower loss than He, as its
#   output is less confident), but it slows training down: it needs more
#   epochs than He to fit the training data, and the ratio grows with depth.
# - **He** makes up exactly for the half that a ReLU zeroes: the signal and
#   the gradients keep their size at every depth, and its deep networks fit
#   the training data as fast as its shallow ones.
#
# The test accuracies of LeCun and He are close at every depth (one test
# digit is 1/450 of the accuracy); what the initialization decides here is
# whether, and how fast, a network of a given depth trains at all.
#
# The lesson of the course's small network holds, and depth amplifies it: the
# right scale for a layer depends on its fan-in and on its activation, and a
# scale that is merely "too small" in a shallow network is fatal in a deep
# one.  Use :func:`~skinit.diagnostics.diagnose` before training to check that
# the signal and the gradients have a sensible size at every layer.

plt.show()
