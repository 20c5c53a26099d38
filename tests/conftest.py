"""Shared test fixtures."""

import pytest

import skinit


@pytest.fixture
def numpy_kernel():
    """Train with the numpy engine, whatever the configuration.

    For the drop-in tests, which compare with scikit-learn: the numpy path is
    the one promised equal to it; the compiled kernel is held to the tolerance
    of the user guide's equivalence page, in tests/test_kernel.py.
    """
    with skinit.config_context(kernel="numpy"):
        yield
