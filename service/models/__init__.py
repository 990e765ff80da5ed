"""The service's tables (SQLModel). Importing this package registers every table on `SQLModel.metadata`."""

from service.models.access import ApiKey, Team
from service.models.assessments import Assessment, AssessmentStatus, StageOutput
from service.models.batches import Batch, BatchItem
from service.models.experiments import (
    FINISHED_STATUSES,
    Experiment,
    ExperimentKind,
    ExperimentRevision,
    RunStatus,
)
from service.models.grids import Grid, GridPoint
from service.models.ledger import BudgetChange, TestLook
from service.models.project_changes import ProjectChange
from service.models.projects import Dataset, Project, Split
from service.models.sessions import DashboardSession, LoginLink

__all__ = [
    "FINISHED_STATUSES",
    "ApiKey",
    "Assessment",
    "AssessmentStatus",
    "Batch",
    "BatchItem",
    "BudgetChange",
    "DashboardSession",
    "Dataset",
    "Experiment",
    "ExperimentKind",
    "ExperimentRevision",
    "Grid",
    "GridPoint",
    "LoginLink",
    "Project",
    "ProjectChange",
    "RunStatus",
    "Split",
    "StageOutput",
    "Team",
    "TestLook",
]
