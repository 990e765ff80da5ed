"""Load a model bundle exported by Readiness and score new rows — no pickle is read.

Copied into every bundle as load_model.py; it needs only numpy, pandas, scikit-learn, skops and, by the
bundle's kind, xgboost or torch (not Readiness; an image model needs Readiness installed too, for the image
decoding and pixel transformers it was trained behind). Use:

    from load_model import load_bundle
    model = load_bundle("path/to/bundle")         # the folder holding manifest.json
    proba = model.predict_proba(rows)             # rows: a pandas DataFrame with the original columns
    labels = model.predict(rows)                  # class labels; binary: at the bundle's threshold
    model.predict_proba_images(["cat.jpg"])       # an image model: image files in, one row per file

What is read: manifest.json (plain JSON); *.skops through `skops.io.load` with `trusted=` the exact types
listed in manifest.json's `skops_trusted` (scikit-learn and numpy types; review them — skops refuses any
other type); model.json through XGBoost's own loader; weights.safetensors as raw arrays; and, for a deep
model whose architecture ships with the bundle, architecture.py — plain Python source you can read.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import struct
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

MISSING_CATEGORY = "(missing)"  # what the training frame wrote for a missing category
TENSOR_KWARG = "__kwarg__."
CHUNK_ROWS = 256  # rows a torch model scores at once  # constructor arguments that are tensors travel in the weights file
SAFETENSORS_DTYPES = {
    "F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32,
    "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_,
}  # fmt: skip


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """The arrays of a safetensors file (8-byte header length, JSON header, raw little-endian bytes)."""
    data = Path(path).read_bytes()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + length])
    header.pop("__metadata__", None)
    start = 8 + length
    arrays = {}
    for name, info in header.items():
        low, high = info["data_offsets"]
        dtype = np.dtype(SAFETENSORS_DTYPES[info["dtype"]]).newbyteorder("<")
        arrays[name] = np.frombuffer(data[start + low : start + high], dtype=dtype).reshape(info["shape"])
    return arrays


class BundleModel:
    """A bundle's model: `predict_proba(rows)` → a DataFrame of class probabilities, `predict(rows)`."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.manifest: dict[str, Any] = json.loads((self.folder / "manifest.json").read_text("utf-8"))
        self.kind: str = self.manifest["kind"]
        self.classes: list[Any] = self.manifest["classes"]
        self.threshold: float | None = self.manifest.get("threshold")
        if self.kind == "sklearn":
            self.pipeline = self._skops(self.manifest["files"]["pipeline"])
        else:
            self.prepare = self._skops(self.manifest["files"]["preprocess"])
            self.model = self._xgboost() if self.kind == "xgboost" else self._torch()

    def _skops(self, name: str) -> Any:
        import skops.io

        return skops.io.load(self.folder / name, trusted=self.manifest["skops_trusted"])

    def _xgboost(self) -> Any:
        import xgboost

        model = xgboost.XGBClassifier()
        model.load_model(self.folder / self.manifest["files"]["model"])
        return model

    def _torch(self) -> Any:
        import torch

        spec = json.loads((self.folder / self.manifest["files"]["module"]).read_text("utf-8"))
        arrays = read_safetensors(self.folder / self.manifest["files"]["weights"])
        tensors = {name: torch.from_numpy(array.copy()) for name, array in arrays.items()}
        kwargs = dict(spec["kwargs"])
        for name, count in spec.get("tensor_kwargs", {}).items():
            kwargs[name] = [tensors.pop(f"{TENSOR_KWARG}{name}.{i}") for i in range(count)]
        module = self._module_class(spec)(**kwargs)
        module.load_state_dict(tensors)
        return module.eval()

    def _module_class(self, spec: dict[str, Any]) -> Any:
        if spec.get("source"):  # the architecture's source ships with the bundle
            name = f"readiness_bundle_architecture_{abs(hash(self.folder))}"
            loader = importlib.util.spec_from_file_location(name, self.folder / spec["source"])
            assert loader is not None and loader.loader is not None
            module = importlib.util.module_from_spec(loader)
            sys.modules[name] = module
            loader.loader.exec_module(module)
            return getattr(module, spec["class"])
        path, _, cls = spec["import_path"].rpartition(".")
        return getattr(importlib.import_module(path), cls)  # needs the package that defines it installed

    def frame(self, rows: pd.DataFrame) -> pd.DataFrame:
        """The model frame the preprocessing was fitted on: numbers as float64, categories as strings (an
        image model's: its pixel columns as float32, 0..255)."""
        missing = [c for c in self.manifest["feature_columns"] if c not in rows.columns]
        if missing:
            raise KeyError(f"the rows lack the model's columns {missing[:5]}{'…' if len(missing) > 5 else ''}")
        if self.manifest.get("images"):
            return rows[self.manifest["feature_columns"]].astype(np.float32)
        frame = pd.DataFrame(index=rows.index)
        numeric = set(self.manifest["numeric_columns"])
        for name in self.manifest["feature_columns"]:
            series = rows[name]
            if name in numeric:
                frame[name] = pd.to_numeric(series, errors="coerce").astype(float)
            else:
                frame[name] = series.astype(object).where(series.notna(), MISSING_CATEGORY).astype(str)
        return frame

    def predict_proba(self, rows: pd.DataFrame) -> pd.DataFrame:
        frame = self.frame(rows)
        if self.kind == "sklearn":
            proba = np.asarray(self.pipeline.predict_proba(frame), dtype=np.float64)
        elif self.kind == "xgboost":
            proba = np.asarray(self.model.predict_proba(self.prepare.transform(frame)), dtype=np.float64)
        else:
            import torch

            x = torch.from_numpy(np.asarray(self.prepare.transform(frame), dtype=np.float32))
            parts = []
            with torch.no_grad():
                for chunk in torch.split(x, CHUNK_ROWS):  # an image network's activations stay small
                    # An ensemble (e.g. TabM's k heads) answers (batch, k, classes): average its members.
                    members = torch.softmax(self.model(chunk).double(), dim=-1)
                    parts.append((members.mean(dim=1) if members.ndim == 3 else members).numpy())
            proba = np.concatenate(parts) if parts else np.zeros((0, len(self.classes)))
        proba = proba / proba.sum(axis=1, keepdims=True)
        return pd.DataFrame(proba, index=rows.index, columns=[str(c) for c in self.classes])

    def image_rows(self, paths: list[str] | list[Path]) -> pd.DataFrame:
        """Image files as this image model's rows: decoded and resized as the training images were. Needs
        Readiness installed (`pip install readiness`): its decoder is the one the model was trained behind."""
        if not self.manifest.get("images"):
            raise ValueError("this bundle's model scores table rows, not images")
        from workers.data.images.files import image_rows  # Readiness's own decoding
        from workers.data.images.image_set import Geometry

        return image_rows(paths, Geometry(**self.manifest["images"]))

    def predict_proba_images(self, paths: list[str] | list[Path]) -> pd.DataFrame:
        """Class probabilities of image files (JPEG, PNG, WebP), one row per file."""
        return self.predict_proba(self.image_rows(paths)).set_axis([str(p) for p in paths])

    def predict(self, rows: pd.DataFrame) -> list[Any]:
        """Class labels: binary at the bundle's decision threshold (chosen on validation), else the argmax."""
        proba = self.predict_proba(rows).to_numpy()
        if len(self.classes) == 2 and self.threshold is not None:
            picks = (proba[:, 1] >= self.threshold).astype(int)
        else:
            picks = proba.argmax(axis=1)
        return [self.classes[i] for i in picks]


def load_bundle(folder: str | Path) -> BundleModel:
    return BundleModel(folder)


def main(args: list[str]) -> int:
    """python load_model.py BUNDLE rows.csv (or image files) → probabilities as CSV on stdout; a file that
    cannot be scored → its message on stderr and exit 2."""
    if len(args) < 2:
        print("usage: python load_model.py BUNDLE rows.csv | image files...", file=sys.stderr)
        return 2
    try:
        bundle = load_bundle(args[0])
        if bundle.manifest.get("images"):
            bundle.predict_proba_images(args[1:]).to_csv(sys.stdout, index_label="file")
        else:
            bundle.predict_proba(pd.read_csv(args[1])).to_csv(sys.stdout, index=False)
    except Exception as error:  # a missing column, an unreadable file: said in one line, not a traceback
        print(f"error: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
