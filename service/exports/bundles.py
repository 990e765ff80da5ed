"""A fitted model as a bundle on disk or as zip bytes: the model in a safe format (workers.export.bundle) and
its model card, whose validation metrics are measured again here, with intervals, on the validation split
rebuilt from the stored data (the same seed and kept columns as the run: the same rows)."""

from __future__ import annotations

import io
import platform
import shutil
import tempfile
import zipfile
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from service.artifacts import ArtifactStore
from service.datasets.parsed import StoredDataset, load_stored
from service.datasets.prepared import stored_preparation
from service.exports.sources import ExportSource
from workers.experiments.data import experiment_data
from workers.export.bundle import write_bundle
from workers.export.card import validation_intervals

PACKAGES = ("readiness", "scikit-learn", "skops", "xgboost", "torch", "numpy", "pandas")
INTENDED_USE_KEYS = {
    "feasibility": ("target_metric", "target_value"),
    "fault_tolerance": ("cost_of_error", "human_in_the_loop", "fallback_exists"),
}
NOT_TESTED = (
    "Rows from a different time, place or population than the uploaded file were not tested: the split is "
    "random within one file."
)


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def intended_use(project: dict[str, Any]) -> dict[str, Any]:
    answers = project.get("answers") or {}
    use: dict[str, Any] = {
        "project": answers.get("project") or project.get("name"),
        "description": answers.get("description") or project.get("description"),
    }
    for section, keys in INTENDED_USE_KEYS.items():
        for key in keys:
            use[key] = (answers.get(section) or {}).get(key)
    return use


def model_card(source: ExportSource, validation: dict[str, Any], classes: list[Any]) -> dict[str, Any]:
    data = {k: v for k, v in source.dataset.items() if k != "row"}
    limits = list(source.findings)
    if not source.test:
        limits.append("Not tested on the held-out test split: no budgeted look was spent on this model.")
    if source.train_fraction < 1.0:
        limits.append(f"Trained on {source.train_fraction:.0%} of the training split only.")
    limits.append(NOT_TESTED)
    return {
        "model": {
            "name": source.name,
            "family": source.family,
            "hyperparameters": source.hyperparameters,
            "train_fraction": source.train_fraction,
            "n_train": source.n_train,
            "source": {"kind": source.kind, "id": source.source_id},
        },
        "data": {**data, "classes": classes, "feature_columns": []},
        "split": source.split,
        "metrics": {"validation": validation, "test": source.test, "test_look": source.test_look},
        "threshold": {"value": source.threshold, "rule": source.threshold_rule},
        "intended_use": intended_use(source.project),
        "limits": limits,
        "versions": versions(),
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def write_source(artifacts: ArtifactStore, source: ExportSource, out: Path) -> list[str]:
    """Write the bundle of `source` into the folder `out`; returns the files."""
    dataset = load_stored(artifacts, StoredDataset.of(source.dataset["row"]))
    data = experiment_data(
        dataset,
        seed=source.split_seed,
        keep_columns=source.keep_columns,
        prepare_data=stored_preparation(artifacts),
        split_options=source.split_options,
    )
    # The split as it was made (random, time-ordered or grouped), from the rebuilt split itself.
    source.split = {**source.split, "method": data.split.to_dict().get("method") or source.split.get("method")}
    recorded = source.split.get("split_hash")
    if recorded and recorded != data.split_hash:
        # Not the rows the model was selected on (a record from before a change in how splits are made):
        # measuring there would be a different, unlabelled claim. The card keeps the recorded numbers.
        validation = {"n": None, **_points(source.recorded_validation)}
        source.findings.append(
            "The validation split could not be rebuilt exactly; the validation metrics are the recorded ones, "
            "without intervals."
        )
    else:
        proba = source.model.predict_proba(data.validation_frame)
        validation = validation_intervals(data.y_validation, proba, source.threshold)
    if source.n_train is None:
        source.n_train = len(data.y_train)
    classes = list(dataset.classes)
    card = model_card(source, validation, classes)
    card["data"]["feature_columns"] = list(data.used_columns)
    return write_bundle(source.model, out, classes=classes, threshold=source.threshold, card=card)


def _points(recorded: dict[str, Any]) -> dict[str, Any]:
    return {
        name: {"value": value, "ci_low": None, "ci_high": None, "method": None}
        for name, value in recorded.items()
        if isinstance(value, int | float) and name != "threshold"
    }


def bundle_name(source: ExportSource) -> str:
    return f"{source.name.lower().replace(' ', '-')}-{source.source_id[:8]}"


def zip_bytes(artifacts: ArtifactStore, source: ExportSource) -> bytes:
    """The bundle as a zip, its files under one folder named after the model and the run."""
    with tempfile.TemporaryDirectory(prefix="readiness-export-") as tmp:
        folder = Path(tmp) / bundle_name(source)
        write_source(artifacts, source, folder)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(folder.iterdir()):
                archive.write(path, f"{folder.name}/{path.name}")
        return buffer.getvalue()


def export_to(artifacts: ArtifactStore, source: ExportSource, out: Path) -> Path:
    """Write the bundle to `out`: a zip when it ends in .zip, else a folder (new or empty). Nothing is left
    half-written: the files are written aside and moved into place when complete."""
    if out.suffix.lower() == ".zip":
        data = zip_bytes(artifacts, source)
        out.parent.mkdir(parents=True, exist_ok=True)
        part = out.with_name(out.name + ".part")
        part.write_bytes(data)
        part.replace(out)
        return out
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        from workers.errors import InvalidOption

        raise InvalidOption(f"{out} exists and is not an empty folder; give a new folder or a .zip path.")
    with tempfile.TemporaryDirectory(
        prefix="readiness-export-", dir=out.parent if out.parent.exists() else None
    ) as tmp:
        folder = Path(tmp) / "bundle"
        write_source(artifacts, source, folder)
        if out.exists():
            out.rmdir()
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(folder, out)
    return out
