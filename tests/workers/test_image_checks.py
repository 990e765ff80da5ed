"""The image checks and the duplicate-aware split (issue 13, item 2), on image sets built by hand the way the
intake builds them: pixels at the models' size, perceptual hashes computed by imagehash on Pillow images."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence

import imagehash
import numpy as np
import pytest
from PIL import Image
from sklearn.datasets import load_digits

from workers.data.dataset import Dataset
from workers.data.images.image_set import MODEL_SIZE, ImageSet
from workers.preparation import prepare
from workers.split import SplitTooSmall, random_assignment


def _phash(pixels: np.ndarray) -> int:
    """imagehash's pHash of one (channels, size, size) image, as the intake computes it on the decoded image."""
    image = Image.fromarray(pixels[0] if pixels.shape[0] == 1 else np.moveaxis(pixels, 0, -1))
    return int("".join("1" if bit else "0" for bit in imagehash.phash(image).hash.flatten()), 2)


def image_set(
    pixels: np.ndarray,
    names: Sequence[str],
    *,
    sizes: Sequence[tuple[int, int]] | None = None,
    modes: Sequence[str] | None = None,
    sha256: Sequence[str] | None = None,
    unreadable: list[dict[str, str]] | None = None,
) -> ImageSet:
    n = len(pixels)
    channels = pixels.shape[1]
    shape = np.asarray(sizes if sizes is not None else [(MODEL_SIZE, MODEL_SIZE)] * n)
    return ImageSet(
        pixels=pixels,
        names=list(names),
        widths=shape[:, 0].astype(np.int32),
        heights=shape[:, 1].astype(np.int32),
        modes=list(modes) if modes is not None else ["L" if channels == 1 else "RGB"] * n,
        formats=["PNG"] * n,
        phash=np.array([_phash(p) for p in pixels], dtype=np.uint64),
        # A file's bytes differ from another's unless the test says so: the pixels and the name stand in.
        content_sha256=list(sha256)
        if sha256 is not None
        else [
            hashlib.sha256(p.tobytes() + name.encode()).hexdigest()
            for p, name in zip(pixels, names, strict=True)
        ],
        unreadable=unreadable or [],
    )


def image_dataset(images: ImageSet, y: np.ndarray, classes: list[str]) -> Dataset:
    return Dataset(
        features=images.features_frame(),
        y=np.asarray(y),
        classes=classes,
        target="label",
        sha256=hashlib.sha256(images.pixels.tobytes()).hexdigest(),
        columns={},
        source="photos.zip",
        positive_label=classes[1] if len(classes) == 2 else None,
        images=images,
    )


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    """sklearn's 1,797 digits upscaled to 32×32, as /tmp/imgsmoke.py and the example build them."""
    data = load_digits()
    pixels = np.kron((data.images / 16 * 255).astype(np.uint8), np.ones((1, 4, 4), dtype=np.uint8))
    return pixels[:, None], data.target


def _digits_dataset(digits: tuple[np.ndarray, np.ndarray]) -> Dataset:
    pixels, target = digits
    names = [f"{label}/{i:04d}.png" for i, label in enumerate(target)]
    images = image_set(pixels, names, sizes=[(8, 8)] * len(pixels))
    return image_dataset(images, target, [str(label) for label in range(10)])


def _blocks(n: int, seed: int) -> np.ndarray:
    """n distinct colour images: random 8×8 colour blocks scaled up to 32×32 (uint8, channels first). (Coarser
    blocks leave most of the pHash's 64 frequencies near zero, where noise flips bits at random.)"""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, size=(n, 3, 8, 8)).astype(np.uint8)
    return np.kron(small, np.ones((1, 1, 4, 4), dtype=np.uint8))


