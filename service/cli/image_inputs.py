"""What the command line accepts besides a table file: a folder of images, or a CSV of image paths, each
zipped (deterministically: `workers.data.images.packing`) into a temporary file so that every door reads a zip.

`readiness assess photos/` and `readiness assess labels.csv` (whose path column names images next to it)
then go the way `readiness assess photos.zip` goes; the same folder gives the same bytes, so the same
dataset, splits and test budget, run after run.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from service.cli.support import UserErrorExit

# As workers.data.images.loading.DEFAULT_IMAGE_TARGET; not imported from there, so that start-up stays light.
DEFAULT_IMAGE_TARGET = "label"


@contextmanager
def readable_input(path: Path) -> Iterator[Path]:
    """`path` itself for a table or a zip; for a folder, or a CSV whose column names images, a zip of it
    named `<folder or CSV stem>.zip` that lives as long as the context."""
    if path.is_dir():
        from workers.data.images.packing import pack_folder

        with tempfile.TemporaryDirectory(prefix="readiness-images-") as folder:
            packed = Path(folder) / f"{path.resolve().name or 'images'}.zip"
            pack_folder(path, packed)
            yield packed
        return
    if path.suffix.lower() in (".csv", ".tsv", ".txt") and path.is_file():
        from workers.data.images.packing import image_path_column, pack_csv

        column = image_path_column(path)
        if column is not None:
            with tempfile.TemporaryDirectory(prefix="readiness-images-") as folder:
                packed = Path(folder) / f"{path.stem}.zip"
                pack_csv(path, column, packed)
                yield packed
            return
    yield path


def target_for(path: Path, target: str | None) -> str:
    """The label's name: as given, else "label" for a zip of images; a table must name its label column."""
    if target:
        return target
    if path.suffix.lower() == ".zip":
        return DEFAULT_IMAGE_TARGET
    raise UserErrorExit(
        f"Name the label column of {path.name} with --target (a zip or folder of images needs none: its labels "
        "are its folder names)."
    )
