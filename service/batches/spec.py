"""The batch file: YAML or JSON, read into typed items. Every shape problem is collected, not just the first.

```yaml
name: spring review          # optional
items:
  - kind: project            # project | dataset | assessment | grid
    name: churn
  - kind: dataset
    project: churn           # a project item's name, or a project of the team (name or id)
    file: churn.csv
    target: churned
  - kind: assessment
    dataset: churn           # a dataset item's name (default: its file's stem), or a dataset id
  - kind: grid
    dataset: churn
    model_family: logistic_regression
```

Assessment and grid items take the fields of `POST /assessments` and `POST /grids` (without `dataset_id`),
checked by the same models, so a batch accepts exactly what the API accepts one request at a time.
"""

from __future__ import annotations

import difflib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from service.assessments.requests import AssessmentCreate
from service.batches.problems import BATCH_FILE, Problems, item_name
from service.batches.reading import load_file, plain_json
from service.journal.requests import GridCreate
from service.ledger.cap import MAX_TEST_BUDGET
from service.models.text import ColumnText, DescriptionText, StoredText

KINDS = ("project", "dataset", "assessment", "grid")
TOP_LEVEL_KEYS = ("name", "items")
MAX_SPEC_BYTES = 1024 * 1024
MAX_ITEMS = 500
MAX_LABEL_CHARS = 300  # batch_item.label
MAX_SHOWN_INPUT_CHARS = 60
PLACEHOLDER_ID = uuid.UUID(int=0)  # stands for the dataset while the API's own models check the options


class ProjectFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: StoredText = Field(min_length=1, max_length=200)
    description: DescriptionText | None = None
    answers: Any = None  # a mapping of answers, or the name of a YAML/JSON file holding them
    test_budget: int | None = Field(default=None, ge=1, le=MAX_TEST_BUDGET)


class DatasetFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: StoredText | None = Field(default=None, min_length=1, max_length=200)
    project: StoredText = Field(min_length=1, max_length=200)
    file: StoredText = Field(min_length=1, max_length=300)
    target: ColumnText = Field(min_length=1)
    positive: ColumnText | None = None


class GridReference(BaseModel):
    """What a grid item has besides the API's fields: the dataset it names."""

    model_config = ConfigDict(extra="ignore")

    dataset: StoredText = Field(min_length=1, max_length=200)


class AssessmentReference(GridReference):
    name: StoredText | None = Field(default=None, min_length=1, max_length=200)  # a grid has its own


@dataclass(frozen=True)
class Item:
    position: int  # 1 = the first item of the file
    kind: str
    label: str  # how the file names it (its name, or one made from what it refers to)

    @property
    def where(self) -> str:
        return item_name(self.position, self.kind, self.label)


@dataclass(frozen=True)
class ProjectItem(Item):
    fields: ProjectFields


@dataclass(frozen=True)
class DatasetItem(Item):
    fields: DatasetFields


@dataclass(frozen=True)
class AssessmentItem(Item):
    dataset: str
    options: dict[str, Any]  # as `submit_assessment` takes them


@dataclass(frozen=True)
class GridItem(Item):
    dataset: str
    body: GridCreate


@dataclass
class BatchSpec:
    name: str
    items: list[Item]
    raw: dict[str, Any]  # the file as read, JSON-ready: what the batch row keeps
    # Names of items that did not parse, by kind: a reference to one is not a second problem.
    broken: dict[str, set[str]] = field(default_factory=lambda: {kind: set() for kind in KINDS})
    # Every file an item names (`file:`, `answers:`), broken items' too: an upload one of them names is used.
    named_files: set[str] = field(default_factory=set)
    problems: Problems = field(default_factory=Problems)


def parse_batch(text: str, *, filename: str = "") -> BatchSpec:
    """Read the file into items. Raises `InvalidBatch` at once when the file cannot be read at all; problems
    of single items are collected on the spec for the whole-batch validation to report with its own."""
    data = load_file(text, filename)
    spec = BatchSpec(name="", items=[], raw={})
    spec.raw = plain_json(data)
    unknown = [str(key) for key in data if key not in TOP_LEVEL_KEYS]
    for key in unknown:
        spec.problems.add(
            BATCH_FILE,
            f"unknown key {key!r}{_hint(key, TOP_LEVEL_KEYS)}; "
            f"a batch file has {' and '.join(TOP_LEVEL_KEYS)}.",
            "invalid_batch_file",
        )
    name = data.get("name")
    if name is not None and (not isinstance(name, str) or len(name) > 200 or "\x00" in name):
        spec.problems.add(BATCH_FILE, "name must be text of at most 200 characters.", "invalid_batch_file")
    else:
        spec.name = name or ""
    items = data.get("items")
    if not isinstance(items, list) or not items:
        spec.problems.add(
            BATCH_FILE,
            "the file needs `items:`, a list of projects, datasets, assessments and grids (see docs/batches.md).",
            "invalid_batch_file",
        )
        spec.problems.raise_if_any()
    assert isinstance(items, list)  # otherwise the problem just added was raised
    if len(items) > MAX_ITEMS:
        spec.problems.add(
            BATCH_FILE,
            f"{len(items)} items; a batch holds at most {MAX_ITEMS}. Split it.",
            "invalid_batch_file",
        )
        spec.problems.raise_if_any()
    for position, entry in enumerate(items, start=1):
        item = _parse_item(position, entry, spec)
        if item is not None:
            spec.items.append(item)
    return spec


