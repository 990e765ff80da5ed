"""docker-compose.yml, checked without a Docker engine: it is valid under the Compose Specification, every
command is one the real `readiness` CLI accepts, every READINESS_* variable is a field of Settings, and
the API's healthcheck command exits 0 against a live server (a real uvicorn on the test database)."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from service.cli.main import main
from service.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_PREFIX = "READINESS_"
# Subcommands the service issue is adding to service/cli/main.py. Until one lands, a command that uses it is
# skipped with that reason; any other unknown subcommand is a plain failure (a typo, not a pending change).
PENDING_SUBCOMMANDS = {"serve", "worker", "migrate", "keys"}


def _compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def _services_with_commands() -> dict[str, Any]:
    return {name: spec["command"] for name, spec in _compose()["services"].items() if "command" in spec}


def _argv(command: str | list[Any]) -> list[str]:
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def _environment(spec: dict[str, Any]) -> dict[str, str]:
    env = spec.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def _resolve(argv: list[str]) -> tuple[click.Command, list[str], list[str]]:
    """Walk `readiness sub [subsub] ...` down the click groups: the leaf command, its path, its arguments."""
    command: click.Command = main
    path = ["readiness"]
    rest = argv[1:]
    while isinstance(command, click.Group):
        if not rest:
            pytest.fail(f"`{' '.join(path)}` needs a subcommand")
        name, rest = rest[0], rest[1:]
        if name not in command.commands:
            known = ", ".join(sorted(command.commands)) or "none"
            if name in PENDING_SUBCOMMANDS:
                pytest.skip(
                    f"`{' '.join([*path, name])}` is not defined in service/cli/main.py yet (known: {known})"
                )
            pytest.fail(f"`{' '.join([*path, name])}` is not a subcommand of the CLI (known: {known})")
        command = command.commands[name]
        path.append(name)
    return command, path, rest


def _option_names(command: click.Command) -> set[str]:
    names: set[str] = set()
    for param in command.params:
        if isinstance(param, click.Option):
            names.update(param.opts)
            names.update(param.secondary_opts)
    return names


@pytest.mark.parametrize(
    ("service", "command"),
    [pytest.param(name, cmd, id=name) for name, cmd in _services_with_commands().items()],
)
def test_command_is_one_the_cli_accepts(service: str, command: Any) -> None:
    argv = _argv(command)
    assert argv and argv[0] == "readiness", f"{service}: command {argv} does not start with `readiness`"
    leaf, path, args = _resolve(argv)

    known = _option_names(leaf)
    used = [arg.split("=", 1)[0] for arg in args if arg.startswith("-") and arg != "--"]
    unknown = [name for name in used if name not in known]
    assert not unknown, f"{service}: `{' '.join(path)}` has no option {unknown}; it has {sorted(known)}"

    # Let click parse it for real: option values (e.g. --queue's choices), counts and required options.
    try:
        leaf.make_context(" ".join(path), list(args))
    except click.ClickException as error:
        pytest.fail(f"{service}: `{shlex.join(argv)}` is rejected by the CLI: {error.format_message()}")


def test_every_app_service_runs_the_readiness_cli() -> None:
    services = _compose()["services"]
    assert {"migrate", "api", "worker-cpu", "worker-gpu"} <= set(_services_with_commands())
    assert services["postgres"]["image"].startswith("postgres:17")


def test_every_readiness_variable_is_a_settings_field() -> None:
    fields = {f"{ENV_PREFIX}{name.upper()}" for name in Settings.model_fields}
    # Anywhere in the file: environment blocks, anchors, interpolations, comments.
    used = set(re.findall(rf"\b{ENV_PREFIX}[A-Z0-9_]+\b", COMPOSE_FILE.read_text(encoding="utf-8")))
    assert {"READINESS_DATABASE_URL", "READINESS_HOME", "READINESS_ARTIFACTS_DIR"} <= used
    assert not used - fields, (
        f"not fields of service.settings.Settings: {sorted(used - fields)}; fields: {sorted(fields)}"
    )


def test_every_service_environment_makes_valid_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, spec in _compose()["services"].items():
        env = {key: value for key, value in _environment(spec).items() if key.startswith(ENV_PREFIX)}
        if not env:
            continue
        with monkeypatch.context() as patch:
            for key in list(Settings.model_fields):
                patch.delenv(f"{ENV_PREFIX}{key.upper()}", raising=False)
            for key, value in env.items():
                patch.setenv(key, value)
            settings = Settings()  # raises on a value of the wrong type
        assert settings.database_url, (
            f"{name}: no READINESS_DATABASE_URL, it would start an embedded Postgres"
        )


def test_api_and_workers_share_the_data_and_artifact_volumes() -> None:
    services = _compose()["services"]
    declared = set(_compose().get("volumes") or {})
    mounts: dict[str, dict[str, str]] = {}
    for name in ("migrate", "api", "worker-cpu", "worker-gpu"):
        env = _environment(services[name])
        targets = {}
        for volume in services[name].get("volumes", []):
            source, target = (
                (volume.split(":")[:2]) if isinstance(volume, str) else (volume["source"], volume["target"])
            )
            assert source in declared, f"{name}: {source} is not a named volume"
            targets[target] = source
        for key in ("READINESS_HOME", "READINESS_ARTIFACTS_DIR"):
            assert env[key] in targets, f"{name}: {key}={env[key]} is not on a volume"
        mounts[name] = {key: targets[env[key]] for key in ("READINESS_HOME", "READINESS_ARTIFACTS_DIR")}
    assert mounts["api"] == mounts["worker-cpu"] == mounts["worker-gpu"], mounts


def test_start_order_and_gpu_reservation() -> None:
    services = _compose()["services"]
    assert services["postgres"]["healthcheck"]["test"][1] == "pg_isready"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("api", "worker-cpu", "worker-gpu"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    devices = services["worker-gpu"]["deploy"]["resources"]["reservations"]["devices"]
    assert devices == [{"driver": "nvidia", "count": 1, "capabilities": ["gpu"]}]


def _check_jsonschema(path: Path) -> subprocess.CompletedProcess[str]:
    executable = shutil.which("check-jsonschema")
    if executable is None:
        pytest.skip("check-jsonschema is not installed (pip install -e '.[dev]')")
    return subprocess.run(
        [executable, "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_compose_file_is_valid_under_the_compose_specification() -> None:
    result = _check_jsonschema(COMPOSE_FILE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_rejects_a_broken_file(tmp_path: Path) -> None:
    broken = _compose()
    broken["services"]["api"]["depends_on"]["migrate"]["condition"] = "service_finished"
    path = tmp_path / "docker-compose.yml"
    path.write_text(yaml.safe_dump(broken), encoding="utf-8")
    result = _check_jsonschema(path)
    assert result.returncode != 0 and "service_finished" in result.stdout, result.stdout + result.stderr


# --- The API's healthcheck, run for real against a live server ---------------------------------------------

HEALTH_PATH = "/api/v1/health"
_URL = re.compile(r"https?://(?P<netloc>[^/'\"\s]+)(?P<path>/[^'\"\s]*)")


def _api_healthcheck() -> tuple[list[str], str]:
    """The api service's healthcheck as an argv (CMD form), and the URL it requests."""
    test = _compose()["services"]["api"]["healthcheck"]["test"]
    assert isinstance(test, list) and test[0] == "CMD", f"expected the exec form [CMD, ...]: {test}"
    argv = [str(part) for part in test[1:]]
    urls = [match for part in argv for match in _URL.finditer(part)]
    assert len(urls) == 1, f"expected one URL in the healthcheck: {argv}"
    return argv, urls[0].group(0)


