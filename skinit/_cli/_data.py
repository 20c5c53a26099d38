"""The study's data: the course's circles, scikit-learn's bundled sets, or a file.

Every problem with the data raises :class:`UsageError` with a one-line
message naming the file, column and line, which the command line prints as
argparse prints its errors.
"""

import csv
import math
import os
import zipfile
from dataclasses import dataclass, field

import numpy as np

__all__ = ["UsageError", "Dataset", "check_missing", "load_data"]

#: Cells read as a missing value in a text table.
MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "?"})

#: The data sets that need no file, and their scikit-learn loaders.
SKLEARN_SETS = {
    "iris": "load_iris",
    "wine": "load_wine",
    "breast_cancer": "load_breast_cancer",
    "digits": "load_digits",
}


class UsageError(ValueError):
    """The data or an option cannot be used; the message says why, in one line."""


@dataclass
class Dataset:
    """Features, labels and what the study needs to know about them."""

    X: np.ndarray
    y: np.ndarray
    source: str
    target: str
    feature_names: list
    #: Indices of the text columns of ``X`` (one-hot encoded).
    categorical: list = field(default_factory=list)
    #: The course data's own (X_train, y_train, X_test, y_test), else None.
    split: tuple = None

    @property
    def course(self):
        return self.split is not None


def load_data(spec, target=None):
    """Load ``spec``: a bundled name, or the path of a CSV, TSV, npz or parquet file."""
    if spec == "circles" or spec in SKLEARN_SETS:
        if target is not None:
            raise UsageError(f"--target applies to files, not to the bundled {spec!r}")
        return _bundled(spec)
    if not os.path.isfile(spec):
        known = ", ".join(["circles", *SKLEARN_SETS])
        raise UsageError(f"no such file: {spec!r} (bundled data sets: {known})")
    suffix = os.path.splitext(spec)[1].lower()
    if suffix == ".npz":
        if target is not None:
            raise UsageError(
                f"--target applies to tables; {spec!r} holds arrays X and y"
            )
        return _from_npz(spec)
    if suffix == ".parquet":
        header, columns, lines = _read_parquet(spec)
    else:
        header, columns, lines = _read_text_table(spec)
    return _from_columns(spec, header, columns, lines, target)


def _bundled(name):
    if name == "circles":
        from skinit.datasets import load_circles

        X_train, y_train, X_test, y_test = load_circles()
        return Dataset(
            np.vstack([X_train, X_test]),
            np.concatenate([y_train, y_test]),
            "the course's circles data",
            "class",
            ["x1", "x2"],
            split=(X_train, y_train, X_test, y_test),
        )
    from sklearn import datasets

    bunch = getattr(datasets, SKLEARN_SETS[name])()
    return Dataset(
        bunch.data.astype(np.float64),
        bunch.target,
        f"scikit-learn's {name} data",
        "target",
        [str(column) for column in bunch.feature_names],
    )


def _from_npz(path):
    try:
        with np.load(path, allow_pickle=False) as arrays:
            missing = {"X", "y"} - set(arrays.files)
            if missing:
                raise UsageError(
                    f"{path}: no array {' or '.join(sorted(missing))} (it holds "
                    f"{', '.join(arrays.files) or 'nothing'}; the study needs X and y)"
                )
            X, y = arrays["X"], arrays["y"]
    except (OSError, ValueError, zipfile.BadZipFile) as error:
        if isinstance(error, UsageError):
            raise
        raise UsageError(
            f"{path}: not a readable .npz file ({_first_line(error)})"
        ) from None
    if X.ndim != 2 or y.ndim != 1 or len(X) != len(y):
        raise UsageError(
            f"{path}: X must be 2-D and y 1-D with one label per row of X "
            f"(got shapes {X.shape} and {y.shape})"
        )
    if X.dtype.kind not in "biuf":
        raise UsageError(f"{path}: X must be numeric (got dtype {X.dtype})")
    X = X.astype(np.float64)
    if np.isinf(X).any():
        row, column = np.argwhere(np.isinf(X))[0]
        raise UsageError(f"{path}: X[{row}, {column}] is infinite")
    if y.dtype.kind == "f" and np.isnan(y).any():
        raise UsageError(f"{path}: y is missing (NaN) in {int(np.isnan(y).sum())} rows")
    names = [f"x{j}" for j in range(X.shape[1])]
    return Dataset(X, y, path, "y", names)


