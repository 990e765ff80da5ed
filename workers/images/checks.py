"""The data checks of an image dataset, each a `workers.checks.Finding` like a table's (same severities, same
JSON; `files` names the first few images a finding is about, and the message names them too, so every
reader shows them): files left out, exact and near duplicates and what a plain split would have done with
them, conflicting labels, class balance (the table check's, judged by class ratios), tiny classes, images
much smaller than the rest (upscaled: blurred), aspect-ratio outliers (squashed), a mix of colour modes,
and alpha channels."""

from __future__ import annotations

from collections import Counter

import numpy as np

from workers.checks import (
    CONFLICT_ERROR_SHARE,
    IMBALANCE_INFO,
    IMBALANCE_WARNING,
    MIN_TEST_POSITIVES,
    Finding,
    Severity,
)
from workers.data.dataset import Dataset
from workers.data.images.image_set import MODEL_SIZE, ImageSet
from workers.images.duplicates import NEAR_CORRELATION, NEAR_HAMMING_BITS, DuplicateClusters
from workers.split import TEST, Split

NAMED = 5  # files named in a finding: enough to find the pattern, few enough to read
# A class needs this many images: 60/20/20 leaves it 30 to learn from (about the least even a pretrained
# network's linear head learns a class from) and 10 each to choose a model on and to test it with.
MIN_CLASS_IMAGES = 50
# An image is small when its shorter side is under half the set's typical (median) shorter side and under
# the models' size: it is upscaled more than twice as much as its peers, so it is blurred where they are not.
SMALL_SIDE_RATIO = 0.5
# An image's aspect ratio is an outlier when it differs from the set's median by more than this factor (a
# 4:3 portrait among 4:3 landscapes: 1.78): resized to a square, it is squashed unlike the rest.
ASPECT_RATIO_FACTOR = 1.5
OUTLIER_WARNING_SHARE = 0.01  # outliers below this share of the images are an info, from it a warning
GREY_MODES = frozenset({"1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "F"})
ALPHA_MODES = frozenset({"RGBA", "RGBa", "LA", "La", "PA"})


def image_findings(
    dataset: Dataset, split: Split, duplicates: DuplicateClusters, plain: np.ndarray | None
) -> list[Finding]:
    """Every image check, errors first. `plain`: the assignment a plain random split (same seed, each image
    on its own) would have made, to count the duplicate clusters it would have put across parts; None when
    that split was impossible."""
    images = dataset.images
    if images is None:
        raise ValueError("image_findings needs an image dataset")
    findings = (
        _unreadable(images)
        + _duplicate_findings(dataset, images, duplicates, split, plain)
        + _balance(dataset, split)
        + _tiny_classes(dataset)
        + _small_images(images)
        + _aspect_ratio_outliers(images)
        + _colour_modes(dataset, images)
    )
    order = {"error": 0, "warning": 1, "info": 2}
    return sorted(findings, key=lambda f: order[f.severity])


def _listed(names: list[str], total: int) -> str:
    """The first names, and how many more."""
    shown = ", ".join(names[:NAMED])
    return shown + (f" and {total - len(names[:NAMED])} more" if total > len(names[:NAMED]) else "")


def _unreadable(images: ImageSet) -> list[Finding]:
    if not images.unreadable:
        return []
    count = len(images.unreadable)
    named = [f"{entry.get('name', '?')} ({entry.get('reason', 'unreadable')})" for entry in images.unreadable]
    return [
        Finding(
            "unreadable_images",
            "warning",
            f"{count} file(s) could not be read as images and are left out: {_listed(named, count)}. Re-export "
            "them (a truncated download, or a file that is not an image) to use them.",
            [],
            count,
            tuple(entry.get("name", "?") for entry in images.unreadable[:NAMED]),
        )
    ]


def _duplicate_findings(
    dataset: Dataset,
    images: ImageSet,
    duplicates: DuplicateClusters,
    split: Split,
    plain: np.ndarray | None,
) -> list[Finding]:
    findings: list[Finding] = []
    n = len(images)
    labels = [str(dataset.classes[label]) for label in dataset.y]
    exact_groups = duplicates.members(duplicates.exact)
    if exact_groups:
        repeats = sum(len(group) - 1 for group in exact_groups)
        share = repeats / n
        pairs = [" = ".join(images.names[i] for i in group[:3]) for group in exact_groups]
        findings.append(
            Finding(
                "duplicate_images",
                "warning" if share >= 0.01 else "info",
                f"{repeats} image(s) ({share:.1%}) repeat another exactly (the same file bytes or, decoded, the "
                f"same pixels), in {len(exact_groups)} group(s): {_listed(pairs, len(pairs))}.",
                [],
                repeats,
                tuple(images.names[i] for group in exact_groups[:NAMED] for i in group[:2]),
            )
        )
        conflicting = [group for group in exact_groups if len({labels[i] for i in group}) > 1]
        if conflicting:
            rows = sum(len(group) for group in conflicting)
            share = rows / n
            named = [
                " = ".join(f"{images.names[i]} ({labels[i]})" for i in group[:3]) for group in conflicting
            ]
            findings.append(
                Finding(
                    "conflicting_labels",
                    "error" if share >= CONFLICT_ERROR_SHARE else "warning",
                    f"{rows} images ({share:.1%}) in {len(conflicting)} group(s) are the same image under "
                    f"different labels: {_listed(named, len(named))}. No model can get them all right; check "
                    "the labelling.",
                    [dataset.target],
                    rows,
                    tuple(images.names[i] for group in conflicting[:NAMED] for i in group[:2]),
                )
            )
    clusters = duplicates.members(duplicates.clusters)
    near = [group for group in clusters if len(np.unique(duplicates.exact[group])) > 1]
    if near:
        in_near = sum(len(group) for group in near)
        mixed = sum(1 for group in near if len({labels[i] for i in group}) > 1)
        named = [" ≈ ".join(images.names[i] for i in group[:3]) for group in near]
        findings.append(
            Finding(
                "near_duplicate_images",
                "warning",
                f"{len(near)} group(s) of near-duplicate images ({in_near} images): copies with noise, another "
                "brightness or contrast, another compression or size (perceptual hashes within "
                f"{NEAR_HAMMING_BITS} of 64 bits and pixels correlated ≥ {NEAR_CORRELATION}): "
                f"{_listed(named, len(named))}."
                + (f" {mixed} of the groups hold images of different labels." if mixed else "")
                + " Check how the copies got into the data.",
                [],
                len(near),
                tuple(images.names[i] for group in near[:NAMED] for i in group[:2]),
            )
        )
    if clusters:
        straddling = sum(1 for group in clusters if len(np.unique(split.assignment[group])) > 1)
        would = None if plain is None else sum(1 for group in clusters if len(np.unique(plain[group])) > 1)
        plainly = "under a plain random split (the same seed, each image on its own)"
        if would is None:
            said = f"The {len(clusters)} duplicate group(s) (exact and near) are kept together"
        elif would:
            said = (
                f"{would} of the {len(clusters)} duplicate group(s) (exact and near) would have straddled the "
                f"split {plainly}, so the test score would partly measure memory; they are kept together"
            )
        else:
            said = (
                f"None of the {len(clusters)} duplicate group(s) (exact and near) would have straddled the split "
                f"{plainly}, by chance; they are kept together by design"
            )
        findings.append(
            Finding(
                "duplicates_across_splits",
                "error" if straddling else "info",
                f"{said}: each group sits in one of train, validation and test ({straddling} straddle).",
                [],
                would if would is not None else straddling,
            )
        )
    return findings


def _balance(dataset: Dataset, split: Split) -> list[Finding]:
    """The table check's class imbalance and scarce test classes, with its thresholds, but judged by the
    smallest class against the largest: the table check's share of all rows calls ten balanced classes
    (10% each) imbalanced, and image sets often have ten classes. For two classes the two agree (a 5% share
    is a ratio of 1:19, a 20% share 1:4)."""
    findings: list[Finding] = []
    counts = np.bincount(dataset.y, minlength=dataset.n_classes)
    smallest, largest = int(counts.argmin()), int(counts.argmax())
    ratio = counts[smallest] / max(int(counts[largest]), 1)
    name, big = dataset.classes[smallest], dataset.classes[largest]
    said = f"Class {name!r} has {counts[smallest]} images, {ratio:.1%} as many as class {big!r} ({counts[largest]})"
    if ratio < IMBALANCE_WARNING / (1 - IMBALANCE_WARNING):
        findings.append(
            Finding(
                "class_imbalance",
                "warning",
                f"{said}: accuracy is meaningless here; read PR-AUC and recall.",
                [dataset.target],
                counts[smallest] / counts.sum(),
            )
        )
    elif ratio < IMBALANCE_INFO / (1 - IMBALANCE_INFO):
        findings.append(
            Finding(
                "class_imbalance",
                "info",
                f"{said}; PR-AUC is reported beside ROC-AUC for that reason.",
                [dataset.target],
                counts[smallest] / counts.sum(),
            )
        )
    test_counts = np.bincount(dataset.y[split.indices(TEST)], minlength=dataset.n_classes)
    scarce = int(test_counts.min())
    if scarce < MIN_TEST_POSITIVES:
        findings.append(
            Finding(
                "few_positives",
                "warning",
                f"The test split holds only {scarce} images of class {dataset.classes[int(test_counts.argmin())]!r}; "
                f"confidence intervals will be wide. Around {MIN_TEST_POSITIVES}+ per class are needed for a "
                "trustworthy estimate.",
                [dataset.target],
                scarce,
            )
        )
    return findings


def _tiny_classes(dataset: Dataset) -> list[Finding]:
    counts = np.bincount(dataset.y, minlength=dataset.n_classes)
    tiny = [
        (str(dataset.classes[label]), int(count))
        for label, count in enumerate(counts)
        if count < MIN_CLASS_IMAGES
    ]
    if not tiny:
        return []
    listed = ", ".join(f"{name!r} ({count})" for name, count in tiny)
    fewest = min(count for _, count in tiny)
    return [
        Finding(
            "tiny_classes",
            "warning",
            f"Too few images to learn and measure: {listed}. A 60/20/20 split leaves such a class about "
            f"{round(fewest * 0.6)} images to train on and {round(fewest * 0.2)} each to validate and test "
            f"with; a class needs at least {MIN_CLASS_IMAGES} (30 to learn from, 10 to choose a model on, 10 "
            "to test), and about 150 for a test estimate with a usable interval.",
            [dataset.target],
            fewest,
        )
    ]


def _outlier_severity(count: int, n: int) -> Severity:
    return "warning" if count / n >= OUTLIER_WARNING_SHARE else "info"


def _small_images(images: ImageSet) -> list[Finding]:
    n = len(images)
    if n == 0:
        return []
    shorter = np.minimum(np.asarray(images.widths), np.asarray(images.heights))
    typical = float(np.median(shorter))
    small = np.flatnonzero((shorter < MODEL_SIZE) & (shorter < SMALL_SIDE_RATIO * typical))
    if len(small) == 0:
        return []
    named = [f"{images.names[i]} ({images.widths[i]}×{images.heights[i]})" for i in small]
    return [
        Finding(
            "small_images",
            _outlier_severity(len(small), n),
            f"{len(small)} image(s) are much smaller than the rest (shorter side under half the typical "
            f"{typical:.0f} px, and under the models' {MODEL_SIZE} px): {_listed(named, len(named))}. Upscaled to "
            f"{MODEL_SIZE}×{MODEL_SIZE}, they are blurred where the others are sharp; if they gather in one "
            "class, a model can learn the blur instead of the content.",
            [],
            len(small),
            tuple(images.names[i] for i in small[:NAMED]),
        )
    ]


def _aspect_ratio_outliers(images: ImageSet) -> list[Finding]:
    n = len(images)
    if n == 0:
        return []
    ratio = np.asarray(images.widths, dtype=float) / np.maximum(np.asarray(images.heights, dtype=float), 1)
    typical = float(np.median(ratio))
    off = np.flatnonzero(np.abs(np.log(ratio / typical)) > np.log(ASPECT_RATIO_FACTOR))
    if len(off) == 0:
        return []
    named = [f"{images.names[i]} ({images.widths[i]}×{images.heights[i]})" for i in off]
    return [
        Finding(
            "aspect_ratio_outliers",
            _outlier_severity(len(off), n),
            f"{len(off)} image(s) have an aspect ratio far from the set's typical {typical:.2f} (width/height; "
            f"off by more than {ASPECT_RATIO_FACTOR}×): {_listed(named, len(named))}. Resized to a square, they "
            "are squashed unlike the rest; crop or pad them to the usual shape.",
            [],
            len(off),
            tuple(images.names[i] for i in off[:NAMED]),
        )
    ]


def _colour_modes(dataset: Dataset, images: ImageSet) -> list[Finding]:
    findings: list[Finding] = []
    n = len(images)
    if n == 0:
        return findings
    grey = np.array([mode in GREY_MODES for mode in images.modes])
    if 0 < grey.sum() < n:
        minority = grey if grey.sum() <= n / 2 else ~grey
        odd, usual = ("greyscale", "colour") if minority is grey else ("colour", "greyscale")
        where = np.flatnonzero(minority)
        by_class = Counter(str(dataset.classes[dataset.y[i]]) for i in where)
        classes = ", ".join(f"{name!r} ({count})" for name, count in by_class.most_common())
        named = [f"{images.names[i]} ({images.modes[i]})" for i in where]
        one_class = (
            f" All of them are of class {next(iter(by_class))!r}: a model can tell that class by its colour "
            "alone, which new images will not share."
            if len(by_class) == 1 and dataset.n_classes > 1
            else ""
        )
        findings.append(
            Finding(
                "colour_mode_mix",
                "warning",
                f"{len(where)} {odd} image(s) in a {usual} set, by class {classes}: {_listed(named, len(named))}. "
                + "The models see every image in colour, a greyscale one as three equal channels."
                + one_class,
                [],
                len(where),
                tuple(images.names[i] for i in where[:NAMED]),
            )
        )
    alpha = np.flatnonzero([mode in ALPHA_MODES for mode in images.modes])
    if len(alpha):
        named = [f"{images.names[i]} ({images.modes[i]})" for i in alpha]
        findings.append(
            Finding(
                "alpha_channel",
                "info" if len(alpha) == n else "warning",
                f"{len(alpha)} image(s) have an alpha (transparency) channel: {_listed(named, len(named))}. The "
                "models do not see transparency: transparent areas show whatever colour is stored under them, "
                "which may not be what a viewer shows.",
                [],
                len(alpha),
                tuple(images.names[i] for i in alpha[:NAMED]),
            )
        )
    return findings