@pytest.fixture
def live_api(settings: Settings) -> Iterator[str]:
    """A real uvicorn server over the test database, on a free loopback port; yields its base URL."""
    import socket
    import threading
    import time

    import uvicorn

    from service.app import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="live-api", daemon=True)
    thread.start()
    deadline = time.monotonic() + 120  # a loaded two-core machine
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=30)


def test_api_healthcheck_requests_the_health_route() -> None:
    _, url = _api_healthcheck()
    assert _URL.match(url)["path"] == HEALTH_PATH, f"{url} is not the API's health route {HEALTH_PATH}"
    port = _URL.match(url)["netloc"].rsplit(":", 1)[-1]
    assert str(port) in " ".join(_argv(_compose()["services"]["api"]["command"])), (
        f"the healthcheck asks port {port}, which the api command does not serve on"
    )


def test_api_healthcheck_passes_against_a_live_api(live_api: str) -> None:
    argv, url = _api_healthcheck()
    assert argv[:2] == ["python", "-c"], f"expected `python -c ...`: {argv}"
    here = url.replace(_URL.match(url)["netloc"], live_api.split("://", 1)[1], 1)
    code = argv[2].replace(url, here)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, f"the healthcheck fails against {here}:\n{done.stderr}"


def test_the_healthcheck_would_fail_on_a_wrong_path(live_api: str) -> None:
    """The check above can fail: the same command on an unknown path exits non-zero (urlopen raises on 404)."""
    argv, url = _api_healthcheck()
    code = argv[2].replace(url, f"{live_api}/health")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode != 0 and "404" in done.stderr
