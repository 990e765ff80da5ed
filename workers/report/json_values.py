"""Plain JSON values out of what numpy, pydantic and the pipeline produce: the one conversion every stored JSON
goes through (reports, profiles, readiness scores), so NaN is null everywhere and never an invalid token."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from pydantic import BaseModel


def json_ready(value: Any) -> Any:
    """Plain JSON types all the way down: numpy scalars become Python numbers, NaN becomes null, a pydantic
    model (a report section such as `HistorySection`) its JSON dump."""
    if isinstance(value, BaseModel):
        return json_ready(value.model_dump(mode="json"))
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    if isinstance(value, np.ndarray):
        return [json_ready(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
