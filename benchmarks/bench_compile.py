"""The compiled kernel's first-call cost: compiling it, and loading it cached.

Each measurement is a fresh Python process that imports skinit and fits the
course's network for two epochs with ``kernel='numba'``; the time of that fit
is what the kernel adds to a user's first fit (numba's import, then compiling
or loading the machine code), plus a two-epoch fit (milliseconds).  Per float
dtype:

- **cold**: an empty numba cache directory (``NUMBA_CACHE_DIR``): the kernel
  compiles;
- **cached**: the same directory again, in a new process: the machine code is
  loaded from disk.

Run: ``python benchmarks/bench_compile.py [--repeat N]`` (needs numba:
``pip install -e ".[fast]"``).  Medians, with min and max, over ``--repeat``
cold/cached pairs, each pair in its own temporary cache directory.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile

FIRST_FIT = """
import time, warnings
import numpy as np
import skinit
from skinit import InitMLPClassifier
from skinit.datasets import load_circles

warnings.simplefilter("ignore")
X, y, _, _ = load_circles()
start = time.perf_counter()
with skinit.config_context(kernel="numba"):
    InitMLPClassifier(solver="gd", max_iter=2).fit(X.astype(np.{dtype}), y)
print(time.perf_counter() - start)
"""


def first_fit_seconds(dtype, cache_dir):
    env = {**os.environ, "NUMBA_CACHE_DIR": cache_dir}
    result = subprocess.run(
        [sys.executable, "-c", FIRST_FIT.format(dtype=dtype)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(result.stdout.split()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    for dtype in ("float64", "float32"):
        times = {"cold": [], "cached": []}
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as cache_dir:
                times["cold"].append(first_fit_seconds(dtype, cache_dir))
                times["cached"].append(first_fit_seconds(dtype, cache_dir))
        for kind, values in times.items():
            median = statistics.median(values)
            print(
                f"{dtype:8s} {kind:6s} first fit: median {median:.2f} s"
                f" (min {min(values):.2f}, max {max(values):.2f}, n={len(values)})"
            )
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
