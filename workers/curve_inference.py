"""What a learning curve can honestly say: its ceiling, its gain per doubling and the rows a target needs,
each with an interval that knows the points' own errors.

The points are validation ROC-AUCs of one model family trained on nested shares of the training split, all
scored on the same validation rows. Each has a standard error (Hanley & McNeil 1982, from the validation
split's class counts), and because the validation rows are shared the errors are positively correlated: a
validation split that happens to be easy lifts every point together. The covariance used is

    cov(i, j) = se_i * se_j * (POINT_CORRELATION + (1 - POINT_CORRELATION) * [i == j]),

so the level of the curve (its ceiling) is less certain than the differences between points (its rise).

The curve auc(n) = a - g * (n / n_max)^(-c) (a <= 1, g >= 0, c in [0.05, 3]) is fitted by generalised least
squares, and every interval is a profile-likelihood interval: the values of the quantity for which the best
curve that has it costs at most chi2_1(level) more than the best curve overall. With 4 points and 3 parameters
a bootstrap or a linearised covariance understates the uncertainty badly (the issue's "fitted ceiling 1.000
[0.803, 1.000]" was a point estimate on the bound); the profile does not linearise, respects the bounds,
and - as `benchmarks/learning_curve_calibration.py` measures - covers at about its stated rate. For a fixed
exponent c the curve is linear in (a, g), so each profile is a closed-form solve on a grid of c: cheap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.stats import chi2

from workers.learning_curve import STILL_RISING_GAIN

# Correlation of two points' validation errors: they share the validation rows, but the models differ (a
# model trained on 10% of the rows ranks the validation rows differently from one trained on 100%).
POINT_CORRELATION = 0.5
# "Still rising" means the 80% interval of the gain per doubling lies above this: below the standard error of
# any validation AUC we measure, so a curve gaining less has flattened for every practical purpose.
NEGLIGIBLE_GAIN = STILL_RISING_GAIN  # 0.002, the unweighted fit's threshold too
# Extrapolating needs more points than parameters (3): the fourth is the only check that the power law fits.
MIN_POINTS_TO_EXTRAPOLATE = 4
ROWS_SEARCH_FACTOR = 1e4  # rows needed beyond this multiple of the current training split read "beyond"
# Two neighbouring points differ by more than this many standard errors of their difference: not noise.
STEP_Z = 2.5
FIT_P_VALUE = 0.01  # a chi-square this unlikely under the points' errors: the power law does not fit them
LEVEL = 0.80  # rows needed and the ceiling against a target: the questionnaire asks for an 80% interval
LEVEL_WIDE = 0.95

_C_GRID = np.geomspace(0.05, 3.0, 160)
_GAIN_GRID = np.concatenate([np.linspace(0.0, 0.02, 201), np.linspace(0.0205, 0.4, 760)])
_ROWS_GRID = np.geomspace(1e-2, ROWS_SEARCH_FACTOR, 700)  # training size relative to the largest point


@dataclass(frozen=True)
class Interval:
    value: float | None
    low: float | None
    high: float | None  # None: open above (beyond the search, or never)

    def to_json(self) -> dict[str, Any]:
        return {"value": _f(self.value), "ci_low": _f(self.low), "ci_high": _f(self.high)}


@dataclass(frozen=True)
class RowsNeeded:
    """Labelled training rows to reach ``target`` in ``metric``, with its 80% interval, or why there is none."""

    value: float | None
    ci_low: float | None
    ci_high: float | None  # None with a value: beyond ROWS_SEARCH_FACTOR x the current rows
    target: float | None
    metric: str | None
    reachable: bool | None  # None: cannot say (no target, another metric, an ill-behaved curve)
    reason: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "value": _f(self.value),
            "ci_low": _f(self.ci_low),
            "ci_high": _f(self.ci_high),
            "target": _f(self.target),
            "metric": self.metric,
            "reachable": self.reachable,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Backtest:
    """The curve fitted on the smaller points, its prediction at the largest and the error (predicted - observed)."""

    fitted_on: list[float]
    predicted_at: list[float]
    predicted: list[float]
    observed: list[float]
    error: list[float]
    observed_se: list[float]

    def to_json(self) -> dict[str, Any]:
        return {
            "fitted_on": self.fitted_on,
            "predicted_at": self.predicted_at,
            "predicted": self.predicted,
            "observed": self.observed,
            "error": self.error,
            "observed_se": self.observed_se,
        }


@dataclass(frozen=True)
class Quality:
    ok: bool
    problems: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "problems": list(self.problems)}


@dataclass(frozen=True)
class CurveInference:
    """The weighted fit of one curve and what it says, with intervals (see the module docstring)."""

    a: float
    g: float
    c: float
    n_max: float
    ceiling: Interval  # 80%
    ceiling_95: Interval
    gain: Interval  # per doubling of the largest training size, 80%
    gain_95: Interval
    chi_square: float
    quality: Quality
    rows_needed: RowsNeeded
    backtest: Backtest | None

    @property
    def still_rising(self) -> bool:
        """The gain per doubling's 80% interval lies above NEGLIGIBLE_GAIN (and the curve is well-behaved)."""
        return self.quality.ok and self.gain.low is not None and self.gain.low > NEGLIGIBLE_GAIN

    @property
    def flat(self) -> bool:
        """The gain per doubling's 80% interval lies below NEGLIGIBLE_GAIN: more rows will not help."""
        return self.gain.high is not None and self.gain.high <= NEGLIGIBLE_GAIN

    def predict(self, n: float | np.ndarray) -> np.ndarray:
        return self.a - self.g * (np.asarray(n, dtype=float) / self.n_max) ** (-self.c)

    def facts(self) -> dict[str, Any]:
        """The plain facts the rubric reads: rising or flat with the gain's interval, and rows needed."""
        return {
            "still_rising": self.still_rising,
            "flat": self.flat,
            "gain_per_doubling": self.gain.to_json(),
            "ceiling": self.ceiling.to_json(),
            "rows_needed": self.rows_needed.to_json(),
            "quality_ok": self.quality.ok,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "method": "generalised least squares, profile-likelihood intervals",
            "point_correlation": POINT_CORRELATION,
            "a": self.a,
            "g": self.g,
            "c": self.c,
            "ceiling": {**self.ceiling.to_json(), "level": LEVEL},
            "ceiling_95": {**self.ceiling_95.to_json(), "level": LEVEL_WIDE},
            "gain_per_doubling": {**self.gain.to_json(), "level": LEVEL},
            "gain_per_doubling_95": {**self.gain_95.to_json(), "level": LEVEL_WIDE},
            "negligible_gain": NEGLIGIBLE_GAIN,
            "still_rising": self.still_rising,
            "flat": self.flat,
            "chi_square": self.chi_square,
        }


