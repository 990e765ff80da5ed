"""What the command-line modules share: settings with a readable error, the user-error exit, the team."""

from __future__ import annotations

import click
from pydantic import ValidationError
from sqlalchemy import select
from sqlmodel import Session

from service.models import Team
from service.settings import Settings
from workers.errors import ReadinessError

USER_ERROR_EXIT = 2


class UserErrorExit(click.ClickException):
    exit_code = USER_ERROR_EXIT


def load_settings() -> Settings:
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


def team_id_of(session: Session, name: str) -> object:
    team = session.scalar(select(Team).where(Team.name == name))
    if team is None:
        raise UnknownTeam(f"No team {name!r} in this database; CLI runs without --team belong to 'local'.")
    return team.id
