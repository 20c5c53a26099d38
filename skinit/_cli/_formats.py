"""The study's results as an aligned table, CSV or JSON."""

import csv
import io
import json

__all__ = ["format_csv", "format_json", "format_table"]


def _short(scoring):
    return "acc" if scoring == "accuracy" else scoring


def _columns(scoring):
    """(row key, title, alignment, format) of the table's columns before CV."""
    return (
        ("initializer", "initializer", "<", "{}"),
        ("scale", "scale", ">", "{:g}"),
        ("initial_loss", "init loss", ">", "{:.4f}"),
        ("final_loss", "final loss", ">", "{:.4f}"),
        (f"train_{scoring}", f"train {_short(scoring)}", ">", "{:.4f}"),
        (f"test_{scoring}", f"test {_short(scoring)}", ">", "{:.4f}"),
    )


def _cell(row, key, fmt, scoring):
    value = row[key]
    if value is not None:
        return fmt.format(value)
    diverged = row[f"test_{scoring}"] is None
    return "diverged" if diverged and key.endswith(scoring) else "-"


def _cv_cell(row, cv):
    if row["cv_mean"] is None:
        failed = sum(score is None for score in row["cv_scores"])
        return f"diverged in {failed}/{cv} folds"
    return f"{row['cv_mean']:.4f} +- {row['cv_std']:.4f}"


def format_table(rows, header, cv, scoring="accuracy"):
    """``header`` lines, then one aligned line per row."""
    columns = _columns(scoring)
    cells = []
    for row in rows:
        line = [_cell(row, key, fmt, scoring) for key, _, _, fmt in columns]
        line.append(_cv_cell(row, cv))
        cells.append(line)
    titles = [title for _, title, _, _ in columns] + [f"{cv}-fold CV {_short(scoring)}"]
    aligns = [align for _, _, align, _ in columns] + [">"]
    widths = [
        max(len(titles[j]), *(len(line[j]) for line in cells))
        if cells
        else len(titles[j])
        for j in range(len(titles))
    ]

    def join(values):
        return "  ".join(
            f"{value:{align}{width}}"
            for value, align, width in zip(values, aligns, widths)
        ).rstrip()

    rule = "-" * len(join(titles))
    lines = [*header, "", join(titles), rule, *(join(line) for line in cells), rule]
    return "\n".join(lines)


def format_csv(rows, scoring="accuracy"):
    """One line per row; an empty cell where a diverged fit left no value."""
    buffer = io.StringIO()
    fields = [
        "initializer",
        "scale",
        "initial_loss",
        "final_loss",
        f"train_{scoring}",
        f"test_{scoring}",
        "cv_mean",
        "cv_std",
        "n_iter",
        "diverged",
    ]
    writer = csv.DictWriter(
        buffer, fieldnames=fields, extrasaction="ignore", lineterminator="\n"
    )
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {key: repr(v) if isinstance(v, float) else v for key, v in row.items()}
        )
    return buffer.getvalue().rstrip("\n")


def format_json(configuration, rows, text):
    """The configuration, the rows and the reading; None scores become null."""
    return json.dumps(
        {"configuration": configuration, "results": rows, "reading": text},
        indent=2,
        allow_nan=False,
    )
