"""Name the groups that fall behind, by stated rules of thumb rather than by eye.

The rules, all applied to groups with at least ``min_group_rows`` rows and only when two or more
such groups exist:

* Selection rate (binary): a group is behind when its rate of positive predictions is below
  four-fifths (0.8) of the highest group's rate (the US "four-fifths rule" for adverse impact), or
  more than 0.10 below it (the usual threshold for a demographic parity difference). Both, because
  the ratio is strict with rare outcomes and the difference with common ones. This takes the
  positive class (``classes[1]``) to be the outcome people want (a loan, an interview); when it is
  the adverse one (default, fraud), a group "behind" on selection rate is in fact the favoured one.
* Quality metrics (binary: accuracy, recall, precision, ROC AUC; several classes: accuracy and
  balanced accuracy): behind when more than 0.05 (five points) below the overall value; false
  positive rate: more than 0.05 above it. Compared with the overall value, not the best group, so
  that one lucky group does not make every other group "behind". A rate resting on fewer than 10
  rows (recall needs 10 actual positives in the group) is not judged.
* Regression: mean absolute error more than 10% above the overall MAE, or a mean error (bias)
  larger than 10% of the overall MAE that also departs from the overall bias by as much. Both,
  so that neither a bias shared by every group nor one skewed group's pull on the overall bias
  names the others.
* Every gap must also exceed 1.96 standard errors of the group's value (the 95% level), so that
  on a few hundred rows chance alone is not named as unfairness. The error is binomial for rates,
  Hanley and McNeil's for ROC AUC, and the spread of the errors for regression.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from mlwright._types import Task
from mlwright.evaluate.fairness.metrics import GroupTable


@dataclass(frozen=True)
class Thresholds:
    """The rules of thumb above, as data, so the report can print the ones it used."""

    difference: float = 0.10
    ratio: float = 0.80
    metric_gap: float = 0.05
    relative_gap: float = 0.10
    min_support: int = 10
    chance_z: float = 1.96

    def to_dict(self) -> dict:
        return asdict(self)


#: (metric, higher is better, the counts its rate rests on) judged against the overall value.
_QUALITY_RULES = {
    Task.BINARY: [("accuracy", True, ("rows",)), ("recall", True, ("positives",)),
                  ("false_positive_rate", False, ("negatives",)), ("precision", True, ("predicted_positives",)),
                  ("roc_auc", True, ("positives", "negatives"))],
    Task.MULTICLASS: [("accuracy", True, ("rows",)), ("balanced_accuracy", True, ("rows",))],
}
_READABLE = {"accuracy": "accuracy", "recall": "recall (share of actual positives found)",
             "false_positive_rate": "false positive rate (share of actual negatives wrongly flagged)",
             "precision": "precision (share of flagged rows that are right)", "roc_auc": "ROC AUC",
             "balanced_accuracy": "balanced accuracy"}


def find_behind(table: GroupTable, task: Task, judgeable: list[str], limits: Thresholds,
                positive: str = "positive") -> list[dict]:
    """One entry per group and metric where a judgeable group falls behind, in the groups' order."""
    if len(judgeable) < 2:
        return []
    if task is Task.REGRESSION:
        found = _regression_behind(table, judgeable, limits)
    else:
        found = _quality_behind(table, judgeable, _QUALITY_RULES[task], limits)
        if task is Task.BINARY:
            found = _selection_behind(table, judgeable, limits, positive) + found
    rank = {group: i for i, group in enumerate(judgeable)}
    return sorted(found, key=lambda entry: rank[entry["group"]])


def _entry(group: str, metric: str, value: float, reference: float, reason: str) -> dict:
    return {"group": group, "metric": metric, "value": value, "reference": reference,
            "gap": value - reference, "reason": reason}


def _known(value) -> bool:
    return value is not None and not math.isnan(value)


def _binomial_se(rate: float, count: float) -> float:
    return math.sqrt(max(rate * (1 - rate), 0.0) / count)


