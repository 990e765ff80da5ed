"""Learning curves: validation ROC-AUC against training-set size, and what more data would buy.

A model is trained on growing fractions of the training split (e.g. 10%, 25%, 50%, 100%) and scored on
the same validation split. Its AUC is fitted with the saturating power law

    auc(n) = a - b * n^(-c),    a <= 1 (the asymptote), b > 0, c > 0,

the usual shape of learning curves (Hestness et al. 2017, "Deep learning scaling is predictable,
empirically"). From the fit we report whether the curve is still rising, what doubling the data would
add, where it levels off, and - for a baseline and a deep model - at what data size the deep model would
overtake the baseline.

Uncertainty comes from a parametric bootstrap over the points: each point is redrawn as the fitted value
plus normal noise with that point's standard error, and the curve is refitted. The standard errors are
the ones given (e.g. from the bootstrap of each validation AUC) or, when none are given, the residual
scatter of the fit, never below `MIN_POINT_SE`. We resample points rather than draw parameters from
curve_fit's covariance: with 3-5 points and 3 parameters that covariance is a linearisation with almost
no degrees of freedom behind it (none at all with 3 points), and it ignores the bounds on a and c.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from scipy.optimize import OptimizeWarning, brentq, curve_fit

from workers.errors import InvalidOption

MIN_POINTS = 3  # three parameters: fewer points cannot pin the curve down

# "Still rising" means doubling the largest training set is expected to add more than this much ROC-AUC.
# 0.002 is below the standard error of any validation AUC we would measure, so a curve gaining less per
# doubling has flattened for every practical purpose. (Whether a rising curve is *worth* more data is the
# rubric's call: it asks for a larger gain, `MEANINGFUL_CURVE_GAIN` in workers/rubric/evidence.py.)
STILL_RISING_GAIN = 0.002

# Points are AUCs of models trained on nested subsets and scored on one validation split: their errors are
# small and partly shared. This floor keeps a fit that passes exactly through its points (always so with 3)
# from claiming a zero-width interval.
MIN_POINT_SE = 0.003

OVERTAKE_SEARCH_FACTOR = 1000.0  # look for the deep model overtaking up to this multiple of the data
DEFAULT_N_BOOTSTRAP = 200  # refits per curve; each is a ~3 ms curve_fit
CONFIDENCE = 0.95

# Bounds on the exponent c. Below 0.05 the power law is a straight line in log n that never saturates
# within any data size we could collect; above 3 it is flat beyond the smallest fraction.
_C_BOUNDS = (0.05, 3.0)
_C_STARTS = (0.25, 0.5, 1.0, 2.0)
_SEARCH_GRID = 400  # log-spaced sizes scanned for a crossing in each bootstrap replicate

NoiseSource = Literal["given", "residuals", "floor"]
ComparisonStatus = Literal["deep_ahead", "overtakes", "not_within_search", "never", "unknown"]


@dataclass(frozen=True)
class CurveFit:
    """A fitted learning curve: auc(n) = a - b * n^(-c).

    ``fit_ok`` is False with a ``reason`` when the power law was not fitted: the AUCs do not rise with n
    (then the curve counts as saturated at its last AUC: ``asymptote`` is that AUC, no gain) or the fit
    failed (then ``asymptote`` is None and the gain is the slope of the last two points per doubling).
    ``asymptote_ci_low``/``asymptote_ci_high`` are a 95% bootstrap interval of a (None without a bootstrap).
    ``point_se`` is the standard error assumed for each point and ``noise_source`` where it came from.
    """

    sizes: tuple[float, ...]
    aucs: tuple[float, ...]
    fit_ok: bool
    reason: str | None
    a: float | None
    b: float | None
    c: float | None
    asymptote: float | None
    asymptote_ci_low: float | None
    asymptote_ci_high: float | None
    auc_at_n_max: float
    still_rising: bool
    expected_gain_next_doubling: float
    point_se: tuple[float, ...]
    noise_source: NoiseSource
    # Bootstrap parameters (a, g, c) of auc = a - g * (n / n_max)^(-c), shape (n_draws, 3); not JSON.
    draws: np.ndarray | None = field(default=None, repr=False, compare=False)

    @property
    def n_max(self) -> float:
        return self.sizes[-1]

    @property
    def has_model(self) -> bool:
        """True when the curve can be extrapolated: a fitted power law, or a flat (saturated) level."""
        return self.asymptote is not None

    def predict(self, n: float | np.ndarray) -> np.ndarray:
        """Expected validation AUC at training size(s) ``n``."""
        a, g, c = self._params()
        return a - g * (np.asarray(n, dtype=float) / self.n_max) ** (-c)

    def _params(self) -> tuple[float, float, float]:
        """(a, g, c) with g = b * n_max^(-c), the gap to the asymptote at n_max; g = 0 for a flat curve."""
        if self.a is not None and self.b is not None and self.c is not None:
            return self.a, self.b * self.n_max ** (-self.c), self.c
        if self.asymptote is not None:
            return self.asymptote, 0.0, 1.0
        raise ValueError(f"this curve has no model to extrapolate: {self.reason}")

    def to_json(self) -> dict[str, Any]:
        return {
            "sizes": list(self.sizes),
            "aucs": list(self.aucs),
            "fit_ok": self.fit_ok,
            "reason": self.reason,
            "a": _json_float(self.a),
            "b": _json_float(self.b),
            "c": _json_float(self.c),
            "asymptote": _json_float(self.asymptote),
            "asymptote_ci_low": _json_float(self.asymptote_ci_low),
            "asymptote_ci_high": _json_float(self.asymptote_ci_high),
            "auc_at_n_max": _json_float(self.auc_at_n_max),
            "still_rising": self.still_rising,
            "expected_gain_next_doubling": _json_float(self.expected_gain_next_doubling),
            "point_se": list(self.point_se),
            "noise_source": self.noise_source,
        }


@dataclass(frozen=True)
class CurveComparison:
    """Where a deep model's learning curve meets the baseline's.

    ``status``: "deep_ahead" (the deep model is already better at n_max), "overtakes" (it is expected to
    catch up at ``overtake_size``), "not_within_search" (its curve ends higher but the crossing lies
    beyond ``search_limit``), "never" (its asymptote is not above the baseline's) or "unknown" (a curve
    could not be fitted). ``overtake_ci_low``/``overtake_ci_high`` bound the overtaking size (95%,
    bootstrap; only for "overtakes"); a high end of None means beyond ``search_limit``.
    ``overtake_probability`` is the share of bootstrap replicates in which the deep model is ahead by
    ``search_limit``. ``message`` says it in a sentence.
    """

    status: ComparisonStatus
    message: str
    n_max: float
    search_limit: float
    baseline_at_n_max: float | None
    deep_at_n_max: float | None
    overtake_size: float | None = None
    overtake_ci_low: float | None = None
    overtake_ci_high: float | None = None
    overtake_probability: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "message": self.message,
            "n_max": _json_float(self.n_max),
            "search_limit": _json_float(self.search_limit),
            "baseline_at_n_max": _json_float(self.baseline_at_n_max),
            "deep_at_n_max": _json_float(self.deep_at_n_max),
            "overtake_size": _json_float(self.overtake_size),
            "overtake_ci_low": _json_float(self.overtake_ci_low),
            "overtake_ci_high": _json_float(self.overtake_ci_high),
            "overtake_probability": _json_float(self.overtake_probability),
        }


def fit_learning_curve(
    sizes: Sequence[float],
    aucs: Sequence[float],
    *,
    std_errors: Sequence[float] | None = None,
    n_bootstrap: int = DEFAULT_N_BOOTSTRAP,
    seed: int = 0,
) -> CurveFit:
    """Fit auc(n) = a - b * n^(-c) to validation AUCs measured at increasing training sizes.

    Args:
        sizes: training-set sizes (rows), at least 3, strictly increasing.
        aucs: validation ROC-AUC at each size, in [0, 1].
        std_errors: optional standard error of each AUC; weights the fit and sets the bootstrap noise.
        n_bootstrap: refits for the intervals (0: no intervals, and no overtaking interval later).
        seed: seeds the bootstrap.
    """
    n, y, se_given = _check_points(sizes, aucs, std_errors)
    if isinstance(n_bootstrap, bool) or not isinstance(n_bootstrap, numbers.Integral) or n_bootstrap < 0:
        raise InvalidOption(f"n_bootstrap must be a whole number >= 0, got {n_bootstrap!r}.")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise InvalidOption(f"seed must be a whole number >= 0, got {seed!r}.")
    r = n / n[-1]

    params, reason = _fit_params(r, y, se_given)
    if params is None:
        return _failed_fit(n, y, se_given, reason)
    a, g, c = params
    flat = g == 0.0
    if flat and reason is None:
        reason = "fits no rise with the training size; taken as saturated"
    fitted = a - g * r ** (-c)
    se, source = _point_noise(y, fitted, se_given, n_params=1 if flat else 3)

    draws = None
    ci_low = ci_high = None
    if n_bootstrap:
        rng = np.random.default_rng(seed)
        if flat:
            # A saturated curve stays flat: only its level is uncertain, by the last point's error. Refitting
            # the power law to redrawn flat points would fit a rise to noise half of the time.
            levels = np.clip(a + se[-1] * rng.standard_normal(n_bootstrap), 0.0, 1.0)
            draws = np.column_stack([levels, np.zeros(n_bootstrap), np.ones(n_bootstrap)])
        else:
            draws = _bootstrap(r, fitted, se, se_given, params, n_bootstrap, rng)
        if draws.shape[0]:
            ci_low, ci_high = _percentiles(draws[:, 0])

    gain = g * (1.0 - 2.0 ** (-c))
    return CurveFit(
        sizes=tuple(float(v) for v in n),
        aucs=tuple(float(v) for v in y),
        fit_ok=not flat,
        reason=reason,
        a=None if flat else a,
        b=None if flat else g * n[-1] ** c,
        c=None if flat else c,
        asymptote=a,
        asymptote_ci_low=ci_low,
        asymptote_ci_high=ci_high,
        auc_at_n_max=a - g,
        still_rising=gain > STILL_RISING_GAIN,
        expected_gain_next_doubling=gain,
        point_se=tuple(float(v) for v in se),
        noise_source=source,
        draws=draws,
    )


def compare_curves(
    baseline: CurveFit, deep: CurveFit, *, search_factor: float = OVERTAKE_SEARCH_FACTOR
) -> CurveComparison:
    """Say whether, and at what training-set size, the deep model's curve overtakes the baseline's.

    Both curves are compared at the larger of their largest sizes (n_max). When the deep model is behind
    there, the first size in (n_max, search_factor * n_max] where its fitted curve reaches the baseline's
    is the overtaking size; its interval pairs the two curves' bootstrap replicates (independent fits, so
    any pairing will do) and takes the percentiles of the replicates' overtaking sizes - a replicate in
    which the deep model is already ahead counts as n_max, one where it never catches up as beyond.
    """
    if not (_is_number(search_factor) and math.isfinite(search_factor) and search_factor > 1):
        raise InvalidOption(f"search_factor must be a number > 1, got {search_factor!r}.")
    n_max = max(baseline.n_max, deep.n_max)
    limit = search_factor * n_max
    within = f"within {search_factor:g}× the data"
    for name, curve in (("baseline", baseline), ("deep model", deep)):
        if not curve.has_model:
            return CurveComparison(
                "unknown",
                f"Cannot say whether the deep model overtakes: the {name}'s learning curve {curve.reason}.",
                n_max,
                limit,
                None,
                None,
            )
    base_at, deep_at = float(baseline.predict(n_max)), float(deep.predict(n_max))
    common = {"n_max": n_max, "search_limit": limit, "baseline_at_n_max": base_at, "deep_at_n_max": deep_at}
    if deep_at >= base_at:
        message = (
            f"The deep model is already ahead at {_size(n_max)} rows "
            f"(expected ROC-AUC {deep_at:.3f} vs {base_at:.3f})."
        )
        return CurveComparison("deep_ahead", message, **common)

    crossings = _replicate_crossings(baseline, deep, n_max, limit)
    probability = float(np.mean(np.isfinite(crossings))) if crossings is not None else None
    size = _crossing(baseline, deep, n_max, limit)
    if size is None:
        deep_level, base_level = deep._params()[0], baseline._params()[0]
        if deep_level > base_level:
            message = (
                f"The deep model's curve levels off higher ({deep_level:.3f} vs {base_level:.3f}) "
                f"but does not overtake the baseline {within} ({_size(limit)} rows)."
            )
            return CurveComparison("not_within_search", message, overtake_probability=probability, **common)
        message = (
            f"The deep model is not expected to overtake the baseline: its curve levels off at "
            f"{deep_level:.3f}, the baseline's at {base_level:.3f}."
        )
        return CurveComparison("never", message, overtake_probability=probability, **common)

    low = high = None
    if crossings is not None:
        # Percentiles of a sample holding inf are undefined; any size past the limit reads "beyond".
        low, high = _percentiles(np.minimum(crossings, 2.0 * limit))
        low, high = (None if v is None or v > limit else v for v in (low, high))
    factor = size / n_max
    interval = ""
    if low is not None:
        upper = f"{high / n_max:.1f}×" if high is not None else f"beyond {search_factor:g}×"
        interval = f"; {CONFIDENCE:.0%} interval {low / n_max:.1f}× to {upper}"
    message = (
        f"The deep model is expected to overtake the baseline at about {_size(size)} training rows "
        f"({factor:.1f}× the current {_size(n_max)}{interval})."
    )
    return CurveComparison(
        "overtakes",
        message,
        overtake_size=size,
        overtake_ci_low=low,
        overtake_ci_high=high,
        overtake_probability=probability,
        **common,
    )


def learning_curve_evidence(baseline_fit: CurveFit, deep_fit: CurveFit | None = None) -> dict[str, Any]:
    """The rubric's `learning_curve` evidence: the curve of the model that is better at its largest size.

    The deep model's curve is used only when its AUC at n_max is strictly higher (the simpler model wins
    ties, as everywhere in the verdict).
    """
    curve = baseline_fit
    if deep_fit is not None and deep_fit.auc_at_n_max > baseline_fit.auc_at_n_max:
        curve = deep_fit
    return {
        "still_rising": bool(curve.still_rising),
        "expected_gain_next_doubling": float(curve.expected_gain_next_doubling),
    }


# --- fitting ---------------------------------------------------------------------------------------------


def _power_law(r: np.ndarray, a: float, g: float, c: float) -> np.ndarray:
    # Sizes are relative to n_max, so g is the gap to the asymptote at n_max and stays on the AUC scale;
    # b * n^(-c) in rows would put b anywhere from 1e-2 to 1e12 and the fit would be badly scaled.
    return a - g * r ** (-c)


def _power_law_jacobian(r: np.ndarray, a: float, g: float, c: float) -> np.ndarray:
    p = r ** (-c)
    return np.column_stack([np.ones_like(r), -p, g * p * np.log(r)])


def _fit_params(
    r: np.ndarray, y: np.ndarray, se: np.ndarray | None, starts: Sequence[tuple[float, float, float]] = ()
) -> tuple[tuple[float, float, float] | None, str | None]:
    """(a, g, c) and a reason when not a plain power-law fit: g = 0 for a flat curve, None on failure."""
    slope = np.polyfit(np.log2(r), y, 1, w=None if se is None else 1.0 / se)[0]
    if slope <= 0:
        reason = (
            f"does not rise with the training size ({slope:+.4f} ROC-AUC per doubling); taken as saturated"
        )
        return (float(y[-1]), 0.0, 1.0), reason

    best, best_cost, reason = None, math.inf, "could not be fitted"
    weights = 1.0 if se is None else 1.0 / se
    for p0 in starts or [_start(r, y, c0) for c0 in _C_STARTS]:
        try:
            with warnings.catch_warnings():
                # With as many points as parameters the covariance is undefined; we do not use it.
                warnings.simplefilter("ignore", OptimizeWarning)
                params, _ = curve_fit(
                    _power_law,
                    r,
                    y,
                    p0=p0,
                    sigma=se,
                    absolute_sigma=se is not None,
                    bounds=([0.0, 0.0, _C_BOUNDS[0]], [1.0, 1.0, _C_BOUNDS[1]]),
                    jac=_power_law_jacobian,
                )
        except (RuntimeError, ValueError) as error:  # no convergence, or a start the bounds refuse
            reason = f"could not be fitted ({error})"
            continue
        cost = float(np.sum((weights * (y - _power_law(r, *params))) ** 2))
        if np.all(np.isfinite(params)) and cost < best_cost:
            best, best_cost = params, cost
    if best is None:
        return None, reason
    a, g, c = (float(v) for v in best)
    return (a, g, c), None


def _start(r: np.ndarray, y: np.ndarray, c0: float) -> tuple[float, float, float]:
    """A starting point strictly inside the bounds that passes through the first and last points."""
    g0 = (y[-1] - y[0]) / (r[0] ** (-c0) - 1.0)
    g0 = min(max(g0, 1e-4), 0.5)
    a0 = min(max(y[-1] + g0, 1e-3), 1.0 - 1e-6)
    g0 = min(max(a0 - y[-1], 1e-4), 1.0 - 1e-6)
    return a0, g0, c0


def _point_noise(
    y: np.ndarray, fitted: np.ndarray, se_given: np.ndarray | None, n_params: int
) -> tuple[np.ndarray, NoiseSource]:
    if se_given is not None:
        return se_given, "given"
    dof = y.size - n_params
    centre = np.full_like(y, y.mean()) if n_params == 1 else fitted  # a flat curve: scatter about its mean
    scatter = math.sqrt(float(np.sum((y - centre) ** 2)) / dof) if dof > 0 else 0.0
    if scatter > MIN_POINT_SE:
        return np.full_like(y, scatter), "residuals"
    return np.full_like(y, MIN_POINT_SE), "floor"


def _bootstrap(
    r: np.ndarray,
    fitted: np.ndarray,
    se: np.ndarray,
    se_given: np.ndarray | None,
    params: tuple[float, float, float],
    n_bootstrap: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Parameters (a, g, c) refitted to ``n_bootstrap`` redraws of the points; failed refits dropped."""
    a, g, c = params
    # Start each refit from the point estimate, nudged inside the bounds (curve_fit refuses a start on one).
    start = (min(max(a, 1e-3), 1.0 - 1e-6), min(max(g, 1e-4), 1.0 - 1e-6), min(max(c, 0.06), 2.99))
    draws = []
    for _ in range(n_bootstrap):
        y_star = np.clip(fitted + se * rng.standard_normal(r.size), 0.0, 1.0)
        refit, _ = _fit_params(r, y_star, se_given, starts=[start])
        if refit is not None:
            draws.append(refit)
    return np.array(draws, dtype=float).reshape(-1, 3)


