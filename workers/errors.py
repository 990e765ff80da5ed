"""Domain errors of the pipeline.

Every error a user can cause is a `ReadinessError` with a stable `code`; the CLI prints the detail and
exits 2, the service maps it to a 4xx JSON answer `{"detail", "code"}` (with `"field"` when the error is
about one input). Each class's docstring is its default message.
"""

from __future__ import annotations

from collections.abc import Mapping


class ReadinessError(Exception):
    """Readiness could not do what was asked."""

    code: str = "readiness_error"
    http_status: int = 400
    # The input the error is about, named as the request and the forms name it ("target", "seed",
    # "keep_columns", "file", "feasibility.target_value"); None when it is about no one input. Set where the
    # error is raised (or by a class about one input), so that no door has to guess it from the message.
    field: str | None = None

    def __init__(self, detail: str | None = None, *, field: str | None = None) -> None:
        self.detail = detail or (self.__doc__ or self.code).strip()
        if field is not None:
            self.field = field
        super().__init__(self.detail)


class NotFound(ReadinessError):
    """No such record (the same answer whether it is another team's or none at all)."""

    code = "not_found"
    http_status = 404


class DataError(ReadinessError):
    """The dataset cannot be used as given."""

    code = "bad_data"
    http_status = 422


class FileMissing(DataError):
    """The file does not exist."""

    code = "file_not_found"
    http_status = 404


class FileTooLarge(DataError):
    """The file is larger than the configured limit."""

    code = "file_too_large"
    http_status = 413


class UnreadableFile(DataError):
    """The file could not be read as CSV or Parquet."""

    code = "unreadable_file"


class DuplicateColumns(UnreadableFile):
    """The header names a column more than once."""

    code = "duplicate_columns"


class EmptyDataset(DataError):
    """The file has no data rows."""

    code = "empty_dataset"


class UnknownTarget(DataError):
    """The target column is not in the file."""

    code = "unknown_target"


class UnknownPositiveLabel(DataError):
    """The positive label is not one of the target's values."""

    code = "unknown_positive_label"


class SingleClassTarget(DataError):
    """The target has only one class; there is nothing to learn."""

    code = "single_class_target"


class ClassTooSmall(DataError):
    """A class of the target has too few rows to split and evaluate."""

    code = "class_too_small"


class TooManyClasses(DataError):
    """The target has more classes than Readiness supports."""

    code = "too_many_classes"


class RegressionNotSupported(DataError):
    """The target is continuous; Readiness assesses classification tasks only."""

    code = "regression_not_supported"


class NoUsableFeatures(DataError):
    """No column is left to learn from."""

    code = "no_usable_features"


class InvalidAnswers(ReadinessError):
    """The questionnaire answers are not valid."""

    code = "invalid_answers"
    http_status = 422

    def __init__(self, detail: str | None = None, *, fields: Mapping[str, str] | None = None) -> None:
        # Several answers can be wrong at once: `fields` maps each ("feasibility.target_value", or a section)
        # to what is wrong with it; `field` is the first of them.
        self.fields = dict(fields or {})
        super().__init__(detail, field=next(iter(self.fields), None))


class InvalidOption(ReadinessError):
    """An option has a value Readiness cannot use."""

    code = "invalid_option"
    http_status = 422


class UnknownModelFamily(InvalidOption):
    """The model family is not one Readiness can train."""

    code = "unknown_model_family"


class AssessmentCancelled(ReadinessError):
    """The assessment was cancelled."""

    code = "cancelled"
    http_status = 409


class OverfitCheckFailed(ReadinessError):
    """The deep model could not fit a handful of examples: the pipeline or the labels are broken."""

    code = "overfit_check_failed"
    http_status = 422


class TestBudgetExhausted(ReadinessError):
    """The test split's budget of looks is spent."""

    __test__ = False  # not a pytest test class, despite the name
    code = "test_budget_exhausted"
    http_status = 409

    @classmethod
    def for_split(
        cls, *, used: int, limit: int, seed: int | None = None, split_id: object | None = None
    ) -> TestBudgetExhausted:
        """The one wording, whichever door asked and whichever store refused: which split, how much of its
        budget is spent, and what to do instead. Without a `split_id` (the in-memory store has no API id)
        the raise's address keeps its placeholder."""
        which = f" (seed {seed})" if seed is not None else ""
        where = split_id if split_id is not None else "{id}"
        return cls(
            f"The test split of this dataset{which} has been looked at {used} of {limit} times: its budget is "
            "spent. Compare models on validation instead, or raise the budget with a recorded reason "
            f"(POST /api/v1/splits/{where}/budget)."
        )