def hanley_mcneil_se(auc: float, n_positive: int, n_negative: int) -> float:
    """Standard error of a ROC-AUC measured on n_positive and n_negative rows (Hanley & McNeil 1982)."""
    a = min(max(float(auc), 1e-6), 1.0 - 1e-6)
    q1, q2 = a / (2.0 - a), 2.0 * a * a / (1.0 + a)
    var = (a * (1 - a) + (n_positive - 1) * (q1 - a * a) + (n_negative - 1) * (q2 - a * a)) / (
        n_positive * n_negative
    )
    # Near AUC 1 the formula tends to 0; one rank swap among the rows is the least a measurement can miss by.
    return max(math.sqrt(max(var, 0.0)), 1.0 / (2.0 * math.sqrt(n_positive * n_negative)))


def covariance(se: np.ndarray, rho: float = POINT_CORRELATION) -> np.ndarray:
    return np.outer(se, se) * (rho + (1.0 - rho) * np.eye(se.size))


def infer_curve(
    sizes: Sequence[float],
    aucs: Sequence[float],
    std_errors: Sequence[float],
    *,
    target: float | None = None,
    metric: str | None = "roc_auc",
    rho: float = POINT_CORRELATION,
) -> CurveInference:
    """The weighted fit, its intervals, quality checks, back-test and the rows needed for ``target``.

    ``metric`` is the target's metric: only a ROC-AUC target can be read off these curves (they measure
    validation ROC-AUC). Sizes must increase; at least 3 points (fewer cannot be fitted at all).
    """
    n = np.asarray(sizes, dtype=float)
    y = np.asarray(aucs, dtype=float)
    se = np.asarray(std_errors, dtype=float)
    if n.size < 3 or n.size != y.size or n.size != se.size or np.any(np.diff(n) <= 0) or np.any(se <= 0):
        raise ValueError("infer_curve needs >= 3 increasing sizes with one AUC and one positive SE each")
    cov = covariance(se, rho)
    whiten = np.linalg.inv(np.linalg.cholesky(cov))
    r = n / n[-1]
    fit = _Profiles(r, y, whiten)
    ceiling, ceiling_95 = fit.ceiling(LEVEL), fit.ceiling(LEVEL_WIDE)
    gain, gain_95 = fit.gain(LEVEL), fit.gain(LEVEL_WIDE)
    quality = check_quality(n, y, cov, fit.best_cost)
    return CurveInference(
        a=fit.a,
        g=fit.g,
        c=fit.c,
        n_max=float(n[-1]),
        ceiling=ceiling,
        ceiling_95=ceiling_95,
        gain=gain,
        gain_95=gain_95,
        chi_square=fit.best_cost,
        quality=quality,
        rows_needed=_rows_needed(fit, float(n[-1]), ceiling, quality, target, metric),
        backtest=backtest(n, y, se, rho),
    )


