"""Fused search benchmark: InitSearchCV vs GridSearchCV, per kernel, in one run.

Two workloads, each searched over the same 16 candidates (initializer in
{normal, he_normal, glorot_uniform, lecun_normal} x scale in {0.1, 0.3, 1, 3}):

- ``course``: the course's 2-10-5-1 ReLU network on the 300 circles points,
  full-batch gradient descent, learning rate 0.01, 5 folds, at several step
  budgets (2000 and the small ones, 1 / 50 / 200, where fixed costs weigh);
- ``minibatch``: ``make_classification(2000, 20)``, hidden (64,), adam, batch
  200, 15 epochs, 4 folds.

Each is done by

- ``InitSearchCV(InitMLPClassifier)`` -- the fused search -- with each kernel;
- ``GridSearchCV(InitMLPClassifier)`` -- the same fits one by one -- with
  each kernel;
- ``GridSearchCV(MLPClassifier)`` doing the same work (it cannot choose the
  initializer: 16 candidates varying ``random_state``, fits of equal cost).

The kernel is set with ``skinit.config_context(kernel=...)`` around each
search (the numba rows are left out when numba is not installed).  Every
timing is the median of ``--repeat`` runs, all methods interleaved in an order
that rotates from one repeat to the next, so that machine noise hits each;
the ratios are of medians measured in the same run.

Targets (issue "compiled kernel"): course, 2000 steps: InitSearchCV >= 15x
GridSearchCV(MLPClassifier) at equal n_jobs (stretch 25x); the fused search
never slower than GridSearchCV(InitMLPClassifier) with the same kernel, at any
budget; minibatch: InitSearchCV >= 3x GridSearchCV(MLPClassifier).

Run: ``python benchmarks/bench_search.py`` (several minutes), or ``--quick``
for a smoke run (tiny budgets, one repeat).
"""

import argparse
import os
import platform
import statistics
import time
import warnings

import numpy as np
import sklearn
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network import MLPClassifier

import skinit
from skinit import InitMLPClassifier, InitSearchCV
from skinit._config import numba_available
from skinit.datasets import load_circles

GRID = {
    "initializer": ["normal", "he_normal", "glorot_uniform", "lecun_normal"],
    "scale": [0.1, 0.3, 1, 3],
}
N_CANDIDATES = len(GRID["initializer"]) * len(GRID["scale"])
SKLEARN_GRID = {"random_state": list(range(N_CANDIDATES))}
FOLDS = {"course": 5, "minibatch": 4}


def course(budget):
    """(X, y, skinit estimator, scikit-learn estimator, cv) of the course net."""
    X, y, _, _ = load_circles()
    common = dict(
        hidden_layer_sizes=(10, 5),
        learning_rate_init=0.01,
        max_iter=budget,
        alpha=0.0,
        tol=0.0,
        n_iter_no_change=budget,
        random_state=3,
    )
    cv = FOLDS["course"]
    theirs = MLPClassifier(
        solver="sgd",
        batch_size=len(X) * (cv - 1) // cv,
        momentum=0.0,
        shuffle=False,
        **common,
    )
    return X, y, InitMLPClassifier(solver="gd", **common), theirs, cv


def minibatch(budget):
    """The same for the mini-batch adam workload."""
    X, y = make_classification(n_samples=2000, n_features=20, random_state=0)
    common = dict(
        hidden_layer_sizes=(64,),
        solver="adam",
        batch_size=200,
        max_iter=budget,
        tol=0.0,
        n_iter_no_change=budget + 1,
        random_state=0,
    )
    ours, theirs = InitMLPClassifier(**common), MLPClassifier(**common)
    return X, y, ours, theirs, FOLDS["minibatch"]


WORKLOADS = {"course": course, "minibatch": minibatch}


def methods(kernels):
    """name -> (search maker, kernel or None)."""
    table = {}
    for kernel in kernels:
        table[f"fused[{kernel}]"] = ("fused", kernel)
        table[f"grid[{kernel}]"] = ("grid", kernel)
    table["sklearn"] = ("sklearn", None)
    return table


def run(method, kernel, workload, budget, n_jobs, dtype):
    X, y, ours, theirs, cv = WORKLOADS[workload](budget)
    X = X.astype(dtype)
    if method == "sklearn":
        search = GridSearchCV(theirs, SKLEARN_GRID, cv=cv, n_jobs=n_jobs)
    else:
        search_class = InitSearchCV if method == "fused" else GridSearchCV
        search = search_class(ours, GRID, cv=cv, n_jobs=n_jobs)
    with skinit.config_context(kernel=kernel):
        start = time.perf_counter()
        search.fit(X, y)
        return time.perf_counter() - start, search


