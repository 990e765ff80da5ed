"""What the images section costs a report: the time to build it (PNG thumbnails encoded as data URIs) and the
bytes it adds to the JSON and the HTML report, for a small grey dataset and a many-class colour one.

    python benchmarks/image_report.py            # both cases, 5 repeats each

No model is trained: the section is built from a seeded dataset and seeded test probabilities, as the
report stage builds it from the test look's. Sizes are exact; times are the median of the repeats, so read
them as ratios on the machine that ran them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workers.data.dataset import Dataset
from workers.data.images.image_set import MODEL_SIZE, ImageSet
from workers.images.summary import images_section
from workers.report.html import render_html

STORED = Path(__file__).resolve().parents[1] / "tests" / "workers" / "fixtures" / "report_stored.json"


def dataset(n: int, classes: int, channels: int, seed: int = 0) -> Dataset:
    """`n` images of `classes` classes, smooth random patterns (PNG compresses them as it would photos
    resized to 32×32 better than it would noise), `channels` 1 (grey) or 3 (colour)."""
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, size=(n, channels, 8, 8), dtype=np.uint8)
    pixels = np.kron(coarse, np.ones((1, 1, MODEL_SIZE // 8, MODEL_SIZE // 8), dtype=np.uint8))
    y = np.arange(n) % classes
    names = [f"class{k:02d}/{i:05d}.jpg" for i, k in enumerate(y)]
    images = ImageSet(
        pixels=pixels,
        names=names,
        widths=rng.integers(200, 1200, n).astype(np.int32),
        heights=rng.integers(200, 900, n).astype(np.int32),
        modes=["RGB" if channels == 3 else "L"] * n,
        formats=["JPEG"] * n,
        phash=rng.integers(0, 2**63, size=n, dtype=np.uint64),
        content_sha256=[f"{i:064x}" for i in range(n)],
    )
    return Dataset(
        features=images.features_frame(),
        y=y,
        classes=[f"class{k:02d}" for k in range(classes)],
        target="label",
        sha256="ab" * 32,
        columns={},
        images=images,
    )


def measure(name: str, data: Dataset, repeats: int) -> dict[str, Any]:
    n = data.n_rows
    rows = np.random.default_rng(1).permutation(n)
    train, test = rows[: int(0.6 * n)], rows[int(0.8 * n) :]
    proba = np.random.default_rng(2).dirichlet(np.ones(data.n_classes), size=len(test))
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        section = images_section(
            data, train_rows=train, test_rows=test, proba=proba, threshold=None, model="CNN", role="deep"
        )
        seconds.append(time.perf_counter() - start)
    assert section is not None
    report = json.loads(STORED.read_text())
    plain_html = len(render_html(report).encode())
    report["images"] = section
    return {
        "case": name,
        "images": n,
        "classes": data.n_classes,
        "thumbnails": sum(len(g["images"]) for g in section["samples"]) + len(section["confidently_wrong"]),
        "build_s": statistics.median(seconds),
        "json_kb": len(json.dumps(section).encode()) / 1024,
        "html_kb_added": (len(render_html(report).encode()) - plain_html) / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    cases = [
        measure("grey, 10 classes (digits-like)", dataset(1797, 10, 1), args.repeats),
        measure("colour, 50 classes (the most shown)", dataset(5000, 50, 3), args.repeats),
    ]
    print("| Case | Images | Classes | Thumbnails | Build | JSON | HTML added |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for c in cases:
        print(
            f"| {c['case']} | {c['images']:,} | {c['classes']} | {c['thumbnails']} | {c['build_s'] * 1000:.0f} ms "
            f"| {c['json_kb']:.0f} KB | {c['html_kb_added']:.0f} KB |"
        )


if __name__ == "__main__":
    main()
