"""Plain-language sentences about one audited column, for readers who are not engineers.

They are built from the finished (JSON-plain) column, so what they say is exactly what the table
shows; undefined values are None there and are left out of the sentences.
"""

from __future__ import annotations

from mlwright._types import Task
from mlwright.evaluate.fairness.judge import Thresholds


def column_sentences(column: dict, task: Task, positive: str, limits: Thresholds, min_rows: int) -> list[str]:
    """What a reader needs about one sensitive column: how it was read, the gaps, who falls behind."""
    name = column["column"]
    sentences = _context(column)
    judged = [g for g in column["groups"] if g["group"] not in column["small_groups"]]
    if len(judged) >= 2:
        headline = {Task.BINARY: _binary_headline, Task.MULTICLASS: _multiclass_headline,
                    Task.REGRESSION: _regression_headline}[task]
        sentences += headline(name, judged, column["differences"], positive, limits)
    sentences += [f"{note[0].upper()}{note[1:]}" for note in column["notes"]]
    sentences += _behind_sentences(name, column["behind"])
    if len(judged) >= 2 and not column["behind"]:
        why = _why_no_one(column, limits) if task is not Task.REGRESSION else ""
        sentences.append(f"No group of {name} falls behind by the thresholds used.{why}")
    if column["small_groups"]:
        sentences.append(f"Too few rows to judge in {name} (fewer than {min_rows}): "
                         f"{', '.join(column['small_groups'])}.")
    return sentences


def _why_no_one(column: dict, limits: Thresholds) -> str:
    """Explain a rate difference above the rule of thumb when nobody is named, lest it read as a contradiction."""
    large = [k for k, v in column["differences"].items()
             if v is not None and "difference" in k and v > limits.difference]
    if not large:
        return ""
    return (" The larger gaps come from a group doing better than the rest, or from rates that rest on too few "
            "rows to judge.")


def _context(column: dict) -> list[str]:
    name, sentences = column["column"], []
    if column["binned"]:
        ranges = ", ".join(g["group"] for g in column["groups"])
        sentences.append(f"{name} holds many different numbers, so it was split into ranges of similar size: "
                         f"{ranges}.")
    if column["used_as_feature"] is False:
        sentences.append(f"{name} was not an input of the model; differences between its groups come through "
                         f"other columns that go with it.")
    elif column["used_as_feature"]:
        sentences.append(f"{name} was one of the model's inputs.")
    return sentences


def _verdict(value: float, limit: float) -> str:
    return f"{'above' if value > limit else 'within'} the {limit:.2f} rule of thumb"


def _extremes(groups: list[dict], metric: str) -> tuple[dict, dict] | None:
    known = [g for g in groups if g["metrics"].get(metric) is not None]
    if len(known) < 2:
        return None
    ordered = sorted(known, key=lambda g: g["metrics"][metric])
    return ordered[0], ordered[-1]


def _binary_headline(name, groups, differences, positive, limits) -> list[str]:
    low, high = _extremes(groups, "selection_rate") or (None, None)
    dpd, eod = differences["demographic_parity_difference"], differences["equalized_odds_difference"]
    sentences = []
    if low is not None and dpd is not None:
        sentences.append(
            f"For {name}, the model predicts {positive!r} for {low['metrics']['selection_rate']:.0%} of "
            f"{low['group']} rows and {high['metrics']['selection_rate']:.0%} of {high['group']} rows "
            f"(demographic parity difference {dpd:.2f}, {_verdict(dpd, limits.difference)}).")
    ratio = differences["demographic_parity_ratio"]
    if ratio is not None and ratio < limits.ratio:
        sentences.append(f"The lowest rate is {ratio:.2f} times the highest, below the four-fifths "
                         f"({limits.ratio:.2f}) rule.")
    if eod is not None:
        sentences.append(f"Among rows that really are {positive!r}, and among those that are not, the share the model "
                         f"flags differs between groups by up to {eod:.2f} (equalized odds difference, "
                         f"{_verdict(eod, limits.difference)}).")
    return sentences


def _multiclass_headline(name, groups, differences, positive, limits) -> list[str]:
    sentences = []
    low, high = _extremes(groups, "accuracy") or (None, None)
    if low is not None:
        sentences.append(f"For {name}, accuracy ranges from {low['metrics']['accuracy']:.0%} ({low['group']}) to "
                         f"{high['metrics']['accuracy']:.0%} ({high['group']}).")
    rates = {k: v for k, v in differences.items() if k.startswith("selection_rate_difference[") and v is not None}
    if rates:
        key = max(rates, key=rates.get)
        label = key[len("selection_rate_difference["):-1]
        sentences.append(f"The largest gap in how often one class is predicted is for {label!r}: {rates[key]:.2f} "
                         f"between groups ({_verdict(rates[key], limits.difference)}).")
    return sentences


def _regression_headline(name, groups, differences, positive, limits) -> list[str]:
    sentences = []
    for metric, words in (("mean_prediction", "the average prediction"), ("mae", "the average error (MAE)")):
        low, high = _extremes(groups, metric) or (None, None)
        if low is not None:
            sentences.append(f"For {name}, {words} ranges from {low['metrics'][metric]:.3g} ({low['group']}) "
                             f"to {high['metrics'][metric]:.3g} ({high['group']}).")
    return sentences


def _behind_sentences(name: str, behind: list[dict]) -> list[str]:
    by_group: dict[str, list[str]] = {}
    for entry in behind:
        by_group.setdefault(entry["group"], []).append(entry["reason"])
    return [f"For {name}, the model falls behind for {group}: {'; '.join(reasons)}."
            for group, reasons in by_group.items()]
