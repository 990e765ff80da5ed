"""Limits on what a table may expand to once read, checked from the file's metadata before it is parsed.

A file's compressed size says little about the work it makes: a 419 KB Parquet file held 30 M rows, a 4 MB
CSV 20,000 columns. So the columns, the rows and the memory the table would take are read from the Parquet
footer (row-group metadata) or from the CSV's header line and a streamed count of its lines, and a table
past a limit is refused before any of it is decompressed. The service sets the limits from `READINESS_*`
settings and passes them down; workers never read the service's settings.
"""

from __future__ import annotations

from dataclasses import dataclass

from workers.errors import FileTooLarge

# A pandas cell takes at least 8 bytes (a float64, or a pointer to a string), whatever the file's encoding.
BYTES_PER_CELL = 8
MB = 1024 * 1024


class TooManyColumns(FileTooLarge):
    """The table has more columns than this server reads."""

    code = "too_many_columns"


class TooManyRows(FileTooLarge):
    """The table has more rows than this server reads."""

    code = "too_many_rows"


class TooLargeDecompressed(FileTooLarge):
    """The table would take more memory once read than this server allows."""

    code = "too_large_decompressed"


@dataclass(frozen=True)
class TableLimits:
    """Refuse a table wider, longer or larger in memory than this; None = no limit."""

    max_columns: int | None = None
    max_rows: int | None = None
    max_decompressed_bytes: int | None = None

    def check(self, name: str, *, columns: int, rows: int, decompressed_bytes: int, rows_exact: bool) -> None:
        """Raise the matching `FileTooLarge` subclass for the first limit `name`'s table passes."""
        if self.max_columns is not None and columns > self.max_columns:
            raise TooManyColumns(
                f"{name} has {columns:,} columns; this server reads at most {self.max_columns:,}. Drop the "
                "columns you do not need, or raise the limit with READINESS_MAX_COLUMNS.",
                field="file",
            )
        if self.max_rows is not None and rows > self.max_rows:
            counted = f"{rows:,} rows" if rows_exact else f"{rows:,} lines after its header"
            raise TooManyRows(
                f"{name} has {counted}; this server reads at most {self.max_rows:,} rows. Sample the rows "
                "(a random sample of a few hundred thousand is plenty for this assessment), or raise the "
                "limit with READINESS_MAX_ROWS.",
                field="file",
            )
        if self.max_decompressed_bytes is not None and decompressed_bytes > self.max_decompressed_bytes:
            raise TooLargeDecompressed(
                f"{name} would take about {decompressed_bytes / MB:,.1f} MB once read ({rows:,} rows × "
                f"{columns:,} columns); this server allows {self.max_decompressed_bytes / MB:,.1f} MB. "
                "Sample the rows or drop columns, or raise the limit with READINESS_MAX_DECOMPRESSED_MB.",
                field="file",
            )


NO_LIMITS = TableLimits()