def _read_text_table(path):
    """Header, columns of cell strings and the file line of each row."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as file:
            sample = file.read(65536)
            file.seek(0)
            delimiter = _delimiter(path, sample)
            reader = csv.reader(file, delimiter=delimiter)
            rows, lines = [], []
            for row in reader:
                if row and any(cell.strip() for cell in row):
                    rows.append(row)
                    lines.append(reader.line_num)
    except UnicodeDecodeError as error:
        raise UsageError(
            f"{path}: not UTF-8 text (byte 0x{error.object[error.start]:02x} at "
            f"offset {error.start}); save it as UTF-8 CSV"
        ) from None
    except csv.Error as error:
        raise UsageError(
            f"{path}: not a readable table ({_first_line(error)})"
        ) from None
    if not rows:
        raise UsageError(f"{path}: the file is empty")
    header = [name.strip() for name in rows[0]]
    if len(rows) == 1:
        raise UsageError(f"{path}: a header row but no data rows")
    for row, line in zip(rows[1:], lines[1:]):
        if len(row) != len(header):
            raise UsageError(
                f"{path}: line {line} has {len(row)} fields, the header has "
                f"{len(header)}"
            )
    columns = [list(column) for column in zip(*rows[1:])]
    return header, columns, lines[1:]


def _delimiter(path, sample):
    if path.lower().endswith((".tsv", ".tab")):
        return "\t"
    first = sample.split("\n", 1)[0]
    # The delimiter the header row uses most: commas, tabs or semicolons.
    counts = {delimiter: first.count(delimiter) for delimiter in ",\t;"}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _read_parquet(path):
    try:
        import pandas as pd

        frame = pd.read_parquet(path)
    except ImportError:
        raise UsageError(
            f"reading {path} needs pandas with pyarrow or fastparquet: "
            "pip install 'skinit[parquet]'"
        ) from None
    except Exception as error:  # the engines' own errors: a broken file
        raise UsageError(
            f"{path}: not a readable parquet file ({_first_line(error)})"
        ) from None
    header = [str(name) for name in frame.columns]
    columns = [
        [None if _is_missing(value) else value for value in frame[name].tolist()]
        for name in frame.columns
    ]
    return header, columns, list(range(1, len(frame) + 1))


def _first_line(error):
    return str(error).strip().splitlines()[0] if str(error).strip() else repr(error)


def _is_missing(value):
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip().lower() in MISSING
    try:
        return bool(math.isnan(value))
    except TypeError:
        return False


def _as_number(value):
    """``value`` as a float, or None when it is not a number."""
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _parse_column(path, name, cells, lines):
    """(values, is_numeric): floats with NaN for missing, or strings / NaN."""
    missing = [_is_missing(cell) for cell in cells]
    numbers = [None if gone else _as_number(cell) for cell, gone in zip(cells, missing)]
    n_present = len(cells) - sum(missing)
    n_numeric = sum(number is not None for number in numbers)
    for number, line in zip(numbers, lines):
        if number is not None and not math.isfinite(number):
            raise UsageError(
                f"{path}: column {name!r}, line {line}: {number} is not finite"
            )
    if n_numeric == n_present:
        return np.array([math.nan if n is None else n for n in numbers]), True
    if 2 * n_numeric > n_present:
        # Mostly numbers: the text is a typo, not a category.
        for cell, number, gone, line in zip(cells, numbers, missing, lines):
            if number is None and not gone:
                raise UsageError(
                    f"{path}: column {name!r}, line {line}: {str(cell).strip()!r} is "
                    f"not a number ({n_numeric} of the column's {n_present} values are)"
                )
    values = np.empty(len(cells), dtype=object)
    for i, (cell, gone) in enumerate(zip(cells, missing)):
        values[i] = math.nan if gone else str(cell).strip()
    return values, False


def _labels(path, name, cells, lines):
    """The target column: integers, floats or strings; no missing value."""
    gone = [line for cell, line in zip(cells, lines) if _is_missing(cell)]
    if gone:
        raise UsageError(
            f"{path}: the target {name!r} is missing in {len(gone)} rows (first on "
            f"line {gone[0]}); remove those rows"
        )
    numbers = [_as_number(cell) for cell in cells]
    if all(number is not None and math.isfinite(number) for number in numbers):
        y = np.array(numbers)
        return y.astype(np.int64) if np.all(y == np.round(y)) else y
    return np.array([str(cell).strip() for cell in cells], dtype=object)


def _from_columns(path, header, columns, lines, target):
    if target is None:
        target = header[-1]
    elif target not in header:
        shown = ", ".join(repr(name) for name in header[:8])
        more = f" and {len(header) - 8} more" if len(header) > 8 else ""
        raise UsageError(f"{path}: no column {target!r}; the columns are {shown}{more}")
    if len(header) < 2:
        raise UsageError(f"{path}: no feature column besides the target {target!r}")
    t = header.index(target)
    y = _labels(path, target, columns[t], lines)
    names, values, categorical = [], [], []
    for name, cells in zip(header, columns):
        if name == target:
            continue
        column, numeric = _parse_column(path, name, cells, lines)
        if not numeric:
            categorical.append(len(names))
        names.append(name)
        values.append(column)
    X = np.column_stack(values) if not categorical else _object_columns(values)
    return Dataset(X, y, path, target, names, categorical)


def _object_columns(values):
    X = np.empty((len(values[0]), len(values)), dtype=object)
    for j, column in enumerate(values):
        X[:, j] = column
    return X


def _missing_mask(X):
    if X.dtype == object:
        return np.array(
            [[isinstance(v, float) and math.isnan(v) for v in row] for row in X],
            dtype=bool,
        ).reshape(X.shape)
    return np.isnan(X)


def check_missing(data):
    """Raise a UsageError saying where values are missing, if any are."""
    mask = _missing_mask(data.X)
    rows = mask.any(axis=1)
    if not rows.any():
        return
    per_column = mask.sum(axis=0)
    where = ", ".join(
        f"{data.feature_names[j]!r} ({per_column[j]})"
        for j in np.flatnonzero(per_column)[:10]
    )
    raise UsageError(
        f"{data.source}: {int(rows.sum())} of {len(rows)} rows have missing values "
        f"(rows per column: {where}); pass --impute to fill them, or remove those rows"
    )
