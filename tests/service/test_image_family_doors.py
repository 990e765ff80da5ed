"""Grids, experiments and an assessment's journal entries know which families fit a dataset: the CNN and the
transfer model on images, the ResNet-MLP and TabM on tables; the wrong kind is refused (422) before anything
is written, naming the families that fit."""

from __future__ import annotations

import uuid

import pytest

from service.datasets.modality import dataset_modality
from service.datasets.split_options import split_options_for
from service.journal.assessment_records import model_requests
from service.journal.grids import GridRequest, plan_grid
from service.models import Dataset
from workers.errors import InvalidOption


def _dataset(stored_as: str) -> Dataset:
    return Dataset(
        project_id=uuid.uuid4(),
        filename=f"upload{stored_as[-4:]}",
        sha256="0" * 64,
        stored_as=stored_as,
        size_bytes=10,
        target="label",
        rows=300,
        columns=1024,
        profile={},
    )


def test_an_image_dataset_refuses_a_table_deep_grid_and_a_table_refuses_an_image_grid() -> None:
    images, table = _dataset("abc.zip"), _dataset("abc.csv")
    assert (dataset_modality(images), dataset_modality(table)) == ("images", "table")
    with pytest.raises(
        InvalidOption, match=r"TabM \(tabm\) does not train on an image dataset.*cnn, transfer"
    ):
        plan_grid(images, GridRequest(model_family="tabm"))
    with pytest.raises(InvalidOption, match=r"does not train on a table dataset.*deep, tabm") as refused:
        plan_grid(table, GridRequest(model_family="cnn"))
    assert refused.value.http_status == 422


def test_an_image_assessment_records_the_image_families() -> None:
    config = {"seed": 0, "deep_params": {"width": 8, "max_epochs": 3}}
    assert [r.model_family for r in model_requests(config, "images")][3:] == ["cnn", "transfer"]
    assert [r.model_family for r in model_requests(config)][3:] == ["deep", "tabm"]
    cnn = model_requests(config, "images")[3]
    assert cnn.hyperparameters == {"width": 8, "max_epochs": 3}


def test_a_time_or_group_split_of_images_is_refused_before_anything_is_queued() -> None:
    images = _dataset("abc.zip")
    with pytest.raises(InvalidOption, match="Time and group splits are for tables") as refused:
        split_options_for(images, {"split": "time"})
    assert refused.value.field == "split" and refused.value.http_status == 422
    assert split_options_for(images, {}).is_default  # the default split is the image split