def _failed_fit(n: np.ndarray, y: np.ndarray, se_given: np.ndarray | None, reason: str | None) -> CurveFit:
    # Without a curve, the last two points are the best guide to what the next doubling adds.
    gain = max(0.0, float((y[-1] - y[-2]) / math.log2(n[-1] / n[-2])))
    se, source = _point_noise(y, y, se_given, n_params=0)
    return CurveFit(
        sizes=tuple(float(v) for v in n),
        aucs=tuple(float(v) for v in y),
        fit_ok=False,
        reason=f"{reason}; the gain per doubling is the slope of the last two points",
        a=None,
        b=None,
        c=None,
        asymptote=None,
        asymptote_ci_low=None,
        asymptote_ci_high=None,
        auc_at_n_max=float(y[-1]),
        still_rising=gain > STILL_RISING_GAIN,
        expected_gain_next_doubling=gain,
        point_se=tuple(float(v) for v in se),
        noise_source=source,
    )


# --- crossings -------------------------------------------------------------------------------------------


def _crossing(baseline: CurveFit, deep: CurveFit, n_max: float, limit: float) -> float | None:
    """The first size in (n_max, limit] where the deep curve reaches the baseline's, from the fits."""
    grid = np.geomspace(n_max, limit, _SEARCH_GRID)
    gap = deep.predict(grid) - baseline.predict(grid)
    ahead = np.flatnonzero(gap >= 0)
    if not ahead.size:
        return None
    i = int(ahead[0])

    def difference(log_n: float) -> float:
        return float(deep.predict(math.exp(log_n)) - baseline.predict(math.exp(log_n)))

    return float(math.exp(brentq(difference, math.log(grid[i - 1]), math.log(grid[i]))))


