"""Packing a folder of images, or a CSV and the images it names, into a zip — deterministically.

The command line takes `readiness assess photos/` and `readiness assess labels.csv` (a CSV whose path column
names images beside it) by zipping them first, so every door reads one thing: a zip. The same files give the
same bytes (entries sorted, fixed timestamps and permissions, stored uncompressed: JPEG, PNG and WebP are
compressed already), hence the same sha256 — the same dataset, splits and test budget from run to run.
"""

from __future__ import annotations

import os
import posixpath
import zipfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

import pandas as pd

from workers.data.images.archive import JUNK_NAMES
from workers.data.images.loading import IMAGE_SUFFIXES
from workers.errors import FileMissing, UnreadableFile

FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can say: no run's clock leaks into the bytes
FILE_MODE = 0o100644  # a regular file, rw-r--r--
CSV_SNIFF_ROWS = 200  # rows read to tell a CSV of image paths from a table


def write_zip(members: Iterable[tuple[str, Path | bytes]], out: Path) -> None:
    """Write (name in the zip, file or bytes) pairs to `out`, sorted by name, with fixed metadata."""
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, content in sorted(members, key=lambda member: member[0]):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.create_system = 3
            info.external_attr = FILE_MODE << 16
            info.compress_type = zipfile.ZIP_STORED
            data = content if isinstance(content, bytes) else content.read_bytes()
            archive.writestr(info, data)


def _skipped(name: str) -> bool:
    return name.startswith(".") or name.lower() in JUNK_NAMES


def pack_folder(folder: Path, out: Path) -> None:
    """Zip every regular file under `folder` (hidden files, OS junk and symbolic links left out), named by
    its path relative to `folder`."""
    if not folder.is_dir():
        raise FileMissing(f"No such folder: {folder}")
    members: list[tuple[str, Path | bytes]] = []
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = [d for d in dirs if not _skipped(d)]
        for file in files:
            path = Path(root) / file
            if _skipped(file) or path.is_symlink() or not path.is_file():
                continue
            members.append((path.relative_to(folder).as_posix(), path))
    if not members:
        raise FileMissing(f"{folder} has no files to read (hidden files and links are left out).")
    write_zip(members, out)


def image_path_column(csv_path: Path) -> str | None:
    """The CSV's column of image paths (every value in its first rows ends in an image suffix), if it has
    exactly one; None for a table."""
    try:
        head = pd.read_csv(csv_path, dtype=str, nrows=CSV_SNIFF_ROWS, encoding_errors="replace")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, UnicodeDecodeError, OSError):
        return None
    found = []
    for column in head.columns:
        values = head[column].dropna().astype(str).str.strip()
        if len(values) and values.map(lambda v: PurePosixPath(v).suffix.lower() in IMAGE_SUFFIXES).all():
            found.append(str(column))
    return found[0] if len(found) == 1 else None


def pack_csv(csv_path: Path, column: str, out: Path) -> None:
    """Zip the CSV and the images its `column` names, relative to the CSV's folder. A named image that is not
    there, or lies outside that folder, is left out of the zip; reading the zip lists it as not in the zip."""
    folder = csv_path.parent
    try:
        paths = pd.read_csv(csv_path, dtype=str, usecols=[column], encoding_errors="replace")[column]
    except (pd.errors.ParserError, ValueError, OSError) as exc:
        raise UnreadableFile(f"{csv_path.name} could not be read as CSV ({exc}).", field="file") from exc
    members: dict[str, Path | bytes] = {csv_path.name: csv_path}
    for value in paths.dropna():
        inner = posixpath.normpath(str(value).strip().replace("\\", "/"))
        if inner.startswith("../") or inner == ".." or posixpath.isabs(inner):
            continue
        image = folder / inner
        if image.is_file() and not image.is_symlink():
            members[inner] = image
    write_zip(members.items(), out)
