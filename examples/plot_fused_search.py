r"""
=============================
Fused search vs GridSearchCV
=============================

An initialization study trains many small networks: every candidate of the
grid on every cross-validation fold.  scikit-learn's
:class:`~sklearn.model_selection.GridSearchCV` trains them one after the
other.  :class:`skinit.InitSearchCV` takes the same arguments but trains all
the candidates and folds of one architecture *as one stacked model*: one
batched matrix product per layer advances all the networks at once (see
:ref:`fused_search`).

This example runs both searches on the same problem -- the grid of the seed
study, on the course's two circles -- checks that they give the same
results, and measures how long each takes.
"""

# License: BSD-3-Clause

# %%
# The problem
# -----------
#
# The course's network (two ReLU hidden layers of 10 and 5 units) trained by
# full-batch gradient descent for a fixed budget of 2,000 steps with a
# learning rate of 0.075 (``tol=0``: no early stop, so scikit-learn's
# ``ConvergenceWarning`` is expected and silenced below).  The grid crosses
# four initializers with four scales: 16 candidates, each trained on 5
# cross-validation folds of the 300 training points, that is 80 fits, plus
# one refit of the best candidate on all 300 points.
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from skinit import InitMLPClassifier, InitSearchCV
from skinit.datasets import load_circles

X_train, y_train, X_test, y_test = load_circles()

n_steps = 2000
model = InitMLPClassifier(
    hidden_layer_sizes=(10, 5),
    solver="gd",
    learning_rate_init=0.075,
    max_iter=n_steps,
    alpha=0,
    tol=0,
    n_iter_no_change=n_steps,
    random_state=3,
)
param_grid = {
    "initializer": ["normal", "he_normal", "glorot_uniform", "lecun_normal"],
    "scale": [0.01, 0.1, 1, 10],
}

# %%
# The two searches
# ----------------
#
# Both searches get the same estimator, grid and ``cv=5``, and both run in
# this one process (``n_jobs=None``, no parallel workers); ``n_jobs``
# parallelizes both searches in the same way.  With
# ``verbose=1`` the fused search reports how it stacked the fits.
searches = {
    "InitSearchCV": InitSearchCV(model, param_grid, cv=5, verbose=1),
    "GridSearchCV": GridSearchCV(model, param_grid, cv=5),
}
wall_time = {}
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)  # the budget is fixed
    for name, search in searches.items():
        start = time.perf_counter()
        search.fit(X_train, y_train)
        wall_time[name] = time.perf_counter() - start
fused, grid = searches["InitSearchCV"], searches["GridSearchCV"]

for name, seconds in wall_time.items():
    print(f"{name}: {seconds:.2f} s in all")
n_fits = len(grid.cv_results_["params"]) * grid.n_splits_
grid_training = np.sum(grid.cv_results_["mean_fit_time"]) * grid.n_splits_
print(f"InitSearchCV trained its {fused.n_fused_fits_} fits stacked in "
      f"{fused.fused_fit_time_:.2f} s ({1000 * fused.fused_fit_time_ / n_fits:.0f} ms "
      "per fit)")
print(f"GridSearchCV trained {n_fits} fits one by one in {grid_training:.2f} s "
      f"({1000 * grid_training / n_fits:.0f} ms per fit)")
print(f"The refit of the best candidate: {fused.refit_time_:.2f} s and "
      f"{grid.refit_time_:.2f} s (an ordinary fit in both)")

# %%
# Same results
# ------------
#
# ``InitSearchCV`` plans the very fits ``GridSearchCV`` makes -- the same
# clones, parameters, folds and random states -- and then lets
# scikit-learn's own search code score, rank and refit them.  So
# ``cv_results_`` must be the same, apart from the timing columns:
same_params = fused.cv_results_["params"] == grid.cv_results_["params"]
score_keys = [key for key in grid.cv_results_ if key.endswith("test_score")
              and not key.startswith("rank")]
max_difference = max(
    np.max(np.abs(fused.cv_results_[key] - grid.cv_results_[key]))
    for key in score_keys
)
same_ranks = np.array_equal(
    fused.cv_results_["rank_test_score"], grid.cv_results_["rank_test_score"]
)
print(f"same candidates in the same order: {same_params}")
print(f"largest difference over the {len(score_keys)} score columns "
      f"({', '.join(score_keys[:2])}, ...): {max_difference}")
mean_difference = np.max(np.abs(
    fused.cv_results_["mean_test_score"] - grid.cv_results_["mean_test_score"]
))
print(f"largest difference of mean_test_score: {mean_difference}")
print(f"same ranks: {same_ranks}")
print(f"best_params_: {fused.best_params_} and {grid.best_params_}, "
      f"equal: {fused.best_params_ == grid.best_params_}")
