"""`keep_columns` is refused at every door, before a job is queued, when keeping would change nothing."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from service.assessments.submit import assessment_config
from service.models import Dataset
from service.settings import Settings
from workers.errors import InvalidOption


def _dataset() -> Dataset:
    kinds = {"always_one": "constant", "nothing": "empty", "customer_id": "id", "refund": "numeric"}
    return Dataset(
        project_id=uuid.uuid4(),
        filename="data.csv",
        sha256="0" * 64,
        stored_as="x.csv",
        size_bytes=10,
        target="label",
        rows=300,
        columns=5,
        profile={"column_profiles": [{"name": name, "kind": kind} for name, kind in kinds.items()]},
    )


@pytest.mark.parametrize("column", ["always_one", "nothing"])
def test_keeping_a_constant_or_empty_column_is_refused(column: str, tmp_path: Path) -> None:
    with pytest.raises(InvalidOption, match=f"cannot learn from: '{column}'") as refused:
        assessment_config(_dataset(), {"keep_columns": [column]}, Settings(home=tmp_path))
    assert refused.value.field == "keep_columns"


def test_keeping_a_leaky_or_id_like_column_is_taken(tmp_path: Path) -> None:
    config = assessment_config(
        _dataset(), {"keep_columns": ["refund", "customer_id"]}, Settings(home=tmp_path)
    )
    assert config.keep_columns == ("refund", "customer_id")
