"""An image model taken away: a baseline on image features and the CNN exported as bundles, loaded by the
bundle's own `load_model.py` (no pickle), and scoring image files as the assessment scored the same pixels."""

from __future__ import annotations

import importlib.util
import io
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from tests.workers.image_digits import digit_frames
from workers.baselines import FittedModel
from workers.data.images.image_set import geometry_of
from workers.errors import UnreadableFile
from workers.experiments.fitting import fit_family
from workers.export.bundle import write_bundle
from workers.families import CNN, LOGISTIC_REGRESSION, TRANSFER, XGBOOST

CLASSES = ["other", "3"]


@pytest.fixture(scope="module")
def digits() -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame, np.ndarray]:
    return digit_frames(240)


def _loader(bundle: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"load_model_{abs(hash(bundle))}", bundle / "load_model.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _png_files(frame: pd.DataFrame, folder: Path) -> list[Path]:
    """The frame's pixels written as PNG files, as a user would hand them to the exported model."""
    geometry = geometry_of(frame.columns)
    assert geometry is not None and geometry.channels == 1
    folder.mkdir()
    paths = []
    for i, row in enumerate(frame.to_numpy(dtype=np.uint8)):
        path = folder / f"{i:03d}.png"
        buffer = io.BytesIO()
        Image.fromarray(row.reshape(geometry.size, geometry.size)).save(buffer, format="PNG")
        path.write_bytes(buffer.getvalue())
        paths.append(path)
    return paths


@pytest.mark.parametrize(
    ("family", "hyperparameters", "kind"),
    [
        (LOGISTIC_REGRESSION, {}, "sklearn"),
        (XGBOOST, {"n_estimators": 20}, "xgboost"),
        (CNN, {"max_epochs": 3, "width": 8}, "torch"),
        (TRANSFER, {"max_epochs": 2, "fine_tune_epochs": 0}, "torch"),
    ],
)
def test_an_image_model_exports_and_scores_image_files_as_it_scored_their_pixels(
    digits: tuple[pd.DataFrame, np.ndarray, pd.DataFrame, np.ndarray],
    family: str,
    hyperparameters: dict[str, Any],
    kind: str,
    tmp_path: Path,
) -> None:
    frame, y, val_frame, y_val = digits
    model: FittedModel = fit_family(
        family, frame, y, val_frame, y_val, hyperparameters, random_state=0, device="cpu"
    )
    bundle = tmp_path / "bundle"
    files = write_bundle(model, bundle, classes=CLASSES, threshold=0.5, card={})
    assert "load_model.py" in files and not any(name.endswith((".pkl", ".pickle")) for name in files)
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert (manifest["kind"], manifest["images"]) == (kind, {"channels": 1, "size": 32})

    loaded = _loader(bundle).load_bundle(bundle)
    expected = model.predict_proba(val_frame)
    from_pixels = loaded.predict_proba(val_frame).to_numpy()
    np.testing.assert_allclose(from_pixels, expected, atol=1e-5)
    paths = _png_files(val_frame.iloc[:12], tmp_path / "images")
    from_files = loaded.predict_proba_images(paths)
    assert list(from_files.index) == [str(p) for p in paths]
    np.testing.assert_allclose(from_files.to_numpy(), expected[:12], atol=1e-5)


def test_an_image_bundle_names_a_file_it_cannot_score(
    digits: tuple[pd.DataFrame, np.ndarray, pd.DataFrame, np.ndarray], tmp_path: Path
) -> None:
    frame, y, val_frame, y_val = digits
    model = fit_family(LOGISTIC_REGRESSION, frame, y, val_frame, y_val, {}, random_state=0, device="cpu")
    write_bundle(model, tmp_path / "bundle", classes=CLASSES, threshold=0.5, card={})
    loaded = _loader(tmp_path / "bundle").load_bundle(tmp_path / "bundle")
    (tmp_path / "notes.png").write_text("not an image")
    for missing in (tmp_path / "nowhere.png", tmp_path / "notes.png"):
        with pytest.raises(UnreadableFile, match=missing.name):
            loaded.predict_proba_images([missing])
