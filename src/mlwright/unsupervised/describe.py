"""Each cluster in plain words: what sets its rows apart from all the rows.

For a number, the effect is the gap between the cluster's mean and the other rows' mean, in
overall standard deviations; for a category, the gap between its share in the cluster and in the
other rows, in the standard deviation of that share (so that a rare category that doubles counts
less than a common one that halves the rest). Against the other rows rather than all of them, so
that a large cluster, which is most of "all of them", is described by what sets it apart too;
the words give the overall figure, which reads more easily. The strongest few effects, above a floor, become
the sentence: "higher age (58 against 39 overall), mostly plan = basic (81% against 35%)".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mlwright.data.schema import DATETIME, NUMERIC, Schema

#: Effects smaller than this (in standard deviations) do not set a cluster apart.
MIN_EFFECT = 0.3
FACTS_PER_CLUSTER = 3
#: Categories looked at per column: the most common ones.
TOP_CATEGORIES = 20


def describe_clusters(frame: pd.DataFrame, schema: Schema, labels: np.ndarray, n_clusters: int) -> list[dict]:
    """One record per cluster: its number, rows, share, description and the facts behind it."""
    out = []
    for cluster in range(n_clusters):
        inside = labels == cluster
        facts = []
        for spec in schema.used:
            column = frame[spec.name]
            if spec.kind in (NUMERIC, DATETIME):
                facts += _number_fact(spec.name, column, inside, dates=spec.kind == DATETIME)
            else:
                facts += _category_fact(spec.name, column, inside)
        facts = sorted((f for f in facts if abs(f["effect"]) >= MIN_EFFECT), key=lambda f: -abs(f["effect"]))
        words = ", ".join(f["words"] for f in facts[:FACTS_PER_CLUSTER])
        out.append({"cluster": cluster, "rows": int(inside.sum()), "share": float(inside.mean()),
                    "description": f"cluster {cluster}: " + (words or "close to the overall average on every column"),
                    "facts": facts[:FACTS_PER_CLUSTER]})
    return out


def _number_fact(name: str, column: pd.Series, inside: np.ndarray, *, dates: bool) -> list[dict]:
    if dates:  # nanoseconds since 1970, missing where the date is
        stamps = pd.to_datetime(column, errors="coerce")
        values = np.where(stamps.isna(), np.nan,
                          stamps.to_numpy(dtype="datetime64[ns]").astype("int64").astype(float))
    else:
        values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
    present = ~np.isnan(values)
    if present[inside].sum() == 0 or present.sum() < 2:
        return []
    overall, spread = float(np.nanmean(values)), float(np.nanstd(values))
    if spread <= 0:
        return []
    here = float(np.nanmean(values[inside]))
    others = values[~inside]
    if np.isnan(others).all():
        return []
    effect = (here - float(np.nanmean(others))) / spread
    if dates:
        direction = "later" if effect > 0 else "earlier"
        shown = f"{_date(here)} against {_date(overall)} on average"
    else:
        direction = "higher" if effect > 0 else "lower"
        shown = f"{_number(here)} against {_number(overall)} overall"
    return [{"column": name, "effect": round(effect, 3), "cluster_value": here, "overall_value": overall,
             "words": f"{direction} {name} ({shown})"}]


def _category_fact(name: str, column: pd.Series, inside: np.ndarray) -> list[dict]:
    values = column.astype("string")
    best = None
    for category in values.value_counts().index[:TOP_CATEGORIES]:
        is_it = (values == category).fillna(False).to_numpy(dtype=bool)
        overall, here = float(is_it.mean()), float(is_it[inside].mean())
        if overall <= 0 or overall >= 1 or inside.all():
            continue
        effect = (here - float(is_it[~inside].mean())) / np.sqrt(overall * (1 - overall))
        if (best is None or effect > best["effect"]) and here > overall:
            how = "mostly" if here >= 0.5 else "more often"
            best = {"column": name, "effect": round(float(effect), 3), "category": str(category),
                    "cluster_value": here, "overall_value": overall,
                    "words": f"{how} {name} = {category} ({here:.0%} against {overall:.0%})"}
    return [best] if best is not None and best["effect"] > 0 else []


def _number(value: float) -> str:
    return f"{value:,.3g}" if abs(value) < 1e6 else f"{value:.3g}"


def _date(nanoseconds: float) -> str:
    return str(pd.Timestamp(int(nanoseconds)).date())
