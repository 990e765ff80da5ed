"""The README's Python example runs as written against a live server."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from service.auth import create_key
from tests.dashboard.live_server import LiveServer

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_python_example() -> str:
    text = README.read_text()
    start = text.index("**The same from Python.**")
    return re.search(r"```python\n(.*?)```", text[start:], re.S).group(1)  # type: ignore[union-attr]


def test_the_readme_python_example_runs(
    server: LiveServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code = readme_python_example().replace("http://127.0.0.1:8000", server.base_url)
    monkeypatch.chdir(README.parent)  # the example's paths are relative to the repository, as in a shell there
    key = create_key(server.engine, team_name="readme", name="README reader")
    exec(compile(code, "README.md", "exec"), {"KEY": key, "__name__": "readme"})
    printed = capsys.readouterr().out.splitlines()
    assert printed[-1] == "422 unknown_target target"
    assert printed[-2].startswith("2 ")  # one of three looks spent
    assert any("simple model" in line or "deep model" in line or "signal" in line for line in printed)