def _near_copy(pixels: np.ndarray, how: int, rng: np.random.Generator) -> np.ndarray:
    """A near copy as a user's folder holds them: noise, a brightness change, or a JPEG re-encoding."""
    if how == 0:
        return np.clip(pixels + rng.normal(0, 6, pixels.shape), 0, 255).astype(np.uint8)
    if how == 1:
        return np.clip(pixels.astype(int) + 20, 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(np.moveaxis(pixels, 0, -1)).save(buffer, "JPEG", quality=70)
    return np.moveaxis(np.asarray(Image.open(buffer)), -1, 0).copy()


def _with_copies(n_distinct: int = 240, n_copied: int = 60, seed: int = 3) -> tuple[Dataset, list[list[int]]]:
    """Two classes of distinct images plus near copies (and one exact copy) of some: the copies' groups."""
    rng = np.random.default_rng(seed)
    originals = _blocks(n_distinct, seed)
    y = np.arange(n_distinct) % 2
    copies = [_near_copy(originals[i], i % 3, rng) for i in range(n_copied)]
    pixels = np.concatenate([originals, np.stack(copies), originals[:1]])
    labels = np.concatenate([y, y[:n_copied], y[:1]])
    names = [f"{'cat' if label else 'dog'}s/{i:03d}.png" for i, label in enumerate(labels)]
    sha = [
        hashlib.sha256(p.tobytes() + name.encode()).hexdigest() for p, name in zip(pixels, names, strict=True)
    ]
    sha[-1] = sha[0]  # the last file is the first one's bytes again
    groups = [[i, n_distinct + i] for i in range(n_copied)]
    groups[0].append(len(pixels) - 1)
    images = image_set(pixels, names, sha256=sha)
    return image_dataset(images, labels, ["dog", "cat"]), groups


def _checks(findings: list) -> dict[str, dict[str, object]]:
    return {f.check: f.to_dict() for f in findings}


def test_clean_digits_raise_no_image_finding(digits: tuple[np.ndarray, np.ndarray]) -> None:
    dataset = _digits_dataset(digits)
    prepared = prepare(dataset, seed=7)
    # Ten classes of ~180 distinct images each, all 8×8 greyscale: nothing to report (no digit merged with
    # another, no class called imbalanced for being one of ten).
    assert prepared.findings == []
    assert prepared.used_columns == list(dataset.features.columns)
    assert sum(prepared.split.sizes.values()) == len(digits[1])


def test_near_duplicates_never_cross_parts_and_the_finding_counts_what_a_plain_split_would_have_done() -> (
    None
):
    dataset, groups = _with_copies()
    prepared = prepare(dataset, seed=11)
    assignment = prepared.split.assignment
    for group in groups:
        assert len(set(assignment[group])) == 1, group  # noise, brightness and JPEG copies all kept together
    plain = random_assignment(dataset, seed=11, groups=np.arange(dataset.n_rows))
    would = sum(1 for group in groups if len(set(plain[group])) > 1)
    assert would > 20  # a plain split scatters about half of them
    found = _checks(prepared.findings)
    straddle = found["duplicates_across_splits"]
    assert straddle["severity"] == "info" and straddle["value"] == would
    assert f"{would} of the {len(groups)} duplicate group(s)" in str(straddle["message"])
    assert "they are kept together" in str(straddle["message"]) and "(0 straddle)" in str(straddle["message"])
    near = found["near_duplicate_images"]
    assert near["severity"] == "warning" and near["value"] == len(groups)
    assert "cats/241.png" in near["files"] or "dogs/240.png" in near["files"]  # type: ignore[operator]
    assert "dogs/000.png ≈ dogs/240.png" in str(near["message"])


def test_exact_duplicates_and_the_same_image_under_two_labels() -> None:
    pixels = _blocks(120, seed=5)
    y = np.arange(120) % 2
    # Image 1 again, same bytes, under the other label; image 2 again, re-saved (same pixels, other bytes).
    pixels = np.concatenate([pixels, pixels[1:3]])
    labels = np.concatenate([y, [0, y[2]]])
    names = [f"{'cat' if label else 'dog'}s/{i:03d}.png" for i, label in enumerate(labels)]
    sha = [hashlib.sha256(name.encode()).hexdigest() for name in names]
    sha[120] = sha[1]
    dataset = image_dataset(image_set(pixels, names, sha256=sha), labels, ["dog", "cat"])
    prepared = prepare(dataset, seed=3)
    found = _checks(prepared.findings)
    assert found["duplicate_images"]["value"] == 2
    assert "cats/001.png = dogs/120.png" in str(found["duplicate_images"]["message"])
    conflict = found["conflicting_labels"]
    assert conflict["value"] == 2 and conflict["severity"] == "warning"  # 2 of 122 images: under 5%
    assert "cats/001.png (cat) = dogs/120.png (dog)" in str(conflict["message"])
    assert conflict["files"] == ["cats/001.png", "dogs/120.png"]
    assert prepared.split.assignment[1] == prepared.split.assignment[120]
    assert prepared.split.assignment[2] == prepared.split.assignment[121]
    # Errors first, then warnings, then infos.
    order = [{"error": 0, "warning": 1, "info": 2}[f.severity] for f in prepared.findings]
    assert order == sorted(order)


def test_unreadable_files_are_listed_by_name() -> None:
    pixels = _blocks(100, seed=8)
    names = [f"{'cat' if i % 2 else 'dog'}s/{i:03d}.png" for i in range(100)]
    bad = [{"name": f"cats/broken{i}.jpg", "reason": "truncated"} for i in range(7)]
    dataset = image_dataset(image_set(pixels, names, unreadable=bad), np.arange(100) % 2, ["dog", "cat"])
    found = _checks(prepare(dataset, seed=1).findings)["unreadable_images"]
    assert found["severity"] == "warning" and found["value"] == 7
    assert "cats/broken0.jpg (truncated)" in str(found["message"]) and "and 2 more" in str(found["message"])
    assert found["files"] == [f"cats/broken{i}.jpg" for i in range(5)]


def test_a_tiny_class_and_an_imbalanced_one() -> None:
    pixels = _blocks(412, seed=9)
    y = np.concatenate([np.zeros(400, dtype=int), np.ones(12, dtype=int)])
    names = [f"{'rare' if label else 'common'}/{i:03d}.png" for i, label in enumerate(y)]
    found = _checks(prepare(image_dataset(image_set(pixels, names), y, ["common", "rare"]), seed=2).findings)
    assert "'rare' (12)" in str(found["tiny_classes"]["message"])
    assert "at least 50" in str(found["tiny_classes"]["message"])
    assert found["class_imbalance"]["severity"] == "warning"  # 12 against 400: 3% as many
    assert found["few_positives"]["severity"] == "warning"


def test_small_images_and_aspect_ratio_outliers_are_named() -> None:
    pixels = _blocks(200, seed=10)
    sizes = [(120, 90)] * 200
    sizes[3] = (12, 9)  # upscaled ~3.5×: blurred where the rest are sharp
    sizes[4] = (90, 120)  # a portrait among landscapes
    sizes[5] = (400, 100)
    names = [f"{'cat' if i % 2 else 'dog'}s/{i:03d}.jpg" for i in range(200)]
    dataset = image_dataset(image_set(pixels, names, sizes=sizes), np.arange(200) % 2, ["dog", "cat"])
    found = _checks(prepare(dataset, seed=4).findings)
    assert found["small_images"]["files"] == ["cats/003.jpg"]
    assert "cats/003.jpg (12×9)" in str(found["small_images"]["message"])
    assert found["aspect_ratio_outliers"]["files"] == ["dogs/004.jpg", "cats/005.jpg"]
    assert found["aspect_ratio_outliers"]["severity"] == "warning"  # 2 of 200: 1%, a warning from there


def test_greyscale_images_in_a_colour_set_and_alpha_channels() -> None:
    pixels = _blocks(150, seed=12)
    y = np.arange(150) % 2
    names = [f"{'cat' if label else 'dog'}s/{i:03d}.png" for i, label in enumerate(y)]
    modes = ["RGB"] * 150
    for i in (1, 3, 5, 7):
        modes[i] = "L"  # every greyscale image a cat: colour alone tells the class
    modes[10] = "RGBA"
    found = _checks(
        prepare(image_dataset(image_set(pixels, names, modes=modes), y, ["dog", "cat"]), seed=5).findings
    )
    mix = found["colour_mode_mix"]
    assert mix["severity"] == "warning" and mix["value"] == 4
    assert "4 greyscale image(s) in a colour set" in str(mix["message"])
    assert "All of them are of class 'cat'" in str(mix["message"])
    assert found["alpha_channel"]["files"] == ["dogs/010.png"]


def test_a_split_that_copies_make_impossible_is_refused() -> None:
    # Twelve cats that are all one image (noise aside), and dogs: the cats cannot fill three parts.
    rng = np.random.default_rng(0)
    dogs = _blocks(60, seed=13)
    cat = _blocks(1, seed=14)[0]
    cats = np.stack([_near_copy(cat, 0, rng) for _ in range(12)])
    pixels = np.concatenate([dogs, cats])
    y = np.concatenate([np.zeros(60, dtype=int), np.ones(12, dtype=int)])
    names = [f"{'cat' if label else 'dog'}s/{i:03d}.png" for i, label in enumerate(y)]
    with pytest.raises(SplitTooSmall, match="kept in one split with its exact and near copies"):
        prepare(image_dataset(image_set(pixels, names), y, ["dog", "cat"]), seed=1)
