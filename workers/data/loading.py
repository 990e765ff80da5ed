"""Reading a CSV or Parquet file into a `Dataset`, with every user mistake turned into a clear error."""

from __future__ import annotations

import csv
import difflib
import hashlib
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from workers.data.dataset import Dataset
from workers.data.images.archive import is_zip
from workers.data.images.limits import DEFAULT_IMAGE_LIMITS, ImageLimits
from workers.data.images.loading import load_images
from workers.data.labels import encode_target
from workers.data.limits import BYTES_PER_CELL, NO_LIMITS, TableLimits
from workers.data.profiling import normalise_column, profile_column
from workers.errors import (
    DuplicateColumns,
    EmptyDataset,
    FileMissing,
    FileTooLarge,
    NoUsableFeatures,
    UnknownTarget,
    UnreadableFile,
)
from workers.safe_yaml import bounded_message

DEFAULT_MAX_FILE_BYTES = (
    1024 * 1024 * 1024
)  # 1 GiB: above this a laptop-sized pandas load stops being sensible
HASH_CHUNK_BYTES = 1024 * 1024
PARQUET_SUFFIXES = frozenset({".parquet", ".pq"})
PARQUET_MAGIC = b"PAR1"  # a Parquet file's first bytes, whatever it is named
# A number written the European way, as Excel saves it where the decimal mark is a comma: "3,14", "-0,5",
# "1.234,5" (a dot groups thousands). A column is read this way only when every value is such a number and at
# least one has a decimal comma: "1.234" alone stays 1.234, as pandas read it.
DECIMAL_COMMA = re.compile(r"^[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?$")
DIALECT = "readiness_dialect"  # DataFrame.attrs key: how the file was read, in words, for notes and messages
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
# Spellings of "missing" seen in real exports, beyond pandas' defaults.
EXTRA_NA_VALUES = ["NA", "N/A", "n/a", "na", "null", "NULL", "None", "none", "?", "-", ""]
# Longest first: the UTF-32 little-endian mark begins with the UTF-16 one.
BYTE_ORDER_MARKS = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def read_table(
    path: Path,
    *,
    max_bytes: int = DEFAULT_MAX_FILE_BYTES,
    name: str | None = None,
    limits: TableLimits = NO_LIMITS,
) -> pd.DataFrame:
    """Read a CSV (delimiter sniffed) or Parquet file into a DataFrame, or raise a `DataError`.
    `name` is what messages call the file (an upload's own name, not where the service stored it).
    `limits` are checked from the file's metadata before it is decompressed or parsed."""
    name = name or path.name
    if not path.exists():
        raise FileMissing(f"No such file: {path}")
    if not path.is_file():
        raise UnreadableFile(f"{path} is not a file.")
    size = path.stat().st_size
    if size > max_bytes:
        raise FileTooLarge(
            f"{name} is {size / 1e6:,.1f} MB; the limit is {max_bytes / 1e6:,.1f} MB. "
            "Sample the rows or raise the limit (--max-file-mb)."
        )
    if size == 0:
        raise EmptyDataset(f"{name} is empty.")
    # By content, not by name: a .txt or .tsv holding Parquet is read as Parquet, and any other name as text.
    with path.open("rb") as handle:
        magic = handle.read(len(PARQUET_MAGIC))
    if path.suffix.lower() in PARQUET_SUFFIXES or magic == PARQUET_MAGIC:
        return _read_parquet(path, name, limits)
    return _read_csv(path, name, limits)


def _unreadable_parquet(path: Path, name: str, exc: Exception) -> UnreadableFile:
    # pyarrow names the file by its path: on a server, a hashed name under READINESS_HOME.
    reason = bounded_message(str(exc).replace(str(path), name).replace(str(path.parent), "…"), 500)
    return UnreadableFile(f"{name} is not a readable Parquet file ({reason}).")


