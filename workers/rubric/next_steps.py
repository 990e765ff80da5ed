"""The one "what to do next" list of an assessment: the report's `recommendation` section.

Ordered by what must happen first: fix data that voids every score; then the decision (ship this model, or
none yet); what would settle an open comparison; what to do about labels (the learning curve's answer); then
the advice of each criterion that holds the project back, weakest first; last, the questions left unanswered.
Every step is one sentence worded in `workers.rubric.advice` from the same `Facts` as the rubric and the
verdict, so the list cannot contradict the sections around it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workers.numbers import format_count
from workers.rubric.advice import Facts, labels_advice, settle_step, ship_step
from workers.rubric.evidence import Evidence
from workers.rubric.questionnaire import Answers
from workers.rubric.scoring import criterion_advice

MAX_STEPS = 7  # a list longer than this is read as a checklist of equals; the first steps are what matter

# What the verdict adds when no model can be shipped: the first thing to look at.
_VERDICT_STEPS: dict[str, str] = {
    "no_signal": "Check that the label is the one you mean and that the features can carry it.",
    "not_feasible_yet": (
        "Revisit the target with the people who set it, or find better features, data or framing: no model "
        "reaches it."
    ),
}


@dataclass(frozen=True)
class Recommendation:
    """The model to ship (None: none yet, and why) and the ordered steps."""

    facts: Facts
    next_steps: list[str]

    def to_dict(self) -> dict[str, Any]:
        """The report's `recommendation`: `{ship: {role, family, label, reason, roc_auc, precision, recall,
        threshold} | None, no_ship_reason, next_steps: [...]}`."""
        ship = self.facts.ship
        return {
            "ship": ship.to_dict() if ship else None,
            "no_ship_reason": self.facts.no_ship_reason,
            "next_steps": list(self.next_steps),
        }


def recommend(facts: Facts, answers: Answers, evidence: Evidence | None) -> Recommendation:
    """The assessment's single list of next steps, first things first, each sentence once."""
    steps: list[str] = [problem.advice for problem in facts.data_problems]
    steps.append(ship_step(facts))
    if facts.verdict_code in _VERDICT_STEPS:
        steps.append(_VERDICT_STEPS[facts.verdict_code])
    for step in (settle_step(facts), labels_advice(facts)):
        if step is not None:
            steps.append(step)
    steps.extend(criterion_advice(answers, evidence, facts))
    unanswered = sum(len(names) for names in answers.unanswered().values())
    unique = list(dict.fromkeys(steps))[: MAX_STEPS - (1 if unanswered else 0)]
    if unanswered:
        questions = (
            "the unanswered question"
            if unanswered == 1
            else f"the {format_count(unanswered)} unanswered questions"
        )
        unique.append(f"Answer {questions} of the questionnaire to firm up the readiness scores.")
    return Recommendation(facts, unique)