print(f"best_score_: {fused.best_score_:.4f} and {grid.best_score_:.4f}")
refits_equal = all(
    np.array_equal(a, b)
    for a, b in zip(fused.best_estimator_.coefs_, grid.best_estimator_.coefs_)
)
print(f"refitted networks identical: {refits_equal}; test accuracy "
      f"{fused.score(X_test, y_test):.2f} and {grid.score(X_test, y_test):.2f}")

# %%
# The difference is exactly zero, not just small: with an integer
# ``random_state`` every stacked network is bit for bit the network
# ``GridSearchCV`` trains.  Switching from one search to the other changes
# the run time, not the conclusions.
#
# The time
# --------
#
# The time ``InitSearchCV`` spends beyond training (``fused_fit_time_``) is
# scikit-learn's search machinery: scoring the 80 fitted networks on their
# test folds and the refit.

speed_up = wall_time["GridSearchCV"] / wall_time["InitSearchCV"]
print(f"speed-up on this machine: {wall_time['GridSearchCV']:.2f} s / "
      f"{wall_time['InitSearchCV']:.2f} s = {speed_up:.1f} x")

names = list(wall_time)
training = [fused.fused_fit_time_, grid_training]
rest = [wall_time[name] - seconds for name, seconds in zip(names, training)]
fig, ax = plt.subplots(figsize=(6.5, 3), layout="constrained")
ax.barh(names, training, color="tab:blue", label="training the 80 fits")
ax.barh(names, rest, left=training, color="tab:gray",
        label="scoring, refit and the rest")
for i, name in enumerate(names):
    ax.text(wall_time[name], i, f" {wall_time[name]:.1f} s", va="center")
ax.set_xlim(0, 1.15 * max(wall_time.values()))
ax.invert_yaxis()
ax.set_xlabel("seconds (wall clock)")
ax.set_title(f"16 candidates x 5 folds, {n_steps} steps each: {speed_up:.1f} x faster")
fig.legend(loc="outside lower center", ncols=2)

# %%
# These times depend on the machine, and on what else it runs at the same
# time: rerun the example to measure yours.  The gain is largest for many
# small networks, as here: a network of 10 and 5 units on 240 points does
# too little arithmetic per step to keep the processor busy, and each of
# ``GridSearchCV``'s fits pays numpy's and Python's fixed cost of every one
# of its 2,000 steps.  The stacked model pays it once per step for all the
# networks of the stack.  For large networks, where the matrix products
# dominate the time, the advantage shrinks.
#
# What the search found
# ---------------------
#
# The mean cross-validated accuracy of each candidate, the same from either
# search:

results = pd.DataFrame(fused.cv_results_["params"])
results["mean"] = fused.cv_results_["mean_test_score"]
results["std"] = fused.cv_results_["std_test_score"]
accuracy = results.pivot(index="initializer", columns="scale", values="mean")
spread = results.pivot(index="initializer", columns="scale", values="std")
accuracy = accuracy.loc[param_grid["initializer"], param_grid["scale"]]
spread = spread.loc[accuracy.index, accuracy.columns]
accuracy.columns = pd.Index([f"{scale:g}" for scale in accuracy.columns],
                            name="scale")
spread.columns = accuracy.columns
print(accuracy.to_string(float_format="{:.3f}".format))

fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
image = ax.imshow(accuracy.to_numpy(), cmap="viridis", vmin=0.4, vmax=1)
for i in range(accuracy.shape[0]):
    for j in range(accuracy.shape[1]):
        value = accuracy.iloc[i, j]
        ax.text(j, i, f"{value:.2f}\n\u00b1{spread.iloc[i, j]:.2f}", ha="center",
                va="center", color="k" if value > 0.75 else "w")
ax.set_xticks(range(accuracy.shape[1]), accuracy.columns)
ax.set_yticks(range(accuracy.shape[0]), accuracy.index)
ax.set_xlabel("scale")
ax.set_title("Mean 5-fold accuracy (\u00b1 std over the folds)")
fig.colorbar(image, ax=ax, label="accuracy")

# %%
# The best scale of each initializer, within this budget of steps:

print(accuracy.idxmax(axis=1).to_string())

# %%
# At ``scale=1`` each initializer is what its name says; smaller or larger
# weights do worse here, as the other examples of this gallery explain.  The
# four best candidates, with the spread of their accuracy over the folds --
# a gap between two candidates smaller than that spread is not a ranking:

ranked = results.sort_values("mean", ascending=False).head(4)
print(ranked.to_string(index=False, float_format="{:.3f}".format,
                       formatters={"scale": "{:g}".format}))
print(f"\nBest: {fused.best_params_}; its test accuracy after refitting on the "
      f"300 training points: {fused.score(X_test, y_test):.2f}")

plt.show()