def _check_parquet_limits(path: Path, name: str, limits: TableLimits) -> None:
    """The footer's row-group metadata against the limits: nothing is decompressed. The memory estimate is
    the larger of the row groups' uncompressed size and 8 bytes a cell (a constant column run-length encodes
    to almost nothing, yet pandas stores every cell)."""
    if limits == NO_LIMITS:
        return
    try:
        metadata = pq.ParquetFile(path).metadata
    except Exception as exc:  # pyarrow raises many unrelated types for a corrupt file
        raise _unreadable_parquet(path, name, exc) from exc
    rows, columns = int(metadata.num_rows), int(metadata.num_columns)
    uncompressed = sum(int(metadata.row_group(i).total_byte_size) for i in range(metadata.num_row_groups))
    limits.check(
        name,
        columns=columns,
        rows=rows,
        decompressed_bytes=max(uncompressed, rows * columns * BYTES_PER_CELL),
        rows_exact=True,
    )


def _read_parquet(path: Path, name: str, limits: TableLimits = NO_LIMITS) -> pd.DataFrame:
    _check_parquet_limits(path, name, limits)
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises many unrelated types for a corrupt file
        raise _unreadable_parquet(path, name, exc) from exc
    if frame.empty:
        raise EmptyDataset(f"{name} has no data rows.")
    return frame


def _sniff_delimiter(sample: str) -> str:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def _encoding(head: bytes, name: str) -> str:
    """The text encoding of a CSV from its first bytes: UTF-16 or UTF-32 when a byte-order mark says so
    (Excel's "Unicode text" export), else UTF-8 (pandas skips a UTF-8 mark itself). NUL bytes without a mark
    are a binary file, or UTF-16 that does not say so: the message tells which, and what to do."""
    for mark, encoding in BYTE_ORDER_MARKS:
        if head.startswith(mark):
            return encoding
    if b"\x00" in head:
        even, odd = head[0::2], head[1::2]
        if head and (even.count(0) > len(even) // 2 or odd.count(0) > len(odd) // 2):
            raise UnreadableFile(
                f"{name} looks like UTF-16 text without a byte-order mark; save it as UTF-8 CSV (or UTF-16 "
                "with a byte-order mark) and upload it again."
            )
        raise UnreadableFile(f"{name} looks like a binary file, not a CSV.")
    return "utf-8"


def _refuse_repeated_columns(path: Path, name: str, delimiter: str, encoding: str) -> None:
    """A header that names a column twice is refused, naming the repeats: pandas would quietly rename the
    second one ("age.1"), and a user who wrote "age" twice means two different things by neither."""
    header = pd.read_csv(
        path, sep=delimiter, header=None, nrows=1, dtype=str, encoding=encoding, encoding_errors="replace"
    )
    names = ["" if pd.isna(value) else str(value) for value in header.iloc[0].tolist()] if len(header) else []
    seen: dict[str, list[int]] = {}
    for position, column in enumerate(names, start=1):
        if column.strip():  # blank names are pandas' "Unnamed: n", each its own
            seen.setdefault(column, []).append(position)
    repeated = {column: where for column, where in seen.items() if len(where) > 1}
    if repeated:
        shown = "; ".join(
            f"{column!r} (columns {', '.join(map(str, where))})"
            for column, where in list(repeated.items())[:10]
        )
        raise DuplicateColumns(
            f"{name} names a column more than once: {shown}. Column names must be unique; rename or drop the "
            "repeats and upload again."
        )


def _csv_shape(path: Path, encoding: str, delimiter: str) -> tuple[int, int]:
    """(columns in the header line, lines after it), streamed in 1 MiB chunks: nothing is parsed but the
    header. A value with a quoted line break counts as two lines, so rows are an upper bound; any byte 0x0A
    counts as a line break, which UTF-16/32 text holds once per line (and very rarely inside a character)."""
    header = b""
    newlines = 0
    last = b""
    with path.open("rb") as handle:
        while chunk := handle.read(HASH_CHUNK_BYTES):
            if not newlines and b"\n" not in header:
                header += chunk
            newlines += chunk.count(b"\n")
            last = chunk
    header = header.split(b"\n", 1)[0]
    text = header.decode(encoding, errors="ignore").lstrip("\ufeff").rstrip("\r\x00")
    columns = len(next(csv.reader([text], delimiter=delimiter), [])) if text else 0
    lines = newlines + (0 if last.rstrip(b"\x00").endswith(b"\n") else 1)
    return columns, max(lines - 1, 0)


def _check_csv_limits(path: Path, name: str, encoding: str, delimiter: str, limits: TableLimits) -> None:
    if limits == NO_LIMITS:
        return
    columns, rows = _csv_shape(path, encoding, delimiter)
    limits.check(
        name, columns=columns, rows=rows, decompressed_bytes=rows * columns * BYTES_PER_CELL, rows_exact=False
    )


def _read_csv(path: Path, name: str, limits: TableLimits = NO_LIMITS) -> pd.DataFrame:
    with path.open("rb") as handle:
        head = handle.read(64 * 1024)
    encoding = _encoding(head, name)
    try:
        sample = head.decode(encoding, errors="ignore") if encoding != "utf-8" else head.decode("utf-8")
    except UnicodeDecodeError:
        sample = head.decode("latin-1")
    delimiter = _sniff_delimiter(sample.lstrip("\ufeff"))
    _check_csv_limits(path, name, encoding, delimiter, limits)
    try:
        _refuse_repeated_columns(path, name, delimiter, encoding)
        frame = pd.read_csv(
            path,
            sep=delimiter,
            na_values=EXTRA_NA_VALUES,
            keep_default_na=True,
            low_memory=False,
            encoding=encoding,
            encoding_errors="replace",
        )
    except pd.errors.EmptyDataError as exc:
        raise EmptyDataset(f"{name} has no columns or rows.") from exc
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise UnreadableFile(f"{name} could not be parsed as CSV: {exc}".strip()) from exc
    if frame.empty:
        raise EmptyDataset(f"{name} has a header but no data rows.")
    if frame.shape[1] < 2:
        raise UnreadableFile(
            f"{name} has a single column ({frame.columns[0]!r}); a dataset needs a target and at "
            "least one feature. Is the delimiter a comma, semicolon, tab or pipe?"
        )
    converted = _read_decimal_commas(frame) if delimiter != "," else []
    frame.attrs[DIALECT] = _dialect_words(delimiter, encoding, converted)
    return frame


def _read_decimal_commas(frame: pd.DataFrame) -> list[str]:
    """Turn text columns whose every value is a decimal-comma number into numbers, in place; their names.
    Only for files not separated by commas: there a comma cannot be a decimal mark unless quoted."""
    converted = []
    texts = [
        c
        for c, dtype in frame.dtypes.items()
        if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)
    ]
    for column in texts:
        values = frame[column].dropna()
        text = values.astype(str).str.strip()
        if text.empty or not text.str.match(DECIMAL_COMMA).all() or not text.str.contains(",").any():
            continue
        plain = frame[column].astype("string").str.strip().str.replace(".", "", regex=False)
        frame[column] = pd.to_numeric(plain.str.replace(",", ".", regex=False), errors="coerce").astype(float)
        converted.append(str(column))
    return converted