def _parse_item(position: int, entry: Any, spec: BatchSpec) -> Item | None:
    if not isinstance(entry, Mapping):
        spec.problems.add(
            item_name(position),
            f"expected a mapping with `kind:` ({', '.join(KINDS)}), got {_shown(entry)}.",
            "invalid_item",
            position,
        )
        return None
    entry = dict(entry)
    spec.named_files.update(entry[key] for key in ("file", "answers") if isinstance(entry.get(key), str))
    kind = entry.pop("kind", None)
    if kind not in KINDS:
        detail = "`kind:` is missing" if kind is None else f"unknown kind {_shown(kind)}{_hint(kind, KINDS)}"
        spec.problems.add(
            item_name(position), f"{detail}; it is one of {', '.join(KINDS)}.", "unknown_kind", position
        )
        return None
    label = _label(kind, entry)
    where = item_name(position, kind, label)
    errors: list[Any] = []
    item: Item | None = None
    try:
        if kind == "project":
            item = ProjectItem(position, kind, label, ProjectFields.model_validate(entry))
        elif kind == "dataset":
            item = DatasetItem(position, kind, label, DatasetFields.model_validate(entry))
        else:
            item = _referring_item(position, kind, label, entry, errors)
    except ValidationError as error:
        errors += error.errors()
    if errors:
        allowed = _allowed_fields(kind)
        for problem in errors:
            spec.problems.add(where, _field_problem(problem, allowed), "invalid_item", position)
        spec.broken[kind].add(label)
        return None
    return item


def _referring_item(
    position: int, kind: str, label: str, entry: dict[str, Any], errors: list[Any]
) -> Item | None:
    """An assessment or a grid: the dataset it names, and the API's own model for the rest (both checked,
    so every bad field is reported at once)."""
    reference_model = AssessmentReference if kind == "assessment" else GridReference
    reference = options = None
    try:
        reference = reference_model.model_validate(entry)
    except ValidationError as error:
        errors += error.errors()
    rest = {key: value for key, value in entry.items() if key not in reference_model.model_fields}
    try:
        model = AssessmentCreate if kind == "assessment" else GridCreate
        options = model.model_validate({**rest, "dataset_id": PLACEHOLDER_ID})
    except ValidationError as error:
        errors += error.errors()
    if reference is None or options is None:
        return None
    if isinstance(options, GridCreate):
        return GridItem(position, kind, label, reference.dataset, options)
    dumped = options.model_dump(mode="json", exclude={"dataset_id"}, exclude_none=True)
    return AssessmentItem(position, kind, label, reference.dataset, dumped)


def _label(kind: str, entry: Mapping[str, Any]) -> str:
    def text(key: str) -> str | None:
        value = entry.get(key)
        return value if isinstance(value, str) and value else None

    name = text("name")
    if kind == "dataset" and name is None and (file := text("file")):
        name = PurePath(file).stem
    if name is None and kind == "assessment":
        name = f"assessment of {text('dataset') or '?'}"
    if name is None and kind == "grid":
        name = f"{text('model_family') or '?'} grid on {text('dataset') or '?'}"
    return (name or "?")[:MAX_LABEL_CHARS]


def _allowed_fields(kind: str) -> list[str]:
    if kind == "project":
        return list(ProjectFields.model_fields)
    if kind == "dataset":
        return list(DatasetFields.model_fields)
    model = AssessmentCreate if kind == "assessment" else GridCreate
    return ["name", "dataset", *(f for f in model.model_fields if f not in ("dataset_id", "name"))]


def _field_problem(error: Any, allowed: list[str]) -> str:
    """One sentence per bad field, naming it the way the file does."""
    loc = [str(part) for part in error.get("loc", ()) if part != "dataset_id"]
    name = ".".join(loc)
    kind = error.get("type", "")
    if kind == "missing":
        return f"field {name!r} is required"
    if kind == "extra_forbidden":
        return f"unknown field {name!r}{_hint(loc[-1], allowed)}; the fields are {', '.join(allowed)}"
    value = error.get("input")
    message = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
    message = message[0].lower() + message[1:] if message else "is invalid"
    sentence = f"field {name!r}: {message} (got {_shown(value)})"
    if isinstance(value, bool) and kind == "string_type":
        # YAML 1.1 reads unquoted yes/no/on/off/true/false as booleans: `positive: No` is False.
        sentence += '; YAML reads unquoted yes/no/true/false as booleans, so quote it: "No"'
    return sentence


def _hint(value: Any, choices: Any) -> str:
    close = difflib.get_close_matches(str(value), [str(c) for c in choices], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _shown(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= MAX_SHOWN_INPUT_CHARS else shown[: MAX_SHOWN_INPUT_CHARS - 1] + "…"
