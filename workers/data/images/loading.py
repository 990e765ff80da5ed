"""Reading a zip of labelled images into an image `Dataset`.

Two layouts are read (after one folder common to every entry, such as `photos/`, is stripped):

- class per folder: `cats/001.jpg`, `dogs/…` — each image's label is its top folder (deeper folders belong
  to their top class); the dataset's `target` is only the label's name (any name; "label" by default);
- a CSV beside the images: exactly one `.csv` at the top, with a column of image paths (relative to the
  CSV; found as the column whose values end in an image suffix) and the label column named by `target`.

Images are decoded one at a time in memory (`workers.data.images.decoding`); the ones that cannot be read are
listed in `ImageSet.unreadable` and left out. The labels go through `encode_target`, so `--positive`, a
single class, a tiny class and too many classes behave as they do for a table.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from workers.data.dataset import Dataset
from workers.data.images.archive import Archive, UnreadableEntry, open_archive
from workers.data.images.decoding import Decoded, Unreadable, decode_image
from workers.data.images.image_set import MODEL_SIZE, ImageSet
from workers.data.images.limits import DEFAULT_IMAGE_LIMITS, ImageLimits
from workers.data.labels import encode_target
from workers.errors import DataError, EmptyDataset, FileMissing, FileTooLarge, UnknownTarget

DEFAULT_IMAGE_TARGET = "label"  # the label's name when the folders are the labels and nobody named it
# Suffixes that mark a file (or a CSV value) as meant to be an image; only JPEG, PNG and WebP are decoded,
# the others are listed as unreadable with the reason, so the user learns why they were left out.
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".jpe", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff"})
LAYOUTS = (
    "a folder per class (cats/001.jpg, dogs/002.png, …), or exactly one CSV at the top with a column of image "
    "paths and a label column beside the images"
)


class UnknownImageLayout(DataError):
    """The zip is in neither layout Readiness reads."""

    code = "unknown_image_layout"


class NoImages(EmptyDataset):
    """The zip holds no image that could be read."""

    code = "no_images"


@dataclass
class _Read:
    """What reading the images gathered, in the dataset's row order."""

    decoded: list[Decoded] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    unreadable: list[dict[str, str]] = field(default_factory=list)


def _common_top(paths: list[PurePosixPath]) -> str | None:
    """The one folder every path is inside (`photos/` of `photos/cats/1.jpg`), if there is one and what is
    inside it is a layout: folders, or a CSV. A zip of `cats/*.png` alone is one class, not a wrapper."""
    tops = {path.parts[0] for path in paths}
    if len(tops) != 1 or not all(len(path.parts) > 1 for path in paths):
        return None
    inside = [path.parts[1:] for path in paths]
    if any(len(parts) > 1 for parts in inside) or any(parts[0].lower().endswith(".csv") for parts in inside):
        return tops.pop()
    return None


def _is_image_name(name: str) -> bool:
    return PurePosixPath(name).suffix.lower() in IMAGE_SUFFIXES


def _layout_error(zip_name: str, found: str) -> UnknownImageLayout:
    return UnknownImageLayout(f"{zip_name} {found}. Readiness reads {LAYOUTS}.", field="file")


def _read_one(
    archive: Archive, entry: str, shown: str, limits: ImageLimits, cache: dict[str, Decoded | Unreadable]
) -> Decoded | Unreadable:
    if entry not in cache:
        try:
            data = archive.read(entry)
        except UnreadableEntry as exc:
            cache[entry] = Unreadable(f"damaged in the zip ({exc})")
        else:
            cache[entry] = decode_image(data, entry=shown, zip_name=archive.name, limits=limits)
    return cache[entry]


def _gather(archive: Archive, items: list[tuple[str | None, str, str]], limits: ImageLimits) -> _Read:
    """Decode each (entry in the zip or None when missing, name shown, label); the unreadable are listed."""
    read = _Read()
    cache: dict[str, Decoded | Unreadable] = {}
    for entry, shown, label in items:
        found = (
            _read_one(archive, entry, shown, limits, cache)
            if entry is not None
            else Unreadable("not in the zip")
        )
        if isinstance(found, Unreadable):
            read.unreadable.append({"name": shown, "reason": found.reason})
            continue
        read.decoded.append(found)
        read.names.append(shown)
        read.labels.append(label)
    return read


