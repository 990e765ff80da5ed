"""Who changed a project, and what: each change of its name, description or a questionnaire answer becomes a
`ProjectChange` row (old → new in short), written in the same transaction as the change itself, whether it
came through the API or the dashboard."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlmodel import Session

from service.models import Project, ProjectChange

SUMMARY_CHARS = 200  # a history line, not a copy of the value: long descriptions are cut
UNSET = "(not set)"


def summary(value: Any) -> str:
    """A value as a history line shows it: text as written, anything else as compact JSON, cut short."""
    if value is None:
        return UNSET
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1] + "…"


def _flat(answers: dict[str, Any] | None) -> dict[str, Any]:
    """The answers by `section.question`, so that one edited question is one row."""
    flat: dict[str, Any] = {}
    for section, questions in (answers or {}).items():
        if isinstance(questions, dict):
            flat.update({f"{section}.{name}": value for name, value in questions.items()})
        else:
            flat[section] = questions
    return flat


def answer_changes(old: dict[str, Any] | None, new: dict[str, Any] | None) -> list[tuple[str, Any, Any]]:
    """(`answers.section.question`, old, new) for each question whose answer differs, in a stable order."""
    before, after = _flat(old), _flat(new)
    return [
        (f"answers.{name}", before.get(name), after.get(name))
        for name in sorted(before.keys() | after.keys())
        if before.get(name) != after.get(name)
    ]


def record(session: Session, project_id: uuid.UUID, *, field: str, old: Any, new: Any, who: str) -> None:
    """Add one change row to the caller's transaction."""
    session.add(
        ProjectChange(
            project_id=project_id, field=field, old_value=summary(old), new_value=summary(new), who=who
        )
    )


def apply_changes(session: Session, project: Project, changes: dict[str, Any], who: str) -> int:
    """Set the project's fields in `changes` (any of name, description, answers, readiness) and record each
    field whose value really changed; the caller commits. Returns the rows recorded."""
    rows = 0
    if "answers" in changes:
        for field, old, new in answer_changes(project.answers, changes["answers"]):
            record(session, project.id, field=field, old=old, new=new, who=who)
            rows += 1
    for name in ("name", "description"):
        if name in changes and changes[name] != getattr(project, name):
            record(session, project.id, field=name, old=getattr(project, name), new=changes[name], who=who)
            rows += 1
    for name, value in changes.items():
        setattr(project, name, value)
    session.add(project)
    return rows