def _auc_se(auc: float, positives: float, negatives: float) -> float:
    """Hanley & McNeil (1982), the standard error of a ROC AUC from the counts of each class."""
    q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
    variance = auc * (1 - auc) + (positives - 1) * (q1 - auc * auc) + (negatives - 1) * (q2 - auc * auc)
    return math.sqrt(max(variance, 0.0) / (positives * negatives))


def _selection_behind(table: GroupTable, judgeable: list[str], limits: Thresholds, positive: str) -> list[dict]:
    """Four-fifths or 0.10 below the group that is selected most often, by more than chance."""
    rates = {g: table.by_group[g]["selection_rate"] for g in judgeable}
    top = max(rates, key=rates.get)
    rows = {g: table.support[g]["rows"] for g in judgeable}
    found = []
    for group, rate in rates.items():
        ratio = rate / rates[top] if rates[top] > 0 else 1.0
        noise = math.hypot(_binomial_se(rates[top], rows[top]), _binomial_se(rate, rows[group]))
        material = ratio < limits.ratio or rates[top] - rate > limits.difference
        if group == top or not material or rates[top] - rate <= limits.chance_z * noise:
            continue
        rule = (f"below {limits.ratio:.0%} of it" if ratio < limits.ratio
                else f"more than {limits.difference:.2f} below it")
        reason = (f"predicted {positive!r} for {rate:.0%} of its rows against {rates[top]:.0%} for {top} "
                  f"(ratio {ratio:.2f}, {rule})")
        found.append(_entry(group, "selection_rate", rate, rates[top], reason))
    return found


def _quality_behind(table: GroupTable, judgeable: list[str], rules: list, limits: Thresholds) -> list[dict]:
    """More than ``metric_gap`` (and than chance) worse than overall, where enough rows support the rate."""
    found = []
    for group in judgeable:
        support = table.support[group]
        for metric, higher_is_better, needs in rules:
            value, reference = table.by_group[group].get(metric), table.overall.get(metric)
            if not (_known(value) and _known(reference)) or any(support[n] < limits.min_support for n in needs):
                continue
            noise = (_auc_se(reference, support["positives"], support["negatives"]) if metric == "roc_auc"
                     else _binomial_se(reference, support[needs[0]]))
            worse_by = (reference - value) if higher_is_better else (value - reference)
            if worse_by > max(limits.metric_gap, limits.chance_z * noise):
                direction = "below" if higher_is_better else "above"
                reason = (f"{_READABLE[metric]} is {value:.2f} against {reference:.2f} overall "
                          f"(more than {limits.metric_gap:.2f} {direction})")
                found.append(_entry(group, metric, value, reference, reason))
    return found


def _regression_behind(table: GroupTable, judgeable: list[str], limits: Thresholds) -> list[dict]:
    """Errors 10% larger than overall, or a bias of its own of more than 10% of the MAE, beyond chance."""
    mae, bias = table.overall["mae"], table.overall["mean_error"]
    if not mae > 0:
        return []
    found = []
    for group in judgeable:
        metrics, support = table.by_group[group], table.support[group]
        mae_noise = limits.chance_z * support["abs_error_sd"] / math.sqrt(support["rows"])
        if metrics["mae"] - mae > max(limits.relative_gap * mae, mae_noise):
            reason = (f"mean absolute error is {metrics['mae']:.3g} against {mae:.3g} overall "
                      f"(more than {limits.relative_gap:.0%} larger)")
            found.append(_entry(group, "mae", metrics["mae"], mae, reason))
        own = metrics["mean_error"]
        margin = max(limits.relative_gap * mae, limits.chance_z * support["error_sd"] / math.sqrt(support["rows"]))
        if abs(own) > margin and abs(own - bias) > margin:
            side = "under" if own < 0 else "over"
            reason = (f"predictions are on average {own:+.3g} from the actual value against {bias:+.3g} "
                      f"overall: the model {side}-estimates this group")
            found.append(_entry(group, "mean_error", own, bias, reason))
    return found
