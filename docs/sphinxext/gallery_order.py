"""The reading order of the example gallery.

sphinx-gallery sorts the examples of a gallery with a key; this one follows
``ORDER``, a list of file-name patterns (``fnmatch`` style): an example takes
the position of the first pattern it matches, examples matching the same
pattern are sorted by file name, and examples matching none come last, by file
name.  Patterns may name examples that do not exist yet.
"""

from fnmatch import fnmatch
from pathlib import Path

ORDER = [
    # First: what the initialization does, on the course's notebook.
    "plot_decision_boundaries.py",
    "plot_why_scale.py",
    # Deeper networks and the diagnostics (to come).
    "plot_depth*.py",
    # Regression: the initial function of a deep regressor.
    "plot_regression*.py",
    # Searching the initialization as a hyperparameter.
    "plot_scale_curves.py",
    "plot_seed_study.py",
    "plot_pipeline_search.py",
    # The fused search against GridSearchCV (to come).
    "plot_*search*.py",
]


class ExampleOrder:
    """Sort key of the gallery's examples, following ``ORDER``.

    Parameters
    ----------
    src_dir : str
        The gallery's source directory (unused; sphinx-gallery passes it).
    """

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        name = Path(filename).name
        for position, pattern in enumerate(ORDER):
            if fnmatch(name, pattern):
                return (position, name)
        return (len(ORDER), name)

    def __repr__(self):
        # sphinx-gallery compares configurations between builds by repr.
        return f"{type(self).__name__}()"
