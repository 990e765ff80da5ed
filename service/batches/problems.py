"""What is wrong with a batch: every problem found, each tied to the item it is about, raised as one error."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workers.errors import ReadinessError

MAX_SHOWN_PROBLEMS = 50  # the detail lists this many; `extra["problems"]` has them all


@dataclass(frozen=True)
class Problem:
    """One thing to fix. `position` is the item's place in the file (1 = first); None: the file as a whole."""

    where: str  # "item 3 (dataset 'penguins')", or "the batch file"
    detail: str
    code: str
    position: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"item": self.where, "position": self.position, "detail": self.detail, "code": self.code}


def item_name(position: int, kind: str | None = None, label: str | None = None) -> str:
    """How messages name an item: by its place in the file, its kind and its name."""
    if kind and label:
        return f"item {position} ({kind} {label!r})"
    return f"item {position} ({kind})" if kind else f"item {position}"


BATCH_FILE = "the batch file"


@dataclass
class Problems:
    """Collects problems as validation goes on, so one pass reports all of them."""

    found: list[Problem] = field(default_factory=list)

    def add(self, where: str, detail: str, code: str, position: int | None = None) -> None:
        self.found.append(Problem(where, detail, code, position))

    def add_error(self, where: str, error: ReadinessError, position: int | None = None) -> None:
        self.add(where, error.detail, error.code, position)

    def __bool__(self) -> bool:
        return bool(self.found)

    def raise_if_any(self) -> None:
        if self.found:
            raise InvalidBatch(self.found)


class InvalidBatch(ReadinessError):
    """The batch has problems; nothing was queued."""

    code = "invalid_batch"
    http_status = 422

    def __init__(self, problems: list[Problem]) -> None:
        # The file's own problems first, then the items' in file order, whatever check found them.
        problems = sorted(problems, key=lambda p: (p.position is not None, p.position or 0))
        shown = problems[:MAX_SHOWN_PROBLEMS]
        lines = [f"- {p.where}: {p.detail}" for p in shown]
        if len(problems) > len(shown):
            lines.append(f"- … and {len(problems) - len(shown)} more (see `problems`)")
        count = f"{len(problems)} problem" + ("s" if len(problems) != 1 else "")
        super().__init__(
            f"The batch was not queued and nothing was recorded; {count} to fix:\n" + "\n".join(lines)
        )
        self.problems = problems
        self.extra: dict[str, Any] = {"problems": [p.to_dict() for p in problems]}
