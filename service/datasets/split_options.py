"""The split options of a request (assessment or grid), checked against the dataset before anything is written."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from service.datasets.modality import dataset_modality
from service.models import Dataset
from workers.errors import InvalidOption
from workers.images.preparation import refuse_table_options
from workers.ordered_split import MIN_GROUPS, TooFewGroups
from workers.split import SplitOptions
from workers.time_column import unknown_column_error


def split_options_for(dataset: Dataset, options: Mapping[str, Any]) -> SplitOptions:
    """The split a request's `options` ask for (`split`, `time_column`, `group_column`), checked against the
    dataset's profile before anything is queued, whichever door it came through: a column that is not in the
    file (`InvalidOption`, with the closest names), a group column with too few entities (`TooFewGroups`), a
    contradiction (`InvalidOption`). A time column's values are read when the data is split."""
    profiles = {p["name"]: p for p in (dataset.profile or {}).get("column_profiles", [])}
    columns = list(profiles)
    named: dict[str, str | None] = {}
    for option in ("time_column", "group_column"):
        value = options.get(option)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise InvalidOption(f"{option} must be a column name; got {value!r}.", field=option)
        named[option] = value.strip() if isinstance(value, str) else None
        if named[option] is not None and named[option] not in columns:
            raise unknown_column_error(option, str(named[option]), columns)
    method = options.get("split") or "auto"
    if not isinstance(method, str):
        raise InvalidOption(f"split must be one of auto, random, time, group; got {method!r}.", field="split")
    split = SplitOptions(method=method, **named)
    if dataset_modality(dataset) == "images":
        refuse_table_options(split_options=split)  # before a job is queued that would only fail
    if split.group_column is not None:
        profile = profiles[split.group_column]
        entities = int(profile.get("n_unique") or 0) + (1 if profile.get("missing_fraction") else 0)
        if entities < MIN_GROUPS:
            raise TooFewGroups(
                f"The group column {split.group_column!r} has {entities} distinct value"
                f"{'s' if entities != 1 else ''}; a group split needs at least {MIN_GROUPS} entities to put about "
                "60/20/20 of them in train, validation and test. Name the entity column (patient, customer, "
                "device), or drop --group-column."
            )
    return split
