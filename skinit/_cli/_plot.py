"""The study's picture: CV and single-split scores over initializer x scale.

matplotlib is imported only when a picture is asked for: it is the optional
``plot`` extra.
"""

import os

import numpy as np

from skinit._cli._data import UsageError

__all__ = ["check_plot_path", "plot_study"]


def check_plot_path(path):
    """Raise a UsageError, before any training, if ``path`` cannot be written."""
    try:
        from matplotlib.backend_bases import FigureCanvasBase
    except ImportError:
        raise UsageError(
            "--plot needs matplotlib: pip install 'skinit[plot]' (or matplotlib)"
        ) from None
    folder = os.path.dirname(path) or "."
    if not os.path.isdir(folder):
        raise UsageError(f"--plot {path}: no such folder {folder!r}")
    if not os.access(folder, os.W_OK):
        raise UsageError(f"--plot {path}: the folder {folder!r} is not writable")
    suffix = os.path.splitext(path)[1].lstrip(".").lower()
    formats = FigureCanvasBase.get_supported_filetypes()
    if suffix not in formats:
        raise UsageError(
            f"--plot {path}: unknown image type {suffix!r}; use one of "
            f"{', '.join(sorted(formats))}"
        )


def _grid_of(rows, key):
    """(initializers, scales, values): ``key`` on an initializer x scale grid.

    Missing pairs are NaN; the initializers keep the study's order and the
    scales are sorted.
    """
    names = list(dict.fromkeys(row["initializer"] for row in rows))
    scales = sorted({row["scale"] for row in rows})
    values = np.full((len(names), len(scales)), np.nan)
    for row in rows:
        value = row[key]
        if value is not None:
            values[names.index(row["initializer"]), scales.index(row["scale"])] = value
    return names, scales, values


def _draw(ax, rows, key, text, title, vmin, vmax):
    names, scales, values = _grid_of(rows, key)
    image = ax.imshow(
        np.ma.masked_invalid(values),
        cmap="viridis",
        vmin=vmin,
        vmax=vmax,
        aspect="auto",
    )
    ax.set_facecolor("0.85")  # pairs not run, and diverged ones
    ax.set_xticks(range(len(scales)), [f"{scale:g}" for scale in scales])
    ax.set_yticks(range(len(names)), names)
    ax.set_xlabel("scale")
    ax.set_title(title)
    middle = (vmin + vmax) / 2
    for row in rows:
        i, j = names.index(row["initializer"]), scales.index(row["scale"])
        value = values[i, j]
        dark = np.isfinite(value) and value < middle
        ax.text(
            j,
            i,
            text(row),
            ha="center",
            va="center",
            fontsize=8,
            color="white" if dark else "black",
        )
    return image


def _colour_range(scores, clip_low):
    """(vmin, vmax, clipped): the colours' range over ``scores``.

    With ``clip_low``, scores more than five times as far below the median as
    the best score is above it are left below the range, so that one failed
    regression (R^2 of -1e5) does not paint every other cell the same colour;
    their cells take the colour of the range's bottom (quartiles would not
    do: on a small grid a quarter of the scores can be such failures).
    """
    if not scores:
        return 0.0, 1.0, False
    vmin, vmax = min(scores), max(scores)
    clipped = False
    if clip_low:
        median = float(np.median(scores))
        fence = median - 5 * (vmax - median)
        if vmin < fence < vmax:
            vmin, clipped = fence, True
    if vmin == vmax:
        vmin, vmax = vmin - 0.5, vmax + 0.5
    return vmin, vmax, clipped


def plot_study(rows, path, *, cv, scoring, title, clip_low=False):
    """Write the heat maps of the CV mean (+- std) and the single-split score.

    ``clip_low`` keeps far lower scores out of the colour range, for the
    scores unbounded below that a regression gives.
    """
    # A bare Figure draws without pyplot's global state or a GUI backend.
    from matplotlib.figure import Figure

    test = f"test_{scoring}"
    scores = [
        row[key] for row in rows for key in ("cv_mean", test) if row[key] is not None
    ]
    vmin, vmax, clipped = _colour_range(scores, clip_low)
    names = {row["initializer"] for row in rows}
    scales = {row["scale"] for row in rows}
    figure = Figure(
        figsize=(3.0 + 2.4 * len(scales), 1.5 + 0.55 * len(names)),
        layout="constrained",
    )
    left, right = figure.subplots(1, 2, sharey=True)

    def cv_text(row):
        if row["cv_mean"] is None:
            return "diverged"
        return f"{row['cv_mean']:.3f}\n+- {row['cv_std']:.3f}"

    def test_text(row):
        return "diverged" if row[test] is None else f"{row[test]:.3f}"

    _draw(left, rows, "cv_mean", cv_text, f"{cv}-fold CV {scoring}", vmin, vmax)
    title_right = f"single split: test {scoring}"
    image = _draw(right, rows, test, test_text, title_right, vmin, vmax)
    right.tick_params(labelleft=False)
    figure.colorbar(
        image, ax=[left, right], label=scoring, extend="min" if clipped else "neither"
    )
    figure.suptitle(title)
    try:
        figure.savefig(path, dpi=120)
    except OSError as error:
        raise UsageError(f"--plot {path}: {error.strerror or error}") from None