def _replicate_crossings(baseline: CurveFit, deep: CurveFit, n_max: float, limit: float) -> np.ndarray | None:
    """Overtaking size in each paired bootstrap replicate: n_max if already ahead, inf if not by the limit."""
    base_draws = _draws_relative_to(baseline, n_max)
    deep_draws = _draws_relative_to(deep, n_max)
    if base_draws is None or deep_draws is None:
        return None
    k = min(base_draws.shape[0], deep_draws.shape[0])
    if k == 0:
        return None
    grid = np.geomspace(1.0, limit / n_max, _SEARCH_GRID)  # sizes relative to n_max

    def curves(draws: np.ndarray) -> np.ndarray:
        a, g, c = (draws[:k, j, None] for j in range(3))
        return a - g * grid[None, :] ** (-c)

    gap = curves(deep_draws) - curves(base_draws)  # shape (k, _SEARCH_GRID)
    ahead = gap >= 0
    first = np.argmax(ahead, axis=1)
    crossing = np.full(k, np.inf)
    found = ahead.any(axis=1)
    at_start = found & (first == 0)
    crossing[at_start] = n_max
    inner = found & (first > 0)
    # Between the two grid sizes that bracket the sign change, interpolate linearly in log size.
    rows, hi = np.flatnonzero(inner), first[inner]
    lo = hi - 1
    g_lo, g_hi = gap[rows, lo], gap[rows, hi]
    fraction = g_lo / (g_lo - g_hi)
    log_size = np.log(grid[lo]) + fraction * (np.log(grid[hi]) - np.log(grid[lo]))
    crossing[rows] = n_max * np.exp(log_size)
    return crossing