def check_quality(n: np.ndarray, y: np.ndarray, cov: np.ndarray, chi_square: float | None) -> Quality:
    """Problems that make extrapolating the power law meaningless, in words: too few points, a significant
    drop, a jump (the rise per doubling grows: a power law's only shrinks), residuals too large for the
    points' errors."""
    problems = []
    k = n.size
    if k < MIN_POINTS_TO_EXTRAPOLATE:
        problems.append(
            f"only {k} measured points: extrapolating needs at least {MIN_POINTS_TO_EXTRAPOLATE} "
            "(the power law has 3 parameters, and one more point is the only check that it fits)"
        )
    log2n = np.log2(n)
    for i in range(k - 1):
        step = np.zeros(k)
        step[i], step[i + 1] = -1.0, 1.0
        sd = math.sqrt(float(step @ cov @ step))
        if y[i + 1] - y[i] < -STEP_Z * sd:
            problems.append(
                f"not monotone: ROC-AUC falls from {y[i]:.3f} at {_rows(n[i])} rows to {y[i + 1]:.3f} at "
                f"{_rows(n[i + 1])}, more than noise allows"
            )
    for i in range(k - 2):
        # Rise per doubling over two neighbouring steps; a power law's shrinks, a jump makes the later one bigger.
        first = np.zeros(k)
        first[i], first[i + 1] = -1.0 / (log2n[i + 1] - log2n[i]), 1.0 / (log2n[i + 1] - log2n[i])
        second = np.zeros(k)
        second[i + 1], second[i + 2] = (
            -1.0 / (log2n[i + 2] - log2n[i + 1]),
            1.0 / (log2n[i + 2] - log2n[i + 1]),
        )
        diff = second - first
        sd = math.sqrt(float(diff @ cov @ diff))
        if float(diff @ y) > STEP_Z * sd:
            problems.append(
                f"a jump between {_rows(n[i + 1])} and {_rows(n[i + 2])} rows: the rise per doubling grows "
                f"({float(first @ y):+.3f} then {float(second @ y):+.3f}), which no saturating curve does"
            )
    dof = k - 3
    if chi_square is not None and dof > 0 and float(chi2.sf(chi_square, dof)) < FIT_P_VALUE:
        problems.append(
            f"the fitted power law does not describe the points (chi-square {chi_square:.1f} on {dof} degree"
            f"{'s' if dof > 1 else ''} of freedom: the residuals are large against the points' standard errors)"
        )
    return Quality(ok=not problems, problems=problems)


def backtest(n: np.ndarray, y: np.ndarray, se: np.ndarray, rho: float = POINT_CORRELATION) -> Backtest | None:
    """Fit on all but the largest point, predict it: how far off the extrapolation of this very curve was.
    None with fewer than 4 points (the smaller ones must still pin down 3 parameters)."""
    if n.size < MIN_POINTS_TO_EXTRAPOLATE:
        return None
    small = slice(0, n.size - 1)
    cov = covariance(se[small], rho)
    fit = _Profiles(n[small] / n[-2], y[small], np.linalg.inv(np.linalg.cholesky(cov)))
    predicted = float(fit.a - fit.g * (n[-1] / n[-2]) ** (-fit.c))
    return Backtest(
        fitted_on=[float(v) for v in n[small]],
        predicted_at=[float(n[-1])],
        predicted=[predicted],
        observed=[float(y[-1])],
        error=[predicted - float(y[-1])],
        observed_se=[float(se[-1])],
    )


# --- profiles --------------------------------------------------------------------------------------------


