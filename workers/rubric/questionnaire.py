"""The questionnaire: what a team says about its proposed project, one section per Catanzaro criterion.

Every question is optional and `None` means "not answered". Nothing is ever filled in on the team's
behalf (the one exception: `target_metric` defaults to ROC-AUC once a `target_value` is given, because
a target without a metric cannot be checked). Unanswered questions are listed, not guessed, so the
score can say what it did not know.
"""

from __future__ import annotations

import difflib
import math
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

from workers.errors import InvalidAnswers
from workers.rubric.glossary import FIELD_HELP
from workers.safe_yaml import DocumentTooComplex, bounded_message, load_yaml
from workers.text import unstorable_reason

MAX_ANSWERS_CHARS = 1024 * 1024  # a questionnaire is a page of YAML
MAX_SHOWN_ERRORS = 20
MAX_SHOWN_INPUT_CHARS = 80

Criterion = Literal["dataset", "reuse", "feasibility", "payoff", "fault_tolerance"]

# Catanzaro's order; also the tie-break when two criteria are equally weak.
CRITERIA: tuple[Criterion, ...] = ("dataset", "reuse", "feasibility", "payoff", "fault_tolerance")

LabelSource = Literal["existing_records", "manual_expert", "manual_crowd", "derived", "none"]
MoreLabels = Literal["none", "some", "many"]
ModelReuse = Literal["one_off", "few_products", "many_products"]
RetrainFrequency = Literal["never", "yearly", "monthly", "weekly", "per_use"]
TargetMetric = Literal["roc_auc", "pr_auc", "precision", "recall", "f1"]
Value = Literal["low", "medium", "high", "transformative"]
CurrentSolution = Literal["none", "manual", "heuristic", "ml_model"]
CostOfError = Literal["low", "medium", "high", "safety_critical"]
# What one labelled example is: deep learning's home ground is perception (images, audio, text), where it
# learns the features; on tables, gradient-boosted trees are the model to beat.
DataKind = Literal["table", "images", "text", "audio", "time_series", "other"]


def _fraction_from_text(value: Any) -> Any:
    """A share written as text ("90%", "90 %", "0.9", as YAML, a form or JSON may send it) as 0.9; anything
    else unchanged, so that the strict float check still refuses it by name."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    percent = text.endswith("%")
    try:
        number = float(text.removesuffix("%").strip())
    except ValueError:
        return value
    if not math.isfinite(number):
        return value
    return number / 100 if percent else number


def _count_from_number(value: Any) -> Any:
    """A whole number written as a float (JSON's 1e6) or as text with thousands separators (YAML reads
    `1,000,000` as text) as an int; 2.5 and "many" stay as they are, for the strict int check to refuse."""
    if isinstance(value, str):
        digits = value.strip().replace(",", "").replace("_", "").replace(" ", "")
        return int(digits) if digits.isascii() and digits.isdigit() else value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


PERCENT_PATTERN = r"^\s*[0-9]+(\.[0-9]+)?\s*%\s*$"  # as documented; _fraction_from_text reads any float text
# A share between 0 and 1; "90%" reads as 0.9. The range is checked after the text is read, so "150%" is
# refused as 1.5 is, naming the field.
Fraction = Annotated[
    float,
    BeforeValidator(_fraction_from_text),
    Field(ge=0.0, le=1.0),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0.0, "maximum": 1.0},
                {"type": "string", "pattern": PERCENT_PATTERN, "description": "a percentage, like 90%"},
            ]
        }
    ),
]
NonNegative = Annotated[float, Field(ge=0.0)]
# An amount of money per decision, in the team's currency (finite: YAML's .inf is no price).
Amount = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
MAX_CURRENCY_CHARS = 12  # "EUR", "$", "CHF", "US dollars"
MAX_DECISIONS_PER_YEAR = 1e12
Count = Annotated[int, BeforeValidator(_count_from_number), Field(ge=0)]


def _describe_fields(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """Each question's one-sentence explanation (workers.rubric.glossary) as its description in the JSON
    schema, so the API's OpenAPI document explains what the dashboard and the docs explain."""
    section = next((key for key, known in _SECTION_MODELS.items() if known is model), None)
    for name, prop in schema.get("properties", {}).items():
        help_text = FIELD_HELP.get(f"{section}.{name}")
        if help_text and "description" not in prop:
            prop["description"] = help_text


