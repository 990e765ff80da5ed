"""A checked batch: what each item will make, resolved against the batch's other items and the team's
records. Creating it (`records.create_batch`) cannot be refused for anything the checks could know."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from service.batches.spec import AssessmentItem, BatchSpec, DatasetItem, GridItem, ProjectItem
from service.journal.grids import GridRequest
from service.models import Dataset, Project
from workers.assessment.config import AssessmentConfig


@dataclass
class ProjectPlan:
    """A project the batch declares (new, or one of the team's by that name) or only refers to."""

    row: Project  # the team's row, or a new row not yet added to any session
    is_new: bool
    item: ProjectItem | None = None
    changes: dict[str, Any] = field(default_factory=dict)  # what the item sets on the project


@dataclass
class DatasetPlan:
    row: Dataset  # an existing row (the same bytes, target and positive class), or a new one
    project: ProjectPlan
    is_new: bool
    item: DatasetItem | None = None  # None: the team's dataset, named by id


@dataclass
class AssessmentPlan:
    item: AssessmentItem
    dataset: DatasetPlan
    config: AssessmentConfig
    queue: str


@dataclass
class GridPlan:
    item: GridItem
    dataset: DatasetPlan
    request: GridRequest


@dataclass
class BatchPlan:
    spec: BatchSpec
    team_id: uuid.UUID
    projects: list[ProjectPlan] = field(default_factory=list)
    datasets: list[DatasetPlan] = field(default_factory=list)
    assessments: list[AssessmentPlan] = field(default_factory=list)
    grids: list[GridPlan] = field(default_factory=list)
