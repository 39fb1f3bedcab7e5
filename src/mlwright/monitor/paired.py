"""Two models judged on the same labelled rows: by how much the challenger beats the champion,
how sure that is (a bootstrap interval), and how likely chance alone gives as much (a p-value).

Paired, because both models answer the same rows: the row-to-row noise they share cancels, so a
small real gain is found on far fewer rows than two independent samples would need.

SciPy runs both procedures; what they resample is row *positions*, never the outputs
themselves, because an output is a column of values or a matrix of class probabilities and the
metric needs a whole set of rows at once (a ROC AUC is no sum over rows):

* the permutation test swaps the two models' answers within a row, as the null hypothesis
  "they are exchangeable" allows: it permutes a 0/1 "which model answered" flag per row;
* the bootstrap resamples row numbers, each draw keeping a row's label and both answers together.

Every resample is then one row of weights over the rows (how often a row was drawn, or whether
a model's answer on it is on this side), and the metric is computed for a whole block of
resamples at once by the weighted forms of :mod:`mlwright.evaluate.bootstrap` — exactly the
metric at equal weights (a unit test of that module checks it), and fast enough for 1,000 + 1,000
resamples of 5,000 rows in a few seconds, where calling scikit-learn once per resample takes
four times as long.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from mlwright.errors import DataError
from mlwright.evaluate.bootstrap import weighted_classification, weighted_regression
from mlwright.evaluate.metrics import Metric

DEFAULT_RESAMPLES = 1000
DEFAULT_LEVEL = 0.95
#: Cells (resamples x rows) of one block of weights: bounds memory to tens of MB.
_BLOCK_CELLS = 2_000_000


@dataclass(frozen=True)
class PairedComparison:
    """The outcome of :func:`compare_paired`.

    ``champion_score`` and ``challenger_score`` are the metric as people read it (a log loss
    stays a small positive number); ``difference``, ``ci_low`` and ``ci_high`` are oriented so
    that a positive number always means the challenger is better, whatever the metric's direction.
    """

    metric: str
    champion_score: float
    challenger_score: float
    difference: float
    ci_low: float
    ci_high: float
    p_value: float
    rows: int
    resamples: int
    level: float = DEFAULT_LEVEL
    #: Each model's score interval (as people read the metric), from the same resamples.
    champion_ci: tuple[float, float] = (float("nan"), float("nan"))
    challenger_ci: tuple[float, float] = (float("nan"), float("nan"))
    #: The bootstrap distribution of the difference (same orientation), for reports.
    differences: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False, compare=False)

    def summary(self) -> dict:
        """The bootstrap distribution in a few numbers, for the decision's evidence."""
        finite = self.differences[np.isfinite(self.differences)]
        if not len(finite):
            return {"resamples": self.resamples, "finite": 0}
        return {"resamples": self.resamples, "finite": int(len(finite)), "mean": float(finite.mean()),
                "std": float(finite.std(ddof=1)) if len(finite) > 1 else 0.0,
                "quantiles": {str(q): float(np.quantile(finite, q)) for q in (0.025, 0.25, 0.5, 0.75, 0.975)},
                "share_challenger_better": float(np.mean(finite > 0))}

    def to_dict(self) -> dict:
        return {"metric": self.metric, "champion_score": self.champion_score,
                "challenger_score": self.challenger_score, "difference": self.difference, "ci_low": self.ci_low,
                "ci_high": self.ci_high, "p_value": self.p_value, "rows": self.rows, "resamples": self.resamples,
                "level": self.level, "champion_ci": list(self.champion_ci), "challenger_ci": list(self.challenger_ci),
                "bootstrap": self.summary()}


