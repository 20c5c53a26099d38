"""Fused search benchmark: InitSearchCV vs GridSearchCV, in one run.

The seed study's grid on the course circles: initializer in {normal, he_normal,
glorot_uniform, lecun_normal} x scale in {0.01, 0.03, 0.1, 0.3, 1, 3, 10} x 5
folds = 140 fits of the 2-10-5-1 ReLU network, full-batch gradient descent.
Three ways to do the same work, at each n_jobs:

- ``InitSearchCV(InitMLPClassifier(solver='gd'))`` -- the fused search;
- ``GridSearchCV(InitMLPClassifier(solver='gd'))`` -- the same fits one by one;
- ``GridSearchCV(MLPClassifier(solver='sgd', batch_size=n, momentum=0,
  shuffle=False))`` -- scikit-learn doing the same work.

Targets: fused >= 6x faster than GridSearchCV(InitMLPClassifier) and >= 25x
faster than the scikit-learn equivalent, at equal n_jobs.  Each timing is the
median of ``--repeat`` runs, interleaved so that machine noise hits all three.

Run: ``python benchmarks/bench_search.py [--steps 2000 15000] [--repeat 3]``.
"""

import argparse
import os
import platform
import statistics
import time
import warnings

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network import MLPClassifier

from skinit import InitMLPClassifier, InitSearchCV
from skinit.datasets import load_circles

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


def run_fused(X, y, steps, n_jobs):
    search = InitSearchCV(
        InitMLPClassifier(solver="gd", **_common(steps)), GRID, cv=5, n_jobs=n_jobs
    )
    return search.fit(X, y)


def run_grid(X, y, steps, n_jobs):
    search = GridSearchCV(
        InitMLPClassifier(solver="gd", **_common(steps)), GRID, cv=5, n_jobs=n_jobs
    )
    return search.fit(X, y)


def run_sklearn(X, y, steps, n_jobs):
    # scikit-learn cannot choose the initializer: the same number of fits (140)
    # of the same network and steps, over a 28-candidate grid of equal cost.
    params = _common(steps)
    grid = {"random_state": list(range(len(GRID["initializer"]) * len(GRID["scale"])))}
    estimator = MLPClassifier(
        solver="sgd", batch_size=len(X) * 4 // 5, momentum=0.0, shuffle=False, **params
    )
    return GridSearchCV(estimator, grid, cv=5, n_jobs=n_jobs).fit(X, y)


def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - start, result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, nargs="+", default=[2000, 15000])
    parser.add_argument("--n-jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--dtype", choices=["float64", "float32", "both"], default="both"
    )
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", ConvergenceWarning)

    X, y, _, _ = load_circles()
    # Warm-up: imports, and joblib's worker processes, before any timing.
    for n_jobs in args.n_jobs:
        run_fused(X, y, 10, n_jobs)
        run_grid(X, y, 10, n_jobs)
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"scikit-learn {sklearn.__version__}, {os.cpu_count()} CPUs, "
        f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE')}"
    )
    dtypes = ["float64", "float32"] if args.dtype == "both" else [args.dtype]
    for steps in args.steps:
        for n_jobs in args.n_jobs:
            for dtype in dtypes:
                data = X.astype(dtype)
                times = {"fused": [], "grid": [], "sklearn": []}
                for _ in range(args.repeat):
                    seconds, fused = timed(run_fused, data, y, steps, n_jobs)
                    times["fused"].append(seconds)
                    seconds, grid = timed(run_grid, data, y, steps, n_jobs)
                    times["grid"].append(seconds)
                    if dtype == "float64":
                        seconds, _ = timed(run_sklearn, data, y, steps, n_jobs)
                        times["sklearn"].append(seconds)
                difference = np.nanmax(
                    np.abs(
                        fused.cv_results_["mean_test_score"]
                        - grid.cv_results_["mean_test_score"]
                    )
                )
                median = {name: statistics.median(v) for name, v in times.items() if v}
                spread = {name: (min(v), max(v)) for name, v in times.items() if v}
                print(
                    f"\n{steps} steps, n_jobs={n_jobs}, {dtype}: 140 fits "
                    f"(max |score difference| fused vs grid = {difference:.1e}, "
                    f"fused kept {fused.best_estimator_.coefs_[0].dtype})"
                )
                for name, value in median.items():
                    low, high = spread[name]
                    print(
                        f"  {name:8s} median {value:8.2f} s"
                        f"   (min {low:.2f}, max {high:.2f})"
                    )
                ratio = median["grid"] / median["fused"]
                print(
                    f"  GridSearchCV(InitMLPClassifier) / InitSearchCV = {ratio:5.1f}x "
                    f"(target >= 6x: {'PASS' if ratio >= 6 else 'FAIL'})"
                )
                if "sklearn" in median:
                    ratio = median["sklearn"] / median["fused"]
                    print(
                        "  GridSearchCV(MLPClassifier) / InitSearchCV   = "
                        f"{ratio:5.1f}x "
                        f"(target >= 25x: {'PASS' if ratio >= 25 else 'FAIL'})"
                    )


if __name__ == "__main__":
    main()
