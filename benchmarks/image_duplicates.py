"""How the near-duplicate test of the image checks was chosen, and how fast it is.

    python benchmarks/image_duplicates.py            # the digits' false merges, the copies found, 20k timing
    python benchmarks/image_duplicates.py --n 5000 20000 50000

1. False merges: sklearn's 1,797 digits (upscaled to 32×32, every one a different hand's, none a copy of
   another) clustered by pHash alone at each Hamming threshold, and by the shipped test (pHash ≤
   NEAR_HAMMING_BITS confirmed by the luma correlation ≥ NEAR_CORRELATION): how many digits get merged.
2. Copies found: 300 digits and 300 colour images, each edited (noise, brightness, contrast, JPEG, resize,
   a one-pixel shift): the share of copies put in one cluster with their original, by each test.
3. Speed: `find_duplicates` on N distinct images plus 10% near copies (random colour images, hashes
   computed with imagehash as the intake does), best of 3, and on N copies of a single image (every pair a
   candidate). Nothing is downloaded; the digits ship with scikit-learn.
"""

from __future__ import annotations

import argparse
import io
import time
from collections.abc import Callable

import imagehash
import numpy as np
from PIL import Image, ImageEnhance
from sklearn.datasets import load_digits

from workers.data.images.image_set import ImageSet
from workers.images.duplicates import NEAR_CORRELATION, NEAR_HAMMING_BITS, find_duplicates

Edit = Callable[[np.ndarray, np.random.Generator], np.ndarray]


def phash(pixels: np.ndarray) -> int:
    image = Image.fromarray(pixels[0] if pixels.shape[0] == 1 else np.moveaxis(pixels, 0, -1))
    return int("".join("1" if bit else "0" for bit in imagehash.phash(image).hash.flatten()), 2)


def image_set(pixels: np.ndarray) -> ImageSet:
    n = len(pixels)
    return ImageSet(
        pixels=pixels,
        names=[f"{i}.png" for i in range(n)],
        widths=np.full(n, 32, dtype=np.int32),
        heights=np.full(n, 32, dtype=np.int32),
        modes=["L" if pixels.shape[1] == 1 else "RGB"] * n,
        formats=["PNG"] * n,
        phash=np.array([phash(p) for p in pixels], dtype=np.uint64),
        content_sha256=[str(i) for i in range(n)],
    )


def digits() -> np.ndarray:
    data = load_digits()
    return np.kron((data.images / 16 * 255).astype(np.uint8), np.ones((1, 4, 4), dtype=np.uint8))[:, None]


def colour(n: int, seed: int) -> np.ndarray:
    """Random 8×8 colour blocks scaled up to 32×32."""
    small = np.random.default_rng(seed).integers(0, 256, size=(n, 3, 8, 8)).astype(np.uint8)
    return np.kron(small, np.ones((1, 1, 4, 4), dtype=np.uint8))


def _pil(pixels: np.ndarray) -> Image.Image:
    return Image.fromarray(pixels[0] if pixels.shape[0] == 1 else np.moveaxis(pixels, 0, -1))


def _back(image: Image.Image, channels: int) -> np.ndarray:
    array = np.asarray(image)
    return array[None].copy() if channels == 1 else np.moveaxis(array, -1, 0).copy()


def _jpeg(pixels: np.ndarray, _: np.random.Generator) -> np.ndarray:
    buffer = io.BytesIO()
    _pil(pixels).save(buffer, "JPEG", quality=60)
    return _back(Image.open(buffer), pixels.shape[0])


