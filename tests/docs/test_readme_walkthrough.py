"""The README's curl walk-through, run as written, top to bottom, in a fresh bash against a live server.

The curl blocks of "The service", the journal and the grids are one session: each later block uses the
variables the walk-through set. Lines that run the CLI on other records (`readiness journal list
--project …`, `readiness grid examples/grid.yaml`) are left out here; the CLI's own tests run them.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.dashboard.live_server import live_server

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
README_ADDRESS = "http://127.0.0.1:8000"


def walkthrough_script() -> str:
    """The walk-through block and the later curl blocks that use its variables, in README order."""
    blocks = re.findall(r"```bash\n(.*?)```", README.read_text(), re.S)
    start = next(i for i, block in enumerate(blocks) if block.startswith("KEY=$(readiness keys create"))
    chosen = [blocks[start]] + [block for block in blocks[start + 1 :] if "$DATASET" in block]
    lines = [
        line
        for block in chosen
        for line in block.splitlines()
        if not line.startswith("readiness ")
    ]
    return "\n".join(lines) + "\n"


def test_the_readme_names_every_variable_it_uses() -> None:
    script = walkthrough_script()
    used = set(re.findall(r"\$([A-Z][A-Z0-9_]*)", script))
    assigned = set(re.findall(r"(?:^|;\s*)([A-Z][A-Z0-9_]*)=", script, re.M))
    assert used - assigned == set()


def test_the_curl_walkthrough_runs_as_written(postgres_server: str, tmp_path: Path) -> None:
    with live_server(postgres_server, tmp_path / "home") as server:
        script = walkthrough_script().replace(README_ADDRESS, server.base_url)
        # A failing request stops the script, as `set -e` would stop a careful reader: every answer must be 2xx.
        prelude = "set -euo pipefail\ncurl() { command curl --fail-with-body \"$@\"; }\n"
        env = {
            **os.environ,
            "READINESS_DATABASE_URL": server.settings.database_url or "",
            "READINESS_HOME": str(server.settings.home),
        }
        done = subprocess.run(
            ["bash", "-c", prelude + script],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=1500,
        )
    assert done.returncode == 0, f"{done.stdout[-3000:]}\n--- stderr ---\n{done.stderr[-3000:]}"
    out = done.stdout
    assert re.search(r"^(The |Neither |Deep |No )", out, re.M)  # the verdict's summary, printed by `field`
    assert "final check of the model we ship" in out  # the budget raise, with its reason
    assert '"promoted"' in out or "test_result" in out  # the grid's promoted point and its test look
    assert "depth 3 loses 0.004 AUC" in out  # the inference edit


@pytest.mark.parametrize("typed", ["XGBoost", "xgboost", "XGBOOST"])
def test_family_filters_read_a_family_as_people_type_it(typed: str) -> None:
    from service.journal.journal import family_named

    assert family_named(typed) == "xgboost"
