"""Every metric and term the questionnaire and the report use, each explained in one plain sentence.

One home for the words, so that the dashboard form, the API's schema (OpenAPI descriptions), the HTML
report, the dashboard's assessment page and docs/questionnaire.md explain a term the same way.
"""

from __future__ import annotations

# Terms the report uses before explaining them: ROC-AUC, PR-AUC and the test budget above all.
TERMS: dict[str, tuple[str, str]] = {
    "roc_auc": (
        "ROC-AUC",
        "the chance that the model ranks a randomly picked positive above a randomly picked negative: "
        "0.5 is a coin toss, 1.0 is perfect.",
    ),
    "pr_auc": (
        "PR-AUC",
        "the average precision over all recall levels; it stays low when positives are rare and the model "
        "raises many false alarms, so it is the honest score for rare classes (a random model scores the "
        "share of positives).",
    ),
    "precision": ("Precision", "of the cases the model flags, the share that really are positive."),
    "recall": ("Recall", "of the real positives, the share the model finds."),
    "f1": ("F1", "one number balancing precision and recall (their harmonic mean)."),
    "test_budget": (
        "Test budget",
        "how many times the held-out test split may be looked at (default 3); every look is recorded, "
        "because a test set checked too often stops proving anything.",
    ),
    "delta_auc": (
        "ΔAUC",
        "the deep model's ROC-AUC minus the best simple model's, on the same test rows.",
    ),
}

# The glossary line shown where the report first uses these terms.
REPORT_TERMS = ("roc_auc", "pr_auc", "test_budget")

# Each question explained in one plain sentence, keyed "section.field" as docs/questionnaire.md names it.
FIELD_HELP: dict[str, str] = {
    "dataset.labels_available": "A label is the right answer (Y) recorded for an example (X).",
    "dataset.label_source": "Labels that already exist in records scale with the data; "
    "labels that need an expert per example do not.",
    "dataset.labelling_cost_per_1000": "What it costs to get 1,000 more labelled examples, in US dollars.",
    "dataset.more_labels_obtainable": "Whether more labelled examples can be had at all.",
    "dataset.data_changes_over_time": "Drifting data (new behaviour, new equipment) needs fresh labels "
    "to keep a model current.",
    "dataset.data_kind": "What one example is: a table row, an image, a text, a sound, a time series; "
    "deep learning shines on images, text and audio, while on tables simpler models are hard to beat.",
    "dataset.labelled_examples": "How many examples have a label today; deep learning typically needs "
    "thousands to millions.",
    "dataset.rarest_class_examples": "How many labelled examples the rarest class has (for a yes/no "
    "label, usually the yeses); a model cannot learn a class it has seen a few dozen times.",
    "dataset.new_labels_per_month": "How many new labelled examples arrive each month; against the "
    "dataset's size it says how long doubling the data takes.",
    "reuse.model_reuse": "A model shared by many products spreads its cost.",
    "reuse.retrain_frequency": "A model that must be rebuilt for every use is a poor fit for deep learning.",
    "feasibility.is_x_to_y_mapping": "Whether a person could write down the right answer Y for an input X.",
    "feasibility.target_metric": "The number that says whether the model is good enough; "
    "ROC-AUC is the usual choice (see the metric's own explanation).",
    "feasibility.target_value": "The value of that metric the application needs, between 0 and 1 "
    "(0.9 or 90%).",
    "feasibility.human_level": "What a person scores on the same metric, between 0 and 1 (0.9 or 90%).",
    "feasibility.target_precision": "Precision is, of the cases the model flags, the share that really "
    "are positive; the decision threshold is chosen to meet it.",
    "feasibility.target_recall": "Recall is, of the real positives, the share the model finds; "
    "the decision threshold is chosen to meet it.",
    "payoff.value_if_solved": "What a perfect solution would be worth to the business.",
    "payoff.current_solution": "What does the job today; replacing an ML model gains less than "
    "replacing nothing.",
    "payoff.oracle_impact": "If a perfect oracle answered every case, what would change?",
    "payoff.min_meaningful_gain": "The smallest rise in ROC-AUC (the deep model's over the simple "
    "model's) that would be worth building a deep model for; 0.01 if left empty.",
    "fault_tolerance.cost_of_error": "What one wrong prediction costs when it happens.",
    "fault_tolerance.human_in_the_loop": "Whether a person checks predictions before they take effect.",
    "fault_tolerance.fallback_exists": "Whether there is another way (a rule, a person) when the model is "
    "wrong or down.",
}


def term_sentence(key: str) -> str:
    """One term and its explanation as a sentence: "ROC-AUC: the chance that …"."""
    name, meaning = TERMS[key]
    return f"{name}: {meaning}"


def report_glossary() -> list[tuple[str, str]]:
    """The terms the report's first metrics table needs, as (name, explanation) pairs."""
    return [TERMS[key] for key in REPORT_TERMS]
