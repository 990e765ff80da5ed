"""The questionnaire as an HTML form: its questions in people's words, read from the same pydantic models
the API validates with, and a posted form turned back into answers with an error beside each bad field.

Every question is optional: an empty field is "not answered", never a default.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from annotated_types import Ge, Le
from pydantic import BaseModel

from workers.errors import InvalidAnswers
from workers.report.html import CRITERIA as CRITERION_NAMES
from workers.report.json_values import json_ready
from workers.rubric.glossary import FIELD_HELP, TERMS, term_sentence
from workers.rubric.questionnaire import CRITERIA, Answers, parse_answers
from workers.rubric.scoring import score_readiness

# The question each field asks, as docs/questionnaire.md words it.
QUESTIONS: dict[str, dict[str, str]] = {
    "dataset": {
        "labels_available": "Do labelled examples (the right answer, Y) exist?",
        "label_source": "Where do the labels come from?",
        "labelling_cost_per_1000": "What do 1,000 more labels cost (in US dollars)?",
        "more_labels_obtainable": "Can the dataset grow?",
        "data_changes_over_time": "Does the data change over time (new behaviour, new equipment)?",
        "data_kind": "What is one example: a table row, an image, a text, audio, a time series?",
        "labelled_examples": "How many labelled examples are there today?",
        "rarest_class_examples": "How many of them are in the rarest class (optional)?",
        "new_labels_per_month": "How many new labelled examples arrive each month?",
    },
    "reuse": {
        "model_reuse": "How many products or uses share the model?",
        "retrain_frequency": "How often must the model be retrained?",
    },
    "feasibility": {
        "is_x_to_y_mapping": "Is there an input X and a label Y that a person could assign?",
        "target_metric": "Which metric measures success?",
        "target_value": "What value of that metric does the application need (0 to 1, or a percentage)?",
        "human_level": "What does a person achieve on that metric (0 to 1, or a percentage)?",
        "target_precision": "Precision the decision threshold must meet (0 to 1 or a percentage; at most one of the two)",
        "target_recall": "Recall the decision threshold must meet (0 to 1 or a percentage; at most one of the two)",
    },
    "payoff": {
        "value_if_solved": "What would a perfect solution be worth?",
        "current_solution": "What solves the problem today?",
        "oracle_impact": "If you had an oracle for this problem, what would change?",
        "min_meaningful_gain": "The smallest ROC-AUC gain of a deep model worth building for (default 0.01)?",
        "value_true_positive": "What is one correct positive decision (a true positive) worth, in your currency?",
        "cost_false_positive": "What does one false alarm (a false positive) cost?",
        "cost_false_negative": "What does one missed positive (a false negative) cost?",
        "currency": "Your currency (a code or symbol, e.g. EUR or $)",
        "decisions_per_year": "How many decisions will the model make a year?",
    },
    "fault_tolerance": {
        "cost_of_error": "What does a wrong prediction cost?",
        "human_in_the_loop": "Does a person review predictions before they act?",
        "fallback_exists": "Is there a fallback when the model is wrong or down?",
    },
}
# Catanzaro's question behind each criterion, shown under its heading.
CRITERION_QUOTES = {
    "dataset": "Deep learning requires large datasets; labels are a huge hassle.",
    "reuse": "Deep learning makes sense if a model can be reused.",
    "feasibility": "Can you describe the problem as an X → Y mapping? What accuracy is required?",
    "payoff": "If you had an oracle for this problem, what would change?",
    "fault_tolerance": "Every statistical method fails at times: plan for it.",
}
OPTION_WORDS = {
    "roc_auc": "ROC-AUC",
    "pr_auc": "PR-AUC",
    "f1": "F1",
    "ml_model": "an ML model",
    "one_off": "one-off",
    "safety_critical": "safety-critical",
    "per_use": "for every use",
    "table": "table rows",
    "images": "images",
    "audio": "audio",
    "time_series": "time series",
}
# Questions whose options or wording use a metric: each option's term explained in one sentence beside it.
FIELD_TERMS: dict[str, tuple[str, ...]] = {
    "feasibility.target_metric": ("roc_auc", "pr_auc", "precision", "recall", "f1"),
    "payoff.min_meaningful_gain": ("roc_auc",),
}
Kind = Literal["yes_no", "choice", "number", "text"]
YES_NO = (("yes", "Yes"), ("no", "No"))


@dataclass(frozen=True)
class Question:
    section: str
    name: str
    label: str
    kind: Kind
    options: tuple[tuple[str, str], ...] = ()
    minimum: float | None = None
    maximum: float | None = None

    @property
    def field_name(self) -> str:
        return f"{self.section}.{self.name}"

    @property
    def field_id(self) -> str:
        return f"q-{self.section}-{self.name}".replace("_", "-")

    @property
    def help(self) -> str:
        """The question's one-sentence explanation (workers.rubric.glossary), "" when it has none."""
        return FIELD_HELP.get(self.field_name, "")

    @property
    def terms(self) -> list[str]:
        """Each metric the question offers or names, explained: "ROC-AUC: the chance that …"."""
        return [term_sentence(key) for key in FIELD_TERMS.get(self.field_name, ())]

    @property
    def term_names(self) -> str:
        """The names of the terms `terms` explains ("ROC-AUC, PR-AUC and F1"), for the line that opens them."""
        names = [TERMS[key][0] for key in FIELD_TERMS.get(self.field_name, ())]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


