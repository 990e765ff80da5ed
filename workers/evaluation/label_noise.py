"""How noisy are the labels? Confident learning on out-of-sample probabilities, done in NumPy.

The method is Northcutt, Jiang & Chuang (2021), "Confident Learning: Estimating Uncertainty in Dataset
Labels", JAIR 70:
- per-class thresholds t_j = the mean self-confidence p̂_j(x) of the rows labelled j;
- the confident joint C[ỹ][y*]: a row labelled i counts in column j when p̂_j(x) ≥ t_j (the largest such
  p̂_j when several clear their threshold; a row that clears none is not counted);
- calibrated so that each row sums to the count of its given label, then normalised to the joint Q;
  the off-diagonal mass of Q is the estimated share of wrong labels;
- "prune by noise rate": in each off-diagonal cell (i, j), the n·Q[i][j] rows labelled i with the largest
  margin p̂_j(x) − p̂_i(x) are the suspects, suggested label j.

The probabilities must be out-of-sample (a model scoring rows it trained on is confident in their labels,
wrong ones included). Several sources (the validation split scored by the best baseline, out-of-fold
scores on the training split) each get their own thresholds and calibrated joint; the joints are added.

The 95% interval resamples rows of the confident joint: each row is one cell (given label, confident
label or "none"), so a bootstrap resample is a multinomial draw over the cells — thousands of resamples in
one vectorised call, whatever the number of rows. It holds the thresholds fixed: it measures how the rate
varies with the sample of rows, not with the model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

N_RESAMPLES = 2000
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Source:
    """Out-of-sample class probabilities for some rows: `rows` (row numbers in the file, 0-based), their
    given labels (class indices) and `proba` (n × K), and which model scored them."""

    name: str
    rows: np.ndarray
    labels: np.ndarray
    proba: np.ndarray


@dataclass(frozen=True)
class Suspect:
    """A row whose label is likely wrong: its given and suggested class (indices), its self-confidence
    p̂_given(x) and the margin p̂_suggested(x) − p̂_given(x) that ranks it."""

    row: int
    given: int
    suggested: int
    self_confidence: float
    margin: float


@dataclass(frozen=True)
class NoiseEstimate:
    """The estimated share of wrong labels with its 95% interval, the calibrated joint (counts, K × K,
    rows = given label, columns = likely true label), and the suspects, most likely wrong first."""

    rate: float
    ci_low: float
    ci_high: float
    n_examined: int
    joint: np.ndarray
    suspects: list[Suspect]


def thresholds(labels: np.ndarray, proba: np.ndarray) -> np.ndarray:
    """t_j, the mean p̂_j(x) over rows labelled j (1.0 for a class no row has: nothing can clear it)."""
    k = proba.shape[1]
    counts = np.bincount(labels, minlength=k)
    sums = np.zeros(k)
    np.add.at(sums, labels, proba[np.arange(len(labels)), labels])
    return np.where(counts > 0, sums / np.maximum(counts, 1), 1.0)


def confident_labels(labels: np.ndarray, proba: np.ndarray) -> np.ndarray:
    """Per row, the class it confidently belongs to (p̂_j ≥ t_j, the largest p̂_j of several), or −1."""
    t = thresholds(labels, proba)
    # A hair of tolerance: a row whose p̂ equals the mean (e.g. every row of a class scored alike) clears it.
    above = proba >= t[None, :] - 1e-12
    masked = np.where(above, proba, -np.inf)
    best = masked.argmax(axis=1)
    return np.where(above.any(axis=1), best, -1)


def _cells(labels: np.ndarray, confident: np.ndarray, k: int) -> np.ndarray:
    """Row counts per cell: (given i, confident j) at i·(K+1)+j, (given i, none) at i·(K+1)+K."""
    column = np.where(confident < 0, k, confident)
    return np.bincount(labels * (k + 1) + column, minlength=k * (k + 1))


def _calibrated(cells: np.ndarray, k: int) -> np.ndarray:
    """Calibrated joints from cell counts, (..., K·(K+1)) → (..., K, K): each row of the confident joint
    rescaled to its label's count (uncounted rows included). A label none of whose rows cleared any
    threshold gives no evidence of errors: its rows stay on the diagonal."""
    grid = cells.reshape(*cells.shape[:-1], k, k + 1).astype(float)
    confident = grid[..., :k]
    label_counts = grid.sum(axis=-1)
    row_sums = confident.sum(axis=-1)
    scale = np.divide(label_counts, row_sums, out=np.zeros_like(label_counts), where=row_sums > 0)
    joint = confident * scale[..., None]
    empty = row_sums == 0
    diagonal = np.einsum("...ii->...i", joint)
    diagonal += np.where(empty, label_counts, 0.0)  # the einsum diagonal is a view: this writes into `joint`
    return joint


def _off_diagonal(joint: np.ndarray) -> np.ndarray:
    return joint.sum(axis=(-2, -1)) - np.einsum("...ii->...", joint)


def _suspects(source: Source, joint: np.ndarray) -> list[Suspect]:
    """Prune by noise rate: in each off-diagonal cell (i, j), the round(joint[i, j]) rows labelled i with
    the largest margin p̂_j − p̂_i."""
    labels, proba = source.labels, source.proba
    k = proba.shape[1]
    found: list[Suspect] = []
    for i in range(k):
        given = np.flatnonzero(labels == i)
        for j in range(k):
            n_prune = round(float(joint[i, j]))
            if i == j or n_prune == 0 or len(given) == 0:
                continue
            margin = proba[given, j] - proba[given, i]
            order = given[np.argsort(-margin, kind="stable")[:n_prune]]
            # Only rows the model prefers j for: pruning never blames a row it scores as its own label.
            order = order[proba[order, j] > proba[order, i]]
            found.extend(
                Suspect(
                    row=int(source.rows[r]),
                    given=i,
                    suggested=j,
                    self_confidence=float(proba[r, i]),
                    margin=float(proba[r, j] - proba[r, i]),
                )
                for r in order
            )
    # A row can top two cells of a multiclass joint: keep its strongest suggestion.
    best: dict[int, Suspect] = {}
    for s in found:
        if s.row not in best or s.margin > best[s.row].margin:
            best[s.row] = s
    return list(best.values())


def estimate_noise(
    sources: list[Source], *, n_resamples: int = N_RESAMPLES, seed: int = 0, confidence: float = CONFIDENCE
) -> NoiseEstimate:
    """The share of wrong labels among the rows of `sources`, its bootstrap interval and the suspects."""
    sources = [s for s in sources if len(s.labels)]
    if not sources:
        raise ValueError("no rows to examine")
    k = sources[0].proba.shape[1]
    rng = np.random.default_rng(seed)
    joint = np.zeros((k, k))
    resampled = np.zeros((n_resamples, k, k))
    suspects: list[Suspect] = []
    for source in sources:
        proba = np.asarray(source.proba, dtype=float)
        labels = np.asarray(source.labels, dtype=np.int64)
        confident = confident_labels(labels, proba)
        cells = _cells(labels, confident, k)
        own = _calibrated(cells, k)
        joint += own
        suspects.extend(_suspects(source, own))
        # The bootstrap: each resample draws the same number of rows over the cells, in proportion.
        draws = rng.multinomial(len(labels), cells / cells.sum(), size=n_resamples)
        resampled += _calibrated(draws, k)
    n = int(joint.sum().round())
    rates = _off_diagonal(resampled) / n
    tail = (1 - confidence) / 2
    low, high = np.quantile(rates, [tail, 1 - tail])
    suspects.sort(key=lambda s: (-s.margin, s.row))
    return NoiseEstimate(
        rate=float(_off_diagonal(joint) / n),
        ci_low=float(low),
        ci_high=float(high),
        n_examined=n,
        joint=joint,
        suspects=suspects,
    )


def accuracy_ceiling(rate: float) -> float:
    """The best accuracy any model can score against labels of which a share `rate` is wrong: a model that
    predicts every true class still disagrees with each wrong label (assumes the true class stays the most
    likely given label, i.e. rate < 1/2 per class)."""
    return 1.0 - rate


def roc_auc_ceiling(rate: float, positive_rate: float) -> float:
    """The ROC-AUC that a perfect ranker scores against labels flipped at random with probability `rate`,
    whatever the class (symmetric flips, independent of the features), when a share `positive_rate` of the
    rows is truly positive.

    Write π = positive_rate, ε = rate. Labelled positives are a = (1−ε)π true positives and d = ε(1−π)
    true negatives; labelled negatives are b = (1−ε)(1−π) true negatives and c = επ true positives. A perfect ranker orders every true positive above every true negative and ties within a
    class at random, so pairs score 1 (a vs b), ½ (a vs c, d vs b) and 0 (d vs c):

        AUC_max = (ab + ½ac + ½db) / ((a + d)(b + c))

    which is 1 − ε for balanced classes.
    """
    eps, pi = min(max(rate, 0.0), 0.5), min(max(positive_rate, 1e-9), 1 - 1e-9)
    a, d = (1 - eps) * pi, eps * (1 - pi)
    b, c = (1 - eps) * (1 - pi), eps * pi
    return float((a * b + 0.5 * a * c + 0.5 * d * b) / ((a + d) * (b + c)))


def macro_roc_auc_ceiling(rate: float, class_shares: np.ndarray) -> float:
    """One-vs-rest macro ROC-AUC ceiling: `roc_auc_ceiling` per class at its share, averaged (the same
    symmetric-flip assumption, each class read as "this class against the rest")."""
    return float(np.mean([roc_auc_ceiling(rate, float(share)) for share in class_shares]))
