"""Peak memory of the fused searches against GridSearchCV, by candidate count.

The case (issue: bounded memory): ``make_classification(150, 100)``, a (512,)
adam network, ``max_iter=3``, a grid of N ``scale`` values, cv=3.  Each search
runs in a fresh process (n_jobs=1) and reports its peak resident set size
(``ru_maxrss``); the searches are interleaved, and the script prints the peaks,
the ratio to GridSearchCV's in the same run, and the target (1.5x).

Usage::

    python benchmarks/bench_memory.py              # N = 50, 120, 200
    python benchmarks/bench_memory.py --sizes 50 --repeat 1
"""

import argparse
import json
import statistics
import subprocess
import sys
import textwrap

SEARCHES = ("GridSearchCV", "InitSearchCV", "InitRandomizedSearchCV")

CHILD = textwrap.dedent(
    """
    import json, resource, sys, time, warnings
    import numpy as np
    from sklearn.datasets import make_classification
    from sklearn.model_selection import GridSearchCV
    from skinit import InitMLPClassifier, InitRandomizedSearchCV, InitSearchCV

    name, n_candidates = sys.argv[1], int(sys.argv[2])
    X, y = make_classification(150, 100, random_state=0)
    estimator = InitMLPClassifier(hidden_layer_sizes=(512,), max_iter=3,
                                  random_state=0)
    grid = {"scale": list(np.geomspace(0.01, 10, n_candidates))}
    if name == "InitRandomizedSearchCV":
        search = InitRandomizedSearchCV(estimator, grid, n_iter=n_candidates,
                                        cv=3, random_state=0)
    else:
        search = {"GridSearchCV": GridSearchCV, "InitSearchCV": InitSearchCV}[
            name](estimator, grid, cv=3)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(X, y)
    elapsed = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    results_mb = sum(
        getattr(v, "nbytes", 0) for v in search.cv_results_.values()
    ) / 2**20
    print(json.dumps({"peak_mb": peak_mb, "seconds": elapsed,
                      "cv_results_mb": results_mb,
                      "best_score": float(search.best_score_)}))
    """
)


def run(name, n_candidates):
    out = subprocess.run(
        [sys.executable, "-c", CHILD, name, str(n_candidates)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,120,200")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    print(f"python {sys.version.split()[0]}; fresh process per search, n_jobs=1")
    print(
        f"{'candidates':>10} {'search':>24} {'peak MB (median)':>17} "
        f"{'min-max':>13} {'ratio':>6} {'s':>6}  target <= 1.5x"
    )
    for n_candidates in sizes:
        runs = {name: [] for name in SEARCHES}
        for repeat in range(args.repeat):
            order = SEARCHES if repeat % 2 == 0 else SEARCHES[::-1]
            for name in order:
                runs[name].append(run(name, n_candidates))
        reference = statistics.median(r["peak_mb"] for r in runs["GridSearchCV"])
        scores = {r["best_score"] for rs in runs.values() for r in rs}
        for name in SEARCHES:
            peaks = [r["peak_mb"] for r in runs[name]]
            peak = statistics.median(peaks)
            ratio = peak / reference
            verdict = "" if name == "GridSearchCV" else (
                "PASS" if ratio <= 1.5 else "FAIL"
            )
            seconds = statistics.median(r["seconds"] for r in runs[name])
            print(
                f"{n_candidates:>10} {name:>24} {peak:>17.0f} "
                f"{min(peaks):>6.0f}-{max(peaks):<6.0f} {ratio:>6.2f} "
                f"{seconds:>6.1f}  {verdict}"
            )
        print(
            f"{'':>10} cv_results_ itself: "
            f"{runs['InitSearchCV'][0]['cv_results_mb']:.2f} MB; "
            f"best scores identical: {len(scores) == 1}"
        )


if __name__ == "__main__":
    main()
