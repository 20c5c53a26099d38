"""Halving benchmark: InitHalvingSearchCV vs scikit-learn's halving and the full
fused search, in one run; and how often the halving finds the full search's pick.

The seed study's grid on the course circles: initializer in {normal, he_normal,
glorot_uniform, lecun_normal} x scale in {0.01, 0.03, 0.1, 0.3, 1, 3, 10}, 5
folds, the 2-10-5-1 ReLU network, full-batch gradient descent (learning rate
0.01, ``tol=0``), up to ``--steps`` iterations.  Three searches:

- ``InitHalvingSearchCV(resource='max_iter', factor=3)`` -- fused rungs, the
  survivors continuing their training;
- ``HalvingGridSearchCV(InitMLPClassifier, resource='max_iter', factor=3)`` --
  scikit-learn's halving: the same rungs, every fit alone and from scratch;
- ``InitSearchCV`` -- the full search, every candidate at ``--steps``.

Timings are medians of ``--repeat`` runs, interleaved (their order rotating)
so that machine noise hits all three.  Target: the fused halving faster than
both references.  Then, for ``--seeds`` training sets
(``make_circles(300, noise=0.05)`` drawn from seeds 0, 1, ...), the script
reports whether the halving picks the full search's best candidate, or one
whose full-search score is within the best one's CV noise (one standard
error of its fold scores).

Run: ``python benchmarks/bench_halving.py`` (about 15 minutes on 2 cores), or
``--quick`` (1500 steps, one repeat, 3 seeds; about a minute).
"""

import argparse
import os
import platform
import statistics
import time
import warnings

import numpy as np
import sklearn
from sklearn.datasets import make_circles
from sklearn.exceptions import ConvergenceWarning
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import HalvingGridSearchCV

from skinit import InitHalvingSearchCV, InitMLPClassifier, InitSearchCV
from skinit.datasets import load_circles

CV = 5
FACTOR = 3
# The seed study's grid and network.
GRID = {
    "initializer": ["normal", "he_normal", "glorot_uniform", "lecun_normal"],
    "scale": [0.01, 0.03, 0.1, 0.3, 1, 3, 10],
}


def _common(steps):
    return dict(
        hidden_layer_sizes=(10, 5),
        learning_rate_init=0.01,
        max_iter=steps,
        alpha=0.0,
        tol=0.0,
        n_iter_no_change=steps,
        random_state=3,
    )


def _estimator(steps):
    return InitMLPClassifier(solver="gd", **_common(steps))


def _halving(search_class, X, y, steps):
    return search_class(
        _estimator(steps),
        GRID,
        resource="max_iter",
        max_resources=steps,
        factor=FACTOR,
        cv=CV,
    ).fit(X, y)


def run_fused_halving(X, y, steps):
    return _halving(InitHalvingSearchCV, X, y, steps)


def run_sklearn_halving(X, y, steps):
    return _halving(HalvingGridSearchCV, X, y, steps)


def run_full(X, y, steps):
    return InitSearchCV(_estimator(steps), GRID, cv=CV).fit(X, y)


RUNS = {
    "InitHalvingSearchCV": run_fused_halving,
    "HalvingGridSearchCV": run_sklearn_halving,
    "InitSearchCV (full)": run_full,
}


def _candidate(params):
    return params["initializer"], params["scale"]


def timings(X, y, steps, repeat):
    times = {name: [] for name in RUNS}
    results = {}
    names = list(RUNS)
    for r in range(repeat):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            start = time.perf_counter()
            results[name] = RUNS[name](X, y, steps)
            times[name].append(time.perf_counter() - start)
    fused, reference = results["InitHalvingSearchCV"], results["HalvingGridSearchCV"]
    difference = np.nanmax(
        np.abs(
            fused.cv_results_["mean_test_score"]
            - reference.cv_results_["mean_test_score"]
        )
    )
    print(
        f"\n{steps} steps, {len(GRID['initializer']) * len(GRID['scale'])} "
        f"candidates x {CV} folds, factor {FACTOR}: rungs {fused.n_resources_} "
        f"with {fused.n_candidates_} candidates"
    )
    print(
        f"  same survivors and best as scikit-learn's halving: "
        f"{fused.cv_results_['params'] == reference.cv_results_['params']} / "
        f"{fused.best_params_ == reference.best_params_}, "
        f"max |score difference| = {difference:.1e}"
    )
    median = {name: statistics.median(values) for name, values in times.items()}
    for name, values in times.items():
        print(
            f"  {name:22s} median {median[name]:7.2f} s "
            f"(min {min(values):.2f}, max {max(values):.2f})"
        )
    ours = median["InitHalvingSearchCV"]
    for name in ("HalvingGridSearchCV", "InitSearchCV (full)"):
        ratio = median[name] / ours
        print(
            f"  {name} / InitHalvingSearchCV = {ratio:5.1f}x "
            f"(target > 1x: {'PASS' if ratio > 1 else 'FAIL'})"
        )


def agreement(steps, n_seeds):
    """Per data seed: the full search's best, the halving's pick, and where
    the pick ranks in the full search."""
    print(f"\nHalving's pick vs the full search's best, {n_seeds} data seeds:")
    print("  seed  full best (score +- s.e.)        halving pick (full score)")
    exact = within = 0
    for seed in range(n_seeds):
        X, y = make_circles(n_samples=300, noise=0.05, random_state=seed)
        full = run_full(X, y, steps)
        halving = run_fused_halving(X, y, steps)
        results = full.cv_results_
        best = full.best_index_
        standard_error = results["std_test_score"][best] / np.sqrt(CV)
        pick = results["params"].index(
            {name: halving.best_params_[name] for name in GRID}
        )
        pick_score = results["mean_test_score"][pick]
        exact += pick == best
        close = pick_score >= results["mean_test_score"][best] - standard_error
        within += close
        print(
            f"  {seed:4d}  {str(_candidate(results['params'][best])):22s} "
            f"{results['mean_test_score'][best]:.3f} +- {standard_error:.3f}   "
            f"{str(_candidate(results['params'][pick])):22s} {pick_score:.3f}"
            f"{'' if close else '  (outside the noise)'}"
        )
    print(
        f"  the same candidate: {exact}/{n_seeds}; "
        f"within one standard error of the best: {within}/{n_seeds}"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=15000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument(
        "--quick", action="store_true", help="1500 steps, one repeat, 3 seeds"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.steps, args.repeat, args.seeds = 1500, 1, 3
    warnings.simplefilter("ignore", ConvergenceWarning)
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"scikit-learn {sklearn.__version__}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    X, y, _, _ = load_circles()
    # Warm-up: imports and first calls, before any timing.
    for run in RUNS.values():
        run(X, y, 30)
    timings(X, y, args.steps, args.repeat)
    agreement(args.steps, args.seeds)
    print(f"\nload average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