class _Section(BaseModel):
    # strict: YAML already gives real booleans and numbers; coercing "1" to True or true to 1.0
    # would hide a typo behind a plausible answer.
    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra=_describe_fields)

    # Questions that may stay empty without leaving a gap in the assessment (refinements, defaults).
    optional_fields: ClassVar[frozenset[str]] = frozenset()

    def unanswered(self) -> list[str]:
        return [
            name
            for name in type(self).model_fields
            if name not in self.optional_fields and getattr(self, name) is None
        ]


class DatasetAnswers(_Section):
    labels_available: bool | None = None
    label_source: LabelSource | None = None
    labelling_cost_per_1000: NonNegative | None = None
    more_labels_obtainable: MoreLabels | None = None
    data_changes_over_time: bool | None = None
    # Questionnaire v2: what the data is and how much of it there is, answerable before any upload.
    data_kind: DataKind | None = None
    labelled_examples: Count | None = None
    rarest_class_examples: Count | None = None
    # A rate rather than an enum: against the dataset's size it gives the months to double it, the unit
    # a learning curve's "gain per doubling" is measured in; "some" or "fast" mean nothing without a size.
    new_labels_per_month: NonNegative | None = None

    # The rarest class refines the size (a regression-like or unknown split leaves it open): not a gap.
    optional_fields: ClassVar[frozenset[str]] = frozenset({"rarest_class_examples"})

    @field_validator("rarest_class_examples")
    @classmethod
    def _rarest_within_half(cls, rarest: int | None, info: ValidationInfo) -> int | None:
        n = info.data.get("labelled_examples")  # declared above, so validated first
        if n is not None and rarest is not None and rarest > n / 2:
            raise ValueError(
                f"cannot be more than half of labelled_examples ({n:,}): with two or more classes, "
                f"the rarest holds at most half the examples (got {rarest:,})"
            )
        return rarest


class ReuseAnswers(_Section):
    model_reuse: ModelReuse | None = None
    retrain_frequency: RetrainFrequency | None = None


class FeasibilityAnswers(_Section):
    is_x_to_y_mapping: bool | None = None
    target_metric: TargetMetric | None = None
    target_value: Fraction | None = None
    human_level: Fraction | None = None
    # At most one: the evaluation picks the decision threshold on validation to meet it.
    target_precision: Fraction | None = None
    target_recall: Fraction | None = None

    optional_fields: ClassVar[frozenset[str]] = frozenset(
        {"target_metric", "human_level", "target_precision", "target_recall"}
    )

    @model_validator(mode="after")
    def _check_targets(self) -> FeasibilityAnswers:
        if self.target_precision is not None and self.target_recall is not None:
            raise ValueError(
                "set at most one of target_precision and target_recall: "
                "one decision threshold cannot be chosen to meet both"
            )
        if self.target_value is not None and self.target_metric is None:
            self.target_metric = "roc_auc"
        return self


