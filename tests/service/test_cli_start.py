"""`readiness --help`, `--version`, a subcommand's help and an argument error answer without importing the
heavy libraries (speed itself is measured by benchmarks/bench_cli_start.py, not asserted here)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("torch", "sklearn", "xgboost", "pandas", "pyarrow", "fastapi", "sqlalchemy")
COMMANDS = ("assess", "grid", "journal", "keys", "migrate", "serve", "submit", "worker")

PROBE = """
import json, sys
from service.cli.main import main
try:
    main(sys.argv[1:], prog_name="readiness")
except SystemExit as exit:
    code = exit.code
heavy = sorted({name.split(".")[0] for name in sys.modules} & set(json.loads(sys.stdin.read())))
print("HEAVY=" + json.dumps({"heavy": heavy, "code": code}))
"""


def _probe(*args: str) -> tuple[dict, str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        input=json.dumps(HEAVY),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    line = next(line for line in done.stdout.splitlines() if line.startswith("HEAVY="))
    return json.loads(line.removeprefix("HEAVY=")), done.stdout + done.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("--version",),
        ("assess", "--help"),
        ("grid", "--help"),
        ("journal", "--help"),
        ("journal", "list", "--help"),
        ("journal", "export", "--help"),
        ("keys", "create", "--help"),
        ("serve", "--help"),
        ("submit", "--help"),
        ("worker", "--help"),
        ("assess",),  # missing FILE and --target: an argument error
        ("assess", "x.csv", "--target", "y", "--resamples", "5"),  # out of range
        ("no-such-command",),
    ],
)
def test_the_command_line_answers_without_the_heavy_libraries(args: tuple[str, ...]) -> None:
    result, output = _probe(*args)
    assert result["heavy"] == [], output
    assert result["code"] == (0 if "--help" in args or "--version" in args else 2), output


def test_help_still_lists_every_command() -> None:
    _, output = _probe("--help")
    for command in COMMANDS:
        assert f"  {command} " in output
    assert "--version" in output


def test_the_import_log_of_readiness_help_names_no_heavy_module() -> None:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "from service.cli.main import main; main(['--help'])"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    imported = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in done.stderr.splitlines()}
    assert imported.isdisjoint(HEAVY), sorted(imported & set(HEAVY))
    assert "Commands:" in done.stdout


def test_the_defaults_the_help_shows_are_the_workers_own() -> None:
    from service.cli import support as cli_support
    from service.datasets.local import LOCAL_TEAM
    from workers.assessment.config import DEFAULT_RESAMPLES, DEFAULT_TEST_BUDGET
    from workers.split import DEFAULT_SEED

    assert cli_support.LOCAL_TEAM == LOCAL_TEAM
    assert cli_support.DEFAULT_SEED == DEFAULT_SEED
    assert cli_support.DEFAULT_RESAMPLES == DEFAULT_RESAMPLES
    assert cli_support.DEFAULT_TEST_BUDGET == DEFAULT_TEST_BUDGET