EDITS: dict[str, Edit] = {
    "noise σ=8": lambda p, rng: np.clip(p + rng.normal(0, 8, p.shape), 0, 255).astype(np.uint8),
    "noise σ=16": lambda p, rng: np.clip(p + rng.normal(0, 16, p.shape), 0, 255).astype(np.uint8),
    "brightness +30": lambda p, _: np.clip(p.astype(int) + 30, 0, 255).astype(np.uint8),
    "contrast ×0.8": lambda p, _: _back(ImageEnhance.Contrast(_pil(p)).enhance(0.8), p.shape[0]),
    "JPEG q=60": _jpeg,
    "resize 48 and back": lambda p, _: _back(_pil(p).resize((48, 48)).resize((32, 32)), p.shape[0]),
    "shift 1 px": lambda p, _: np.roll(p, 1, axis=2),
}


def _merged_by_hash(hashes: np.ndarray, bits: int) -> int:
    """Images in a cluster of more than one when pairs within `bits` are joined (pHash alone)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    distance = np.bitwise_count(hashes[:, None] ^ hashes[None, :])
    a, b = np.nonzero(np.triu(distance <= bits, 1))
    _, labels = connected_components(coo_matrix((np.ones(len(a)), (a, b)), shape=(len(hashes),) * 2))
    sizes = np.bincount(labels)
    return int(sizes[sizes > 1].sum())


def false_merges() -> None:
    images = image_set(digits())
    print(f"False merges among the {len(images)} digits (none is a copy of another):")
    print("| test | digits merged |\n|---|---|")
    for bits in (2, 4, 6, 8):
        print(f"| pHash ≤ {bits} bits alone | {_merged_by_hash(images.phash, bits)} |")
    clusters = find_duplicates(images).clusters
    merged = int((np.bincount(clusters)[clusters] > 1).sum())
    print(
        f"| pHash ≤ {NEAR_HAMMING_BITS} bits and luma correlation ≥ {NEAR_CORRELATION} (shipped) | {merged} |"
    )


def copies_found() -> None:
    rng = np.random.default_rng(0)
    sets = {"digits": digits()[:300], "colour": colour(300, seed=1)}
    print("\nCopies put with their original (share of 300 each; digits / colour):")
    print("| edit | pHash ≤ 2 | pHash ≤ 4 | pHash ≤ 8 | shipped test |\n|---|---|---|---|---|")
    for name, edit in EDITS.items():
        cells: list[list[str]] = [[], [], [], []]
        for originals in sets.values():
            edited = np.stack([edit(p, rng) for p in originals])
            images = image_set(np.concatenate([originals, edited]))
            n = len(originals)
            distance = np.bitwise_count(images.phash[:n] ^ images.phash[n:])
            for k, bits in enumerate((2, 4, 8)):
                cells[k].append(f"{(distance <= bits).mean():.0%}")
            clusters = find_duplicates(images).clusters
            cells[3].append(f"{(clusters[:n] == clusters[n:]).mean():.0%}")
        print(f"| {name} | " + " | ".join(" / ".join(cell) for cell in cells) + " |")


def timing(sizes: list[int]) -> None:
    print("\nfind_duplicates, best of 3 (hashes precomputed, as the intake stores them):")
    print("| images | distinct + 10% near copies | copies of one image |\n|---|---|---|")
    rng = np.random.default_rng(2)
    for n in sizes:
        copies = n // 10
        originals = colour(n - copies, seed=n)
        noisy = np.clip(originals[:copies] + rng.normal(0, 8, originals[:copies].shape), 0, 255).astype(
            np.uint8
        )
        mixed = image_set(np.concatenate([originals, noisy]))
        one = colour(1, seed=0)
        same = image_set(np.clip(one + rng.normal(0, 4, (n, *one.shape[1:])), 0, 255).astype(np.uint8))
        cells = []
        for images in (mixed, same):
            best = float("inf")
            for _ in range(3):
                start = time.perf_counter()
                find_duplicates(images)
                best = min(best, time.perf_counter() - start)
            cells.append(f"{best:.2f} s")
        print(f"| {n:,} | {cells[0]} | {cells[1]} |")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, nargs="+", default=[5_000, 20_000], help="image counts to time")
    args = parser.parse_args()
    false_merges()
    copies_found()
    timing(args.n)


if __name__ == "__main__":
    main()
