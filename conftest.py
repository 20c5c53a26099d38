"""Test configuration shared by the test suite and the doctests."""

import importlib.util

import pytest
from threadpoolctl import threadpool_limits

# The compiled kernel's module needs numba (the optional extra ``fast``):
# without numba there is nothing of it to collect.
collect_ignore = (
    [] if importlib.util.find_spec("numba") else ["skinit/_numba_kernel.py"]
)

# Doctests of modules that need an optional dependency, by dependency.
OPTIONAL_DOCTESTS = {
    "matplotlib": ("skinit._plot.",),
    "pandas": (
        "skinit._diagnostics.DiagnosticReport.to_frame",
        "skinit._diagnostics.TrainingRecord.to_frame",
    ),
}


def pytest_collection_modifyitems(config, items):
    for package, prefixes in OPTIONAL_DOCTESTS.items():
        if importlib.util.find_spec(package) is not None:
            continue
        skip = pytest.mark.skip(
            reason=f"optional dependency {package} is not installed "
            f"(pip install skinit[plot] / the test extra installs it)"
        )
        for item in items:
            if isinstance(item, pytest.DoctestItem) and item.name.startswith(prefixes):
                item.add_marker(skip)


@pytest.fixture(scope="module")
def one_blas_thread():
    """BLAS limited to one thread for a test module.

    On small networks BLAS's threads mostly wait for each other: on this
    2-core machine, busy with other work, a 200-iteration L-BFGS fit took
    0.8-1.6 s with OpenBLAS's threads and 0.07-0.08 s with one.  Results do
    not depend on it (skinit and scikit-learn are compared in one process).
    """
    with threadpool_limits(limits=1, user_api="blas"):
        yield
