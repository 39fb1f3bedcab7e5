"""Per-row, per-input-column additive contributions to the ensemble's output, and the SHAP
importance built from them.

For every row: ``base + contributions.sum() = output``, where output is what the model
returns (``raw_predict``: probabilities, calibrated when the model has a calibrator, or
values), up to rounding (about 1e-6 of the output's scale with XGBoost members, which sum
float32 margins; far less otherwise). How it is put together:

1. each member is attributed on its own encoded matrix (``members``): exact
   TreeSHAP for LightGBM, XGBoost and CatBoost, path attributions for forests, exact linear
   terms for linear models, sampled baseline Shapley values for networks, nothing for k-NN
   (see 4);
2. margin attributions are carried into probability space (``links``), then encoded features
   are summed back to the input column they come from (a one-hot block, a date's parts);
3. members are blended with their weights, as their predictions are;
4. what no input column can be credited with has a pseudo-column of its own, present only
   when some row's credit exceeds 1e-9: ``(unexplained)`` for members without an attribution
   (k-NN: its departure from its own average answer), and ``(calibration)`` for what the
   calibrator adds beyond scaling the row's (and class's) contributions by its secant slope
   ``(cal(blend) - cal(base)) / (blend - base)``: where that slope is undefined or negative
   (renormalised classes can make it so) the blend's contributions are kept as they are and
   ``(calibration)`` holds the difference. The base is then the calibrated base. A second
   layer (``mlwright.ensemble.stacking``) is treated the same way, its base being its output on
   the members' bases; what it adds beyond scaling goes to ``(calibration)`` too.

Bases: the boosted trees' and forests' training average, a linear model's or network's output
on the reference row (see ``members``), k-NN's class shares or mean target.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mlwright.data.schema import conform_columns
from mlwright.evaluate.explain._checks import require_positive, require_rows, sample_positions
from mlwright.evaluate.explain.links import to_output_space
from mlwright.evaluate.explain.members import attribute_member, has_tree_attribution

UNEXPLAINED = "(unexplained)"
CALIBRATION = "(calibration)"
PSEUDO_COLUMNS = (UNEXPLAINED, CALIBRATION)
#: A pseudo-column whose credits all stay below this is rounding, not something to show.
_NOISE = 1e-9


@dataclass
class Contributions:
    """``values``: rows x columns x outputs (one output per class, or one value); ``base`` and
    ``output``: rows x outputs. ``columns``: the used input columns, then the pseudo-columns
    that are non-zero."""

    columns: list[str]
    values: np.ndarray
    base: np.ndarray
    output: np.ndarray


def contributions(model, frame: pd.DataFrame, *, where: str = "data") -> Contributions:
    """Attribute the model's output on every row of ``frame`` (a table as read)."""
    require_rows(frame, where)
    conformed, _ = conform_columns(frame, model.schema, where=where, ignore=(model.target.name,))
    n_outputs = len(model.classes_) if model.task.is_classification else 1
    columns = [spec.name for spec in model.schema.used] + [UNEXPLAINED]
    values = np.zeros((len(frame), len(columns), n_outputs))
    base = np.zeros((len(frame), n_outputs))
    member_bases = {}
    for style, encoder in model.encoders.items():
        X = encoder.transform(conformed, len(frame))
        to_columns = _source_matrix(encoder.feature_sources_ + [UNEXPLAINED], columns)
        for member in (m for m in model.members if m.style == style):
            attribution = attribute_member(member, X, model.task, max(len(model.classes_), 1),
                                           sources=encoder.feature_sources_)
            phi, member_base = to_output_space(attribution, n_outputs)
            values += member.weight * np.einsum("nfk,fc->nck", phi, to_columns)
            base += member.weight * member_base
            member_bases[member.name] = member_base
    output = np.asarray(model.raw_predict(frame, where=where), dtype=np.float64).reshape(len(frame), n_outputs)
    values = np.concatenate([values, np.zeros((len(frame), 1, n_outputs))], axis=1)
    columns.append(CALIBRATION)
    stacker = getattr(getattr(model, "decision", None), "stacker", None)
    if stacker is not None:
        bases = {name: b if model.task.is_classification else b[:, 0] for name, b in member_bases.items()}
        final_base = np.asarray(stacker.apply(bases), dtype=np.float64).reshape(len(frame), n_outputs)
        values, base = _through_final_layer(values, final_base, output)
    elif _calibrator(model) is not None:
        values, base = _through_final_layer(values, np.asarray(model.decision.probabilities(base), dtype=np.float64),
                                            output)
    keep = [i for i, name in enumerate(columns) if name not in PSEUDO_COLUMNS or np.abs(values[:, i]).max() > _NOISE]
    return Contributions([columns[i] for i in keep], values[:, keep], base, output)


def _source_matrix(sources: list[str], columns: list[str]) -> np.ndarray:
    """features x columns: 1 where a feature comes from a column."""
    position = {name: i for i, name in enumerate(columns)}
    matrix = np.zeros((len(sources), len(columns)))
    matrix[np.arange(len(sources)), [position[s] for s in sources]] = 1.0
    return matrix


def _calibrator(model):
    if not model.task.is_classification:
        return None
    return getattr(getattr(model, "decision", None), "calibrator", None)


def _through_final_layer(values: np.ndarray, final_base: np.ndarray, output: np.ndarray):
    """Scale each row's (and class's) contributions by the calibrator's (or second layer's) secant
    slope; where the slope is undefined or negative (renormalised classes), the blend's
    contributions stay as they are and ``(calibration)`` holds the difference."""
    blended_change = values.sum(axis=1)
    calibrated_base = final_base
    wanted = output - calibrated_base
    usable = np.abs(blended_change) > 1e-12
    slope = np.where(usable, wanted / np.where(usable, blended_change, 1.0), 1.0)
    slope = np.where(usable & np.isfinite(slope) & (slope >= 0), slope, 1.0)
    values = values * slope[:, None, :]
    values[:, -1, :] = wanted - values[:, :-1, :].sum(axis=1)
    return values, calibrated_base


def shap_importance(model, frame: pd.DataFrame, *, max_rows: int = 1000, seed: int = 0) -> pd.DataFrame | None:
    """Mean absolute contribution of each used input column over (at most ``max_rows``) rows.

    Contributions are in output units (probability, or the target's unit); binary models
    explain the second class, multiclass models average over the classes. Returns columns
    ``column, mean_abs`` sorted by ``mean_abs`` descending, or None when no member of the
    ensemble is a tree model (a linear or k-NN-only ensemble: use permutation importance).
    """
    if not has_tree_attribution(model):
        return None
    require_rows(frame, "data")
    rows = sample_positions(len(frame), require_positive(max_rows, "max_rows"), seed)
    result = contributions(model, frame.iloc[rows])
    used = [spec.name for spec in model.schema.used]
    sizes = np.abs(result.values[:, :len(used), :]).mean(axis=0)
    mean_abs = sizes[:, 1] if sizes.shape[1] == 2 else sizes.mean(axis=1)
    table = pd.DataFrame({"column": used, "mean_abs": mean_abs})
    return table.sort_values("mean_abs", ascending=False, kind="stable").reset_index(drop=True)