def compare_paired(y: np.ndarray, champion: np.ndarray, challenger: np.ndarray, metric: Metric, *,
                   resamples: int = DEFAULT_RESAMPLES, level: float = DEFAULT_LEVEL,
                   seed: int = 0, p_value: bool = True) -> PairedComparison:
    """Compare two models' outputs (``raw_predict``: probabilities or values) on the same rows
    with labels ``y`` (encoded as in training). The p-value is one-sided: the chance of a gain at
    least this large if the challenger were no better; ``p_value=False`` skips that test (NaN) where
    only the interval is wanted. Same seed, same result."""
    y = np.asarray(y)
    outputs = np.stack([np.asarray(champion, dtype=float), np.asarray(challenger, dtype=float)])
    rows = len(y)
    if outputs.shape[1] != rows:
        raise DataError(f"{rows} labels but {outputs.shape[1]} predictions per model.", where="paired comparison",
                        fix="score both models on exactly the labelled rows.")
    if rows < 2:
        raise DataError(f"{rows} labelled rows cannot compare two models.", where="paired comparison",
                        fix="keep more held-out rows (a larger --holdout or more new data).")
    rated = _WeightedScore(metric, y, outputs)
    batch = max(1, _BLOCK_CELLS // (2 * rows))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a resample missing a class has no score: NaN, handled below
        sides = (np.zeros(rows, dtype=int), np.ones(rows, dtype=int))
        test = None if not p_value else stats.permutation_test(
            sides, rated.swapped_gain, permutation_type="samples", alternative="greater", vectorized=True,
            batch=batch, n_resamples=resamples, rng=np.random.default_rng(seed))
        # one set of resamples for three numbers: each model's score and the gain
        interval = stats.bootstrap((np.arange(rows),), rated.resampled_scores, paired=True, vectorized=True,
                                   batch=batch, n_resamples=resamples, confidence_level=level, method="percentile",
                                   rng=np.random.default_rng(seed + 1))
    draws = np.asarray(interval.bootstrap_distribution, dtype=float)
    champion_ci, challenger_ci, (low, high) = (
        _interval(interval.confidence_interval.low[i], interval.confidence_interval.high[i], draws[i], level)
        for i in range(3))
    champion_score, challenger_score = metric.value(y, outputs[0]), metric.value(y, outputs[1])
    return PairedComparison(metric=metric.name, champion_score=champion_score, challenger_score=challenger_score,
                            difference=_oriented(metric, challenger_score) - _oriented(metric, champion_score),
                            ci_low=low, ci_high=high, p_value=float(test.pvalue) if test else float("nan"),
                            rows=rows, resamples=resamples,
                            level=level, champion_ci=_as_values(metric, champion_ci),
                            challenger_ci=_as_values(metric, challenger_ci), differences=draws[2])


class _WeightedScore:
    """The two statistics SciPy calls, each for a block of resamples given as 2-D arrays."""

    def __init__(self, metric: Metric, y: np.ndarray, outputs: np.ndarray):
        self.metric, self.y, self.outputs = metric, y, outputs
        self.rows = len(y)
        # sums over the same values in another order differ in the last bits: a gain smaller than
        # this is none, or identical models would look better or worse than themselves
        self.tolerance = 1e-12 * max(1.0, float(np.max(np.abs(np.nan_to_num(outputs)))))
        # both models' answers one after the other: a side is a 0/1 weight over these 2n rows
        self.both_y = np.concatenate([y, y])
        self.both = np.concatenate([outputs[0], outputs[1]])

    def swapped_gain(self, which_champion: np.ndarray, which_challenger: np.ndarray, axis: int = -1) -> np.ndarray:
        """Challenger side minus champion side, each side taking on every row the answer of the
        model its flag names (0 champion, 1 challenger)."""
        single = np.ndim(which_champion) == 1
        flags = [np.atleast_2d(np.moveaxis(f, axis, -1)) for f in (which_champion, which_challenger)]
        sides = [self._pick(f) for f in flags]
        scores = [_oriented(self.metric, _weighted_values(self.metric, side, self.both_y, self.both)) for side in sides]
        gains = self._snapped(scores[1] - scores[0])
        return gains[0] if single else gains

    def resampled_scores(self, drawn: np.ndarray, axis: int = -1) -> np.ndarray:
        """Champion score, challenger score and gain (scores: higher is better) on each resample
        of row numbers (one resample a row of ``drawn``): shape (3, resamples)."""
        single = np.ndim(drawn) == 1
        drawn = np.atleast_2d(np.moveaxis(drawn, axis, -1))
        offsets = (np.arange(len(drawn)) * self.rows)[:, None]
        counts = np.bincount((drawn + offsets).ravel(), minlength=len(drawn) * self.rows)
        weights = counts.reshape(len(drawn), self.rows).astype(float)
        champion, challenger = (_oriented(self.metric, _weighted_values(self.metric, weights, self.y, out))
                                for out in self.outputs)
        scores = np.stack([champion, challenger, self._snapped(challenger - champion)])
        return scores[:, 0] if single else scores

    def _snapped(self, gains: np.ndarray) -> np.ndarray:
        return np.where(np.abs(gains) <= self.tolerance, 0.0, gains)

    def _pick(self, flags: np.ndarray) -> np.ndarray:
        weights = np.zeros((len(flags), 2 * self.rows))
        weights[np.arange(len(flags))[:, None], np.arange(self.rows) + flags * self.rows] = 1.0
        return weights


def _weighted_values(metric: Metric, weights: np.ndarray, y: np.ndarray, output: np.ndarray) -> np.ndarray:
    """The metric for every row of ``weights`` (resamples x rows). The weighted forms are exact at
    equal weights; a metric they do not know is computed per resample, rows repeated by weight."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if output.ndim == 2:
            values = weighted_classification(weights, y.astype(int), output, None, (metric.name,))
        else:
            values = weighted_regression(weights, y.astype(float), output, (metric.name,))
    if metric.name in values:
        return np.asarray(values[metric.name], dtype=float)
    positions = np.arange(len(y))
    picks = (np.repeat(positions, w.astype(int)) for w in weights)
    return np.array([_value(metric, y[rows], output[rows]) for rows in picks])


def _value(metric: Metric, y: np.ndarray, output: np.ndarray) -> float:
    try:
        return metric.value(y, output)
    except ValueError:  # not defined on this resample (one class only)
        return float("nan")


def _oriented(metric: Metric, value):
    """Higher is better: what the difference is measured in."""
    return value if metric.greater_is_better else -value


def _interval(low: float, high: float, draws: np.ndarray, level: float) -> tuple[float, float]:
    """SciPy's percentile interval; when some resamples had no score (a class missing from the
    draw) it is NaN, and the interval is taken over the resamples that had one."""
    if np.isfinite(low) and np.isfinite(high):
        return float(low), float(high)
    finite = draws[np.isfinite(draws)]
    if len(finite) < len(draws) // 2:
        return float("nan"), float("nan")
    tail = (1 - level) / 2
    return float(np.quantile(finite, tail)), float(np.quantile(finite, 1 - tail))


def _as_values(metric: Metric, interval: tuple[float, float]) -> tuple[float, float]:
    """A score interval back in the metric's own units (a loss interval flips its ends)."""
    low, high = interval
    return (low, high) if metric.greater_is_better else (-high, -low)
