"""Walking a zip safely: every entry's name and kind checked, the limits checked from the central directory,
and entries read one at a time into memory with reads bounded by their declared size — nothing is ever
extracted to disk, so no name can reach outside a folder.

An entry named with an absolute path, a drive letter or `..`, a symbolic link and an encrypted entry refuse
the whole zip: a tool that made such a zip, or a person who did, should know. Operating-system junk
(`__MACOSX/`, `.DS_Store`, `Thumbs.db`, any hidden file or folder) is skipped and counted.
"""

from __future__ import annotations

import re
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from workers.data.images.limits import DEFAULT_IMAGE_LIMITS, EncryptedZipEntry, ImageLimits, UnsafeZipEntry
from workers.errors import UnreadableFile

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"  # a zip with no entries starts with its end-of-directory record
JUNK_NAMES = frozenset({"__macosx", "thumbs.db", "desktop.ini"})
_DRIVE = re.compile(r"^[A-Za-z]:")
_UNIX_CREATOR = 3  # ZipInfo.create_system of a zip made on Unix: its external attributes hold st_mode
_ENCRYPTED = 0x1  # general-purpose flag bit 0


class UnreadableZip(UnreadableFile):
    """The file is not a readable zip."""

    code = "unreadable_zip"


class UnreadableEntry(Exception):
    """One entry could not be read (a bad CRC, an unknown compression method, a cut-off file): the loader
    lists it as unreadable and goes on."""


def is_zip(path: Path) -> bool:
    """Whether `path` is a zip, by its first bytes or, failing that, its name."""
    if path.suffix.lower() == ".zip":
        return True
    try:
        with path.open("rb") as handle:
            head = handle.read(4)
    except OSError:
        return False
    return head in (ZIP_MAGIC, EMPTY_ZIP_MAGIC)


def _is_junk(parts: tuple[str, ...]) -> bool:
    return any(part.startswith(".") or part.lower() in JUNK_NAMES for part in parts)


def _safe_name(info: zipfile.ZipInfo, zip_name: str) -> PurePosixPath:
    """The entry's path inside the zip, or `UnsafeZipEntry` if it could land outside a folder it is
    extracted to (absolute, a drive letter, `..`) or is not a plain file or folder (a symbolic link)."""
    raw = info.filename
    shown = raw[:200]
    name = raw.replace("\\", "/")  # zips made on Windows sometimes separate with backslashes
    if "\x00" in name or name.startswith("/") or _DRIVE.match(name):
        raise UnsafeZipEntry(
            f"{zip_name} has an entry with an absolute path ({shown!r}); entries must be relative paths "
            "inside the zip. Zip the folder again from inside it.",
            field="file",
        )
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise UnsafeZipEntry(
            f"{zip_name} has an entry whose path climbs out of the zip ({shown!r}); entries may not use '..'.",
            field="file",
        )
    if info.create_system == _UNIX_CREATOR and stat.S_ISLNK(info.external_attr >> 16):
        raise UnsafeZipEntry(
            f"{zip_name} has a symbolic link ({shown!r}); zip the images themselves, not links to them.",
            field="file",
        )
    return PurePosixPath(*parts) if parts else PurePosixPath(".")


@dataclass
class Archive:
    """The plain files of a zip, checked against the limits, in name order; read them with `read`."""

    name: str  # how messages call the zip
    entries: dict[str, zipfile.ZipInfo]  # path inside the zip → its entry
    junk: int = 0  # entries skipped as operating-system junk
    _zip: zipfile.ZipFile | None = field(default=None, repr=False)

    def read(self, path: str) -> bytes:
        """The entry's bytes, read in memory and bounded by its declared size; `UnreadableEntry` if the entry
        is damaged (a wrong CRC, a cut-off stream, a compression method Python cannot read)."""
        assert self._zip is not None, "the archive is closed"
        info = self.entries[path]
        try:
            with self._zip.open(info) as handle:
                # ZipExtFile stops at the declared size whatever the stream holds; reading one byte past it
                # is how a too-short stream shows (it raises), and nothing more is ever held.
                return handle.read(info.file_size + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError) as exc:
            raise UnreadableEntry(str(exc)[:200] or type(exc).__name__) from exc

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
            self._zip = None

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_archive(path: Path, *, name: str, limits: ImageLimits = DEFAULT_IMAGE_LIMITS) -> Archive:
    """Open the zip at `path` and check every entry's name, kind and declared size against `limits` before any
    entry is decompressed. Raises `UnreadableZip`, `UnsafeZipEntry`, `EncryptedZipEntry` or a `FileTooLarge`."""
    try:
        handle = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise UnreadableZip(f"{name} is not a readable zip file ({str(exc)[:200]}).", field="file") from exc
    try:
        entries: dict[str, zipfile.ZipInfo] = {}
        junk = 0
        total = 0
        for info in handle.infolist():
            inner = _safe_name(info, name)
            if info.is_dir() or str(inner) == ".":
                continue
            if _is_junk(inner.parts):
                junk += 1
                continue
            if info.flag_bits & _ENCRYPTED:
                raise EncryptedZipEntry(
                    f"{name} has an encrypted entry ({str(inner)[:200]!r}); zip the images without a password.",
                    field="file",
                )
            limits.check_entry(name, str(inner), size=info.file_size, compressed=info.compress_size)
            total += info.file_size
            entries[str(inner)] = info
        limits.check_count(name, len(entries))
        limits.check_total(name, total)
    except BaseException:
        handle.close()
        raise
    return Archive(name=name, entries=dict(sorted(entries.items())), junk=junk, _zip=handle)
