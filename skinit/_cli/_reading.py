"""The study's reading: a paragraph of prose in which every claim is computed."""

__all__ = ["label", "reading"]


def label(name, scale):
    """``'normal x 10'``; a scale of 1 is left out (``'he_normal'``)."""
    return name if scale == 1 else f"{name} x {scale:g}"


def _key(row):
    return row["initializer"], row["scale"]


def _best(rows, key, tiebreak):
    """Rows sharing the best ``key`` (to 1e-9), the first by ``tiebreak``."""
    top = max(row[key] for row in rows)
    tied = [row for row in rows if row[key] >= top - 1e-9]
    tied.sort(key=lambda row: -row[tiebreak])
    return tied


def _names(rows):
    labels = [label(row["initializer"], row["scale"]) for row in rows]
    if len(labels) <= 2:
        return " and ".join(labels)
    return ", ".join(labels[:-1]) + " and " + labels[-1]


def _diverged_sentence(diverged, n_folds):
    parts = []
    for row in diverged:
        folds = sum(score is None for score in row.get("cv_scores", []))
        where = []
        if row["final_loss"] is None:
            where.append("on the single split")
        if folds:
            where.append(f"in {folds} of {n_folds} folds")
        parts.append(f"{label(*_key(row))} ({' and '.join(where)})")
    verb = "diverge" if len(diverged) > 1 else "diverges"
    return (
        f"{'; '.join(parts)} {verb} -- training left the floating-point range -- and "
        f"{'are' if len(diverged) > 1 else 'is'} left out of the comparison."
    )


def reading(rows, cv, *, scoring="accuracy", chance=0.5, steps="steps"):
    """A paragraph that interprets the results; every claim is computed.

    ``scoring`` names the score of the ``train_<scoring>`` and
    ``test_<scoring>`` keys and the CV scores; ``chance`` is the score of
    always predicting the majority class (None: not said); ``steps`` names
    ``n_iter``'s unit.
    """
    if not rows:
        return "No configuration was run."
    diverged = [row for row in rows if row.get("diverged")]
    rows = [row for row in rows if not row.get("diverged")]
    if not rows:
        return "Every configuration diverged: " + _diverged_sentence(diverged, cv)
    train, test = f"train_{scoring}", f"test_{scoring}"
    sentences = []
    by_test = _best(rows, test, train)
    by_cv = _best(rows, "cv_mean", test)
    test_top = by_test[0][test]
    cv_top = by_cv[0]["cv_mean"]
    tie = " (tied)" if len(by_test) > 1 else ""
    sentences.append(
        f"By the single split, {_names(by_test)}{tie} "
        f"{'win' if len(by_test) > 1 else 'wins'} with test {scoring} {test_top:.4f}"
    )
    tie = " (tied)" if len(by_cv) > 1 else ""
    stds = " / ".join(f"{row['cv_std']:.4f}" for row in by_cv)
    sentences[-1] += (
        f"; by {cv}-fold cross-validation, {_names(by_cv)}{tie} "
        f"{'win' if len(by_cv) > 1 else 'wins'} with {cv_top:.4f} (+- {stds})."
    )
    test_set = {_key(row) for row in by_test}
    cv_set = {_key(row) for row in by_cv}
    if test_set == cv_set:
        sentences.append("The two criteria pick the same initialization.")
    elif test_set & cv_set:
        sentences.append("The two criteria share a winner but not all of them.")
    else:
        cv_winner = by_cv[0]
        sentences.append(
            "The two criteria disagree: the cross-validation winner scores "
            f"{cv_winner[test]:.4f} on the test split."
        )
    others = sorted(
        (row for row in rows if _key(row) not in cv_set), key=lambda r: -r["cv_mean"]
    )
    if others:
        second = others[0]
        gap = cv_top - second["cv_mean"]
        spread = max(row["cv_std"] for row in [*by_cv, second])
        verdict = (
            "less than the fold-to-fold spread ({:.4f}): the data do not separate them"
            if gap < spread
            else "more than the fold-to-fold spread ({:.4f})"
        ).format(spread)
        sentences.append(
            f"The CV runner-up, {label(*_key(second))} ({second['cv_mean']:.4f}), "
            f"is {gap:.4f} behind, {verdict}."
        )
    if len(rows) > 1:
        disagreement = max(rows, key=lambda row: abs(row[test] - row["cv_mean"]))
        delta = disagreement[test] - disagreement["cv_mean"]
        if abs(delta) > 0:
            sentences.append(
                f"The single split misjudges {label(*_key(disagreement))} most: "
                f"test {disagreement[test]:.4f} vs CV "
                f"{disagreement['cv_mean']:.4f} ({delta:+.4f})."
            )
    shaky = max(rows, key=lambda row: row["cv_std"])
    if shaky.get("cv_scores") and shaky["cv_std"] >= 0.05:
        folds = shaky["cv_scores"]
        sentences.append(
            f"The least stable is {label(*_key(shaky))} (std {shaky['cv_std']:.4f}, "
            f"folds from {min(folds):.4f} to {max(folds):.4f}): whether it trains "
            "depends on which points it sees, which one split cannot show."
        )
    curves = [row for row in rows if row["initial_loss"] is not None]
    stuck = [
        row
        for row in curves
        if abs(row["final_loss"] - row["initial_loss"])
        <= 1e-3 * max(1.0, abs(row["initial_loss"]))
    ]
    if stuck:
        losses = sorted({f"{row['initial_loss']:.4f}" for row in stuck})
        sentences.append(
            f"{_names(stuck)} never moved {'their' if len(stuck) > 1 else 'its'} "
            f"loss off its start ({' / '.join(losses)}) in {stuck[0]['n_iter']} "
            f"{steps}: all-zero or tiny weights leave the hidden units symmetric "
            "or their gradients vanishing."
        )
    elif chance is not None and all(row[train] <= chance + 1e-9 for row in rows):
        sentences.append("No configuration beat chance on the training set.")
    if curves:
        loudest = max(curves, key=lambda row: row["initial_loss"])
        quietest = min(curves, key=lambda row: row["initial_loss"])
        if loudest["initial_loss"] > 2 * quietest["initial_loss"]:
            sentences.append(
                f"The largest initial loss, {loudest['initial_loss']:.4g} for "
                f"{label(loudest['initializer'], loudest['scale'])}, falls to "
                f"{loudest['final_loss']:.4g}, against "
                f"{min(row['final_loss'] for row in rows):.4g} for the lowest final "
                "loss."
            )
    if diverged:
        sentences.append(_diverged_sentence(diverged, cv))
    return " ".join(sentences)
