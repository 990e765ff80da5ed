"""A Python client for the Readiness API: `Client("http://127.0.0.1:8000", api_key=...)`.

Imports only httpx and pydantic (README, "Python client").
"""

from readiness_client.client import Client
from readiness_client.errors import ReadinessAPIError, RunFailed, WaitTimedOut
from readiness_client.models import (
    Assessment,
    Batch,
    BatchItem,
    Budget,
    BudgetChange,
    Dataset,
    Experiment,
    Grid,
    Page,
    Progress,
    Project,
    Promotion,
    Split,
    TestLook,
)

__all__ = [
    "Assessment",
    "Batch",
    "BatchItem",
    "Budget",
    "BudgetChange",
    "Client",
    "Dataset",
    "Experiment",
    "Grid",
    "Page",
    "Progress",
    "Project",
    "Promotion",
    "ReadinessAPIError",
    "RunFailed",
    "Split",
    "TestLook",
    "WaitTimedOut",
]
