"""The model families, read from their home `workers.families` (kept here so older imports still work).

New code imports `workers.families`; this name stays until the last caller has moved.
"""

from workers.families import (
    BASELINE_FAMILIES,
    CNN,
    DEEP,
    DEEP_FAMILIES,
    FAMILIES,
    FAMILY_LABELS,
    IMAGE_DEEP_FAMILIES,
    LOGISTIC_REGRESSION,
    RANDOM_FOREST,
    TABM,
    TRANSFER,
    XGBOOST,
    Hyperparameter,
    check_family,
    complete_hyperparameters,
    default_hyperparameters,
    hyperparameters_of,
    unknown_name_message,
)

__all__ = [
    "BASELINE_FAMILIES",
    "CNN",
    "DEEP",
    "DEEP_FAMILIES",
    "FAMILIES",
    "FAMILY_LABELS",
    "IMAGE_DEEP_FAMILIES",
    "LOGISTIC_REGRESSION",
    "RANDOM_FOREST",
    "TABM",
    "TRANSFER",
    "XGBOOST",
    "Hyperparameter",
    "check_family",
    "complete_hyperparameters",
    "default_hyperparameters",
    "hyperparameters_of",
    "unknown_name_message",
]
