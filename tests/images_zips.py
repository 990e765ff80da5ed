"""Small image files and zips for the image-intake tests, made with Pillow in memory (a few KB each)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

PER_CLASS = 10  # workers.data.labels.MIN_CLASS_ROWS: fewer and the label encoding refuses the class


def image_bytes(
    seed: int, *, mode: str = "L", size: tuple[int, int] = (8, 8), fmt: str = "PNG", **save: object
) -> bytes:
    """A random image of `mode` and `size` (width, height), encoded as `fmt`."""
    rng = np.random.default_rng(seed)
    channels = {"L": 1, "RGB": 3, "RGBA": 4}[mode if mode in ("L", "RGB", "RGBA") else "RGB"]
    shape = (size[1], size[0]) if channels == 1 else (size[1], size[0], channels)
    image = Image.fromarray(rng.integers(0, 256, size=shape, dtype=np.uint8))
    if mode not in ("L", "RGB", "RGBA"):
        image = image.convert(mode)
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **save)
    return buffer.getvalue()


def folder_members(classes: tuple[str, ...] = ("cats", "dogs"), *, mode: str = "L") -> dict[str, bytes]:
    """A class-per-folder layout: PER_CLASS PNGs in each class's folder."""
    return {
        f"{label}/{i:03d}.png": image_bytes(100 * c + i, mode=mode)
        for c, label in enumerate(classes)
        for i in range(PER_CLASS)
    }


def write_zip(path: Path, members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def zip_bytes(members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def with_symlink(members: dict[str, bytes], name: str = "cats/link.png") -> bytes:
    """The zip of `members` plus an entry that is a symbolic link (as `zip -y` stores one)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for member, data in members.items():
            archive.writestr(member, data)
        link = zipfile.ZipInfo(name)
        link.create_system = 3
        link.external_attr = (0o120777) << 16
        archive.writestr(link, b"/etc/passwd")
    return buffer.getvalue()


def encrypted(content: bytes, entry: str) -> bytes:
    """`content` (a zip) with `entry` marked encrypted in its local and central headers, as a password-protected
    zip has it (zipfile cannot write encrypted entries; reading only looks at the flag)."""
    data = bytearray(content)
    name = entry.encode()
    for signature, flag_at, name_at in ((b"PK\x03\x04", 6, 30), (b"PK\x01\x02", 8, 46)):
        start = 0
        while (at := data.find(signature, start)) >= 0:
            if data[at + name_at : at + name_at + len(name)] == name:
                data[at + flag_at] |= 0x1
            start = at + 4
    return bytes(data)


def bomb_members() -> dict[str, bytes]:
    """A class-per-folder zip whose one extra entry is 4 MB of zeros (a ~4 KB deflated entry: ratio ~1000)."""
    return folder_members() | {"cats/bomb.png": bytes(4 * 1024 * 1024)}