def _draws_relative_to(curve: CurveFit, n_max: float) -> np.ndarray | None:
    """The curve's bootstrap (a, g, c) re-expressed with sizes relative to the common n_max."""
    if curve.draws is None:
        return None
    draws = curve.draws.copy()
    # g is the gap at the curve's own n_max; at the common one it is g * (n_max / own)^(-c).
    draws[:, 1] *= (n_max / curve.n_max) ** (-draws[:, 2])
    return draws


# --- inputs and outputs ----------------------------------------------------------------------------------


def _check_points(
    sizes: Sequence[float], aucs: Sequence[float], std_errors: Sequence[float] | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    n, y = _numbers(sizes, "sizes"), _numbers(aucs, "aucs")
    if n.size != y.size:
        raise InvalidOption(f"Got {n.size} sizes but {y.size} AUCs; give one AUC per training size.")
    if n.size < MIN_POINTS:
        raise InvalidOption(
            f"A learning curve needs at least {MIN_POINTS} points (the power law has 3 parameters), got "
            f"{n.size}; measure the AUC at more training sizes, e.g. 10%, 25%, 50% and 100%."
        )
    if not np.all(np.isfinite(y)) or np.any((y < 0) | (y > 1)):
        raise InvalidOption(f"Every AUC must be a number in [0, 1], got {y.tolist()}.")
    if not np.all(np.isfinite(n)) or np.any(n <= 0):
        raise InvalidOption(f"Every training size must be a positive number, got {n.tolist()}.")
    if np.any(np.diff(n) <= 0):
        raise InvalidOption(f"Training sizes must increase strictly, got {n.tolist()}.")
    if std_errors is None:
        return n, y, None
    se = _numbers(std_errors, "std_errors")
    if se.size != n.size:
        raise InvalidOption(f"Got {se.size} standard errors for {n.size} points; give one per point or none.")
    if not np.all(np.isfinite(se)) or np.any(se <= 0):
        raise InvalidOption(f"Every standard error must be a positive number, got {se.tolist()}.")
    return n, y, se


def _numbers(values: Sequence[float], name: str) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise InvalidOption(f"{name} must be a list of numbers, got {values!r}.") from None
    if array.ndim != 1:
        raise InvalidOption(f"{name} must be a flat list of numbers, got shape {array.shape}.")
    return array


def _percentiles(samples: np.ndarray) -> tuple[float, float]:
    """The central CONFIDENCE percentile interval of finite samples."""
    alpha = 1.0 - CONFIDENCE
    low, high = np.quantile(samples, [alpha / 2.0, 1.0 - alpha / 2.0])
    return float(low), float(high)


def _size(n: float) -> str:
    return f"{round(n):,}"


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _json_float(value: float | None) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None
