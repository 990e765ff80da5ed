"""Data checks: leakage (also through missingness), duplicates and near-duplicates, conflicting labels,
imbalance, and columns that cannot be learned from. Each problem is a `Finding`; leaky and unusable columns
are excluded from training unless the user keeps them, and then the finding says "kept by you" (an info,
so the verdict is computed normally with the column). `too_good_findings` is the one check that needs the
models: it runs after validation, where the report is assembled."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy.stats import rankdata
from sklearn.metrics import roc_auc_score

from workers.data.dataset import TRAINABLE_KINDS, Dataset
from workers.split import NEAR_DUPLICATE_DIGITS, TEST, TRAIN, Split, feature_row_groups, near_duplicate_groups

Severity = Literal["info", "warning", "error"]

LEAKAGE_AUC = 0.98  # one column alone separating the classes this well is almost never honest signal
NEAR_LEAKAGE_AUC = 0.95  # 0.95–0.98 alone: a noisy copy of the label looks like this; warned, not excluded
SUSPICIOUS_AUC = 0.90
MISSINGNESS_WARNING_AUC = 0.75
HIGH_MISSINGNESS = 0.5
LEAKAGE_BINS = 20  # quantile bins for numeric columns in the multiclass leakage check
IMBALANCE_WARNING = 0.05  # minority share
IMBALANCE_INFO = 0.20
TOO_GOOD_AUC = 0.995  # a validation ROC-AUC this near 1 is more often a leak than a triumph
FAR_ABOVE_HUMAN = 0.05  # with half the human's error, a model this far above the human level is suspect
MIN_TEST_POSITIVES = 30  # below this a test-set AUC's CI is too wide to act on
CONFLICT_ERROR_SHARE = 0.05
LEAKAGE_CHECKS = frozenset({"label_leakage", "missingness_leakage"})
# Kept on the user's word means nothing for these: a model cannot learn from a single value or none.
UNKEEPABLE_KINDS = frozenset({"constant", "empty"})


@dataclass(frozen=True)
class Finding:
    check: str
    severity: Severity
    message: str
    columns: list[str] = field(default_factory=list)
    value: float | None = None
    # The files a finding is about (an image dataset's first few, as named in the upload), so a user can act.
    # A tuple with a class-level default: a Finding pickled before this field reads back with none.
    files: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "check": self.check,
            "severity": self.severity,
            "columns": list(self.columns),
            "message": self.message,
        }
        if self.value is not None:
            out["value"] = round(float(self.value), 6)
        if self.files:
            out["files"] = list(self.files)
        return out


def _separation_auc(y: np.ndarray, score: np.ndarray) -> float:
    """How well a score separates two classes regardless of direction (0.5 = not at all, 1 = perfectly).
    The Mann-Whitney form of the ROC AUC (ties count a half), as `roc_auc_score` computes it for labels
    0/1, without its input validation: that cost ~2.5 ms a call, and the checks make one or two per column."""
    score = np.asarray(score, dtype=float)
    positive = np.asarray(y) == 1
    n_positive = int(positive.sum())
    n_negative = len(positive) - n_positive
    if n_positive == 0 or n_negative == 0 or not np.isfinite(score).all():
        auc = roc_auc_score(y, score)  # its own error for one class or a NaN score
    else:
        ranks = rankdata(score, method="average")
        auc = (ranks[positive].sum() - n_positive * (n_positive + 1) / 2) / (n_positive * n_negative)
    return float(max(auc, 1 - auc))


def _column_keys(column: pd.Series) -> np.ndarray:
    """Discrete keys for a column: categories as they are, numbers in quantile bins, missing as its own."""
    if pd.api.types.is_float_dtype(column):
        ranks = column.rank(pct=True, method="average").to_numpy()
        bins = np.minimum(np.floor(np.nan_to_num(ranks) * LEAKAGE_BINS), LEAKAGE_BINS - 1).astype(int)
        return np.where(column.isna(), "(missing)", bins.astype(str))
    return column.astype(object).where(column.notna(), "(missing)").astype(str).to_numpy()


def _held_out_auc(column: pd.Series, y: np.ndarray, split: Split, n_classes: int) -> float | None:
    """AUC on non-train rows of each key's class frequencies learned on train rows — an in-sample encoding
    would call any high-cardinality column a perfect predictor. Multiclass: macro one-vs-rest, so a column
    that only tells one class from the rest (a big species) is not mistaken for a leak."""
    train = split.assignment == TRAIN
    keys = _column_keys(column)
    if len(np.unique(y[~train])) < n_classes:
        return None
    onehot = np.eye(n_classes)[y]
    prior = onehot[train].mean(axis=0)
    table = pd.DataFrame(onehot[train]).groupby(keys[train]).mean()
    encoded = pd.DataFrame(index=keys[~train]).join(table, how="left").fillna(pd.Series(prior)).to_numpy()
    if n_classes == 2:
        return _separation_auc(y[~train], encoded[:, 1])
    encoded = encoded / encoded.sum(axis=1, keepdims=True)
    return float(roc_auc_score(y[~train], encoded, multi_class="ovr", average="macro"))


def _kept_by_you(check: str, name: str, what: str, auc: float) -> Finding:
    """The leakage finding of a column the user kept: an info, so nothing blocks the verdict."""
    return Finding(
        check,
        "info",
        f"{what} (AUC {auc:.3f}). Kept by you (--keep-column {name}): it is used for training and the verdict "
        "is computed normally with it. If it is recorded after the outcome, every score here is inflated.",
        [name],
        auc,
    )


def _leakage_findings(
    dataset: Dataset, split: Split, columns: list[str], keep: frozenset[str] = frozenset()
) -> list[Finding]:
    findings: list[Finding] = []
    strong: dict[str, float] = {}
    near_leaks: dict[str, float] = {}
    y = dataset.y
    for name in columns:
        column = dataset.features[name]
        kind = dataset.columns[name].kind
        missing = column.isna().to_numpy()
        if dataset.is_binary and kind != "categorical":
            # Exact and direction-free for a numeric column against a binary label.
            auc: float | None = _separation_auc(y, column.fillna(column.median()).to_numpy(dtype=float))
        else:
            auc = _held_out_auc(column, y, split, dataset.n_classes)
        if auc is not None:
            what = f"{name!r} alone separates the classes almost perfectly"
            if auc >= LEAKAGE_AUC and name in keep:
                findings.append(_kept_by_you("label_leakage", name, what, auc))
            elif auc >= LEAKAGE_AUC:
                findings.append(
                    Finding(
                        "label_leakage",
                        "error",
                        f"{what} (AUC {auc:.3f}). If it is recorded after the outcome or derived from it, it "
                        "leaks the label; it is left out of training (keep it with --keep-column "
                        f"{name} if it is truly available at prediction time).",
                        [name],
                        auc,
                    )
                )
            elif auc >= NEAR_LEAKAGE_AUC:
                near_leaks[name] = auc
            elif auc >= SUSPICIOUS_AUC:
                strong[name] = auc
        if 0 < missing.sum() < len(missing):
            auc = (
                _separation_auc(y, missing.astype(float))
                if dataset.is_binary
                else _held_out_auc(pd.Series(missing.astype(str)), y, split, dataset.n_classes) or 0.5
            )
            what = f"Whether {name!r} is empty predicts the label almost perfectly"
            if auc >= LEAKAGE_AUC and name in keep:
                findings.append(_kept_by_you("missingness_leakage", name, what, auc))
            elif auc >= LEAKAGE_AUC:
                findings.append(
                    Finding(
                        "missingness_leakage",
                        "error",
                        f"{what} (AUC {auc:.3f}): it is probably filled in only after the outcome is known. "
                        f"Left out of training (keep it with --keep-column {name} if it is empty for the same "
                        "reason at prediction time).",
                        [name],
                        auc,
                    )
                )
            elif auc >= MISSINGNESS_WARNING_AUC:
                findings.append(
                    Finding(
                        "missingness_informative",
                        "warning",
                        f"Whether {name!r} is empty predicts the label (AUC {auc:.3f}). Fine if it is empty for "
                        "the same reason at prediction time; a leak if it is filled in afterwards.",
                        [name],
                        auc,
                    )
                )
    if near_leaks:
        ranked = sorted(near_leaks.items(), key=lambda item: -item[1])
        listed = ", ".join(f"{name!r} (AUC {auc:.3f})" for name, auc in ranked)
        alone = "alone reaches" if len(ranked) == 1 else "each alone reaches"
        findings.append(
            Finding(
                "near_leakage",
                "warning",
                f"{listed}: {alone} an AUC between {NEAR_LEAKAGE_AUC} and {LEAKAGE_AUC}, where a noisy copy of "
                f"the label lands. Used for training (only above {LEAKAGE_AUC} is a column left out); make sure each is "
                "recorded before the outcome, or every score here is inflated.",
                [name for name, _ in ranked],
                ranked[0][1],
            )
        )
    if strong:
        ranked = sorted(strong.items(), key=lambda item: -item[1])
        listed = ", ".join(f"{name!r} ({auc:.3f})" for name, auc in ranked[:5])
        more = f" and {len(ranked) - 5} more" if len(ranked) > 5 else ""
        findings.append(
            Finding(
                "strong_single_feature",
                "info",
                f"Strong single columns (AUC alone ≥ {SUSPICIOUS_AUC}): {listed}{more}. Strong, not yet "
                "suspicious; make sure each is known at prediction time.",
                [name for name, _ in ranked],
                ranked[0][1],
            )
        )
    return findings


def _duplicate_findings(dataset: Dataset, split: Split, used: list[str]) -> list[Finding]:
    findings: list[Finding] = []
    n = dataset.n_rows
    whole = dataset.features.copy()
    whole["__label__"] = dataset.y
    exact = int(whole.duplicated(keep="first").sum())
    if exact:
        share = exact / n
        findings.append(
            Finding(
                "duplicate_rows",
                "warning" if share >= 0.01 else "info",
                f"{exact} row(s) ({share:.1%}) repeat an earlier row exactly, label included.",
                [],
                exact,
            )
        )
    if not used:
        return findings
    exact_groups = feature_row_groups(dataset.features[used])
    # The split keeps near-duplicates together too, so straddling is judged on the same groups.
    groups = near_duplicate_groups(dataset.features[used])
    near = _near_duplicate_finding(exact_groups, groups)
    if near is not None:
        findings.append(near)
    sizes = np.bincount(groups)
    repeated = sizes[groups] > 1
    if repeated.any():
        # What a row-wise random split would have done: each extra copy of a group lands outside its first
        # copy's part with probability ~ 1 - sum(f^2) = 0.56 for 60/20/20.
        straddle_share = 1 - sum(f * f for f in (0.6, 0.2, 0.2))
        expected = round((repeated.sum() - (sizes > 1).sum()) * straddle_share)
        parts_per_group = pd.Series(split.assignment).groupby(groups).nunique().to_numpy()
        straddling = int((parts_per_group > 1).sum())
        findings.append(
            Finding(
                "duplicates_across_splits",
                "error" if straddling else "info",
                f"{int(repeated.sum())} rows share their feature values with another row. A plain random split "
                f"would put about {expected} of them in a different split from their twin, so the test score "
                f"would partly measure memory; Readiness keeps each group in one split "
                f"({straddling} groups straddle).",
                [],
                int(repeated.sum()),
            )
        )
        labels_per_group = pd.Series(dataset.y).groupby(exact_groups).nunique().to_numpy()
        conflicting_groups = labels_per_group > 1
        if conflicting_groups.any():
            rows = int(np.isin(exact_groups, np.flatnonzero(conflicting_groups)).sum())
            share = rows / n
            findings.append(
                Finding(
                    "conflicting_labels",
                    "error" if share >= CONFLICT_ERROR_SHARE else "warning",
                    f"{rows} rows ({share:.1%}) in {int(conflicting_groups.sum())} groups have identical "
                    "features but different labels: no model can get them all right. Check the labelling "
                    "or add the features that tell them apart.",
                    [],
                    rows,
                )
            )
    return findings


def _near_duplicate_finding(exact_groups: np.ndarray, near_groups: np.ndarray) -> Finding | None:
    """How many groups of rows are near- but not exact duplicates (equal once floats are rounded)."""
    distinct = pd.Series(exact_groups).groupby(near_groups).nunique().to_numpy()
    merged = distinct > 1
    if not merged.any():
        return None
    rows = int(np.isin(near_groups, np.flatnonzero(merged)).sum())
    return Finding(
        "near_duplicate_rows",
        "warning",
        f"{int(merged.sum())} group(s) of rows ({rows} rows) are near-duplicates: equal once numbers are rounded "
        f"to {NEAR_DUPLICATE_DIGITS} significant digits, though not exactly equal (a copy with a little noise "
        "added). Readiness keeps each group in one split, as it does exact duplicates, so a model cannot score "
        "by remembering a twin; check how the copies got into the file.",
        [],
        int(merged.sum()),
    )


def _balance_findings(dataset: Dataset, split: Split) -> list[Finding]:
    findings: list[Finding] = []
    counts = np.bincount(dataset.y, minlength=dataset.n_classes)
    minority = int(counts.argmin())
    share = counts[minority] / counts.sum()
    name = dataset.classes[minority]
    if share < IMBALANCE_WARNING:
        findings.append(
            Finding(
                "class_imbalance",
                "warning",
                f"Class {name!r} is {share:.1%} of rows: accuracy is meaningless here; read PR-AUC and recall.",
                [dataset.target],
                share,
            )
        )
    elif share < IMBALANCE_INFO:
        findings.append(
            Finding(
                "class_imbalance",
                "info",
                f"Class {name!r} is {share:.1%} of rows; PR-AUC is reported beside ROC-AUC for that reason.",
                [dataset.target],
                share,
            )
        )
    test_counts = np.bincount(dataset.y[split.indices(TEST)], minlength=dataset.n_classes)
    scarce = int(test_counts.min())
    if scarce < MIN_TEST_POSITIVES:
        scarce_name = dataset.classes[int(test_counts.argmin())]
        findings.append(
            Finding(
                "few_positives",
                "warning",
                f"The test split holds only {scarce} rows of class {scarce_name!r}; confidence intervals will "
                f"be wide. Around {MIN_TEST_POSITIVES}+ per class are needed for a trustworthy estimate.",
                [dataset.target],
                scarce,
            )
        )
    return findings


def _column_findings(dataset: Dataset) -> list[Finding]:
    findings: list[Finding] = []
    for name, profile in dataset.columns.items():
        if profile.kind == "constant":
            findings.append(
                Finding("constant_column", "info", f"{name!r} has a single value; left out.", [name])
            )
        elif profile.kind == "empty":
            findings.append(
                Finding("empty_column", "warning", f"{name!r} is entirely empty; left out.", [name])
            )
        elif profile.kind == "id":
            findings.append(
                Finding(
                    "id_like_column",
                    "warning",
                    f"{name!r} looks like an identifier ({profile.n_unique} distinct values); it cannot "
                    "generalise to new rows and is left out.",
                    [name],
                )
            )
        elif profile.kind == "text":
            findings.append(
                Finding(
                    "free_text_column",
                    "info",
                    f"{name!r} is free text; this version does not learn from text, so it is left out.",
                    [name],
                )
            )
        if profile.kind != "empty" and profile.missing_fraction >= HIGH_MISSINGNESS:
            findings.append(
                Finding(
                    "high_missingness",
                    "warning",
                    f"{name!r} is empty in {profile.missing_fraction:.0%} of rows.",
                    [name],
                    profile.missing_fraction,
                )
            )
    return findings


def run_checks(
    dataset: Dataset, split: Split, keep: set[str] | frozenset[str] = frozenset()
) -> list[Finding]:
    """All data checks, errors first; a leak in a column of `keep` is reported as kept by the user."""
    # The split's own time and group columns are never features (the time drift check looks at time).
    trainable = dataset.trainable_columns(excluded=split_columns(split))
    findings = (
        _leakage_findings(dataset, split, trainable, frozenset(keep))
        + _duplicate_findings(dataset, split, trainable)
        + _balance_findings(dataset, split)
        + _column_findings(dataset)
    )
    order = {"error": 0, "warning": 1, "info": 2}
    return sorted(findings, key=lambda f: order[f.severity])


def split_columns(split: Split) -> frozenset[str]:
    """The columns a split is made by, which are left out of training: a raw date lets a model tell the
    periods apart (and in a time-ordered test every date lies past the training range), an entity id lets it
    memorise the entity."""
    return frozenset(c for c in (split.time_column, split.group_column) if c is not None)


def excluded_columns(
    dataset: Dataset, findings: list[Finding], keep: set[str] | frozenset[str] = frozenset()
) -> dict[str, str]:
    """Columns left out of training and why; `keep` brings leaky and id-like or text columns back on the
    user's word (never a constant or empty one: there is nothing in it to learn)."""
    excluded = {
        name: f"{profile.kind} column"
        for name, profile in dataset.columns.items()
        if profile.kind not in TRAINABLE_KINDS and (name not in keep or profile.kind in UNKEEPABLE_KINDS)
    }
    for finding in findings:
        if finding.check in LEAKAGE_CHECKS and finding.severity == "error":
            for name in finding.columns:
                if name not in keep:
                    excluded[name] = finding.check.replace("_", " ")
    return excluded


