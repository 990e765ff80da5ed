"""The safetensors format, written and read with numpy alone.

A deep model's weights leave as safetensors: an 8-byte little-endian header length, a JSON header naming
each tensor's dtype, shape and byte range, then the raw bytes. Nothing in it is executed on load (unlike a
pickle, or torch's own zip format, which holds one). It is written here rather than through the
`safetensors` package so the export needs no extra dependency; `safetensors.torch.load_file` reads it too.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Mapping
from pathlib import Path

import numpy as np

DTYPES = {
    "F64": np.float64,
    "F32": np.float32,
    "F16": np.float16,
    "I64": np.int64,
    "I32": np.int32,
    "I16": np.int16,
    "I8": np.int8,
    "U8": np.uint8,
    "BOOL": np.bool_,
}
CODES = {np.dtype(dtype): code for code, dtype in DTYPES.items()}


def write_safetensors(path: Path, tensors: Mapping[str, np.ndarray], metadata: Mapping[str, str]) -> None:
    """Write `tensors` (numpy arrays, C order) and string `metadata` to `path`."""
    header: dict[str, object] = {"__metadata__": dict(metadata)}
    offset = 0
    blobs = []
    for name, array in tensors.items():
        array = np.asarray(array, order="C")  # keeps a 0-d array 0-d (ascontiguousarray would not)
        code = CODES.get(array.dtype)
        if code is None:
            raise ValueError(f"tensor {name} has dtype {array.dtype}, which this writer does not store")
        blob = array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {
            "dtype": code,
            "shape": list(array.shape),
            "data_offsets": [offset, offset + len(blob)],
        }
        offset += len(blob)
        blobs.append(blob)
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)  # the format aligns the data to 8 bytes
    with path.open("wb") as handle:
        handle.write(struct.pack("<Q", len(raw)))
        handle.write(raw)
        for blob in blobs:
            handle.write(blob)


def read_safetensors(path: Path) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """The tensors and metadata of a safetensors file."""
    data = Path(path).read_bytes()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + length])
    metadata = header.pop("__metadata__", {}) or {}
    start = 8 + length
    tensors = {}
    for name, info in header.items():
        low, high = info["data_offsets"]
        dtype = np.dtype(DTYPES[info["dtype"]]).newbyteorder("<")
        tensors[name] = np.frombuffer(data[start + low : start + high], dtype=dtype).reshape(info["shape"])
    return tensors, metadata
