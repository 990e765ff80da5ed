"""The client stands alone: it imports no server code, and its models match the server's OpenAPI schema."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

import readiness_client
from readiness_client import models
from tests.dashboard.live_server import LiveServer

# What a notebook without the server's dependencies lacks: importing any of these would fail there.
SERVER_ONLY = ["service", "workers", "numpy", "pandas", "torch", "sklearn", "sqlalchemy", "fastapi", "psycopg"]

# Each client model and the server's schema it reads (components of GET /openapi.json).
SCHEMAS = {
    models.Project: "ProjectPublic",
    models.Dataset: "DatasetPublic",
    models.Assessment: "AssessmentPublic",
    models.Progress: "ProgressInfo",
    models.Split: "SplitPublic",
    models.Budget: "Budget",
    models.BudgetChange: "BudgetChangePublic",
    models.TestLook: "TestLookPublic",
    models.Experiment: "ExperimentPublic",
    models.Grid: "GridDetail",
    models.Promotion: "PromotionPublic",
    models.Batch: "BatchPublic",
    models.BatchItem: "BatchItemPublic",
}


def test_the_client_imports_without_the_servers_dependencies() -> None:
    blocker = (
        "import sys, importlib.abc\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        f"        if name.split('.')[0] in {SERVER_ONLY!r}: raise ImportError('server-only: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import readiness_client\n"
        "print(readiness_client.Client.__name__)\n"
    )
    done = subprocess.run([sys.executable, "-c", blocker], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Client"


@pytest.fixture(scope="module")
def components(server: LiveServer) -> dict[str, Any]:
    return httpx.get(f"{server.base_url}/openapi.json", timeout=60).json()["components"]["schemas"]


@pytest.mark.parametrize("model", list(SCHEMAS), ids=lambda m: m.__name__)
def test_every_client_field_is_one_the_server_sends(model: type[BaseModel], components: dict[str, Any]) -> None:
    served = components[SCHEMAS[model]]["properties"]
    assert set(model.model_fields) - set(served) == set()


def test_every_model_is_exported() -> None:
    assert {m.__name__ for m in SCHEMAS} <= set(readiness_client.__all__)
