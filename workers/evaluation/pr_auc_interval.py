"""PR-AUC (average precision) interval: Student t on the logit scale with the row bootstrap's standard
error, and with few positives never narrower than the binomial one of those positives.

Why not the bias-corrected bootstrap percentile it replaced (`BOOTSTRAP`): it covered 88.5-91.5% with 6-30
positives and 93% pooled (benchmarks/interval_coverage.py). Two things go wrong there, measured on 600
splits of 1,000 rows, 3% positives, AUC 0.75:

- The bootstrap's *spread* is right (its SD 0.049, the AP's true SD 0.048), but its *shape* is not: the
  resamples duplicate rows, and a positive drawn twice is a tie group, which the percentiles inherit.
  A normal interval on the logit scale (Boyd, Eng & Page 2013, "Area under the precision-recall curve:
  point estimates and confidence intervals") uses only the spread, stays in (0, 1) and is skewed the right
  way near 0 and 1. Its standard error is the bootstrap's on the AP scale by the delta method,
  SD / (AP (1 - AP)), which a few resamples at exactly 1 cannot blow up.
- With few positives the estimate itself is biased upwards (mean 0.130 against a truth of 0.105 there:
  half a standard deviation - the precision at the first few positives is a ratio of small counts), and
  neither the bootstrap nor a jackknife bias correction removes it (tried: 89-91.5%). Boyd et al.'s
  binomial standard error on the logit scale, 1 / sqrt(n_pos AP (1 - AP)), is larger there and restores
  the coverage; with many positives it overstates the spread (98.5-99% at AUC 0.95 and 300 positives), so
  it is a floor only below `FEW_POSITIVES` positives, where the data say that it is needed: 30 positives
  fell short without it, 60 did not. Near AP = 1 the binomial model no longer fits (its logit-scale
  standard error grows without bound: the breast-cancer example's 42 positives and AP 0.994 got
  [0.73, 1.00]), so the floor widens the bootstrap's standard error by at most `MAX_WIDENING` = 1.5 -
  enough to absorb a bias of 1.3 standard deviations at 95% (z 1.96 x 1.5 - 1.645), over twice the half
  a standard deviation measured. With 6 positives the interval is wide (about 0.75 of the scale at
  AUC 0.95) and covers 98-100%: nothing narrower held 94% there, and the method's name says it.
- The quantile is Student's t with n_pos - 1 degrees of freedom rather than z: the spread of an AP is the
  spread of its positives' precisions, estimated from n_pos of them (as the Satterthwaite t of the logit
  DeLong interval). With 6 positives and AUC 0.75 the floored interval with z covered 92.6% of 1,000
  splits (7.4% above the truth: the upward bias), with t 96.6%; with 30 positives 93.9 -> 94.7%; with
  hundreds of positives t is z.

An estimate of exactly 0 or 1 has no logit; there the interval is Wilson's on n_pos trials
(`wilson_interval(AP n_pos, n_pos)`), which does not collapse to a point either.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import t as student_t

from workers.evaluation.intervals import PR_LOGIT, PR_LOGIT_FEW, WILSON, wilson_interval

FEW_POSITIVES = 50  # below this many positives the binomial standard error is the floor (docstring)
MAX_WIDENING = 1.5  # the floor widens the bootstrap's standard error by at most this factor (docstring)


def pr_auc_interval(
    samples: np.ndarray, average_precision: float, n_positive: int, confidence: float = 0.95
) -> tuple[float, float, str]:
    """``(low, high, method)`` of the average precision.

    Args:
        samples: shape (n_resamples,), the AP of row-bootstrap resamples (`bootstrap.binary_bootstrap`).
        average_precision: the test split's AP.
        n_positive: positives in the test split (>= 1).
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), however: {confidence=}")
    ap = float(average_precision)
    if not 0.0 < ap < 1.0:
        # scikit-learn's AP of a perfect ranking can be 1 + 2e-16: all positives count as found.
        low, high = wilson_interval(n_positive if ap >= 1.0 else 0, n_positive, confidence)
        return low, high, WILSON
    spread = ap * (1.0 - ap)
    se = float(np.std(samples, ddof=1)) / spread if samples.size > 1 else 0.0
    method = PR_LOGIT
    if n_positive < FEW_POSITIVES or se <= 0.0:
        binomial = 1.0 / math.sqrt(n_positive * spread)
        # At most half again the bootstrap's (see MAX_WIDENING); without any spread, the binomial alone.
        floored = min(binomial, MAX_WIDENING * se) if se > 0.0 else binomial
        if floored > se:
            se, method = floored, PR_LOGIT_FEW
    quantile = float(student_t.ppf(0.5 + confidence / 2.0, max(n_positive - 1, 1)))
    half = quantile * se
    centre = math.log(ap / (1.0 - ap))
    return _expit(centre - half), _expit(centre + half), method


def _expit(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))
