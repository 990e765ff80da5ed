"""`readiness serve` prints a one-time sign-in link for the admin key; it works once."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.cli import serve as serve_module
from service.cli.serve import browser_base, serve
from service.settings import Settings


def _serve_output(
    settings: Settings, capsys: pytest.CaptureFixture[str], monkeypatch, host: str
) -> tuple[str, Any]:
    started: dict[str, Any] = {}
    monkeypatch.setattr(serve_module.uvicorn, "run", lambda app, **kw: started.update(app=app, **kw))
    serve(settings, host=host, port=8123, with_worker=False)
    return capsys.readouterr().out, started["app"]


def test_serve_prints_a_login_link_that_signs_in_once(settings: Settings, capsys, monkeypatch) -> None:
    out, app = _serve_output(settings, capsys, monkeypatch, "0.0.0.0")
    key = re.search(r"^\s+(rdy_\S+)$", out, re.M).group(1)  # the first start's admin key
    link = re.search(r"^\s+(http://\S+/login/(\S+))$", out, re.M)
    assert link, out
    assert link.group(1).startswith("http://127.0.0.1:8123/login/")  # a browser cannot open 0.0.0.0
    with TestClient(app, follow_redirects=False) as client:
        assert client.get(f"/login/{link.group(2)}").status_code == 303
        assert client.get("/projects").status_code == 200
        client.cookies.clear()
        assert client.get(f"/login/{link.group(2)}").status_code == 400

    again, _ = _serve_output(settings, capsys, monkeypatch, "127.0.0.1")
    assert key not in again  # the key is shown once; a fresh link for it on every start
    assert re.search(r"/login/(\S+)$", again, re.M).group(1) != link.group(2)


def test_the_address_printed_is_one_a_browser_can_open() -> None:
    assert browser_base("0.0.0.0", 80) == "http://127.0.0.1:80"
    assert browser_base("::", 80) == "http://[::1]:80"
    assert browser_base("fe80::1", 80) == "http://[fe80::1]:80"
    assert browser_base("readiness.internal", 8000) == "http://readiness.internal:8000"
