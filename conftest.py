"""Test configuration shared by the test suite and the doctests."""

import importlib.util

import pytest

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
