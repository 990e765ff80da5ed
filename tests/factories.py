"""Small real datasets written to disk for tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def churn_frame(n: int = 600, seed: int = 0) -> pd.DataFrame:
    """A churn-like table: string categoricals, yes/no label, missing values, a numeric signal."""
    rng = np.random.default_rng(seed)
    tenure = rng.integers(1, 72, n).astype(float)
    plan = rng.choice(["basic", "plus", "premium"], n)
    region = rng.choice(["north", "south", "east", "west"], n)
    charges = rng.normal(60, 20, n)
    logit = -0.05 * tenure + 0.8 * (plan == "basic") + 0.02 * (charges - 60) + 0.5
    churned = rng.random(n) < 1 / (1 + np.exp(-logit))
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{i:05d}" for i in range(n)],
            "tenure_months": tenure,
            "plan": plan,
            "region": region,
            "monthly_charges": charges.round(2),
            "churned": np.where(churned, "yes", "no"),
        }
    )
    frame.loc[rng.random(n) < 0.05, "monthly_charges"] = np.nan
    frame.loc[rng.random(n) < 0.05, "region"] = np.nan
    return frame


def write_csv(frame: pd.DataFrame, directory: Path, name: str = "data.csv") -> Path:
    path = directory / name
    frame.to_csv(path, index=False)
    return path