def _folder_items(
    archive: Archive, files: dict[str, str], notes: list[str]
) -> list[tuple[str | None, str, str]]:
    """(entry, name, label) of the class-per-folder layout; `files` maps each entry to its path below the
    common top folder. Files beside the class folders that are not images (a README) are skipped."""
    items: list[tuple[str | None, str, str]] = []
    loose: list[str] = []
    beside: list[str] = []
    for entry, inner in files.items():
        parts = PurePosixPath(inner).parts
        if len(parts) < 2:
            (loose if _is_image_name(inner) else beside).append(inner)
            continue
        items.append((entry, inner, parts[0]))
    if loose:
        shown = ", ".join(repr(name) for name in loose[:3]) + (" …" if len(loose) > 3 else "")
        raise _layout_error(
            archive.name, f"has images outside any class folder ({shown}) and no CSV naming their labels"
        )
    if not items:
        raise _layout_error(archive.name, "has no folder of images")
    if beside:
        shown = ", ".join(repr(name) for name in beside[:3]) + (" …" if len(beside) > 3 else "")
        notes.append(f"{len(beside)} file(s) beside the class folders were not read: {shown}.")
    return items


def _path_column(frame: pd.DataFrame, csv_name: str, zip_name: str) -> str:
    """The CSV's column of image paths: the one whose every value ends in an image suffix."""
    candidates = []
    for column in frame.columns:
        values = frame[column].dropna().astype(str).str.strip()
        if len(values) and values.map(_is_image_name).all():
            candidates.append(str(column))
    if len(candidates) != 1:
        found = (
            "no column"
            if not candidates
            else f"{len(candidates)} columns ({', '.join(map(repr, candidates))})"
        )
        raise _layout_error(
            zip_name,
            f"has {csv_name!r}, but {found} of it holds image paths (every value ending in "
            f"{', '.join(sorted(IMAGE_SUFFIXES))})",
        )
    return candidates[0]


def _label_column(frame: pd.DataFrame, target: str, csv_name: str) -> str:
    if target in frame.columns:
        return target
    by_lower = {str(column).strip().lower(): str(column) for column in frame.columns}
    if target.strip().lower() in by_lower:
        return by_lower[target.strip().lower()]
    shown = ", ".join(repr(str(column)) for column in list(frame.columns)[:20])
    raise UnknownTarget(
        f"Target column {target!r} is not in {csv_name}; its columns are {shown}. Name the label column with "
        "--target (the API's and the dashboard's target field).",
        field="target",
    )


def _csv_items(
    archive: Archive,
    csv_entry: str,
    files: dict[str, str],
    target: str,
    limits: ImageLimits,
    notes: list[str],
) -> tuple[list[tuple[str | None, str, str]], str]:
    """(entry, name, label) of the CSV layout, in the CSV's row order, and the label column's name."""
    csv_name = files[csv_entry]
    try:
        raw = archive.read(csv_entry)
        frame = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=True, encoding_errors="replace")
    except UnreadableEntry as exc:
        raise _layout_error(archive.name, f"has {csv_name!r}, which is damaged ({exc})") from exc
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise _layout_error(archive.name, f"has {csv_name!r}, which is not a readable CSV ({exc})") from exc
    frame.columns = [str(column).strip() for column in frame.columns]
    paths = _path_column(frame, csv_name, archive.name)
    label = _label_column(frame, target, csv_name)
    if label == paths:
        raise _layout_error(archive.name, f"has {csv_name!r}, whose label column {label!r} holds image paths")
    limits.check_count(archive.name, len(frame))
    missing = frame[label].isna() | frame[paths].isna()
    if missing.any():
        notes.append(
            f"{int(missing.sum())} row(s) of {csv_name} with no image path or no {label!r} were left out."
        )
        frame = frame.loc[~missing]
    folder = posixpath.dirname(csv_name)
    by_inner = {inner: entry for entry, inner in files.items()}
    items: list[tuple[str | None, str, str]] = []
    for path_value, label_value in zip(frame[paths], frame[label], strict=True):
        wanted = posixpath.normpath(posixpath.join(folder, str(path_value).strip().replace("\\", "/")))
        items.append((by_inner.get(wanted), wanted, str(label_value).strip()))
    named = {name for _, name, _ in items}
    others = [inner for inner in files.values() if inner != csv_name and inner not in named]
    if others:
        notes.append(f"{len(others)} file(s) in the zip that {csv_name} does not name were not read.")
    return items, label


