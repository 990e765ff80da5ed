"""Write examples/digits.zip: scikit-learn's bundled handwritten digits as PNG files, a folder per class.

The 1,797 8×8 greyscale images (UCI "Optical Recognition of Handwritten Digits", as bundled with scikit-learn
under its BSD-3-Clause licence) are scaled from 0..16 to 0..255 and upscaled ×4 with nearest neighbours, so
each is a 32×32 PNG that looks like an image: `0/0001.png`, `1/0002.png`, … The zip is deterministic (entries
sorted, fixed timestamps), so running this again gives the same bytes.

    python examples/make_digits_zip.py
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image
from sklearn.datasets import load_digits

from workers.data.images.packing import write_zip

OUT = Path(__file__).with_name("digits.zip")
SCALE = 4
README = b"""Handwritten digits, 1,797 images in ten folders (0-9), 32x32 greyscale PNG.

scikit-learn's bundled copy of the UCI "Optical Recognition of Handwritten Digits" test set
(Alpaydin & Kaynak, 1998), distributed with scikit-learn under the BSD-3-Clause licence.
Each 8x8 image (values 0-16) was scaled to 0-255 and upscaled x4 with nearest neighbours
by examples/make_digits_zip.py.
"""


def png_bytes(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG", optimize=False, compress_level=9)
    return buffer.getvalue()


def main() -> None:
    digits = load_digits()
    levels = np.rint(digits.images * (255 / 16)).astype(np.uint8)
    big = np.kron(levels, np.ones((1, SCALE, SCALE), dtype=np.uint8))
    members: list[tuple[str, Path | bytes]] = [("README.txt", README)]
    for i, (image, label) in enumerate(zip(big, digits.target, strict=True), start=1):
        members.append((f"{label}/{i:04d}.png", png_bytes(image)))
    write_zip(members, OUT)
    print(f"wrote {OUT} ({OUT.stat().st_size / 1024:,.0f} KB, {len(members) - 1} images)")


if __name__ == "__main__":
    main()