def _load():
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "n/a"


def _ratio_line(label, slow, fast, target=None):
    ratio = statistics.median(slow) / statistics.median(fast)
    paired = [s / f for s, f in zip(slow, fast)]
    verdict = "" if target is None else (
        f", target >= {target:g}x: {'PASS' if ratio >= target else 'FAIL'}"
    )
    return (
        f"  {label:<44} {ratio:6.2f}x (paired {min(paired):.2f}-{max(paired):.2f})"
        f"{verdict}"
    )


def report(workload, budget, n_jobs, dtype, times, searches, kernels):
    unit = "steps" if workload == "course" else "epochs"
    print(
        f"\n{workload}: {N_CANDIDATES} candidates x {FOLDS[workload]} folds, "
        f"{budget} {unit}, n_jobs={n_jobs}, {dtype}  (load {_load()})"
    )
    for name, values in times.items():
        median = statistics.median(values)
        print(
            f"  {name:<16} median {median:8.3f} s  (min {min(values):.3f}, "
            f"max {max(values):.3f}, n={len(values)})"
        )
    for kernel in kernels:
        fused, grid = searches[f"fused[{kernel}]"], searches[f"grid[{kernel}]"]
        difference = np.nanmax(
            np.abs(
                fused.cv_results_["mean_test_score"]
                - grid.cv_results_["mean_test_score"]
            )
        )
        print(f"  max |score fused - grid| with kernel {kernel}: {difference:.1e}")
        # The speed-up targets are for the full budgets only.
        full = budget >= (2000 if workload == "course" else 15)
        target = (3 if workload == "minibatch" else 15) if full else None
        print(
            _ratio_line(
                f"GridSearchCV(MLPClassifier) / fused[{kernel}]",
                times["sklearn"],
                times[f"fused[{kernel}]"],
                target,
            )
        )
        print(
            _ratio_line(
                f"grid[{kernel}] / fused[{kernel}]",
                times[f"grid[{kernel}]"],
                times[f"fused[{kernel}]"],
                1,
            )
        )
    if len(kernels) == 2:
        for method in ("fused", "grid"):
            print(
                _ratio_line(
                    f"{method}[numpy] / {method}[numba]",
                    times[f"{method}[numpy]"],
                    times[f"{method}[numba]"],
                )
            )
        difference = np.nanmax(
            np.abs(
                searches["fused[numpy]"].cv_results_["mean_test_score"]
                - searches["fused[numba]"].cv_results_["mean_test_score"]
            )
        )
        print(f"  max |score numpy - numba| (fused): {difference:.1e}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", nargs="+", default=list(WORKLOADS))
    parser.add_argument(
        "--steps",
        type=int,
        nargs="+",
        default=None,
        help="budgets of the course workload (default 2000 1 50 200)",
    )
    parser.add_argument("--epochs", type=int, default=None, help="minibatch (15)")
    parser.add_argument("--n-jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeat", type=int, default=None, help="default 5")
    parser.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    parser.add_argument(
        "--quick", action="store_true", help="tiny budgets, one repeat: a smoke run"
    )
    args = parser.parse_args(argv)
    if args.quick:
        steps, epochs, repeat = [20, 1], 2, 1
    else:
        steps, epochs, repeat = [2000, 1, 50, 200], 15, 5
    steps = args.steps or steps
    epochs = args.epochs or epochs
    repeat = args.repeat or repeat
    kernels = ["numpy", "numba"] if numba_available() else ["numpy"]
    warnings.simplefilter("ignore", ConvergenceWarning)

    print(
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"scikit-learn {sklearn.__version__}, skinit {skinit.__version__}, "
        f"{os.cpu_count()} CPUs, load {_load()}, kernels {kernels}, "
        f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE')}"
    )
    table = methods(kernels)
    # Warm-up, untimed: imports, compiled code, joblib's worker processes.
    for n_jobs in args.n_jobs:
        for method, kernel in table.values():
            for workload in args.workloads:
                run(method, kernel, workload, 1, n_jobs, args.dtype)

    for workload in args.workloads:
        budgets = steps if workload == "course" else [epochs]
        for budget in budgets:
            for n_jobs in args.n_jobs:
                times = {name: [] for name in table}
                searches = {}
                names = list(table)
                for index in range(repeat):
                    shift = index % len(names)
                    for name in names[shift:] + names[:shift]:
                        method, kernel = table[name]
                        seconds, searches[name] = run(
                            method, kernel, workload, budget, n_jobs, args.dtype
                        )
                        times[name].append(seconds)
                report(workload, budget, n_jobs, args.dtype, times, searches, kernels)


if __name__ == "__main__":
    main()