def _image_set(read: _Read) -> ImageSet:
    """Stack the decoded images: greyscale (one channel) when every image is, else RGB (grey ones repeated)."""
    grey = all(image.grey for image in read.decoded)
    n = len(read.decoded)
    channels = 1 if grey else 3
    pixels = np.empty((n, channels, MODEL_SIZE, MODEL_SIZE), dtype=np.uint8)
    for i, image in enumerate(read.decoded):
        if grey:
            pixels[i, 0] = image.pixels
        elif image.grey:
            pixels[i] = image.pixels[None, :, :]
        else:
            pixels[i] = image.pixels.transpose(2, 0, 1)
    return ImageSet(
        pixels=pixels,
        names=list(read.names),
        widths=np.array([image.width for image in read.decoded], dtype=np.int32),
        heights=np.array([image.height for image in read.decoded], dtype=np.int32),
        modes=[image.mode for image in read.decoded],
        formats=[image.format for image in read.decoded],
        phash=np.array([image.phash for image in read.decoded], dtype=np.uint64),
        content_sha256=[image.sha256 for image in read.decoded],
        unreadable=list(read.unreadable),
    )


def load_images(
    path: str | Path,
    *,
    target: str | None = None,
    positive: str | None = None,
    max_bytes: int | None = None,
    name: str | None = None,
    limits: ImageLimits = DEFAULT_IMAGE_LIMITS,
    sha256: str | None = None,
) -> Dataset:
    """Read a zip of labelled images into an image `Dataset`, or raise a `DataError` (every limit, an unsafe
    entry and an unknown layout among them). `target`: the CSV layout's label column, or the label's name for
    a class-per-folder zip (default "label"). `name` is how messages and the report call the zip."""
    path = Path(path)
    name = name or path.name
    if not path.is_file():
        raise FileMissing(f"No such file: {path}")
    size = path.stat().st_size
    if max_bytes is not None and size > max_bytes:
        raise FileTooLarge(
            f"{name} is {size / 1e6:,.1f} MB; the limit is {max_bytes / 1e6:,.1f} MB. Sample the images or raise "
            "the limit (--max-file-mb).",
            field="file",
        )
    if size == 0:
        raise EmptyDataset(f"{name} is empty.", field="file")
    wanted = (target or "").strip() or DEFAULT_IMAGE_TARGET
    notes: list[str] = []
    with open_archive(path, name=name, limits=limits) as archive:
        entries = list(archive.entries)
        if archive.junk:
            notes.append(
                f"{archive.junk} operating-system file(s) (__MACOSX, .DS_Store, hidden files) were skipped."
            )
        if not entries:
            raise NoImages(f"{name} holds no files (besides operating-system junk).", field="file")
        top = _common_top([PurePosixPath(entry) for entry in entries])
        files = {
            entry: str(PurePosixPath(*PurePosixPath(entry).parts[1:])) if top else entry for entry in entries
        }
        csvs = [
            entry for entry, inner in files.items() if "/" not in inner and inner.lower().endswith(".csv")
        ]
        if len(csvs) > 1:
            shown = ", ".join(repr(files[entry]) for entry in csvs[:5])
            raise _layout_error(
                name,
                f"has {len(csvs)} CSV files at the top ({shown}); which one labels the images is unclear",
            )
        if csvs:
            items, label_name = _csv_items(archive, csvs[0], files, wanted, limits, notes)
        else:
            items, label_name = _folder_items(archive, files, notes), wanted
        read = _gather(archive, items, limits)
    if not read.decoded:
        listed = "; ".join(f"{u['name']}: {u['reason']}" for u in read.unreadable[:3])
        raise NoImages(f"{name} has no image that could be read ({listed}).", field="file")
    if read.unreadable:
        notes.append(f"{len(read.unreadable)} image(s) could not be read and were left out.")
    encoded = encode_target(pd.Series(read.labels, dtype=object), target=label_name, positive=positive)
    notes.extend(encoded.notes)
    images = _image_set(read)
    digest = sha256 or _sha256(path)
    return Dataset(
        features=images.features_frame(),
        y=encoded.y.astype(np.int64),
        classes=encoded.classes,
        target=label_name,
        sha256=digest,
        columns={},
        source=name,
        positive_label=encoded.positive_label,
        file_bytes=size,
        notes=notes,
        images=images,
    )


def _sha256(path: Path) -> str:
    # workers.data.loading.file_sha256's twin: that module sends zips here, so importing it back would cycle.
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()
