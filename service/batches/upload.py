"""Reading an uploaded batch file: the API's POST /batches and the dashboard's batch form read it alike."""

from __future__ import annotations

from typing import BinaryIO

from service.batches.problems import BATCH_FILE, InvalidBatch, Problem
from service.batches.spec import MAX_SPEC_BYTES
from workers.errors import FileTooLarge


def read_spec_text(stream: BinaryIO) -> str:
    """The batch file's text: `FileTooLarge` past `MAX_SPEC_BYTES`, `InvalidBatch` when not UTF-8."""
    data = stream.read(MAX_SPEC_BYTES + 1)
    if len(data) > MAX_SPEC_BYTES:
        raise FileTooLarge(f"The batch file is larger than {MAX_SPEC_BYTES // 1024} KiB; split the batch.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidBatch([Problem(BATCH_FILE, "not UTF-8 text.", "invalid_batch_file")]) from None