class PayoffAnswers(_Section):
    value_if_solved: Value | None = None
    current_solution: CurrentSolution | None = None
    oracle_impact: str | None = None
    # The smallest ROC-AUC gain of the deep model over the best baseline worth building for; the verdict
    # holds the ΔAUC interval against it. Unanswered means the default (workers.rubric.evidence), not a gap.
    min_meaningful_gain: Annotated[float, Field(ge=0.0, le=0.5)] | None = None
    # The payoff in money (workers.assessment.economics_section): what one decision is worth, in `currency`,
    # and how many are made a year. Optional refinements: without them the report says which to answer.
    value_true_positive: Amount | None = None
    cost_false_positive: Amount | None = None
    cost_false_negative: Amount | None = None
    currency: str | None = None  # a code or a symbol, at most MAX_CURRENCY_CHARS
    decisions_per_year: (
        Annotated[float, Field(gt=0.0, le=MAX_DECISIONS_PER_YEAR, allow_inf_nan=False)] | None
    ) = None

    optional_fields: ClassVar[frozenset[str]] = frozenset(
        {
            "min_meaningful_gain",
            "value_true_positive",
            "cost_false_positive",
            "cost_false_negative",
            "currency",
            "decisions_per_year",
        }
    )

    @field_validator("oracle_impact", "currency")
    @classmethod
    def _blank_is_unanswered(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @field_validator("currency")
    @classmethod
    def _short_currency(cls, value: str | None) -> str | None:
        if value is not None and len(value) > MAX_CURRENCY_CHARS:
            raise ValueError(
                f"must be at most {MAX_CURRENCY_CHARS} characters, a code or a symbol such as EUR or $ (got {value[:20]!r})"
            )
        return value

    @model_validator(mode="after")
    def _check_money(self) -> PayoffAnswers:
        if self.value_true_positive == 0.0 and self.cost_false_negative == 0.0:
            raise ValueError(
                "value_true_positive and cost_false_negative are both 0: then no positive is worth finding and "
                "no decision is worth making; give what a correct positive is worth or what a missed one costs"
            )
        return self


class FaultToleranceAnswers(_Section):
    cost_of_error: CostOfError | None = None
    human_in_the_loop: bool | None = None
    fallback_exists: bool | None = None


class Answers(BaseModel):
    """A team's answers; `Answers()` is a valid, entirely unanswered questionnaire."""

    model_config = ConfigDict(extra="forbid", strict=True)

    project: str | None = None
    description: str | None = None
    dataset: DatasetAnswers = Field(default_factory=DatasetAnswers)
    reuse: ReuseAnswers = Field(default_factory=ReuseAnswers)
    feasibility: FeasibilityAnswers = Field(default_factory=FeasibilityAnswers)
    payoff: PayoffAnswers = Field(default_factory=PayoffAnswers)
    fault_tolerance: FaultToleranceAnswers = Field(default_factory=FaultToleranceAnswers)

    @field_validator(*CRITERIA, mode="before")
    @classmethod
    def _empty_section(cls, value: Any) -> Any:
        # `dataset:` with nothing under it is YAML for null; read it as "no answers in this section".
        return {} if value is None else value

    def section(self, criterion: Criterion) -> _Section:
        return getattr(self, criterion)

    def unanswered(self) -> dict[Criterion, list[str]]:
        """Per criterion, the questions left unanswered (every criterion is a key, possibly empty)."""
        return {criterion: self.section(criterion).unanswered() for criterion in CRITERIA}


_SECTION_MODELS: dict[str, type[BaseModel]] = {  # also read by _describe_fields, when a schema is built
    "dataset": DatasetAnswers,
    "reuse": ReuseAnswers,
    "feasibility": FeasibilityAnswers,
    "payoff": PayoffAnswers,
    "fault_tolerance": FaultToleranceAnswers,
}


def parse_answers(data: Mapping[str, Any] | None, *, source: str = "answers") -> Answers:
    """Validate already-parsed answers (a YAML or JSON mapping); raise `InvalidAnswers` naming each bad field."""
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise InvalidAnswers(
            f"{source}: expected a mapping of sections (dataset, reuse, feasibility, payoff, "
            f"fault_tolerance) to answers, got {type(data).__name__}"
        )
    try:
        answers = Answers.model_validate(dict(data))
    except ValidationError as exc:
        errors = exc.errors()
        problems = [_problem(error) for error in errors[:MAX_SHOWN_ERRORS]]
        lines = [f"{where}: {what}" for where, what in problems]
        if len(errors) > MAX_SHOWN_ERRORS:
            lines.append(f"… and {len(errors) - MAX_SHOWN_ERRORS} more")
        fields: dict[str, str] = {}
        for where, what in problems:
            fields.setdefault(where, what)
        raise InvalidAnswers(
            bounded_message(f"Invalid answers in {source}:\n" + "\n".join(f"  - {line}" for line in lines)),
            fields=fields,
        ) from None
    # The answers are stored as JSON, which cannot hold a NUL or a lone surrogate, whichever door they came by.
    stored = answers.model_dump(mode="json", exclude_none=True)
    reason = unstorable_reason(stored)
    if reason is not None:
        raise InvalidAnswers(
            f"Invalid answers in {source}: the text {reason}.",
            fields=_unstorable_fields(stored),
        )
    return answers


def _unstorable_fields(stored: Mapping[str, Any]) -> dict[str, str]:
    """{"payoff.oracle_impact": "the text must not contain …"} for each answer JSON cannot hold."""
    answers = {
        f"{key}.{name}" if isinstance(values, Mapping) else key: value
        for key, values in stored.items()
        for name, value in (values.items() if isinstance(values, Mapping) else [(key, values)])
    }
    return {
        where: f"the text {why}"
        for where, value in answers.items()
        if (why := unstorable_reason(value)) is not None
    }


def load_answers(path: str | Path) -> Answers:
    """Read a questionnaire from a YAML file; any problem raises `InvalidAnswers`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidAnswers(f"answers file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidAnswers(f"cannot read answers file {path}: {exc}") from None
    if len(text) > MAX_ANSWERS_CHARS:
        raise InvalidAnswers(
            f"{path} has {len(text):,} characters; a questionnaire fits in {MAX_ANSWERS_CHARS:,} (a page of YAML)."
        )
    return parse_answers(read_answers_yaml(text, source=str(path)), source=str(path))


def read_answers_yaml(text: str, *, source: str) -> Any:
    """The answers file's YAML within the size, depth and alias limits of `workers.safe_yaml`."""
    try:
        return load_yaml(text, max_chars=MAX_ANSWERS_CHARS)
    except DocumentTooComplex as exc:
        raise InvalidAnswers(bounded_message(f"{source} cannot be read: {exc}")) from None
    except yaml.YAMLError as exc:
        raise InvalidAnswers(bounded_message(f"{source} is not valid YAML: {exc}")) from None


def _shown(value: Any) -> str:
    """A bad answer as quoted in a message, cut short: a megabyte of text is not repeated back."""
    shown = repr(value)
    return shown if len(shown) <= MAX_SHOWN_INPUT_CHARS else shown[:MAX_SHOWN_INPUT_CHARS] + "…"


def _problem(error: ErrorDetails) -> tuple[str, str]:
    """Where a pydantic error is ("feasibility.target_value", a section, or "answers") and what is wrong
    there, readably: what is allowed."""
    loc = [str(part) for part in error["loc"]]
    where = ".".join(loc) or "answers"
    kind = error["type"]
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        hint = difflib.get_close_matches(loc[-1], allowed, n=1)
        suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
        what = "section" if len(loc) == 1 else "question"
        return where, f"unknown {what}{suggestion}; allowed here: {', '.join(allowed)}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return where, f"expected a mapping of questions to answers, got {_shown(error['input'])}"
    ctx = error.get("ctx", {})
    message = _MESSAGES.get(kind, error["msg"].removeprefix("Value error, ")).format(**ctx)
    how = FRACTION_HINT if _is_fraction(loc) else ""
    if kind.startswith("value_error"):
        return where, message
    return where, f"{message} (got {_shown(error['input'])}){how}"


# pydantic's wording, rephrased as what the answer must be; `{...}` fields come from the error's ctx.
_MESSAGES: dict[str, str] = {
    "literal_error": "must be one of {expected}",
    "bool_type": "must be true or false",
    "float_type": "must be a number",
    "int_type": "must be a whole number",
    "string_type": "must be text",
    "greater_than_equal": "must be at least {ge}",
    "less_than_equal": "must be at most {le}",
    "greater_than": "must be more than {gt}",
    "finite_number": "must be a finite number",
}


FRACTION_HINT = "; a share between 0 and 1: write 0.9 or 90%"


def _is_fraction(loc: list[str]) -> bool:
    """Whether the answer at `loc` ("feasibility.target_value") is a `Fraction`, so that its error says how
    to write one."""
    model = _SECTION_MODELS.get(loc[0]) if len(loc) == 2 else None
    info = model.model_fields.get(loc[1]) if model else None
    return info is not None and any(arm == Fraction for arm in typing.get_args(info.annotation))


def _allowed_keys(section_loc: list[str]) -> list[str]:
    if not section_loc:
        return list(Answers.model_fields)
    model = _SECTION_MODELS.get(section_loc[0])
    return list(model.model_fields) if model else []