@dataclass(frozen=True)
class Section:
    key: str
    heading: str
    quote: str
    questions: tuple[Question, ...]


@dataclass
class AnswersForm:
    """What the form shows: each field's value as typed, and an error beside each field (keyed by its
    name, "feasibility.target_value") or section ("feasibility") that has one."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    summary: str = ""


class AnswersRejected(Exception):
    def __init__(self, form: AnswersForm) -> None:
        self.form = form
        super().__init__(form.summary)


def _question(section: str, name: str, annotation: Any) -> Question:
    arms = [a for a in typing.get_args(annotation) if a is not type(None)] or [annotation]
    kind_of = arms[0]
    label = QUESTIONS.get(section, {}).get(name, name.replace("_", " ").capitalize())
    if kind_of is bool:
        return Question(section, name, label, "yes_no", YES_NO)
    if typing.get_origin(kind_of) is Literal:
        values = typing.get_args(kind_of)
        return Question(
            section,
            name,
            label,
            "choice",
            tuple((v, OPTION_WORDS.get(v, v.replace("_", " "))) for v in values),
        )
    if typing.get_origin(kind_of) is typing.Annotated:
        bounds = [m for info in typing.get_args(kind_of)[1:] for m in getattr(info, "metadata", [info])]
        # annotated_types only promises a comparable bound; the questionnaire's are numbers.
        low = next((b.ge for b in bounds if isinstance(b, Ge) and isinstance(b.ge, int | float)), None)
        high = next((b.le for b in bounds if isinstance(b, Le) and isinstance(b.le, int | float)), None)
        return Question(section, name, label, "number", minimum=low, maximum=high)
    if kind_of is float:
        return Question(section, name, label, "number")
    return Question(section, name, label, "text")


def _sections() -> tuple[Section, ...]:
    out = []
    for key in CRITERIA:
        model: type[BaseModel] = Answers.model_fields[key].default_factory  # type: ignore[assignment]
        questions = tuple(_question(key, name, info.annotation) for name, info in model.model_fields.items())
        out.append(Section(key, CRITERION_NAMES[key], CRITERION_QUOTES[key], questions))
    return tuple(out)


SECTIONS = _sections()
_BY_FIELD = {q.field_name: q for s in SECTIONS for q in s.questions}


def form_values(answers: Mapping[str, Any] | None) -> dict[str, str]:
    """Stored answers as the strings the form's fields hold."""
    values: dict[str, str] = {}
    for section, questions in (answers or {}).items():
        if not isinstance(questions, Mapping):
            continue
        for name, value in questions.items():
            if value is None:
                continue
            if isinstance(value, bool):
                values[f"{section}.{name}"] = "yes" if value else "no"
            elif isinstance(value, float) and value.is_integer():
                values[f"{section}.{name}"] = str(int(value))
            else:
                values[f"{section}.{name}"] = str(value)
    return values


def _converted(question: Question, text: str) -> Any:
    if question.kind == "yes_no":
        if text not in ("yes", "no"):
            raise ValueError("choose yes, no, or leave it unanswered")
        return text == "yes"
    if question.kind == "number":
        if text.endswith("%"):
            return text  # a share as a percentage: the answers' Fraction type reads it, or says why not
        try:
            return float(text.replace(",", ""))
        except ValueError:
            raise ValueError(f"must be a number, like 0.9; got {text!r}") from None
    return text


def read_answers(form: Mapping[str, Any]) -> tuple[Answers, dict[str, Any]]:
    """The posted questionnaire as validated answers and the mapping to store; `AnswersRejected` with an
    error beside each bad field otherwise."""
    values = {name: str(form.get(name) or "").strip() for name in _BY_FIELD}
    shown = AnswersForm(values={k: v for k, v in values.items() if v})
    data: dict[str, dict[str, Any]] = {key: {} for key in CRITERIA}
    for name, text in values.items():
        if not text:
            continue
        question = _BY_FIELD[name]
        try:
            data[question.section][question.name] = _converted(question, text)
        except ValueError as error:
            shown.errors[name] = str(error)
    # Validated even when some fields did not convert, so that every mistake is marked in one round.
    try:
        answers = parse_answers(data, source="the questionnaire")
    except InvalidAnswers as error:
        for where, message in error.fields.items():
            # A field's own error sits beside it; one about a whole section, under its heading.
            shown.errors.setdefault(where, message)
    else:
        if not shown.errors:
            return answers, answers.model_dump(mode="json", exclude_none=True)
    shown.summary = "Some answers cannot be used; see the marked fields."
    raise AnswersRejected(shown)


def scores(answers: Answers) -> dict[str, Any]:
    """The readiness from the answers alone, stored as the API stores it (an assessment adds evidence)."""
    return json_ready(score_readiness(answers, None))
