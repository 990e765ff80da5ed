"""What the command-line modules share: settings with a readable error, the user-error exit, the team."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from workers.errors import ReadinessError

if TYPE_CHECKING:  # imported where used: `readiness --help` loads neither the database nor the models
    import uuid

    from sqlmodel import Session

    from service.settings import Settings

USER_ERROR_EXIT = 2

# The defaults the options show, copied here so that `readiness --help` need not import pandas or torch
# (tests/service/test_cli_start.py checks that they equal the originals).
LOCAL_TEAM = "local"  # service.datasets.local.LOCAL_TEAM
DEFAULT_SEED = 20170511  # workers.split.DEFAULT_SEED
DEFAULT_RESAMPLES = 1000  # workers.assessment.config.DEFAULT_RESAMPLES
DEFAULT_TEST_BUDGET = 3  # workers.assessment.config.DEFAULT_TEST_BUDGET


class UserErrorExit(click.ClickException):
    exit_code = USER_ERROR_EXIT


def load_settings() -> Settings:
    from pydantic import ValidationError

    from service.settings import Settings

    try:
        return Settings()
    except ValidationError as error:
        raise UserErrorExit(
            f"Invalid READINESS_* setting: {error.errors()[0]['loc'][0]}: {error.errors()[0]['msg']}"
        ) from error


class UnknownTeam(ReadinessError):
    """No such team."""

    code = "unknown_team"
    http_status = 404


def team_id_of(session: Session, name: str) -> uuid.UUID:
    from sqlalchemy import select

    from service.models import Team

    team = session.scalar(select(Team).where(Team.name == name))
    if team is None:
        raise UnknownTeam(f"No team {name!r} in this database; CLI runs without --team belong to 'local'.")
    return team.id