def _dialect_words(delimiter: str, encoding: str, decimal_comma_columns: list[str]) -> str:
    """How the file was read, e.g. "semicolon-separated, decimal commas (3 columns), UTF-8"."""
    words = [f"{DELIMITER_NAMES.get(delimiter, repr(delimiter))}-separated"]
    if decimal_comma_columns:
        count = len(decimal_comma_columns)
        words.append(f"decimal commas ({count} column{'s' if count != 1 else ''})")
    words.append(encoding.upper())
    return ", ".join(words)


def _resolve_target(frame: pd.DataFrame, target: str, source: str) -> str:
    if target in frame.columns:
        return target
    by_lower = {str(c).strip().lower(): str(c) for c in frame.columns}
    if target.strip().lower() in by_lower:
        return by_lower[target.strip().lower()]
    close = difflib.get_close_matches(target, [str(c) for c in frame.columns], n=3)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    shown = ", ".join(repr(str(c)) for c in list(frame.columns)[:20])
    more = " …" if frame.shape[1] > 20 else ""
    raise UnknownTarget(
        f"Target column {target!r} is not in {source}.{hint} Columns: {shown}{more}", field="target"
    )


def frame_to_dataset(
    frame: pd.DataFrame,
    *,
    target: str,
    positive: str | None = None,
    sha256: str = "",
    source: str = "",
    file_bytes: int = 0,
) -> Dataset:
    """Turn a raw DataFrame into a `Dataset`: resolve and encode the target, profile every column."""
    frame = frame.copy()
    frame.columns = [str(c) for c in frame.columns]
    if frame.columns.duplicated().any():
        dupes = sorted(set(frame.columns[frame.columns.duplicated()]))
        raise DuplicateColumns(f"Column names must be unique; repeated: {', '.join(map(repr, dupes))}.")
    dialect = frame.attrs.get(DIALECT, "")
    target = _resolve_target(frame, target, source or "the file")
    notes: list[str] = []
    if dialect and dialect != "comma-separated, UTF-8":  # the usual CSV goes without saying
        notes.append(f"Read as {dialect}.")
    labels = frame.pop(target)
    present = labels.notna().to_numpy()
    if not present.all():
        dropped = int((~present).sum())
        notes.append(f"{dropped} row(s) with no value in {target!r} were left out.")
        frame = frame.loc[present].reset_index(drop=True)
        labels = labels.loc[present].reset_index(drop=True)
    if frame.empty:
        raise EmptyDataset(f"Every row of {source or 'the file'} is missing the target {target!r}.")
    encoded = encode_target(labels, target=target, positive=positive)
    notes.extend(encoded.notes)
    # Columns are gathered in a dict and become one frame at the end: inserting them one at a time costs
    # the square of the width (each insert copies the column index; 4,000 columns took minutes).
    columns = {}
    normalised: dict[str, pd.Series] = {}
    for name, series in frame.items():
        profile = profile_column(name, series)
        columns[name] = profile
        normalised[name] = normalise_column(series, profile.kind)
    features = pd.DataFrame(normalised, index=frame.index) if normalised else pd.DataFrame(index=frame.index)
    if all(profile.kind in ("empty", "constant") for profile in columns.values()):
        described = ", ".join(f"{p.name!r} ({p.kind})" for p in columns.values()) or "only the target"
        read_as = f" (the file was read as {dialect})" if dialect else ""
        raise NoUsableFeatures(
            f"No column can be learned from: {described}{read_as}. A model needs at least one column whose "
            "values vary."
        )
    return Dataset(
        features=features,
        y=encoded.y.astype(np.int64),
        classes=encoded.classes,
        target=target,
        sha256=sha256,
        columns=columns,
        source=source,
        positive_label=encoded.positive_label,
        file_bytes=file_bytes,
        notes=notes,
    )