class _Profiles:
    """Generalised least squares on a grid of c, with (a, g) solved in closed form for each c."""

    def __init__(self, r: np.ndarray, y: np.ndarray, whiten: np.ndarray) -> None:
        self.r, self.y, self.whiten = r, y, whiten
        self.yw, self.onew = whiten @ y, whiten @ np.ones_like(y)
        self.xw = (whiten @ (r[None, :] ** (-_C_GRID[:, None])).T).T  # (n_c, k): whitened r^-c per c
        self.a, self.g, self.c, self.best_cost = self._best()

    def _cost(self, a: np.ndarray, g: np.ndarray) -> np.ndarray:
        """GLS cost of (a, g) per c: a and g broadcast against the c grid (axis -2) and points (axis -1)."""
        resid = self.yw - a[..., None] * self.onew + g[..., None] * self.xw
        return np.sum(resid**2, axis=-1)

    def _best(self) -> tuple[float, float, float, float]:
        """(a, g, c, cost) of the best curve: the best c on the grid, refined between its neighbours."""
        a, g, cost = self._solve(self.xw)
        i = int(np.argmin(cost))
        lo, hi = _C_GRID[max(i - 1, 0)], _C_GRID[min(i + 1, _C_GRID.size - 1)]

        def cost_at(c: float) -> float:
            return float(self._solve(self._whitened_x(c))[2][0])

        refined = minimize_scalar(cost_at, bounds=(lo, hi), method="bounded", options={"xatol": 1e-5})
        if refined.success and refined.fun < cost[i]:
            c = float(refined.x)
            a1, g1, cost1 = self._solve(self._whitened_x(c))
            return float(a1[0]), float(g1[0]), c, float(cost1[0])
        return float(a[i]), float(g[i]), float(_C_GRID[i]), float(cost[i])

    def _whitened_x(self, c: float) -> np.ndarray:
        return (self.whiten @ self.r ** (-c))[None, :]

    def _solve(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For each row of whitened r^-c: the best (a, g) with a <= 1, g >= 0, and its cost. The problem is a
        convex quadratic in two variables: its optimum is inside, on the edge a = 1 or on the edge g = 0."""
        one, yv = self.onew, self.yw
        s11, s1y = one @ one, yv @ one
        s1x, sxx, sxy = x @ one, np.sum(x * x, axis=1), x @ yv
        det = s11 * sxx - s1x**2
        with np.errstate(divide="ignore", invalid="ignore"):
            # Unconstrained fit of y = a + beta * x, with g = -beta.
            a0 = (sxx * s1y - s1x * sxy) / det
            g0 = -(s11 * sxy - s1x * s1y) / det
        inside = np.isfinite(a0) & (a0 <= 1.0) & (g0 >= 0.0)
        g1 = np.maximum(0.0, (s1x - sxy) / sxx)  # a = 1: y - 1 = -g x
        a2 = np.full_like(g1, min(1.0, s1y / s11))  # g = 0: a flat curve at its GLS level
        candidates = [
            (np.where(inside, a0, 1.0), np.where(inside, g0, 0.0), inside),
            (np.ones_like(g1), g1, np.ones_like(inside)),
            (a2, np.zeros_like(g1), np.ones_like(inside)),
        ]
        best_a, best_g, best_cost = a2, np.zeros_like(g1), np.full_like(g1, np.inf)
        for a, g, valid in candidates:
            resid = yv - a[:, None] * one + g[:, None] * x
            cost = np.where(valid, np.sum(resid**2, axis=1), np.inf)
            better = cost < best_cost
            best_a, best_g, best_cost = (
                np.where(better, a, best_a),
                np.where(better, g, best_g),
                np.where(better, cost, best_cost),
            )
        return best_a, best_g, best_cost

    def _interval(self, grid: np.ndarray, profile: np.ndarray, level: float, value: float) -> Interval:
        inside = np.flatnonzero(profile <= self.best_cost + float(chi2.ppf(level, 1)))
        if not inside.size:
            return Interval(value, value, value)
        low, high = float(grid[inside[0]]), float(grid[inside[-1]])
        return Interval(value, min(low, value), max(high, value))

    def ceiling(self, level: float) -> Interval:
        grid = np.linspace(max(0.0, min(float(self.y.min()), self.a) - 0.2), 1.0, 601)
        grid = np.unique(np.concatenate([grid, [self.a]]))
        x, one, yv = self.xw, self.onew, self.yw
        sxx = np.sum(x * x, axis=1)
        # For each (a, c): y - a = -g x  ->  g = x.(a*one - y) / x.x, at least 0.
        g = np.maximum(0.0, (grid[:, None] * (x @ one)[None, :] - (x @ yv)[None, :]) / sxx[None, :])
        profile = self._cost(np.broadcast_to(grid[:, None], g.shape), g).min(axis=1)
        interval = self._interval(grid, profile, level, self.a)
        return Interval(self.a, interval.low, min(1.0, interval.high) if interval.high is not None else None)

    def gain(self, level: float) -> Interval:
        factor = 1.0 - 2.0 ** (-_C_GRID)  # gain per doubling = g * factor
        g = _GAIN_GRID[:, None] / factor[None, :]
        x, one, yv = self.xw, self.onew, self.yw
        # For each (G, c): y + g x = a  ->  a = one.(y + g x) / one.one, at most 1.
        a = np.minimum(1.0, (yv @ one + g * (x @ one)[None, :]) / (one @ one))
        profile = self._cost(a, g).min(axis=1)
        value = self.g * (1.0 - 2.0 ** (-self.c))
        interval = self._interval(_GAIN_GRID, profile, level, value)
        high = None if interval.high is not None and interval.high >= _GAIN_GRID[-1] else interval.high
        return Interval(value, interval.low, high)

    def rows_profile(self, target: float) -> np.ndarray:
        """Cost of the best curve that reaches ``target`` at each size of _ROWS_GRID (relative to n_max)."""
        x, one, yv = self.xw, self.onew, self.yw
        rt = _ROWS_GRID[:, None] ** (-_C_GRID[None, :])  # (n_rows, n_c)
        # y = target + g (rt - x): whitened d = rt*one - x, g = d.(y - target*one) / d.d, 0 <= g, a <= 1.
        z = yv - target * one
        d_dot_z = rt * (one @ z) - (x @ z)[None, :]
        d_dot_d = rt**2 * (one @ one) - 2 * rt * (x @ one)[None, :] + np.sum(x * x, axis=1)[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            g = np.where(d_dot_d > 0, d_dot_z / d_dot_d, 0.0)
        g = np.clip(g, 0.0, (1.0 - target) / rt)
        a = target + g * rt
        resid = yv - a[..., None] * one + g[..., None] * x
        return np.sum(resid**2, axis=-1).min(axis=1)


def _rows_needed(
    fit: _Profiles,
    n_max: float,
    ceiling: Interval,
    quality: Quality,
    target: float | None,
    metric: str | None,
) -> RowsNeeded:
    def none(reason: str, reachable: bool | None = None) -> RowsNeeded:
        return RowsNeeded(None, None, None, target, metric, reachable, reason)

    if target is None:
        return none("no target set (feasibility.target_value)")
    if metric not in (None, "roc_auc"):
        return none(f"the learning curves measure validation ROC-AUC; the target is in {metric}")
    if not quality.ok:
        return none("the curve is ill-behaved, so it is not extrapolated: " + "; ".join(quality.problems))
    if ceiling.high is not None and ceiling.high < target:
        return none(
            f"not reachable by this model family: its fitted ceiling {ceiling.value:.3f} "
            f"[{ceiling.low:.3f}, {ceiling.high:.3f}] is below the target {target:.3f}",
            reachable=False,
        )
    profile = fit.rows_profile(target)
    inside = np.flatnonzero(profile <= fit.best_cost + float(chi2.ppf(LEVEL, 1)))
    low = float(_ROWS_GRID[inside[0]] * n_max) if inside.size else None
    high = float(_ROWS_GRID[inside[-1]] * n_max) if inside.size and inside[-1] < _ROWS_GRID.size - 1 else None
    if fit.a <= target:
        return RowsNeeded(
            None,
            low,
            None,
            target,
            metric,
            False,
            f"the fitted ceiling {fit.a:.3f} is below the target {target:.3f}, but its {LEVEL:.0%} interval "
            f"reaches {ceiling.high:.3f}: the target is unlikely with this model family",
        )
    # A flat curve above the target reaches it at any size.
    value = 0.0 if fit.g <= 0.0 else n_max * (fit.g / (fit.a - target)) ** (1.0 / fit.c)
    if value > ROWS_SEARCH_FACTOR * n_max:
        return RowsNeeded(
            None, low, None, target, metric, True, f"beyond {ROWS_SEARCH_FACTOR:g}x the current rows"
        )
    low = min(low, value) if low is not None else value
    high = max(high, value) if high is not None else None
    reason = "already reached at the current size" if value <= n_max else None
    return RowsNeeded(value, low, high, target, metric, True, reason)


def _rows(n: float) -> str:
    return f"{round(n):,}"


def _f(value: float | None) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None
