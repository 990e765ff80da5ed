"""A project item's questionnaire: inline, or the name of a YAML file given with the batch."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from service.batches.files import BatchFiles
from workers.errors import InvalidAnswers
from workers.rubric.questionnaire import Answers, parse_answers, read_answers_yaml


def read_answers(given: Any, *, project: str, files: BatchFiles) -> Answers:
    """The answers, validated; `InvalidAnswers` (or the file's own error) names what is wrong."""
    if isinstance(given, Mapping):
        return parse_answers(given, source=f"the answers of project {project!r}")
    if not isinstance(given, str):
        raise InvalidAnswers(
            "answers must be a mapping of questionnaire sections, or the name of a YAML file with them; "
            f"got {type(given).__name__}."
        )
    return parse_answers(read_answers_yaml(files.read_text(given), source=given), source=given)