def load_dataset(
    path: str | Path,
    *,
    target: str,
    positive: str | None = None,
    max_bytes: int = DEFAULT_MAX_FILE_BYTES,
    name: str | None = None,
    limits: TableLimits = NO_LIMITS,
    sha256: str | None = None,
    image_limits: ImageLimits = DEFAULT_IMAGE_LIMITS,
) -> Dataset:
    """Load a labelled CSV/Parquet file, or a zip of labelled images (`workers.data.images.loading`, under
    `image_limits`). Raises a `DataError` subclass for every user mistake.
    `name` is how messages and the report call the file (default: its file name); `limits` (columns, rows,
    memory once read) are checked from the file's metadata before it is parsed. `sha256`: the file's digest
    when the caller already computed it (reading a large file again only to hash it costs seconds)."""
    path = Path(path)
    name = name or path.name
    if is_zip(path):  # by its first bytes or its name: a zip is always images
        return load_images(
            path,
            target=target,
            positive=positive,
            max_bytes=max_bytes,
            name=name,
            limits=image_limits,
            sha256=sha256,
        )
    frame = read_table(path, max_bytes=max_bytes, name=name, limits=limits)
    return frame_to_dataset(
        frame,
        target=target,
        positive=positive,
        sha256=sha256 or file_sha256(path),
        source=name,
        file_bytes=path.stat().st_size,
    )