# Where a near-perfect score most often comes from, by kind of data: what to rule out before believing it.
LEAK_HINTS = {
    "table": (
        "check that no column, or combination of columns (a difference or sum of two), is recorded after the "
        "outcome or computed from it, and that rows are not repeated."
    ),
    "images": (
        "check that the label is not visible in the images themselves (a watermark, a border, a caption, a "
        "background or camera that only one class was shot with), and that copies of an image are not in "
        "two classes (see the duplicate checks) — or the task may be as easy as it looks."
    ),
}


def too_good_findings(
    validation: Mapping[str, Mapping[str, float]],
    *,
    human_level: float | None = None,
    human_metric: str = "roc_auc",
    modality: str = "table",
) -> list[Finding]:
    """The "too good to be true" check: a model at near-perfect validation ROC-AUC (≥ `TOO_GOOD_AUC`), or one
    that far beats the human level the answers give (its error on `human_metric` at most half the human's,
    and at least `FAR_ABOVE_HUMAN` better). Either is more often a leak than a triumph — a column copied from
    the label, two columns whose difference is the label (which no single-column check sees, but a linear
    model scores perfectly), or rows repeated across the split — so the finding names the models and the number."""
    findings: list[Finding] = []
    perfect = {
        name: metrics["roc_auc"]
        for name, metrics in validation.items()
        if metrics.get("roc_auc") is not None and float(metrics["roc_auc"]) >= TOO_GOOD_AUC
    }
    if perfect:
        ranked = sorted(perfect.items(), key=lambda item: -item[1])
        listed = ", ".join(f"{name} {auc:.3f}" for name, auc in ranked)
        findings.append(
            Finding(
                "too_good_to_be_true",
                "warning",
                f"Near-perfect validation ROC-AUC ({listed}; ≥ {TOO_GOOD_AUC}). Real problems rarely separate "
                f"this cleanly: {LEAK_HINTS.get(modality, LEAK_HINTS['table'])} Trust the verdict only once you "
                "have.",
                [],
                ranked[0][1],
            )
        )
    if human_level is not None:
        beyond = {
            name: float(metrics[human_metric])
            for name, metrics in validation.items()
            if metrics.get(human_metric) is not None
            and (value := float(metrics[human_metric])) - human_level >= FAR_ABOVE_HUMAN
            and 1 - value <= (1 - human_level) / 2
            and name not in perfect
        }
        if beyond:
            ranked = sorted(beyond.items(), key=lambda item: -item[1])
            listed = ", ".join(f"{name} {value:.3f}" for name, value in ranked)
            findings.append(
                Finding(
                    "too_good_to_be_true",
                    "warning",
                    f"Far above the human level you gave ({human_level:.3f} {human_metric}): {listed} on "
                    "validation, with at most half the human's error. Possible, but more often a leak: check "
                    "that no column is recorded after the outcome or computed from it.",
                    [],
                    ranked[0][1],
                )
            )
    return findings


def too_good_caveat(findings: Sequence[Mapping[str, object]]) -> str | None:
    """The sentence a verdict carries while a "too good to be true" finding stands, or None."""
    if not any(finding.get("check") == "too_good_to_be_true" for finding in findings):
        return None
    return (
        "Caveat: a model scores too well to be taken at its word (see the data checks); rule out a leak "
        "before acting on this verdict."
    )
