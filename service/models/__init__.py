"""The service's tables (SQLModel). Importing this package registers every table on `SQLModel.metadata`."""

from service.models.access import ApiKey, Team
from service.models.assessments import Assessment, AssessmentStatus, StageOutput
from service.models.ledger import BudgetChange, TestLook
from service.models.projects import Dataset, Project, Split

__all__ = [
    "ApiKey",
    "Assessment",
    "AssessmentStatus",
    "BudgetChange",
    "Dataset",
    "Project",
    "Split",
    "StageOutput",
    "Team",
    "TestLook",
]
