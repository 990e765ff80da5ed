"""What kind of data a dataset row holds: "images" (a zip of labelled images) or "table"."""

from __future__ import annotations

from service.models import Dataset


def dataset_modality(dataset: Dataset) -> str:
    """Either "images" or "table": as the upload's profile records it, else (a row older than that record)
    from the stored upload — every image upload is stored as a zip (a folder or a CSV of paths is zipped
    first), and no table is."""
    recorded = (dataset.profile or {}).get("modality")
    if recorded is None:
        return "images" if str(dataset.stored_as or dataset.filename).lower().endswith(".zip") else "table"
    return "images" if recorded == "images" else "table"
