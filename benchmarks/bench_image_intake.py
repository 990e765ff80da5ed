"""Image intake: images per second that `load_images` reads from a zip (bounded reads, Pillow decode, EXIF,
pHash, resize to 32×32), and the stored parse's write and read, for three kinds of zip:

- examples/digits.zip: 1,797 tiny PNGs (32×32 grey);
- 500 camera-sized JPEGs (1,600×1,200 colour), where JPEG draft decoding (1/8 scale) does most of the work;
- 500 1,600×1,200 PNGs, which Pillow must decode in full.

    python benchmarks/bench_image_intake.py            # all three
    python benchmarks/bench_image_intake.py 100        # 100 photos instead of 500

Photos are random smooth colour fields (a few blurred blobs), so JPEG and PNG sizes are like real photos'.
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

from workers.data.images.loading import load_images
from workers.data.images.packing import write_zip
from workers.data.parsed import read_parsed, write_parsed

ROOT = Path(__file__).resolve().parents[1]
PHOTO = (1600, 1200)


def photo(seed: int, fmt: str) -> bytes:
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, size=(12, 16, 3), dtype=np.uint8)
    image = Image.fromarray(small).resize(PHOTO, Image.Resampling.BICUBIC).filter(ImageFilter.GaussianBlur(3))
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return buffer.getvalue()


def photos_zip(folder: Path, n: int, fmt: str) -> Path:
    suffix = ".jpg" if fmt == "JPEG" else ".png"
    members: list[tuple[str, Path | bytes]] = [
        (f"{'cats' if i % 2 else 'dogs'}/{i:04d}{suffix}", photo(i, fmt)) for i in range(n)
    ]
    path = folder / f"photos_{fmt.lower()}.zip"
    write_zip(members, path)
    return path


def measure(path: Path, folder: Path) -> tuple[int, float, float, float]:
    started = time.perf_counter()
    data = load_images(path, target="label")
    read = time.perf_counter() - started
    started = time.perf_counter()
    write_parsed(data, folder / "parsed.parquet")
    written = time.perf_counter() - started
    started = time.perf_counter()
    read_parsed(folder / "parsed.parquet")
    return data.n_rows, read, written, time.perf_counter() - started


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    print("| zip | MB | images | read s | images/s | parse write s | parse read s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cases = [
            ("examples/digits.zip (32×32 PNG)", ROOT / "examples" / "digits.zip"),
            (f"{n} JPEG 1,600×1,200", photos_zip(folder, n, "JPEG")),
            (f"{n} PNG 1,600×1,200", photos_zip(folder, n, "PNG")),
        ]
        for label, path in cases:
            rows, read, written, reread = measure(path, folder)
            size = path.stat().st_size / 1e6
            print(
                f"| {label} | {size:,.1f} | {rows:,} | {read:.2f} | {rows / read:,.0f} | {written:.3f} | {reread:.3f} |"
            )


if __name__ == "__main__":
    main()
